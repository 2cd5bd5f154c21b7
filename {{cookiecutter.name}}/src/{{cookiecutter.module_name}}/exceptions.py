"""Errors that the API reports to clients."""

from fastapi import status
from safir.fastapi import ClientRequestError
from safir.models import ErrorLocation

__all__ = [
    "FetchNotAllowedError",
    "JobAlreadyFinishedError",
    "JobNotFoundError",
]


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
