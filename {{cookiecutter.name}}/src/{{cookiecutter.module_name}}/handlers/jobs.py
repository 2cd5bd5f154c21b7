"""Routes of the job API, served under the path prefix."""

from typing import Annotated, Any

from arq.jobs import JobStatus
from fastapi import APIRouter, Body, Path, Query, Request, Response, status
from safir.models import ErrorModel

from ..dependencies import JobServiceDep
from ..models import JOB_ID_PATTERN, JobRequest, JobResponse, ListableStatus
from ..services.jobs import AbortOutcome

jobs_router = APIRouter(tags=["jobs"])
"""Router for the job API."""

type JobId = Annotated[
    str,
    Path(
        title="Job id",
        pattern=JOB_ID_PATTERN,
        examples=["4d7f7f0a0d6e4b8c9f1e2a3b4c5d6e7f"],
    ),
]

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    status.HTTP_404_NOT_FOUND: {"model": ErrorModel}
}


@jobs_router.post(
    "/jobs",
    status_code=status.HTTP_202_ACCEPTED,
    response_model_exclude_none=True,
    responses={
        status.HTTP_409_CONFLICT: {"model": ErrorModel},
        422: {"model": ErrorModel},
    },
    summary="Queue a job",
)
async def post_job(
    body: Annotated[JobRequest, Body()],
    service: JobServiceDep,
    request: Request,
    response: Response,
) -> JobResponse:
    """Queue a job for one of the worker's tasks.

    The ``task`` field picks the task; the other fields are its arguments,
    plus the optional ``job_id``, ``defer_by`` and ``start_at``. The job's URL
    is in the ``Location`` header.
    """
    job = await service.enqueue(body)
    location = request.url_for("get_job", job_id=job.id)
    response.headers["Location"] = str(location)
    return JobResponse.from_job(job)


@jobs_router.get(
    "/jobs",
    response_model_exclude_none=True,
    summary="List jobs with a status",
)
async def list_jobs(
    service: JobServiceDep,
    job_status: Annotated[
        ListableStatus, Query(alias="status", title="Status to list")
    ],
    limit: Annotated[int, Query(ge=1, le=100, title="Most jobs")] = 20,
) -> list[JobResponse]:
    """List the queue's jobs with one status, most recently queued first."""
    jobs = await service.list_jobs(JobStatus(job_status), limit)
    return [JobResponse.from_job(job) for job in jobs]


@jobs_router.get(
    "/jobs/{job_id}",
    responses=_NOT_FOUND,
    summary="Get a job's status and result",
)
async def get_job(job_id: JobId, service: JobServiceDep) -> JobResponse:
    """Return a job's status and, once it is complete, its outcome.

    A complete job has ``success`` and either ``result`` or ``error``.
    """
    return JobResponse.from_job(await service.get(job_id))


@jobs_router.delete(
    "/jobs/{job_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        **_NOT_FOUND,
        status.HTTP_202_ACCEPTED: {
            "description": "Abort recorded; no worker confirmed it in time"
        },
        status.HTTP_409_CONFLICT: {"model": ErrorModel},
    },
    summary="Abort a job",
)
async def delete_job(job_id: JobId, service: JobServiceDep) -> Response:
    """Abort a queued, deferred or running job.

    Answers 204 once a worker confirms the abort, or 202 if none did within
    the configured abort timeout (the worker aborts the job when it next
    sees it). A finished job cannot be aborted (409).
    """
    outcome = await service.abort(job_id)
    if outcome is AbortOutcome.aborted:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return Response(status_code=status.HTTP_202_ACCEPTED)
