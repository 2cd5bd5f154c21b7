"""The generated project's ``WorkerSettings`` plus the benchmark's tasks.

Run as ``arq targets.template_worker.WorkerSettings`` from the generated
project's environment, with ``BENCH_MODULE`` naming its package. Everything
else comes from the project: its settings (from its ``<PREFIX>_...``
environment variables), start-up, shutdown, tasks and cron job. The
benchmark only adds `targets.tasks` so that S1, S2, S4 and S7 can run the
same jobs on every worker.

``BENCH_OVERRIDES`` (JSON object) may set ``WorkerSettings`` attributes
that the project has no environment variable for, such as
``{"poll_delay": 0.05}``, to try a candidate default without editing the
template; `targets.tuning` adds the event loop and arq's log level.
"""

import importlib
import json
import os
from typing import Any

from .tasks import ARQ_TASKS
from .tuning import apply_event_loop, arq_log_level, with_log_level

__all__ = ["WorkerSettings"]

apply_event_loop()

_project: Any = importlib.import_module(
    f"{os.environ['BENCH_MODULE']}.worker.main"
).WorkerSettings
_overrides: dict[str, Any] = json.loads(
    os.environ.get("BENCH_OVERRIDES", "{}")
)


# arq reads only a settings class's own ``__dict__`` (`arq.worker.get_kwargs`),
# so a subclass would silently drop every inherited setting: the class is
# rebuilt from the project's attributes instead.
WorkerSettings = type(
    "WorkerSettings",
    (),
    {
        **{
            name: value
            for name, value in vars(_project).items()
            if not name.startswith("__")
        },
        "__doc__": "The project's settings; its functions and the bench's.",
        "__module__": __name__,
        "functions": [*_project.functions, *ARQ_TASKS],
        "on_startup": with_log_level(_project.on_startup, arq_log_level()),
        **_overrides,
    },
)
"""What ``arq`` runs: the project's ``WorkerSettings``, extended."""
