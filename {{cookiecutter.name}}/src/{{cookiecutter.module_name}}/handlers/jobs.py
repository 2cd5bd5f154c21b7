"""Routes of the job API, served under the path prefix."""

from typing import Annotated, Any

from fastapi import (
    APIRouter,
    Body,
    Depends,
    Path,
    Query,
    Request,
    Response,
    status,
)
from safir.models import ErrorModel

from ..config import config
from ..dependencies import JobServiceDep, request_id_of, require_access
from ..models import JOB_ID_PATTERN, JobRequest, JobResponse, ListableStatus
from ..services.jobs import AbortOutcome

jobs_router = APIRouter(
    tags=["jobs"],
    dependencies=[Depends(require_access)],
    responses={status.HTTP_401_UNAUTHORIZED: {"model": ErrorModel}},
)
"""Router for the job API."""

type JobId = Annotated[
    str,
    Path(
        title="Job id",
        pattern=JOB_ID_PATTERN,
        examples=["4d7f7f0a0d6e4b8c9f1e2a3b4c5d6e7f"],
    ),
]

_JOB_PATH = "/jobs/{job_id}"

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
    job = await service.enqueue(body, request_id_of(request))
    _set_location(request, response, job)
    return job


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
    """List the queue's jobs with one status, most recently queued first.

    ``failed`` lists the jobs that failed for good, most recent failure
    first, for as long as ``FAILED_JOB_RETENTION`` keeps them.
    """
    return await service.list_jobs(job_status, limit)


@jobs_router.get(
    _JOB_PATH,
    responses=_NOT_FOUND,
    summary="Get a job's status and result",
)
async def get_job(job_id: JobId, service: JobServiceDep) -> JobResponse:
    """Return a job's status and, once it is complete, its outcome.

    A complete job has ``success`` and either ``result`` or ``error``; a
    running one, the ``progress`` its task last reported; one that failed
    for good has the status ``failed``.
    """
    return await service.get(job_id)


@jobs_router.post(
    "/jobs/{job_id}/retry",
    status_code=status.HTTP_202_ACCEPTED,
    response_model_exclude_none=True,
    responses=_NOT_FOUND,
    summary="Queue a failed job again",
)
async def retry_job(
    job_id: JobId,
    service: JobServiceDep,
    request: Request,
    response: Response,
) -> JobResponse:
    """Queue a new job with the task and arguments of one that failed.

    The failed job's record is dropped; the new job's URL is in the
    ``Location`` header.
    """
    job = await service.retry(job_id, request_id_of(request))
    _set_location(request, response, job)
    return job


@jobs_router.delete(
    _JOB_PATH,
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
    """Abort a queued, deferred or running job, or drop a failed one.

    Answers 204 once a worker confirms the abort (or the failed job is
    dropped), or 202 if none did within the configured abort timeout (the
    worker aborts the job when it next sees it). A job that finished
    otherwise cannot be aborted (409).
    """
    outcome = await service.abort(job_id)
    if outcome is not AbortOutcome.requested:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return Response(status_code=status.HTTP_202_ACCEPTED)


def _set_location(
    request: Request, response: Response, job: JobResponse
) -> None:
    # Not request.url_for, which rebuilds every route's path on each call.
    path = config.path_prefix + _JOB_PATH.format(job_id=job.id)
    response.headers["Location"] = str(request.base_url).rstrip("/") + path
