"""Errors that the API reports to clients, in Safir's error model."""

from http import HTTPStatus
from typing import Any

from fastapi import Request, status
from fastapi.responses import JSONResponse
from redis.exceptions import RedisError
from safir.fastapi import ClientRequestError
from safir.models import ErrorLocation
from starlette.exceptions import HTTPException

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


class FailedJobNotFoundError(ClientRequestError):
    """No job with this id failed for good and is kept."""

    error = "failed_job_not_found"
    status_code = status.HTTP_404_NOT_FOUND

    def __init__(self, job_id: str) -> None:
        super().__init__(
            f"No failed job with id {job_id}", ErrorLocation.path, ["job_id"]
        )


class JobNotRequeueableError(ClientRequestError):
    """A failed job's task or arguments are not what clients may queue."""

    error = "job_not_requeueable"
    status_code = status.HTTP_422_UNPROCESSABLE_CONTENT

    def __init__(self, job_id: str, reason: str) -> None:
        super().__init__(
            f"Failed job {job_id} cannot be queued again: {reason}",
            ErrorLocation.path,
            ["job_id"],
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
    status_code = status.HTTP_422_UNPROCESSABLE_CONTENT

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
    """Build ``{"detail": [{"msg": ..., "type": ...}]}``, Safir's model."""
    return {"detail": [{"msg": message, "type": error_type}]}


def queue_unavailable(exc: BaseException) -> tuple[str, dict[str, str]]:
    """Say why Redis is unavailable, with the headers of a 503 answer."""
    reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return f"Redis did not answer ({reason})", {
        "Retry-After": str(RETRY_AFTER_SECONDS)
    }


async def queue_unavailable_handler(
    _request: Request, exc: Exception
) -> JSONResponse:
    """Answer 503 with a JSON reason when Redis cannot be reached."""
    reason, headers = queue_unavailable(exc)
    return JSONResponse(
        error_body(
            f"The job queue is unavailable: {reason}", "queue_unavailable"
        ),
        status.HTTP_503_SERVICE_UNAVAILABLE,
        headers,
    )


async def invalid_job_data_handler(
    _request: Request, exc: Exception
) -> JSONResponse:
    """Answer 500 when a job in Redis is not signed with an accepted key."""
    cause = exc.__cause__ or exc
    return JSONResponse(
        error_body(
            "The job's data in Redis cannot be read, and nothing in it was"
            f" run: {cause} (written by another application sharing this"
            " Redis database, with a signing key no longer accepted, or"
            " tampered with)",
            "invalid_job_data",
        ),
        status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


async def http_error_handler(
    _request: Request, exc: Exception
) -> JSONResponse:
    """Answer Starlette's own errors (no such route, ...) in Safir's model."""
    if not isinstance(exc, HTTPException):
        raise TypeError("registered for HTTPException only")
    slug = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_")
    return JSONResponse(
        error_body(str(exc.detail), slug), exc.status_code, exc.headers
    )


QUEUE_ERRORS: tuple[type[Exception], ...] = (RedisError,)
"""Errors that mean the queue's Redis could not be reached in time."""
