"""Request and response models of the job API."""

from asyncio import CancelledError
from datetime import datetime, timedelta
from typing import Annotated, Any, ClassVar, Literal, Self

from arq.jobs import JobStatus
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    model_validator,
)
from pydantic_core import to_jsonable_python
from safir.arq import JobMetadata, JobResult

from .serialization import JobFailure
from .tasks import TaskName

__all__ = [
    "ABORTED",
    "JOB_ID_PATTERN",
    "MAX_DEFERRAL",
    "TIMED_OUT",
    "DigestJob",
    "FetchStatusJob",
    "HealthResponse",
    "JobOptionsModel",
    "JobRequest",
    "JobResponse",
    "ListableStatus",
    "WordCountJob",
]

ABORTED = "Job was aborted"
"""The ``error`` of a job that was aborted before or while it ran."""

TIMED_OUT = "TimeoutError: job exceeded its time limit"
"""The ``error`` of a job that ran past its time limit."""

JOB_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
"""Job ids: letters, digits, ``_`` and ``-``, at most 64 characters."""

MAX_DEFERRAL = timedelta(days=30)
"""Furthest in the future that a job may be scheduled."""


class JobOptionsModel(BaseModel):
    """Fields that every job request may set, apart from the task's own."""

    option_fields: ClassVar[set[str]] = {
        "task",
        "job_id",
        "defer_by",
        "start_at",
    }
    """Fields that are not arguments of the task."""

    job_id: str | None = Field(
        None,
        pattern=JOB_ID_PATTERN,
        title="Job id",
        description=(
            "Chosen by the client to make the job unique: while a job with"
            " this id is queued, running or has an unexpired result, another"
            " is refused with 409. Generated when omitted."
        ),
    )
    """Client-chosen job id."""

    defer_by: timedelta | None = Field(
        None,
        gt=timedelta(0),
        le=MAX_DEFERRAL,
        title="Delay before the job may start",
        description="Seconds, or an ISO 8601 duration such as PT5M.",
    )
    """Delay before the job may start."""

    start_at: AwareDatetime | None = Field(
        None,
        title="Earliest start time",
        description="ISO 8601 time with a time zone.",
    )
    """Earliest time the job may start."""

    @model_validator(mode="after")
    def _check_schedule(self) -> Self:
        if self.defer_by is not None and self.start_at is not None:
            raise ValueError("set at most one of defer_by and start_at")
        if self.start_at is not None:
            now = datetime.now(tz=self.start_at.tzinfo)
            if self.start_at - now > MAX_DEFERRAL:
                raise ValueError("start_at is more than 30 days ahead")
        return self

    def task_arguments(self) -> dict[str, Any]:
        """Return the task's keyword arguments, as JSON-compatible values."""
        return self.model_dump(mode="json", exclude=self.option_fields)


class WordCountJob(JobOptionsModel):
    """Count the words of a text."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"task": "word_count", "text": "to be or not"},
                {
                    "task": "word_count",
                    "text": "counted in a minute, once",
                    "job_id": "count-2026-01-01",
                    "defer_by": 60,
                },
            ]
        },
    )

    task: Literal[TaskName.word_count] = Field(..., title="Task to run")
    """Discriminator naming the task."""

    text: str = Field(..., min_length=1, max_length=100_000, title="Text")
    """Text whose words are counted."""


class FetchStatusJob(JobOptionsModel):
    """Fetch a URL from the worker and report its HTTP status."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"task": "fetch_status", "url": "https://example.com/"}
            ]
        },
    )

    task: Literal[TaskName.fetch_status] = Field(..., title="Task to run")
    """Discriminator naming the task."""

    url: HttpUrl = Field(..., title="URL to fetch")
    """URL to fetch; its host must be in the configured allow-list."""


class DigestJob(JobOptionsModel):
    """Derive a slow digest of a text, as an example of blocking work."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"task": "digest", "text": "secret", "rounds": 1000}]
        },
    )

    task: Literal[TaskName.digest] = Field(..., title="Task to run")
    """Discriminator naming the task."""

    text: str = Field(..., min_length=1, max_length=10_000, title="Text")
    """Text to digest."""

    rounds: int = Field(100_000, ge=1, le=2_000_000, title="PBKDF2 rounds")
    """Work factor: time grows linearly with it."""


type JobRequest = Annotated[
    WordCountJob | FetchStatusJob | DigestJob, Field(discriminator="task")
]
"""Body of ``POST /jobs``: one of the tasks that clients may run."""


type ListableStatus = Literal["deferred", "queued", "in_progress", "complete"]
"""Statuses that ``GET /jobs`` can list."""


class HealthResponse(BaseModel):
    """Answer of the health routes."""

    status: Literal["ok", "unavailable"] = Field(..., title="Health")
    """``ok``, or ``unavailable`` with a reason."""

    reason: str | None = Field(None, title="Why the service is unavailable")
    """What failed, when unavailable."""


class JobResponse(BaseModel):
    """State of a job, and its outcome once it is complete."""

    id: str = Field(..., title="Job id")
    """Identifier of the job, used in its URL."""

    task: str = Field(..., title="Task name")
    """Name of the task that the job runs."""

    status: JobStatus = Field(..., title="Job status")
    """``deferred``, ``queued``, ``in_progress`` or ``complete``."""

    args: list[Any] = Field(..., title="Positional arguments")
    """Positional arguments of the task."""

    kwargs: dict[str, Any] = Field(..., title="Keyword arguments")
    """Keyword arguments of the task."""

    queue_name: str = Field(..., title="Queue name")
    """Queue that holds the job."""

    enqueue_time: datetime = Field(..., title="When the job was queued")
    """When the job was queued."""

    start_time: datetime | None = Field(None, title="When the job started")
    """When the job started, once it is complete."""

    finish_time: datetime | None = Field(None, title="When the job ended")
    """When the job ended, once it is complete."""

    success: bool | None = Field(None, title="Whether the job succeeded")
    """`True` if the task returned, `False` if it raised or was aborted."""

    result: Any = Field(None, title="Result of the task")
    """What the task returned, when it succeeded."""

    error: str | None = Field(None, title="Why the job failed")
    """Type and message of the exception, when the job failed."""

    @classmethod
    def from_job(cls, job: JobMetadata) -> Self:
        """Build the response from Safir's job metadata or result.

        Parameters
        ----------
        job
            Metadata of the job, or its full result once complete.

        Returns
        -------
        JobResponse
            The job as the API shows it.
        """
        response = cls(
            id=job.id,
            task=job.name,
            status=job.status,
            args=to_jsonable_python(job.args, fallback=repr),
            kwargs=to_jsonable_python(job.kwargs, fallback=repr),
            queue_name=job.queue_name,
            enqueue_time=job.enqueue_time,
        )
        if isinstance(job, JobResult):
            response.start_time = job.start_time
            response.finish_time = job.finish_time
            response.success = job.success
            if job.success:
                response.result = to_jsonable_python(job.result, fallback=repr)
            else:
                response.error = describe_failure(job.result)
        return response


def describe_failure(result: Any) -> str:
    """Describe the exception that a failed job stored as its result.

    Parameters
    ----------
    result
        The failed job's result, normally an exception.

    Returns
    -------
    str
        Readable reason, such as ``ValueError: bad input``.
    """
    if isinstance(result, CancelledError):
        return ABORTED
    if type(result) is TimeoutError:
        return TIMED_OUT
    if isinstance(result, JobFailure):
        return str(result)
    if isinstance(result, BaseException):
        message = str(result)
        name = type(result).__name__
        return f"{name}: {message}" if message else name
    return str(result)
