"""The job API of a running project, used over HTTP as a client would."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

import httpx

from .processes import wait_for
from .stack import Api

__all__ = ["JobClient"]


class JobClient:
    """Queues jobs and reads them back through a running API.

    Parameters
    ----------
    api
        The API process.
    path_prefix
        The API's path prefix, such as ``/example``.
    """

    def __init__(self, api: Api, path_prefix: str) -> None:
        self.http = httpx.Client(base_url=api.url, timeout=10, trust_env=False)
        self.jobs = f"{path_prefix}/jobs"

    def __enter__(self) -> Self:
        """Return the client, which closes when the block ends."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the HTTP client."""
        self.http.close()

    def submit(self, body: dict[str, object]) -> str:
        """Queue a job; check the 202 and return the job's id."""
        response = self.http.post(self.jobs, json=body)
        assert response.status_code == httpx.codes.ACCEPTED, response.text
        job_id: str = response.json()["id"]
        return job_id

    def get(self, job_id: str) -> httpx.Response:
        """``GET`` the job, whatever the answer."""
        return self.http.get(f"{self.jobs}/{job_id}")

    def job(self, job_id: str) -> dict[str, Any]:
        """The job, which must exist."""
        response = self.get(job_id)
        assert response.status_code == httpx.codes.OK, response.text
        job: dict[str, Any] = response.json()
        return job

    def wait_complete(
        self, job_id: str, timeout: float = 30.0
    ) -> dict[str, Any]:
        """Poll the job until it is complete (or failed for good)."""

        def complete() -> dict[str, Any] | None:
            job = self.job(job_id)
            return job if job["status"] in {"complete", "failed"} else None

        return wait_for(
            complete,
            what=f"job {job_id} to complete",
            timeout=timeout,
            interval=0.1,
        )
