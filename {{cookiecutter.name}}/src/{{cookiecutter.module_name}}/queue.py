"""The API's queue client: Safir's arq queues, plus what the job API needs."""

import asyncio
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, override

import structlog
from arq.connections import ArqRedis
from arq.constants import (
    health_check_key_suffix,
    in_progress_key_prefix,
    job_key_prefix,
    result_key_prefix,
    retry_key_prefix,
)
from arq.jobs import DeserializationError, Job, JobStatus, serialize_job
from arq.utils import timestamp_ms, to_unix_ms
from safir.arq import (
    ArqMode,
    ArqQueue,
    JobMetadata,
    JobNotFound,
    JobNotQueued,
    JobResultUnavailable,
    MockArqQueue,
    RedisArqQueue,
)

from .config import Config
from .logs import LOGGER_NAME
from .records import META_KEY, FailedJob, JobRecords, Progress
from .redis import API_RETRIES, pool_for, wake_key

LIST_SCAN_LIMIT = 10_000  # queue entries or result keys a listing examines
LIST_BATCH = 50  # jobs read from Redis at a time while listing

ENQUEUE_SCRIPT = """
if redis.call('EXISTS', KEYS[1], KEYS[2]) > 0 then return 0 end
redis.call('PSETEX', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
redis.call('LPUSH', KEYS[4], 1)
redis.call('LTRIM', KEYS[4], 0, ARGV[5])
return 1
"""
"""arq's ``enqueue_job`` in one round trip instead of three: the same keys,
expiry and payload, refused if the job or its result exists; then it wakes
an idle worker (``worker/loop.py``)."""

WAKE_LIMIT = 64  # wake-ups kept for workers that are busy

type MetaHook = Callable[[dict[str, str]], None]
"""Adds text entries to a job's ``_meta`` as the job is queued."""

META_HOOKS: list[MetaHook] = []
"""Hooks that ``main.py`` registers (tracing adds the trace context)."""


