"""Worker start-up, shutdown and ``WorkerSettings`` for the ``arq`` CLI."""

import uuid
from collections.abc import Sequence
from typing import Any

from arq.cron import CronJob
from arq.typing import StartupShutdown, WorkerCoroutine
from arq.worker import Function, func

from ..config import config
from ..factory import create_http_client, setup_logging
from ..tasks import TaskName
from .context import WorkerState, get_state, set_state
from .functions import fetch_status, word_count

__all__ = ["WorkerSettings", "shutdown", "startup"]


async def startup(ctx: dict[Any, Any]) -> None:
    """Set up logging and the shared clients of one worker process.

    Parameters
    ----------
    ctx
        arq's context, which the tasks receive.
    """
    logger = setup_logging(config).bind(worker_instance=uuid.uuid4().hex)
    set_state(
        ctx,
        WorkerState(
            logger=logger,
            http_client=create_http_client(),
            fetch_allowed_hosts=config.fetch_allowed_hosts,
        ),
    )
    logger.info("Worker start-up complete", queue=config.queue_name)


async def shutdown(ctx: dict[Any, Any]) -> None:
    """Close the clients that `startup` opened.

    Parameters
    ----------
    ctx
        arq's context.
    """
    state = get_state(ctx)
    await state.http_client.aclose()
    state.logger.info("Worker shutdown complete")


class WorkerSettings:
    """Settings that ``arq`` reads to build the worker.

    See `arq.worker.Worker` for the meaning of each attribute.
    """

    functions: Sequence[Function | WorkerCoroutine] = (
        func(word_count, name=TaskName.word_count),
        func(fetch_status, name=TaskName.fetch_status),
    )
    cron_jobs: Sequence[CronJob] | None = None
    redis_settings = config.arq_redis_settings
    queue_name = config.queue_name
    on_startup: StartupShutdown | None = startup
    on_shutdown: StartupShutdown | None = shutdown
    allow_abort_jobs = True
    job_timeout = config.worker_job_timeout
    max_jobs = config.worker_max_jobs
