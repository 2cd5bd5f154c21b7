"""The generated project's ``WorkerSettings`` plus the benchmark's tasks.

``arq targets.template_worker.WorkerSettings`` from the project's
environment, ``BENCH_MODULE`` naming its package. Everything comes from the
project (its settings from its environment variables, start-up, shutdown,
tasks, cron job, and the wrapper that every task runs in) but the jobs of
`targets.tasks` and ``BENCH_OVERRIDES``: a JSON object of
``WorkerSettings`` attributes, such as ``{"poll_delay": 0.05}``.
"""

import enum
import importlib
import json
import os
from typing import Any

from .tasks import ARQ_TASKS

__all__ = ["WorkerSettings"]

_module = os.environ["BENCH_MODULE"]
_project: Any = importlib.import_module(
    f"{_module}.worker.main"
).WorkerSettings
_register: Any = importlib.import_module(f"{_module}.worker.registry")
_config: Any = importlib.import_module(f"{_module}.config").config

# Registered as the project registers its own tasks, under names as its
# TaskName gives them; the jobs ignore the JobContext they receive.
BenchTaskName = enum.StrEnum("BenchTaskName", [t.__name__ for t in ARQ_TASKS])

# arq reads only a settings class's own __dict__ (arq.worker.get_kwargs), so
# a subclass would drop every inherited setting: the class is rebuilt.
WorkerSettings = type(
    "WorkerSettings",
    (),
    {
        **{k: v for k, v in vars(_project).items() if not k.startswith("__")},
        "__doc__": "The project's settings; its functions and the bench's.",
        "__module__": __name__,
        "functions": [
            *_project.functions,
            *(
                _register.task_function(task, name, _config)
                for task, name in zip(ARQ_TASKS, BenchTaskName, strict=True)
            ),
        ],
        **json.loads(os.environ.get("BENCH_OVERRIDES", "{}")),
    },
)
