"""Enqueueing, listing, inspecting and aborting jobs for the API."""

import asyncio
from enum import Enum

from arq.jobs import DeserializationError, JobStatus
from redis.exceptions import TimeoutError as RedisTimeoutError
from safir.arq import (
    JobMetadata,
    JobNotFound,
    JobNotQueued,
    JobResultUnavailable,
)

from ..config import Config
from ..exceptions import (
    JobAlreadyFinishedError,
    JobIdConflictError,
    JobNotFoundError,
)
from ..models import JobRequest
from ..queue import JobOptions, JobQueue

PING_TIMEOUT = 2.0
"""Seconds that a readiness check waits for Redis."""


class AbortOutcome(Enum):
    """What an abort request achieved."""

    aborted = "aborted"
    """A worker confirmed that the job was aborted."""

    requested = "requested"
    """The abort is recorded; a worker will abort the job when it sees it."""


class JobService:
    """Jobs on one arq queue, as the API sees them."""

    def __init__(self, queue: JobQueue, config: Config) -> None:
        self._queue = queue
        self._config = config

    async def enqueue(self, request: JobRequest) -> JobMetadata:
        """Queue a job for one of the tasks that clients may run.

        Raises
        ------
        safir.fastapi.ClientRequestError
            Raised if the task's policy refuses the request, or as
            `JobIdConflictError` if a job with the requested id exists.
        """
        request.check_policy(self._config)
        options = JobOptions(
            job_id=request.job_id,
            defer_by=request.defer_by,
            defer_until=request.start_at,
        )
        try:
            return await self._queue.submit(
                request.task, request.task_arguments(), options
            )
        except JobNotQueued as exc:
            raise JobIdConflictError(request.job_id) from exc

    async def list_jobs(
        self, status: JobStatus, limit: int
    ) -> list[JobMetadata]:
        """List jobs with a status, newest first, with results if complete."""
        return await self._queue.list_jobs(status, limit)

    async def get(self, job_id: str) -> JobMetadata:
        """Get a job, as a `~safir.arq.JobResult` once it is complete.

        Raises
        ------
        JobNotFoundError
            Raised if there is no such job.
        """
        try:
            job = await self._queue.get_job_metadata(job_id)
        except JobNotFound:
            # arq reads a job's result and then the job: one that finished
            # between the two reads is found on a second look.
            try:
                job = await self._queue.get_job_metadata(job_id)
            except JobNotFound as exc:
                raise JobNotFoundError(job_id) from exc
        if job.status != JobStatus.complete:
            return job
        try:
            return await self._queue.get_job_result(job_id)
        except (JobNotFound, JobResultUnavailable):
            # The result expired between the two reads.
            return job

    async def abort(self, job_id: str) -> AbortOutcome:
        """Abort a queued, deferred or running job.

        Raises
        ------
        JobNotFoundError
            Raised if there is no such job.
        JobAlreadyFinishedError
            Raised if the job has already finished.
        """
        try:
            job = await self.get(job_id)
        except DeserializationError:
            pass  # the queue drops a job that no worker could read
        else:
            if job.status == JobStatus.complete:
                raise JobAlreadyFinishedError(job_id)
        timeout = self._config.abort_timeout.total_seconds()
        try:
            aborted = await self._queue.abort_job(job_id, timeout=timeout)
        except TimeoutError:
            return AbortOutcome.requested
        if aborted:
            return AbortOutcome.aborted
        if (await self.get(job_id)).status == JobStatus.complete:
            raise JobAlreadyFinishedError(job_id)
        return AbortOutcome.requested

    async def check_queue(self) -> None:
        """Raise a `~redis.exceptions.RedisError` unless Redis answers soon."""
        try:
            async with asyncio.timeout(PING_TIMEOUT):
                await self._queue.ping()
        except TimeoutError as exc:
            message = f"no answer within {PING_TIMEOUT} s"
            raise RedisTimeoutError(message) from exc
