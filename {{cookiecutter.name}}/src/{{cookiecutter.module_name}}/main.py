"""The FastAPI application: wiring only."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import metadata

from arq.jobs import DeserializationError
from fastapi import FastAPI
from safir.fastapi import ClientRequestError, client_request_error_handler
from safir.logging import Profile, configure_uvicorn_logging

from . import DISTRIBUTION_NAME, __version__
from .config import config
from .exceptions import (
    QUEUE_ERRORS,
    invalid_job_data_handler,
    queue_unavailable_handler,
)
from .factory import setup_logging
from .handlers.internal import internal_router
from .handlers.jobs import jobs_router
from .middleware import BodySizeLimitMiddleware
from .queue import arq_dependency

__all__ = ["app", "lifespan"]


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """Open the arq queue client on start-up and close it on shutdown.

    Raises
    ------
    redis.exceptions.RedisError
        Raised, after logging why in one line, if Redis cannot be reached
        (arq tries for a few seconds first), so that the server exits.
    """
    try:
        await arq_dependency.initialize(
            mode=config.arq_mode,
            redis_settings=config.arq_redis_settings,
            queue_name=config.queue_name,
            serializers=config.arq_serializers,
        )
    except QUEUE_ERRORS as exc:
        url = config.arq_queue_url
        logger.error(  # noqa: TRY400 - one line; the reason is in the fields
            "Cannot start: Redis unavailable",
            redis=f"{url.host}:{url.port}",
            error=f"{type(exc).__name__}: {exc}",
        )
        # The same error without redis-py's frames and chained errors, which
        # would bury the line above in the server's log.
        raise exc.with_traceback(None) from None
    yield
    await arq_dependency.aclose()


logger = setup_logging(config)
"""The application's logger."""

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
app.include_router(internal_router)
app.include_router(jobs_router, prefix=config.path_prefix)
app.exception_handler(ClientRequestError)(client_request_error_handler)
for error in QUEUE_ERRORS:
    app.exception_handler(error)(queue_unavailable_handler)
app.exception_handler(DeserializationError)(invalid_job_data_handler)
