"""Process set-up shared by the API and the worker."""

import httpx
import structlog
from safir.logging import configure_logging
from structlog.stdlib import BoundLogger

from .config import Config

__all__ = ["LOGGER_NAME", "create_http_client", "setup_logging"]

LOGGER_NAME = __name__.partition(".")[0]
"""Name of the application's root logger: its top-level package."""

HTTP_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
"""Timeout of outgoing HTTP requests, so that no job hangs on a peer."""


def setup_logging(config: Config) -> BoundLogger:
    """Configure structlog for this process and return its logger.

    Parameters
    ----------
    config
        Application configuration, for the profile and level.

    Returns
    -------
    structlog.stdlib.BoundLogger
        The application's logger.
    """
    configure_logging(
        name=LOGGER_NAME,
        profile=config.log_profile,
        log_level=config.log_level,
    )
    logger: BoundLogger = structlog.get_logger(LOGGER_NAME)
    return logger


def create_http_client() -> httpx.AsyncClient:
    """Create the HTTP client that a process shares between its requests.

    Returns
    -------
    httpx.AsyncClient
        Client with bounded timeouts; the caller closes it.
    """
    return httpx.AsyncClient(timeout=HTTP_TIMEOUT, follow_redirects=False)
