"""Enqueueing, listing, inspecting and aborting jobs for the API."""

import asyncio
from enum import Enum

from arq.jobs import DeserializationError, JobStatus
from pydantic import TypeAdapter, ValidationError
from redis.exceptions import TimeoutError as RedisTimeoutError
from safir.arq import (
    JobMetadata,
    JobNotFound,
    JobNotQueued,
    JobResult,
    JobResultUnavailable,
)

from ..config import Config
from ..exceptions import (
    QUEUE_ERRORS,
    FailedJobNotFoundError,
    JobAlreadyFinishedError,
    JobIdConflictError,
    JobNotFoundError,
    JobNotRequeueableError,
)
from ..models import FAILED, JobRequest, JobResponse, ListableStatus
from ..prometheus import ApiMetrics
from ..queue import JobOptions, JobQueue

_REQUESTS: TypeAdapter[JobRequest] = TypeAdapter(JobRequest)
"""Reads a failed job's task and arguments as a client's request."""

PING_TIMEOUT = 2.0
"""Seconds that a readiness check waits for Redis."""


class AbortOutcome(Enum):
    """What an abort request achieved."""

    aborted = "aborted"
    """A worker confirmed that the job was aborted."""

    requested = "requested"
    """The abort is recorded; a worker will abort the job when it sees it."""

    dropped = "dropped"
    """The job had failed for good; its record is dropped."""


class JobService:
    """Jobs on one arq queue, as the API sees them."""

    def __init__(
        self,
        queue: JobQueue,
        config: Config,
        metrics: ApiMetrics | None = None,
    ) -> None:
        self._queue = queue
        self._config = config
        self._metrics = metrics

    async def enqueue(
        self, request: JobRequest, request_id: str | None = None
    ) -> JobResponse:
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
            request_id=request_id,
        )
        try:
            job = await self._queue.submit(
                request.task, request.task_arguments(), options
            )
        except JobNotQueued as exc:
            raise JobIdConflictError(request.job_id) from exc
        except QUEUE_ERRORS:
            if self._metrics:
                self._metrics.enqueue_failures.labels(request.task).inc()
            raise
        if self._metrics:
            self._metrics.enqueued.labels(request.task).inc()
        return JobResponse.from_job(job)

    async def list_jobs(
        self, status: ListableStatus, limit: int
    ) -> list[JobResponse]:
        """List jobs with a status, newest first, with results if complete."""
        if status == FAILED:
            failed = await self._queue.list_failed(limit)
            queue = self._config.queue_name
            return [JobResponse.from_failed(job, queue) for job in failed]
        jobs = await self._queue.list_jobs(JobStatus(status), limit)
        return [JobResponse.from_job(job) for job in jobs]

    async def count_jobs(self) -> dict[str, int]:
        """Count the jobs of each status, each up to 10,000.

        ``complete`` counts arq's results, of every queue in the database;
        ``in_progress`` looks among the newest 10,000 due jobs.
        """
        return await self._queue.count_jobs()

    async def worker_health(self) -> dict[str, str]:
        """Return each worker's latest health report, by its Redis key."""
        return await self._queue.worker_health()

    async def get(self, job_id: str) -> JobResponse:
        """Get a job: its state, and its outcome once it is complete.

        A job that failed for good is reported from its record, which
        outlives arq's result.

        Raises
        ------
        JobNotFoundError
            Raised if there is no such job.
        """
        try:
            job = await self._get_arq_job(job_id)
        except JobNotFoundError:
            if failed := await self._queue.get_failed(job_id):
                return JobResponse.from_failed(failed, self._config.queue_name)
            raise
        if job.status == JobStatus.in_progress:
            progress = await self._queue.get_progress(job_id)
            return JobResponse.from_job(job, progress)
        failed = (
            await self._queue.get_failed(job_id)
            if isinstance(job, JobResult) and not job.success
            else None
        )
        if failed:
            return JobResponse.from_failed(failed, self._config.queue_name)
        return JobResponse.from_job(job)

    async def retry(
        self, job_id: str, request_id: str | None = None
    ) -> JobResponse:
        """Queue a failed job again, as a new job; forget the failed one.

        Raises
        ------
        FailedJobNotFoundError
            Raised if no job with this id failed for good and is kept.
        JobNotRequeueableError
            Raised if clients may not queue its task with its arguments.
        """
        failed = await self._queue.get_failed(job_id)
        if failed is None:
            raise FailedJobNotFoundError(job_id)
        try:
            request = _REQUESTS.validate_python(
                {"task": failed.task, **failed.kwargs}
            )
        except ValidationError as exc:
            reason = exc.errors()[0]["msg"]
            raise JobNotRequeueableError(job_id, reason) from exc
        # Claimed first, so that two requeues of one job queue it once.
        if not await self._queue.drop_failed(job_id):
            raise FailedJobNotFoundError(job_id)
        try:
            return await self.enqueue(request, request_id)
        except BaseException:
            await self._queue.add_failed(failed)
            raise

    async def _get_arq_job(self, job_id: str) -> JobMetadata:
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
        """Abort a queued, deferred or running job, or drop a failed one.

        Raises
        ------
        JobNotFoundError
            Raised if there is no such job.
        JobAlreadyFinishedError
            Raised if the job has finished without failing for good.
        """
        try:
            job = await self._get_arq_job(job_id)
        except DeserializationError:
            pass  # the queue drops a job that no worker could read
        except JobNotFoundError:
            if await self._queue.drop_failed(job_id):
                return AbortOutcome.dropped
            raise
        else:
            if job.status == JobStatus.complete:
                if await self._queue.drop_failed(job_id):
                    return AbortOutcome.dropped
                raise JobAlreadyFinishedError(job_id)
        timeout = self._config.abort_timeout.total_seconds()
        try:
            aborted = await self._queue.abort_job(job_id, timeout=timeout)
        except TimeoutError:
            return AbortOutcome.requested
        if aborted:
            return AbortOutcome.aborted
        if (await self._get_arq_job(job_id)).status == JobStatus.complete:
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
