"""Request and response models of the job API."""

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal, Self

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

from .config import Config
from .exceptions import FetchNotAllowedError
from .records import FailedJob, Progress, split_meta
from .serialization import describe_failure
from .services.fetch import HostNotAllowedError, check_fetch_allowed
from .tasks import TaskName

CLIENT_JOB_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
"""Ids that clients may choose: letters, digits, ``_`` and ``-``."""

JOB_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}(:[0-9]{1,20})?$"
"""Every id the API lists: a client's, arq's, or a cron run's
``<task>:<due time in ms>``."""

MAX_DEFERRAL = timedelta(days=30)


class JobOptionsModel(BaseModel):
    """Fields of every job request that are not arguments of its task."""

    model_config = ConfigDict(extra="forbid")

    task: str = Field(..., description="Task to run.")

    job_id: str | None = Field(
        None,
        pattern=CLIENT_JOB_ID_PATTERN,
        description=(
            "Makes the job unique: while a job with this id is queued,"
            " running or has an unexpired result, another is refused with"
            " 409. Generated when omitted."
        ),
    )

    defer_by: timedelta | None = Field(
        None,
        gt=timedelta(0),
        le=MAX_DEFERRAL,
        description="Delay before the job may start: seconds, or ISO 8601.",
    )

    start_at: AwareDatetime | None = Field(
        None, description="Earliest start: ISO 8601 time with a time zone."
    )

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
        options = set(JobOptionsModel.model_fields)
        return self.model_dump(mode="json", exclude=options)

    def check_policy(self, config: Config) -> None:
        """Refuse a job that the configuration forbids; override per task.

        Raises
        ------
        safir.fastapi.ClientRequestError
            Raised, as the subclass of the refusal, to answer the client.
        """


class WordCountJob(JobOptionsModel):
    """Count the words of a text."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"task": "word_count", "text": "to be or not", "defer_by": 60}
            ]
        },
    )

    task: Literal[TaskName.word_count]
    text: str = Field(..., min_length=1, max_length=100_000)


class FetchStatusJob(JobOptionsModel):
    """Fetch a URL from the worker and report its HTTP status."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"task": "fetch_status", "url": "https://example.com/"}
            ]
        },
    )

    task: Literal[TaskName.fetch_status]
    url: HttpUrl = Field(..., description="Its host must be allowed.")

    def check_policy(self, config: Config) -> None:
        """Refuse a host that is not in ``FETCH_ALLOWED_HOSTS``."""
        try:
            check_fetch_allowed(self.url, config.fetch_allowed_hosts)
        except HostNotAllowedError as exc:
            raise FetchNotAllowedError(str(exc)) from exc


class DigestJob(JobOptionsModel):
    """Derive a slow digest of a text, as an example of blocking work."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"task": "digest", "text": "secret", "rounds": 1000}]
        },
    )

    task: Literal[TaskName.digest]
    text: str = Field(..., min_length=1, max_length=10_000)
    rounds: int = Field(
        100_000, ge=1, le=2_000_000, description="PBKDF2 rounds."
    )


type JobRequest = Annotated[
    WordCountJob | FetchStatusJob | DigestJob, Field(discriminator="task")
]
"""Body of ``POST /jobs``: one of the tasks that clients may run."""

FAILED: Literal["failed"] = "failed"
"""Status of a job that failed for good and is kept (``FAILED_JOB_*``)."""

type ListableStatus = Literal[
    "deferred", "queued", "in_progress", "complete", "failed"
]


class HealthResponse(BaseModel):
    """Answer of the health routes."""

    status: Literal["ok", "unavailable"]
    reason: str | None = Field(None, description="What failed.")


class JobResponse(BaseModel):
    """State of a job, and its outcome once it is complete."""

    id: str
    task: str
    status: JobStatus | Literal["failed"]
    args: list[Any]
    kwargs: dict[str, Any]
    queue_name: str
    request_id: str | None = Field(
        None, description="``X-Request-ID`` of the request that queued it."
    )
    enqueue_time: datetime
    start_time: datetime | None = None
    finish_time: datetime | None = None
    progress: Progress | None = Field(
        None, description="While in progress: what the task last reported."
    )
    tries: int | None = Field(None, description="Once failed: tries run.")
    success: bool | None = Field(
        None, description="Once complete: whether the task returned."
    )
    result: Any = Field(None, description="What the task returned.")
    error: str | None = Field(None, description="Why the job failed.")

    @classmethod
    def from_job(
        cls, job: JobMetadata, progress: Progress | None = None
    ) -> Self:
        """Build the response from Safir's job metadata or result."""
        kwargs, meta = split_meta(job.kwargs)
        response = cls(
            id=job.id,
            task=job.name,
            status=job.status,
            args=to_jsonable_python(job.args, fallback=repr),
            kwargs=to_jsonable_python(kwargs, fallback=repr),
            queue_name=job.queue_name,
            request_id=meta.get("request_id"),
            enqueue_time=job.enqueue_time,
            progress=progress,
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

    @classmethod
    def from_failed(cls, job: FailedJob, queue_name: str) -> Self:
        """Build the response from a failed job's record."""
        return cls(
            id=job.id,
            task=job.task,
            status=FAILED,
            args=[],
            kwargs=job.kwargs,
            queue_name=queue_name,
            request_id=job.request_id,
            enqueue_time=job.enqueue_time,
            start_time=job.start_time,
            finish_time=job.failed_time,
            tries=job.tries,
            success=False,
            error=job.error,
        )