@dataclass(frozen=True, slots=True)
class JobOptions:
    """How and when a job is queued, apart from its task's arguments."""

    job_id: str | None = None
    defer_by: timedelta | None = None
    defer_until: datetime | None = None
    request_id: str | None = None

    def run_at(self, now: datetime) -> datetime:
        """Return when the job becomes due, given the time it is queued."""
        if self.defer_until is not None:
            return self.defer_until
        return now + (self.defer_by or timedelta(0))

    def arguments(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """Return the keyword arguments to store: the task's and ours."""
        meta: dict[str, str] = {}
        if self.request_id is not None:
            meta["request_id"] = self.request_id
        for hook in META_HOOKS:
            hook(meta)
        return {**kwargs, META_KEY: meta} if meta else kwargs

    def queued(
        self,
        job_id: str,
        task_name: str,
        kwargs: dict[str, Any],
        queue: str,
        now: datetime | None = None,
    ) -> JobMetadata:
        """Describe the job just queued with these options and arguments."""
        now = now or datetime.now(tz=UTC)
        deferred = self.run_at(now) > now
        return JobMetadata(
            id=job_id,
            name=task_name,
            args=(),
            kwargs=kwargs,
            enqueue_time=now,
            status=JobStatus.deferred if deferred else JobStatus.queued,
            queue_name=queue,
        )


class JobQueue(ArqQueue, ABC):
    """Safir's queue interface, plus what the job API needs.

    A second implementation (another store, another queue library) provides
    these methods and Safir's `~safir.arq.ArqQueue` ones.
    """

    @abstractmethod
    async def submit(
        self, task_name: str, kwargs: dict[str, Any], options: JobOptions
    ) -> JobMetadata:
        """Queue a job on the default queue.

        Raises
        ------
        safir.arq.JobNotQueued
            Raised if a job with the same id is queued, running or has a
            result that has not expired.
        """

    @abstractmethod
    async def list_jobs(
        self, status: JobStatus, limit: int
    ) -> list[JobMetadata]:
        """List up to ``limit`` jobs with a status, newest first.

        Complete jobs carry their results; an unreadable entry is left out
        and logged.
        """

    @abstractmethod
    async def ping(self) -> None:
        """Check that the store answers; raise its client's error if not."""

    @abstractmethod
    async def count_jobs(self) -> dict[str, int]:
        """Count the jobs of each listable status, up to the listing bound."""

    @abstractmethod
    async def worker_health(self) -> dict[str, str]:
        """Return each worker's latest health report, by its key."""

    @abstractmethod
    async def get_progress(self, job_id: str) -> Progress | None:
        """Return the progress that a running job last reported, if any."""

    @abstractmethod
    async def list_failed(self, limit: int) -> list[FailedJob]:
        """List up to ``limit`` jobs that failed for good, newest first."""

    @abstractmethod
    async def get_failed(self, job_id: str) -> FailedJob | None:
        """Return the job with this id that failed for good, if kept."""

    @abstractmethod
    async def drop_failed(self, job_id: str) -> bool:
        """Forget a failed job; return whether one was kept."""

    @abstractmethod
    async def add_failed(self, job: FailedJob) -> None:
        """Keep a failed job (again, if a requeue of it did not go through)."""


class RedisJobQueue(RedisArqQueue, JobQueue):
    """The production queue, in Redis."""

    def __init__(self, pool: ArqRedis, config: Config) -> None:
        super().__init__(pool, default_queue_name=config.queue_name)
        self._records = JobRecords(pool, config)
        self._enqueue = pool.register_script(ENQUEUE_SCRIPT)
        self._reported: set[str] = set()
        """Unreadable entries already logged by a listing."""

    @override
    def _get_job(self, job_id: str, queue_name: str | None = None) -> Job:
        # Safir's RedisArqQueue reads with pickle whatever the pool was
        # given; this reads with the pool's signed deserializer.
        return Job(
            job_id,
            self._pool,
            _queue_name=queue_name or self.default_queue_name,
            _deserializer=self._pool.job_deserializer,
        )

    @override
    async def submit(
        self, task_name: str, kwargs: dict[str, Any], options: JobOptions
    ) -> JobMetadata:
        stored = options.arguments(kwargs)
        job_id = options.job_id or uuid.uuid4().hex
        queue = self.default_queue_name
        now = datetime.now(tz=UTC)
        now_ms = to_unix_ms(now)
        due_ms = to_unix_ms(options.run_at(now))
        # arq's expiry, counted from now for a job due in the past.
        expires_ms = max(due_ms - now_ms, 0) + self._pool.expires_extra_ms
        payload = serialize_job(
            task_name,
            (),
            stored,
            None,
            now_ms,
            serializer=self._pool.job_serializer,
        )
        keys = [
            job_key_prefix + job_id,
            result_key_prefix + job_id,
            queue,
            wake_key(queue),
        ]
        args: list[bytes | int | str] = [
            expires_ms,
            payload,
            due_ms,
            job_id,
            WAKE_LIMIT - 1,
        ]
        if not await self._enqueue(keys, args):
            raise JobNotQueued(job_id)
        return options.queued(job_id, task_name, stored, queue, now)

    @override
    async def abort_job(
        self,
        job_id: str,
        queue_name: str | None = None,
        *,
        timeout: float | None = None,
    ) -> bool:
        try:
            return await super().abort_job(job_id, queue_name, timeout=timeout)
        except DeserializationError:
            # No worker of this service could run it: take it off the queue,
            # and its data only once it was on this queue, not another's.
            queue = queue_name or self.default_queue_name
            if not await self._pool.zrem(queue, job_id):
                raise
            await self._pool.delete(
                job_key_prefix + job_id, retry_key_prefix + job_id
            )
            return True

    @override
    async def list_jobs(
        self, status: JobStatus, limit: int
    ) -> list[JobMetadata]:
        # Queued jobs come newest first and running ones oldest first, so
        # reading stops at the first ``limit`` matches; deferred and complete
        # ones come in no useful order and are all read (up to the bound).
        ordered = status in {JobStatus.queued, JobStatus.in_progress}
        if status == JobStatus.complete:
            ids = await self._result_ids()
        else:
            ids = await self._queued_ids(status)
        found: list[JobMetadata] = []
        unreadable: list[str] = []
        batch = max(limit, LIST_BATCH)
        for start in range(0, len(ids), batch):
            chunk = ids[start : start + batch]
            jobs = await asyncio.gather(
                *(self._read(i, status, unreadable) for i in chunk)
            )
            found.extend(
                job
                for job in jobs
                if job
                and job.status == status
                and job.queue_name == self.default_queue_name
            )
            if ordered and len(found) >= limit:
                break
        if new := set(unreadable) - self._reported:
            if len(self._reported) > LIST_SCAN_LIMIT:
                self._reported.clear()  # bounded; some may be logged again
            self._reported |= new
            structlog.get_logger(LOGGER_NAME).warning(
                "Left out jobs whose data this service cannot read",
                count=len(new),
                job_ids=sorted(new)[:10],
            )
        found.sort(key=lambda job: job.enqueue_time, reverse=True)
        return found[:limit]

    @override
    async def ping(self) -> None:
        await self._pool.ping()

    @override
    async def count_jobs(self) -> dict[str, int]:
        now = timestamp_ms()
        queue = self.default_queue_name
        due = await self._pool.zcount(queue, "-inf", now)
        running = len(await self._queued_ids(JobStatus.in_progress))
        return {
            "deferred": await self._pool.zcount(queue, f"({now}", "+inf"),
            "queued": max(due - running, 0),
            "in_progress": running,
            # Result keys are arq's, for every queue of this database.
            "complete": len(await self._result_ids()),
            "failed": await self._records.count_failed(),
        }

    @override
    async def worker_health(self) -> dict[str, str]:
        pattern = f"{self.default_queue_name}{health_check_key_suffix}*"
        keys = [key async for key in self._pool.scan_iter(match=pattern)]
        values = await self._pool.mget(keys) if keys else []
        return {
            key.decode(): value.decode()
            for key, value in zip(keys, values, strict=True)
            if value is not None
        }

    @override
    async def get_progress(self, job_id: str) -> Progress | None:
        return await self._records.get_progress(job_id)

    @override
    async def list_failed(self, limit: int) -> list[FailedJob]:
        return await self._records.list_failed(limit)

    @override
    async def get_failed(self, job_id: str) -> FailedJob | None:
        return await self._records.get_failed(job_id)

    @override
    async def drop_failed(self, job_id: str) -> bool:
        return await self._records.drop_failed(job_id)

    @override
    async def add_failed(self, job: FailedJob) -> None:
        await self._records.add_failed(job)

    async def _read(
        self, job_id: str, status: JobStatus, unreadable: list[str]
    ) -> JobMetadata | None:
        try:
            if status == JobStatus.complete:
                return await self.get_job_result(job_id)
            return await self.get_job_metadata(job_id)
        except (JobNotFound, JobResultUnavailable):
            return None  # finished or expired while we listed
        except DeserializationError:
            # Another application's entry in a shared database, one signed
            # with a key no longer accepted, or one tampered with.
            unreadable.append(job_id)
            return None

    async def _queued_ids(self, status: JobStatus) -> list[str]:
        now = timestamp_ms()
        if status == JobStatus.deferred:
            entries = await self._pool.zrangebyscore(
                self.default_queue_name,
                f"({now}",
                "+inf",
                start=0,
                num=LIST_SCAN_LIMIT,
            )
        else:
            entries = await self._pool.zrevrangebyscore(
                self.default_queue_name,
                now,
                "-inf",
                start=0,
                num=LIST_SCAN_LIMIT,
            )
        ids = [entry.decode() for entry in entries]
        async with self._pool.pipeline(transaction=False) as pipe:
            for job_id in ids:
                pipe.exists(in_progress_key_prefix + job_id)
            running = await pipe.execute()
        want_running = status == JobStatus.in_progress
        return [
            job_id
            for job_id, is_running in zip(ids, running, strict=True)
            if bool(is_running) == want_running
        ]

    async def _result_ids(self) -> list[str]:
        ids: list[str] = []
        async for key in self._pool.scan_iter(
            match=result_key_prefix + "*", count=1000
        ):
            ids.append(key.decode().removeprefix(result_key_prefix))
            if len(ids) >= LIST_SCAN_LIMIT:
                break
        return ids


class MockJobQueue(MockArqQueue, JobQueue):
    """The in-memory queue of ``ArqMode.test``, for the API's tests.

    Tests set what a worker would write in ``progress`` and ``failed``.
    """

    def __init__(self, *, default_queue_name: str) -> None:
        super().__init__(default_queue_name=default_queue_name)
        self.progress: dict[str, Progress] = {}
        self.failed: dict[str, FailedJob] = {}

    @override
    async def submit(
        self, task_name: str, kwargs: dict[str, Any], options: JobOptions
    ) -> JobMetadata:
        jobs = self._job_metadata[self.default_queue_name]
        job_id = options.job_id or uuid.uuid4().hex
        if job_id in jobs:
            raise JobNotQueued(job_id)
        jobs[job_id] = options.queued(
            job_id,
            task_name,
            options.arguments(kwargs),
            self.default_queue_name,
        )
        return jobs[job_id]

    @override
    async def list_jobs(
        self, status: JobStatus, limit: int
    ) -> list[JobMetadata]:
        queue = self.default_queue_name
        jobs = [
            self._job_results[queue].get(job.id, job)
            for job in self._job_metadata[queue].values()
            if job.status == status
        ]
        jobs.sort(key=lambda job: job.enqueue_time, reverse=True)
        return jobs[:limit]

    @override
    async def ping(self) -> None:
        return

    @override
    async def count_jobs(self) -> dict[str, int]:
        queue = self.default_queue_name
        counts = dict.fromkeys(["deferred", "queued", "in_progress"], 0)
        counts["complete"] = 0
        for job in self._job_metadata[queue].values():
            counts[job.status.value] = counts.get(job.status.value, 0) + 1
        counts["failed"] = len(self.failed)
        return counts

    @override
    async def worker_health(self) -> dict[str, str]:
        return {}

    @override
    async def get_progress(self, job_id: str) -> Progress | None:
        return self.progress.get(job_id)

    @override
    async def list_failed(self, limit: int) -> list[FailedJob]:
        jobs = sorted(
            self.failed.values(), key=lambda j: j.failed_time, reverse=True
        )
        return jobs[:limit]

    @override
    async def get_failed(self, job_id: str) -> FailedJob | None:
        return self.failed.get(job_id)

    @override
    async def drop_failed(self, job_id: str) -> bool:
        return self.failed.pop(job_id, None) is not None

    @override
    async def add_failed(self, job: FailedJob) -> None:
        self.failed[job.id] = job


class QueueDependency:
    """Opens the process's `JobQueue` in the lifespan and serves it.

    Takes the place of Safir's ``arq_dependency``, which builds its mock
    without the queue name (so it knows only arq's default queue) and its
    Redis queue with pickle.
    """

    def __init__(self) -> None:
        self._queue: JobQueue | None = None

    async def initialize(self, config: Config) -> None:
        """Open the queue client: Redis, or the mock in ``ArqMode.test``."""
        if config.arq_mode == ArqMode.test:
            self._queue = MockJobQueue(default_queue_name=config.queue_name)
            return
        pool = pool_for(config, retries=API_RETRIES)
        await pool.ping()
        self._queue = RedisJobQueue(pool, config)

    async def __call__(self) -> JobQueue:
        """Return the queue, for ``Depends``."""
        if self._queue is None:
            raise RuntimeError("The queue dependency is not initialized")
        return self._queue

    async def aclose(self) -> None:
        """Close the queue's connections."""
        if self._queue is not None:
            await self._queue.aclose()
            self._queue = None


arq_dependency = QueueDependency()
"""The process's queue dependency, opened by the app's lifespan."""
