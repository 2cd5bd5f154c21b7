"""The API's arq queue client: Safir's, plus job ids, deferral and listing.

`RedisJobQueue` and `MockJobQueue` extend Safir's `~safir.arq.RedisArqQueue`
and `~safir.arq.MockArqQueue` with the operations the job API needs beyond
Safir's `~safir.arq.ArqQueue` interface, so the handler tests can keep using
the mock exactly as Safir documents.
"""

import asyncio
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast, override

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.constants import (
    default_queue_name,
    in_progress_key_prefix,
    result_key_prefix,
)
from arq.jobs import Job, JobStatus
from arq.utils import timestamp_ms
from redis.asyncio.sentinel import Sentinel
from safir.arq import (
    ArqMode,
    ArqQueue,
    JobMetadata,
    JobNotFound,
    JobNotQueued,
    MockArqQueue,
    RedisArqQueue,
)
from safir.dependencies.arq import ArqDependency

from .serialization import Serializers

__all__ = [
    "JobOptions",
    "JobQueue",
    "MockJobQueue",
    "QueueDependency",
    "RedisJobQueue",
    "arq_dependency",
    "sentinel_pool",
]

LIST_SCAN_LIMIT = 10_000
"""Most queue entries or result keys that one listing request examines."""

LIST_BATCH = 50
"""Jobs read from Redis at a time while listing."""


def sentinel_pool(
    settings: RedisSettings, serializers: Serializers, *, queue_name: str
) -> ArqRedis:
    """Return an arq pool on the master that Redis Sentinels name.

    arq's `~arq.connections.create_pool` passes a Sentinel pool none of the
    settings' retries, so every command during a failover fails at once and
    an arq worker exits. This pool retries as ``settings`` say, and each
    retry connects anew, asking the Sentinels for the current master. It
    connects on its first command.

    Parameters
    ----------
    settings
        Redis settings with ``sentinel`` set and ``host`` the Sentinels.
    serializers
        Serializer and deserializer of jobs and results.
    queue_name
        Queue that jobs go to and are read from.

    Returns
    -------
    arq.connections.ArqRedis
        The pool.
    """
    if isinstance(settings.host, str) or not settings.sentinel:
        raise ValueError("settings do not name Sentinels")
    timeout = {"socket_connect_timeout": settings.conn_timeout}
    tls = (
        {
            "ssl": True,
            "ssl_ca_certs": settings.ssl_ca_certs,
            "ssl_check_hostname": settings.ssl_check_hostname,
        }
        if settings.ssl
        else {}
    )
    # redis-py's Sentinel.__init__ has no annotations.
    sentinels = Sentinel(  # type: ignore[no-untyped-call]
        settings.host,
        # Sentinels that do not answer in time are skipped, not waited for.
        sentinel_kwargs={**timeout, "socket_timeout": settings.conn_timeout},
        db=settings.database,
        username=settings.username,
        password=settings.password,
        retry=settings.retry,
        retry_on_error=settings.retry_on_error,
        retry_on_timeout=settings.retry_on_timeout,
        **timeout,
        **tls,
    )
    pool = cast(
        "ArqRedis",
        sentinels.master_for(settings.sentinel_master, redis_class=ArqRedis),
    )
    pool.job_serializer, pool.job_deserializer = serializers
    pool.default_queue_name = queue_name
    return pool


@dataclass(frozen=True, slots=True)
class JobOptions:
    """How and when a job is queued, apart from its task's arguments."""

    job_id: str | None = None
    """Client-chosen id; a second job with a live id is refused."""

    defer_by: timedelta | None = None
    """Run no sooner than this long after it is queued."""

    defer_until: datetime | None = None
    """Run no sooner than this time."""

    def run_at(self, now: datetime) -> datetime:
        """Return when the job becomes due, given the time it is queued."""
        if self.defer_until is not None:
            return self.defer_until
        return now + (self.defer_by or timedelta(0))


