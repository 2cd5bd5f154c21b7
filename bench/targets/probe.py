"""How a ``WorkerSettings`` class configures arq, as JSON.

``python -m targets.probe <import path> <output file>`` does what the arq
CLI does up to the first poll: imports the settings, configures arq's
logging, lets arq create its event loop and runs start-up (with an
unconnected Redis client, which start-up only stores). It writes the
scalar `arq.worker.Worker` arguments, the event loop's module and whether
arq still writes its per-job INFO lines, for `targets.arq_same`.
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

__all__ = ["probe"]

SCALAR_SETTINGS = (
    "allow_abort_jobs", "expires_extra_ms", "health_check_interval",
    "health_check_key", "job_completion_wait", "job_timeout", "keep_result",
    "keep_result_forever", "log_results", "max_burst_jobs", "max_jobs",
    "max_tries", "poll_delay", "queue_name", "queue_read_limit",
    "retry_jobs",
)  # fmt: skip


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
    """Describe the arq configuration of the ``WorkerSettings`` at ``path``."""
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
    values = {k: settings[k] for k in SCALAR_SETTINGS if k in settings}
    return {
        "event_loop": type(loop).__module__.partition(".")[0],
        "arq_log_level": "INFO" if per_job_logs else "WARNING",
        "settings": {
            k: v.total_seconds() if isinstance(v, timedelta) else v
            for k, v in values.items()
        },
    }


if __name__ == "__main__":
    # The project's start-up logs to standard output: the answer goes to a
    # file.
    with open(sys.argv[2], "w", encoding="utf-8") as out:  # noqa: PTH123
        json.dump(probe(sys.argv[1]), out)
