"""Worker start-up, shutdown and ``WorkerSettings`` for the ``arq`` CLI."""

import asyncio
import logging
import math
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack
from typing import Any

import uvloop
from arq.connections import ArqRedis
from arq.cron import CronJob, cron
from arq.typing import StartupShutdown, WorkerCoroutine
from arq.worker import Function, func

from ..config import Config, config
from ..factory import create_http_client, setup_logging
{%- if cookiecutter.metrics == "yes" %}
from ..metrics import make_job_start_hook, start_worker_metrics
{%- endif %}
from ..queue import sentinel_pool
from ..tasks import TaskName
from .context import WorkerState, get_state, set_state
from .functions import digest, fetch_status, queue_report, word_count

__all__ = [
    "WorkerSettings",
    "build_cron_jobs",
    "build_functions",
    "shutdown",
    "startup",
]


def build_functions(config: Config) -> list[Function]:
    """Register every task under its `TaskName`, with its limits.

    Parameters
    ----------
    config
        Configuration to take per-task limits from.

    Returns
    -------
    list of arq.worker.Function
        The worker's functions.
    """
    return [
        func(word_count, name=TaskName.word_count),
        func(
            fetch_status,
            name=TaskName.fetch_status,
            max_tries=config.worker_max_tries,
            timeout=config.fetch_timeout,
        ),
        func(digest, name=TaskName.digest),
    ]


def build_cron_jobs(config: Config) -> list[CronJob]:
    """Schedule the periodic tasks.

    ``unique`` (arq's default) gives each run a job id made of the task and
    the time it is due, so when several workers run, one of them runs it.

    Parameters
    ----------
    config
        Configuration to take schedules from.

    Returns
    -------
    list of arq.cron.CronJob
        The worker's cron jobs.
    """
    schedule = config.queue_report_schedule
    return [
        cron(
            queue_report,
            name=TaskName.queue_report,
            hour=schedule.hour,
            minute=schedule.minute,
            second=schedule.second,
            unique=True,
            keep_result=3600,
        )
    ]


async def startup(ctx: dict[Any, Any]) -> None:
    """Set up logging and the shared clients of one worker process.

    Parameters
    ----------
    ctx
        arq's context, which the tasks receive; arq has put its Redis pool
        under ``redis``.
    """
    logger = setup_logging(config).bind(worker_instance=uuid.uuid4().hex)
    redis = ctx["redis"]
    if not isinstance(redis, ArqRedis):
        raise TypeError("arq did not provide its Redis pool")
    resources = AsyncExitStack()
    http_client = await resources.enter_async_context(create_http_client())
    executor = ThreadPoolExecutor(config.digest_threads)
    resources.callback(executor.shutdown, wait=False, cancel_futures=True)
{%- if cookiecutter.metrics == "yes" %}
    event_manager = await start_worker_metrics(ctx, logger)
    resources.push_async_callback(event_manager.aclose)
{%- endif %}
    set_state(
        ctx,
        WorkerState(
            config=config,
            logger=logger,
            http_client=http_client,
            redis=redis,
            executor=executor,
            resources=resources,
        ),
    )
    if not config.worker_log_jobs:
        # The arq command set up its logging before start-up: keep its
        # warnings (failed jobs), drop its two INFO lines per job.
        logging.getLogger("arq.worker").setLevel(logging.WARNING)
    logger.info("Worker start-up complete", queue=config.queue_name)


async def shutdown(ctx: dict[Any, Any]) -> None:
    """Close what `startup` opened.

    Parameters
    ----------
    ctx
        arq's context.
    """
    state = get_state(ctx)
    await state.resources.aclose()
    state.logger.info("Worker shutdown complete")


# uvloop (installed with uvicorn[standard]) runs the worker's event loop
# faster than asyncio's own; the arq command creates its loop after this.
asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


class WorkerSettings:
    """Settings that ``arq`` reads to build the worker.

    See `arq.worker.Worker` for the meaning of each attribute.
    """

    functions: Sequence[Function | WorkerCoroutine] = build_functions(config)
    cron_jobs: Sequence[CronJob] | None = build_cron_jobs(config)
    redis_settings = config.worker_redis_settings
    job_serializer, job_deserializer = config.arq_serializers
    # arq builds its own pool from redis_settings, except with Sentinels:
    # its Sentinel pool would not retry, and the worker would exit at the
    # first command during a failover (see `sentinel_pool`).
    redis_pool: ArqRedis | None = (
        sentinel_pool(
            redis_settings,
            config.arq_serializers,
            queue_name=config.queue_name,
        )
        if redis_settings.sentinel
        else None
    )
    queue_name = config.queue_name
    on_startup: StartupShutdown | None = startup
    on_shutdown: StartupShutdown | None = shutdown
{%- if cookiecutter.metrics == "yes" %}
    on_job_start: StartupShutdown | None = make_job_start_hook(config)
{%- endif %}
    allow_abort_jobs = True
    job_timeout = config.worker_job_timeout
    job_completion_wait = math.ceil(
        config.worker_completion_wait.total_seconds()
    )
    max_jobs = config.worker_max_jobs
    poll_delay = config.worker_poll_delay
    max_tries = config.worker_max_tries
    health_check_interval = config.worker_health_check_interval
    health_check_key = config.worker_health_check_key
