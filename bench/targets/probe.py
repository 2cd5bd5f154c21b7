"""Report how a ``WorkerSettings`` class configures arq, as JSON.

``python -m targets.probe <import path> <output file>`` does what the
``arq`` CLI does up to the first poll: imports the settings, configures
arq's default logging, lets arq create its event loop and runs the
settings' start-up hook (with an unconnected Redis client, which start-up
only stores). It writes the scalar `arq.worker.Worker` arguments, the event
loop's module and whether arq's per-job INFO lines are still written, so
that `targets.arq_same` can build a raw arq worker configured the same way.
"""

import asyncio
import json
import logging
import logging.config
import sys
import warnings
from datetime import timedelta
from typing import Any

from arq.connections import ArqRedis
from arq.logs import default_log_config
from arq.utils import import_string
from arq.worker import get_kwargs

__all__ = ["SCALAR_SETTINGS", "probe"]

SCALAR_SETTINGS = (
    "allow_abort_jobs",
    "expires_extra_ms",
    "health_check_interval",
    "health_check_key",
    "job_completion_wait",
    "job_timeout",
    "keep_result",
    "keep_result_forever",
    "log_results",
    "max_burst_jobs",
    "max_jobs",
    "max_tries",
    "poll_delay",
    "queue_name",
    "queue_read_limit",
    "retry_jobs",
)
"""`arq.worker.Worker` arguments that a raw arq worker copies."""


def _jsonable(value: Any) -> Any:
    if isinstance(value, timedelta):
        return value.total_seconds()
    return value


async def _per_job_logs_after_startup(settings: dict[str, Any]) -> bool:
    """Run start-up and shutdown; whether arq still logs each job at INFO."""
    ctx: dict[Any, Any] = {"redis": ArqRedis(host="127.0.0.1", port=1)}
    try:
        if settings.get("on_startup"):
            await settings["on_startup"](ctx)
        return logging.getLogger("arq.worker").isEnabledFor(logging.INFO)
    finally:
        if settings.get("on_shutdown"):
            await settings["on_shutdown"](ctx)
        await ctx["redis"].aclose()


def probe(path: str) -> dict[str, Any]:
    """Describe the arq configuration of a ``WorkerSettings`` class.

    Parameters
    ----------
    path
        Import path of the class.
    """
    settings = get_kwargs(import_string(path))
    logging.config.dictConfig(default_log_config(verbose=False))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            loop = asyncio.get_event_loop()
        except RuntimeError:
            loop = asyncio.new_event_loop()
    try:
        per_job_logs = loop.run_until_complete(
            _per_job_logs_after_startup(settings)
        )
    finally:
        loop.close()
    return {
        "event_loop": type(loop).__module__.partition(".")[0],
        "arq_log_level": "INFO" if per_job_logs else "WARNING",
        "settings": {
            name: _jsonable(settings[name])
            for name in SCALAR_SETTINGS
            if name in settings
        },
    }


if __name__ == "__main__":
    # The project's start-up logs to standard output, so the answer goes to
    # a file.
    with open(sys.argv[2], "w", encoding="utf-8") as out:  # noqa: PTH123
        json.dump(probe(sys.argv[1]), out)
