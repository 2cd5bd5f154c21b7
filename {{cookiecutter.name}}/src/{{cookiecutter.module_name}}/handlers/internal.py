"""Routes outside the path prefix, for the cluster rather than users."""

from fastapi import APIRouter, HTTPException, Request, Response, status
from prometheus_client.exposition import choose_encoder
from safir.metadata import Metadata, get_metadata

from .. import DISTRIBUTION_NAME
from ..config import ENV_PREFIX, config
from ..dependencies import JobServiceDep, api_metrics
from ..exceptions import QUEUE_ERRORS, queue_unavailable
from ..models import HealthResponse

internal_router = APIRouter()
"""Router for routes served at the root of the application."""


@internal_router.get(
    "/",
    description=(
        "Name, version and description of the application. Not exposed"
        " outside the cluster: use it for health checks and debugging."
    ),
    include_in_schema=False,
    response_model_exclude_none=True,
    summary="Application metadata",
)
async def get_index() -> Metadata:
    """Return the application's metadata."""
    return get_metadata(
        package_name=DISTRIBUTION_NAME, application_name=config.name
    )


@internal_router.get(
    "/health/live",
    include_in_schema=False,
    response_model_exclude_none=True,
    summary="Liveness: the process serves requests",
)
async def get_liveness() -> HealthResponse:
    """Answer as long as the process serves requests; touches no Redis."""
    return HealthResponse(status="ok")


@internal_router.get(
    "/health/ready",
    include_in_schema=False,
    response_model_exclude_none=True,
    responses={status.HTTP_503_SERVICE_UNAVAILABLE: {"model": HealthResponse}},
    summary="Readiness: Redis answers",
)
async def get_readiness(
    service: JobServiceDep, response: Response
) -> HealthResponse:
    """Answer 200 if Redis answers a ping in time, else 503 with why."""
    try:
        await service.check_queue()
    except QUEUE_ERRORS as exc:
        reason, headers = queue_unavailable(exc)
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        response.headers.update(headers)
        return HealthResponse(status="unavailable", reason=reason)
    return HealthResponse(status="ok")


@internal_router.get(
    "/metrics",
    include_in_schema=False,
    summary="Prometheus metrics of this API process",
)
async def get_metrics(request: Request) -> Response:
    """Serve the metrics in the format that the scraper asks for."""
    if api_metrics is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"Metrics are off ({ENV_PREFIX}PROMETHEUS_ENABLED=false)",
        )
    encode, content_type = choose_encoder(request.headers.get("accept", ""))
    return Response(encode(api_metrics.registry), media_type=content_type)
