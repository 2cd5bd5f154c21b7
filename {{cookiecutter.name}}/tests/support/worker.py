"""Running the real arq worker inside a test."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

import arq.worker
from arq.worker import Worker

from {{ cookiecutter.module_name }}.config import config
from {{ cookiecutter.module_name }}.redis import (
    WORKER_RETRIES,
    pool_for,
    serializers_for,
)
from {{ cookiecutter.module_name }}.worker.main import (
    WorkerSettings,
    build_functions,
)

__all__ = ["make_worker", "run_worker", "run_worker_burst"]


def make_worker(**overrides: Any) -> Worker:
    """Build the project's worker from the current (patched) config.

    It polls without delay and installs no signal handlers; ``overrides``
    are further `arq.worker.Worker` arguments.
    """
    serializer, deserializer = serializers_for(config)
    settings: dict[str, Any] = {
        "functions": build_functions(config),
        "cron_jobs": [],
        "redis_pool": pool_for(config, retries=WORKER_RETRIES),
        "job_serializer": serializer,
        "job_deserializer": deserializer,
        "queue_name": config.queue_name,
        "job_timeout": config.worker_job_timeout,
        "max_jobs": config.worker_max_jobs,
        "max_tries": config.worker_max_tries,
        "poll_delay": 0.01,
        "handle_signals": False,
        **overrides,
    }
    # Looked up when called, as the arq command does: Sentry's arq
    # integration replaces it to wrap the tasks.
    return arq.worker.create_worker(WorkerSettings, **settings)


async def run_worker_burst(**overrides: Any) -> Worker:
    """Run the project's worker until its queue is empty; return it closed."""
    worker = make_worker(burst=True, **overrides)
    try:
        await worker.main()
    finally:
        await worker.close()
    return worker


@asynccontextmanager
async def run_worker(**overrides: Any) -> AsyncIterator[Worker]:
    """Run the project's worker in the background until the block ends."""
    worker = make_worker(**overrides)
    task = asyncio.create_task(worker.main())
    try:
        yield worker
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        await worker.close()
