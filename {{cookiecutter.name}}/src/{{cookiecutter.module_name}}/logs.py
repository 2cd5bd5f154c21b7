"""Logging, set up the same way by the API and the worker."""

import structlog
from safir.logging import configure_logging
from structlog.stdlib import BoundLogger

from .config import Config

LOGGER_NAME = __name__.partition(".")[0]
"""Name of the application's root logger: its top-level package."""


def setup_logging(config: Config) -> BoundLogger:
    """Configure structlog for this process and return its logger."""
    configure_logging(
        name=LOGGER_NAME,
        profile=config.log_profile,
        log_level=config.log_level,
    )
    logger: BoundLogger = structlog.get_logger(LOGGER_NAME)
    return logger
