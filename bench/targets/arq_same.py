"""Raw arq configured like the generated project, without its code.

Run as ``arq targets.arq_same.WorkerSettings``. ``BENCH_ARQ_SETTINGS`` holds
what `targets.probe` reported for the project's worker: its scalar worker
settings, its event loop and whether arq logs each job. This worker copies
them but has none of the project's start-up, logging, clients or tasks, so
the difference between the two is what the template's code costs.
"""

import json
import os
from typing import Any

from arq.connections import RedisSettings

from .tasks import ARQ_TASKS
from .tuning import apply_event_loop, with_log_level

__all__ = ["WorkerSettings"]

_probe: dict[str, Any] = json.loads(os.environ["BENCH_ARQ_SETTINGS"])
apply_event_loop(_probe["event_loop"])
_level = _probe["arq_log_level"]

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
        "on_startup": with_log_level(
            None, None if _level == "INFO" else _level
        ),
        **_probe["settings"],
    },
)
"""What ``arq`` runs."""
