"""Error reports to Sentry through Safir, off until ``SENTRY_DSN`` is set."""

import os
from typing import Any

from pydantic import ValidationError

from . import __version__
from .config import ConfigError


def start_sentry(**options: Any) -> None:
    """Report unhandled errors to Sentry, if ``SENTRY_DSN`` is set.

    Safir reads ``SENTRY_DSN``, ``SENTRY_ENVIRONMENT`` (required with it)
    and ``SENTRY_TRACES_SAMPLE_RATE``; ``options`` go to `sentry_sdk.init`.
    Called before the app or the worker is built: Sentry's FastAPI and arq
    integrations wrap them as they are made.
    """
    if not os.environ.get("SENTRY_DSN"):
        return  # as Safir's should_enable_sentry decides
    # Imported only when on: Safir's Sentry helpers load sentry_sdk and
    # FastAPI, which a worker without Sentry does without.
    from safir.sentry import initialize_sentry  # noqa: PLC0415

    try:
        initialize_sentry(release=__version__, **options)
    except ValidationError as exc:
        names = ", ".join(str(error["loc"][0]) for error in exc.errors())
        raise ConfigError(
            f"Invalid Sentry configuration: with SENTRY_DSN, set {names}"
        ) from None
