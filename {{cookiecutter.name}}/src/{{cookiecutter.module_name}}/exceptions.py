"""Errors that the API reports to clients."""

from typing import Any

from fastapi import Request, status
from fastapi.responses import JSONResponse
from redis.exceptions import RedisError
from safir.fastapi import ClientRequestError
from safir.models import ErrorLocation

__all__ = [
    "QUEUE_ERRORS",
    "RETRY_AFTER_SECONDS",
    "FetchNotAllowedError",
    "JobAlreadyFinishedError",
    "JobIdConflictError",
    "JobNotFoundError",
    "error_body",
    "invalid_job_data_handler",
    "queue_unavailable_handler",
]

RETRY_AFTER_SECONDS = 5
"""``Retry-After`` of answers given while Redis is unreachable."""


class JobNotFoundError(ClientRequestError):
    """No job with this id exists on the queue."""

    error = "job_not_found"
    status_code = status.HTTP_404_NOT_FOUND

    def __init__(self, job_id: str) -> None:
        super().__init__(
            f"No job with id {job_id}", ErrorLocation.path, ["job_id"]
        )


class JobAlreadyFinishedError(ClientRequestError):
    """The job has finished, so it can no longer be aborted."""

    error = "job_finished"
    status_code = status.HTTP_409_CONFLICT

    def __init__(self, job_id: str) -> None:
        super().__init__(
            f"Job {job_id} has already finished and cannot be aborted",
            ErrorLocation.path,
            ["job_id"],
        )


class FetchNotAllowedError(ClientRequestError):
    """The URL's host is not in the configured allow-list."""

    error = "fetch_not_allowed"
    status_code = 422

    def __init__(self, message: str) -> None:
        super().__init__(message, ErrorLocation.body, ["url"])


class JobIdConflictError(ClientRequestError):
    """A job with the requested id already exists."""

    error = "job_id_conflict"
    status_code = status.HTTP_409_CONFLICT

    def __init__(self, job_id: str | None) -> None:
        super().__init__(
            f"A job with id {job_id} is already queued, running or has a"
            " result that has not expired",
            ErrorLocation.body,
            ["job_id"],
        )


def error_body(message: str, error_type: str) -> dict[str, Any]:
    """Build an error body in Safir's error model.

    For answers that no `~safir.fastapi.ClientRequestError` produces.

    Parameters
    ----------
    message
        What went wrong, for the ``msg`` field.
    error_type
        Machine-readable error code, for the ``type`` field.

    Returns
    -------
    dict
        ``{"detail": [{"msg": ..., "type": ...}]}``.
    """
    return {"detail": [{"msg": message, "type": error_type}]}


async def queue_unavailable_handler(
    _request: Request, exc: Exception
) -> JSONResponse:
    """Answer 503 with a JSON reason when Redis cannot be reached.

    Parameters
    ----------
    _request
        The request that needed Redis.
    exc
        The Redis client's error, or `TimeoutError`.

    Returns
    -------
    fastapi.responses.JSONResponse
        A 503 in Safir's error model with a ``Retry-After`` header.
    """
    reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return JSONResponse(
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        content=error_body(
            f"The job queue is unavailable ({reason})", "queue_unavailable"
        ),
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


QUEUE_ERRORS: tuple[type[Exception], ...] = (RedisError, TimeoutError)
"""Exceptions that mean the queue's Redis could not be reached in time."""


async def invalid_job_data_handler(
    _request: Request, exc: Exception
) -> JSONResponse:
    """Answer 500 with a JSON reason when a job in Redis cannot be read.

    The job's data is not signed with this service's key (tampered with,
    truncated, or written by another program or serializer). Nothing in it
    was interpreted.

    Parameters
    ----------
    _request
        The request that read the job.
    exc
        arq's deserialization error.

    Returns
    -------
    fastapi.responses.JSONResponse
        A 500 in Safir's error model.
    """
    cause = exc.__cause__ or exc
    return JSONResponse(
        status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
        content=error_body(
            f"The job's data in Redis cannot be read: {cause}",
            "invalid_job_data",
        ),
    )
