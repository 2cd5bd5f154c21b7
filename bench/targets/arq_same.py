"""Raw arq configured like the generated project, without its code.

``arq targets.arq_same.WorkerSettings``, with ``BENCH_ARQ_SETTINGS`` holding
what `targets.probe` reported for the project's worker: its scalar
settings, event loop and arq log level. The difference between the two
workers is what the template's code costs.
"""

import asyncio
import json
import logging
import os
from typing import Any

from arq.connections import RedisSettings

from .tasks import ARQ_TASKS

__all__ = ["WorkerSettings"]

ARQ_POLL_DELAY = 0.03

_probe: dict[str, Any] = json.loads(os.environ["BENCH_ARQ_SETTINGS"])
if _probe["event_loop"] == "uvloop":
    import uvloop  # only if the project runs on it: it costs memory

    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


async def _startup(_ctx: dict[Any, Any]) -> None:
    # The arq CLI configures logging after it imports the settings, before
    # start-up: start-up is where the project sets this level too.
    logging.getLogger("arq.worker").setLevel(_probe["arq_log_level"])


WorkerSettings = type(
    "WorkerSettings",
    (),
    {
        "__doc__": "arq's minimal settings plus the project's values.",
        "__module__": __name__,
        "functions": ARQ_TASKS,
        "redis_settings": RedisSettings.from_dsn(
            os.environ["BENCH_REDIS_URL"]
        ),
        "on_startup": _startup,
        **_probe["settings"],
        # The project's poll delay bounds an idle wait that its own loop
        # cuts short (worker/loop.py); arq's loop sleeps it out after every
        # read of the queue. The twin polls at 30 ms, the project's default
        # while it ran arq's loop.
        "poll_delay": ARQ_POLL_DELAY,
    },
)
