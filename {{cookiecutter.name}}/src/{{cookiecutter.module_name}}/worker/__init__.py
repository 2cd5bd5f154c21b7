"""The arq worker, run as ``arq <package>.worker.main.WorkerSettings``."""

import sys

# safir.logging loads its FastAPI logger dependency whenever it can
# (safir/logging/_structlog.py), and with it FastAPI and Starlette: 6.6 MiB
# of every worker's memory for nothing it uses. Refused here, before the
# worker imports the config, it skips it.
sys.modules.setdefault("safir.dependencies.logger", None)  # type: ignore[arg-type]
