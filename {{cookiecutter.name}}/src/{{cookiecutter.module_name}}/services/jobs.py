"""Enqueueing, listing, inspecting and aborting jobs for the API."""

import asyncio
from datetime import timedelta
from enum import Enum

from arq.jobs import JobStatus
from safir.arq import (
    JobMetadata,
    JobNotFound,
    JobNotQueued,
    JobResultUnavailable,
)

from ..exceptions import (
    FetchNotAllowedError,
    JobAlreadyFinishedError,
    JobIdConflictError,
    JobNotFoundError,
)
from ..models import FetchStatusJob, JobRequest
from ..queue import JobOptions, JobQueue
from .fetch import HostNotAllowedError, check_fetch_allowed

__all__ = ["AbortOutcome", "JobService"]

PING_TIMEOUT = 2.0
"""Seconds that a readiness check waits for Redis."""


class AbortOutcome(Enum):
    """What an abort request achieved."""

    aborted = "aborted"
    """A worker confirmed that the job was aborted."""

    requested = "requested"
    """The abort is recorded; a worker will abort the job when it sees it."""


class JobService:
    """Jobs on one arq queue, as the API sees them.

    Parameters
    ----------
    queue
        The queue client (Redis, or the mock in tests).
    abort_timeout
        How long an abort waits for a worker to confirm it.
    fetch_allowed_hosts
        Hosts that ``fetch_status`` jobs may request.
    """

    def __init__(
        self,
        queue: JobQueue,
        *,
        abort_timeout: timedelta,
        fetch_allowed_hosts: list[str],
    ) -> None:
        self._queue = queue
        self._abort_timeout = abort_timeout
        self._fetch_allowed_hosts = fetch_allowed_hosts

    async def enqueue(self, request: JobRequest) -> JobMetadata:
        """Queue a job for one of the tasks that clients may run.

        Parameters
        ----------
        request
            Validated request naming the task, its arguments and options.

        Returns
        -------
        safir.arq.JobMetadata
            The queued job.

        Raises
        ------
        FetchNotAllowedError
            Raised if a ``fetch_status`` job names a host that is not allowed.
        JobIdConflictError
            Raised if a job with the requested id already exists.
        """
        if isinstance(request, FetchStatusJob):
            try:
                check_fetch_allowed(request.url, self._fetch_allowed_hosts)
            except HostNotAllowedError as exc:
                raise FetchNotAllowedError(str(exc)) from exc
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
        """List jobs with a status, most recently queued first.

        Parameters
        ----------
        status
            Status of the jobs to list.
        limit
            Most jobs to return.

        Returns
        -------
        list of safir.arq.JobMetadata
            The jobs; complete ones with their results.
        """
        return await self._queue.list_jobs(status, limit)

    async def get(self, job_id: str) -> JobMetadata:
        """Get a job, with its result once it is complete.

        Parameters
        ----------
        job_id
            Identifier of the job.

        Returns
        -------
        safir.arq.JobMetadata
            The job; a `safir.arq.JobResult` once it is complete.

        Raises
        ------
        JobNotFoundError
            Raised if there is no such job.
        """
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

        Parameters
        ----------
        job_id
            Identifier of the job.

        Returns
        -------
        AbortOutcome
            Whether a worker confirmed the abort in time.

        Raises
        ------
        JobNotFoundError
            Raised if there is no such job.
        JobAlreadyFinishedError
            Raised if the job has already finished.
        """
        job = await self.get(job_id)
        if job.status == JobStatus.complete:
            raise JobAlreadyFinishedError(job_id)
        timeout = self._abort_timeout.total_seconds()
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
        """Check that the queue's Redis answers, within a bounded time.

        Raises
        ------
        Exception
            Whatever the Redis client raises, or `TimeoutError`.
        """
        async with asyncio.timeout(PING_TIMEOUT):
            await self._queue.ping()
