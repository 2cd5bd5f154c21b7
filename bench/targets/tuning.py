"""Process-level settings that the harness applies to arq workers.

The same two switches are given to the generated project's worker and to
its raw-arq twin, so that a candidate setting is measured on both:

``BENCH_EVENT_LOOP``
    ``uvloop`` to run the worker on uvloop (set before arq creates its
    loop), anything else for asyncio's own loop.
``BENCH_ARQ_LOG_LEVEL``
    Level of arq's ``arq.worker`` logger after start-up: ``WARNING`` drops
    the two INFO lines arq writes per job. Unset keeps the arq CLI's INFO.
"""

import asyncio
import logging
import os
from typing import Any

from arq.typing import StartupShutdown

__all__ = ["apply_event_loop", "arq_log_level", "with_log_level"]


def apply_event_loop(kind: str | None = None) -> None:
    """Make arq's worker use uvloop if asked to.

    Parameters
    ----------
    kind
        ``uvloop`` or ``asyncio``; read from ``BENCH_EVENT_LOOP`` if `None`.
    """
    kind = kind if kind is not None else os.environ.get("BENCH_EVENT_LOOP")
    if kind == "uvloop":
        import uvloop  # noqa: PLC0415 - only the variants that use it

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def arq_log_level() -> str | None:
    """The level asked for arq's worker logger, if any."""
    return os.environ.get("BENCH_ARQ_LOG_LEVEL") or None


def with_log_level(
    startup: StartupShutdown | None, level: str | None
) -> StartupShutdown | None:
    """Wrap a start-up hook so that it then sets arq's worker log level.

    The ``arq`` CLI configures logging after it imports the settings and
    before start-up, so start-up is where a level can be changed.

    Parameters
    ----------
    startup
        The worker's own start-up hook, run first.
    level
        Level name for ``arq.worker``, or `None` to change nothing.
    """
    if level is None:
        return startup

    async def run(ctx: dict[Any, Any]) -> None:
        if startup is not None:
            await startup(ctx)
        logging.getLogger("arq.worker").setLevel(level)

    return run
