"""The FastAPI application: wiring only."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import metadata

from arq.jobs import DeserializationError
from fastapi import FastAPI
from safir.fastapi import ClientRequestError, client_request_error_handler
from safir.logging import Profile, configure_uvicorn_logging
from starlette.exceptions import HTTPException

from . import DISTRIBUTION_NAME, __version__
from .config import config
from .dependencies import api_metrics
from .exceptions import (
    QUEUE_ERRORS,
    http_error_handler,
    invalid_job_data_handler,
    queue_unavailable_handler,
)
from .handlers.dashboard import dashboard_router, pages_router
from .handlers.internal import internal_router
from .handlers.jobs import jobs_router
from .logs import setup_logging
from .middleware import (
    BodySizeLimitMiddleware,
    MetricsMiddleware,
    RequestIdMiddleware,
    StartupExitMiddleware,
)
from .queue import arq_dependency
from .sentry import start_sentry
{%- if cookiecutter.tracing == "yes" %}
from .tracing import flush_tracing, instrument_api, setup_tracing
{%- endif %}


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """Open the queue client on start-up and close it on shutdown."""
    await arq_dependency.initialize(config)
    yield
    await arq_dependency.aclose()
{%- if cookiecutter.tracing == "yes" %}
    flush_tracing()
{%- endif %}


setup_logging(config)
start_sentry()
if config.log_profile == Profile.production:
    configure_uvicorn_logging(config.log_level)

app = FastAPI(
    title=config.name,
    description=metadata(DISTRIBUTION_NAME)["Summary"],
    version=__version__,
    openapi_url=f"{config.path_prefix}/openapi.json",
    docs_url=f"{config.path_prefix}/docs",
    redoc_url=f"{config.path_prefix}/redoc",
    lifespan=lifespan,
)
"""The application, as ``uvicorn`` loads it."""

app.add_middleware(BodySizeLimitMiddleware, max_bytes=config.max_body_bytes)
app.add_middleware(StartupExitMiddleware, config=config)
app.add_middleware(RequestIdMiddleware)
if api_metrics:
    # Outermost, so that it times and counts every answer.
    app.add_middleware(MetricsMiddleware, metrics=api_metrics)
app.include_router(jobs_router, prefix=config.path_prefix)
app.include_router(dashboard_router, prefix=config.path_prefix)
app.include_router(pages_router, prefix=config.path_prefix)
app.include_router(internal_router)
app.exception_handler(ClientRequestError)(client_request_error_handler)
app.exception_handler(HTTPException)(http_error_handler)
for error in QUEUE_ERRORS:
    app.exception_handler(error)(queue_unavailable_handler)
app.exception_handler(DeserializationError)(invalid_job_data_handler)
{%- if cookiecutter.tracing == "yes" %}
setup_tracing(config.name)
instrument_api(app)
{%- endif %}
