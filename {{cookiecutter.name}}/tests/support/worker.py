"""Running the real arq worker inside a test."""

from typing import Any

from arq.worker import create_worker

from {{ cookiecutter.module_name }}.config import config
from {{ cookiecutter.module_name }}.worker.main import WorkerSettings

__all__ = ["run_worker_burst"]


async def run_worker_burst(**overrides: Any) -> int:
    """Run the project's worker until its queue is empty.

    The worker is built from ``WorkerSettings`` exactly as the ``arq`` command
    builds it, but reads Redis settings from the (patched) configuration and
    does not poll or install signal handlers.

    Parameters
    ----------
    **overrides
        Further `arq.worker.Worker` arguments.

    Returns
    -------
    int
        Number of jobs that completed, successfully or not.
    """
    worker = create_worker(
        WorkerSettings,
        redis_settings=config.arq_redis_settings,
        queue_name=config.queue_name,
        burst=True,
        poll_delay=0,
        handle_signals=False,
        **overrides,
    )
    try:
        await worker.main()
    finally:
        await worker.close()
    return worker.jobs_complete + worker.jobs_failed
