"""Request and response models of the job API."""

from asyncio import CancelledError
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from arq.jobs import JobStatus
from pydantic import BaseModel, ConfigDict, Field, HttpUrl
from pydantic_core import to_jsonable_python
from safir.arq import JobMetadata, JobResult

from .tasks import TaskName

__all__ = [
    "ABORTED",
    "FetchStatusJob",
    "JobRequest",
    "JobResponse",
    "WordCountJob",
]

ABORTED = "Job was aborted"
"""The ``error`` of a job that was aborted before or while it ran."""


class WordCountJob(BaseModel):
    """Count the words of a text."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"task": "word_count", "text": "to be or not"}]
        },
    )

    task: Literal[TaskName.word_count] = Field(..., title="Task to run")
    """Discriminator naming the task."""

    text: str = Field(..., min_length=1, max_length=100_000, title="Text")
    """Text whose words are counted."""


class FetchStatusJob(BaseModel):
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


type JobRequest = Annotated[
    WordCountJob | FetchStatusJob, Field(discriminator="task")
]
"""Body of ``POST /jobs``: one of the tasks that clients may run."""


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
    if isinstance(result, BaseException):
        message = str(result)
        name = type(result).__name__
        return f"{name}: {message}" if message else name
    return str(result)