class JobQueue(ArqQueue, ABC):
    """Safir's queue interface plus what the job API needs."""

    @abstractmethod
    async def submit(
        self, task_name: str, kwargs: dict[str, Any], options: JobOptions
    ) -> JobMetadata:
        """Queue a job on the default queue.

        Parameters
        ----------
        task_name
            Name of the task.
        kwargs
            Keyword arguments of the task.
        options
            Job id and deferral.

        Returns
        -------
        safir.arq.JobMetadata
            The queued job.

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
        """List jobs of the default queue with a status, newest first.

        Parameters
        ----------
        status
            Status to list.
        limit
            Most jobs to return.

        Returns
        -------
        list of safir.arq.JobMetadata
            Jobs, most recently queued first; complete jobs carry results.
        """

    @abstractmethod
    async def ping(self) -> None:
        """Check that the queue's store answers.

        Raises
        ------
        Exception
            Whatever the store's client raises when it cannot be reached.
        """


class RedisJobQueue(RedisArqQueue, JobQueue):
    """The production queue, in Redis.

    Every read goes through the pool's deserializer; Safir's base class
    would read jobs and results with pickle whatever the pool was given.
    """

    @classmethod
    async def connect(
        cls,
        redis_settings: RedisSettings,
        serializers: Serializers,
        *,
        default_queue_name: str = default_queue_name,
    ) -> "RedisJobQueue":
        """Open a connection pool that stores jobs with ``serializers``.

        Parameters
        ----------
        redis_settings
            Redis connection settings.
        serializers
            Serializer and deserializer of jobs and results.
        default_queue_name
            Queue that jobs go to and are read from.

        Returns
        -------
        RedisJobQueue
            The queue client.
        """
        if redis_settings.sentinel:
            pool = sentinel_pool(
                redis_settings, serializers, queue_name=default_queue_name
            )
            await pool.ping()
            return cls(pool, default_queue_name=default_queue_name)
        serializer, deserializer = serializers
        pool = await create_pool(
            redis_settings,
            default_queue_name=default_queue_name,
            job_serializer=serializer,
            job_deserializer=deserializer,
        )
        return cls(pool, default_queue_name=default_queue_name)

    @override
    def _get_job(self, job_id: str, queue_name: str | None = None) -> Job:
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
        now = datetime.now(tz=UTC)
        job = await self._pool.enqueue_job(
            task_name,
            _job_id=options.job_id,
            _queue_name=self.default_queue_name,
            _defer_by=options.defer_by,
            _defer_until=options.defer_until,
            **kwargs,
        )
        if job is None:
            raise JobNotQueued(options.job_id)
        # Built from what was just written rather than read back from Redis,
        # which would cost four more round trips per request.
        run_at = options.run_at(now)
        return JobMetadata(
            id=job.job_id,
            name=task_name,
            args=(),
            kwargs=kwargs,
            enqueue_time=now,
            status=JobStatus.deferred if run_at > now else JobStatus.queued,
            queue_name=self.default_queue_name,
        )

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
        batch = max(limit, LIST_BATCH)
        for start in range(0, len(ids), batch):
            chunk = ids[start : start + batch]
            jobs = await asyncio.gather(*(self._read(i) for i in chunk))
            found.extend(
                job
                for job in jobs
                if job
                and job.status == status
                and job.queue_name == self.default_queue_name
            )
            if ordered and len(found) >= limit:
                break
        found.sort(key=lambda job: job.enqueue_time, reverse=True)
        return found[:limit]

    @override
    async def ping(self) -> None:
        await self._pool.ping()

    async def _read(self, job_id: str) -> JobMetadata | None:
        try:
            metadata = await self.get_job_metadata(job_id)
            if metadata.status == JobStatus.complete:
                return await self.get_job_result(job_id)
        except JobNotFound:
            return None  # finished or expired while we listed
        return metadata

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
    """The in-memory queue of ``ArqMode.test``, for the API's tests."""

    @override
    async def submit(
        self, task_name: str, kwargs: dict[str, Any], options: JobOptions
    ) -> JobMetadata:
        jobs = self._job_metadata[self.default_queue_name]
        job_id = options.job_id or uuid.uuid4().hex
        if job_id in jobs:
            raise JobNotQueued(job_id)
        now = datetime.now(tz=UTC)
        deferred = options.run_at(now) > now
        job = JobMetadata(
            id=job_id,
            name=task_name,
            args=(),
            kwargs=kwargs,
            enqueue_time=now,
            status=JobStatus.deferred if deferred else JobStatus.queued,
            queue_name=self.default_queue_name,
        )
        jobs[job_id] = job
        return job

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


class QueueDependency(ArqDependency):
    """Safir's arq dependency, serving a `JobQueue` on the configured queue."""

    def __init__(self) -> None:
        super().__init__()
        self._queue: JobQueue | None = None

    @override
    async def initialize(
        self,
        *,
        mode: ArqMode,
        redis_settings: RedisSettings | None,
        queue_name: str = default_queue_name,
        serializers: Serializers | None = None,
    ) -> None:
        """Open the queue client (call from the app's lifespan).

        Parameters
        ----------
        mode
            ``production`` for Redis, ``test`` for the in-memory mock.
        redis_settings
            Redis connection settings, required in production.
        queue_name
            Queue that jobs go to and are read from.
        serializers
            Serializer and deserializer of jobs, required in production.
        """
        if mode == ArqMode.production:
            if redis_settings is None or serializers is None:
                raise RuntimeError(
                    "redis_settings and serializers are required in production"
                )
            self._queue = await RedisJobQueue.connect(
                redis_settings, serializers, default_queue_name=queue_name
            )
        else:
            self._queue = MockJobQueue(default_queue_name=queue_name)
        self._arq_queue = self._queue

    @override
    async def __call__(self) -> JobQueue:
        if self._queue is None:
            raise RuntimeError("The queue dependency is not initialized")
        return self._queue

    @override
    async def aclose(self) -> None:
        await super().aclose()
        self._queue = None


arq_dependency = QueueDependency()
"""The process's queue dependency, opened by the app's lifespan."""
