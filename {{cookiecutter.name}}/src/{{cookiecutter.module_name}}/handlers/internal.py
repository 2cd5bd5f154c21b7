"""Routes outside the path prefix, for the cluster rather than users."""

from fastapi import APIRouter
from safir.metadata import Metadata, get_metadata

from .. import DISTRIBUTION_NAME
from ..config import config

__all__ = ["internal_router"]

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
