"""What the job layer keeps in Redis beside arq's keys: progress and failures.

Both go through the job serializer (signed, unless ``SERIALIZER=pickle``),
are written by the worker and read by the API, and expire on their own.
"""

import pickle
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from arq.connections import ArqRedis
from arq.jobs import DeserializationError
from pydantic import BaseModel, Field

from .config import Config
from .logs import LOGGER_NAME
from .redis import serializers_for

META_KEY = "_meta"
"""Keyword argument in which a job carries its request id to the worker,
with what hooks add (``queue.META_HOOKS``)."""

PROGRESS_PREFIX = "arq:progress:"


class Progress(BaseModel):
    """How far a running job has come, as its task last reported."""

    fraction: float = Field(..., ge=0, le=1, description="From 0 to 1.")
    message: str = Field("", max_length=200)
    updated: datetime


class FailedJob(BaseModel):
    """A job that failed for good, kept after arq's result expires."""

    id: str
    task: str
    kwargs: dict[str, Any]
    error: str
    tries: int
    request_id: str | None = None
    enqueue_time: datetime
    start_time: datetime
    failed_time: datetime


def split_meta(
    kwargs: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, str]]:
    """Return a job's own arguments and the text entries of its ``_meta``."""
    own = dict(kwargs)
    meta = own.pop(META_KEY, None)
    if not isinstance(meta, dict):
        return own, {}
    carried = {
        key: value
        for key, value in meta.items()
        if isinstance(key, str) and isinstance(value, str)
    }
    return own, carried


def _ms(duration: timedelta) -> int:
    # Redis takes whole milliseconds, at least one.
    return max(1, int(duration.total_seconds() * 1000))


class JobRecords:
    """Progress and failed jobs of one queue, in its Redis."""

    def __init__(self, redis: ArqRedis, config: Config) -> None:
        self._redis = redis
        self._dumps, self._loads = serializers_for(config)
        self._index = f"{config.queue_name}:failed"
        """Sorted set of failed job ids, scored by failure time in ms."""
        self._retention = config.failed_job_retention
        self._limit = config.failed_job_limit

    async def set_progress(
        self, job_id: str, progress: Progress, ttl: timedelta
    ) -> None:
        """Store a job's latest progress until ``ttl`` has passed."""
        payload = self._dumps(progress.model_dump(mode="json"))
        await self._redis.set(PROGRESS_PREFIX + job_id, payload, px=_ms(ttl))

    async def clear_progress(self, job_id: str) -> None:
        """Forget a job's progress, as a new try starts from nothing."""
        await self._redis.delete(PROGRESS_PREFIX + job_id)

    async def get_progress(self, job_id: str) -> Progress | None:
        """Return a job's latest progress, if it reported any."""
        data = await self._redis.get(PROGRESS_PREFIX + job_id)
        return None if data is None else self._read(Progress, data)

    async def add_failed(self, job: FailedJob) -> None:
        """Keep a failed job, dropping expired and the oldest over the cap."""
        now = int(job.failed_time.timestamp() * 1000)
        oldest = now - _ms(self._retention)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(
                self._key(job.id),
                self._dumps(job.model_dump(mode="json")),
                px=_ms(self._retention),
            )
            pipe.zadd(self._index, {job.id: now})
            pipe.zremrangebyscore(self._index, "-inf", f"({oldest}")
            pipe.zrange(self._index, 0, -(self._limit + 1))
            *_, overflow = await pipe.execute()
        if overflow:
            ids = [entry.decode() for entry in overflow]
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.delete(*(self._key(job_id) for job_id in ids))
                pipe.zrem(self._index, *ids)
                await pipe.execute()

    async def list_failed(self, limit: int) -> list[FailedJob]:
        """List up to ``limit`` failed jobs, most recent failure first."""
        oldest = datetime.now(tz=UTC) - self._retention
        ids = await self._redis.zrevrangebyscore(
            self._index,
            "+inf",
            int(oldest.timestamp() * 1000),
            start=0,
            num=limit,
        )
        if not ids:
            return []
        values = await self._redis.mget([self._key(i.decode()) for i in ids])
        found: list[FailedJob] = []
        unreadable: list[str] = []
        for job_id, value in zip(ids, values, strict=True):
            if value is None:
                continue  # expired since the index was read
            try:
                found.append(self._read(FailedJob, value))
            except DeserializationError:
                unreadable.append(job_id.decode())
        if unreadable:
            # As the job listing does: one bad entry never fails the page.
            structlog.get_logger(LOGGER_NAME).warning(
                "Left out failed jobs whose data this service cannot read",
                job_ids=unreadable[:10],
            )
        return found

    async def count_failed(self) -> int:
        """Count the failed jobs kept."""
        oldest = datetime.now(tz=UTC) - self._retention
        since = int(oldest.timestamp() * 1000)
        count: int = await self._redis.zcount(self._index, since, "+inf")
        return count

    async def get_failed(self, job_id: str) -> FailedJob | None:
        """Return the failed job with this id, if one is kept."""
        data = await self._redis.get(self._key(job_id))
        return None if data is None else self._read(FailedJob, data)

    async def drop_failed(self, job_id: str) -> bool:
        """Forget a failed job; return whether one was kept."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._key(job_id))
            pipe.zrem(self._index, job_id)
            deleted, _ = await pipe.execute()
        return bool(deleted)

    def _key(self, job_id: str) -> str:
        return f"{self._index}:{job_id}"

    def _read[T: BaseModel](self, model: type[T], data: bytes) -> T:
        try:
            return model.model_validate(self._loads(data))
        except (ValueError, TypeError, pickle.UnpicklingError) as exc:
            # Read as arq reports its own unreadable jobs, and answered so.
            raise DeserializationError(str(exc)) from exc
