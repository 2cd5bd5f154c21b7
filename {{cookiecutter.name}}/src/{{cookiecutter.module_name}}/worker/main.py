"""Worker start-up, shutdown and ``WorkerSettings`` for the ``arq`` CLI."""

import asyncio
import logging
import math
import sys
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack
from typing import Any

import arq.worker
import httpx
import uvloop
from arq.constants import health_check_key_suffix
from arq.cron import CronJob
from arq.typing import StartupShutdown, WorkerCoroutine
from arq.worker import Function

from ..config import Config, config
from ..logs import setup_logging
{%- if cookiecutter.metrics == "yes" %}
from ..metrics import make_job_start_hook, start_worker_metrics
{%- endif %}
from ..records import JobRecords
from ..redis import (
    WORKER_RETRIES,
    failure_line,
    pool_for,
    serializers_for,
    settings_for,
)
from ..sentry import start_sentry
from ..tasks import TaskName
{%- if cookiecutter.tracing == "yes" %}
from ..tracing import setup_tracing
{%- endif %}
from .context import WorkerState, get_state, set_state
from .functions import digest, fetch_status, queue_report, word_count
from .loop import ClaimingWorker
from .prometheus import count_cancelled, start_prometheus
from .registry import cron_function, task_function
{%- if cookiecutter.tracing == "yes" %}
from .tracing import job_span
{%- endif %}

HTTP_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
"""Timeout of the tasks' HTTP requests, so that no job hangs on a peer."""


def build_functions(config: Config) -> list[Function]:
    """Register every task under its `TaskName`, with its limits."""
    return [
        task_function(word_count, TaskName.word_count, config),
        task_function(
            fetch_status,
            TaskName.fetch_status,
            config,
            time_limit=config.fetch_timeout,
        ),
        task_function(digest, TaskName.digest, config),
    ]


def build_cron_jobs(config: Config) -> list[CronJob]:
    """Schedule the periodic tasks.

    ``unique`` gives each run the id ``<task>:<due time>``, so that when
    several workers run, one of them runs it.
    """
    schedule = config.queue_report_schedule
    return [
        cron_function(
            queue_report,
            TaskName.queue_report,
            config,
            hour=schedule.hour,
            minute=schedule.minute,
            second=schedule.second,
            unique=True,
            keep_result=3600,
        )
    ]


def health_check_key(config: Config) -> str | None:
    """Return this worker's own health-check key, or `None` for arq's."""
    if config.worker_name is None:
        return None
    return f"{config.queue_name}{health_check_key_suffix}:{config.worker_name}"


async def startup(ctx: dict[Any, Any]) -> None:
    """Set up logging and the clients that the tasks of this worker share.

    Parameters
    ----------
    ctx
        arq's context, which every task receives.
    """
    instance = uuid.uuid4().hex
    logger = setup_logging(config).bind(worker_instance=instance)
    resources = AsyncExitStack()
    http_client = await resources.enter_async_context(
        httpx.AsyncClient(timeout=HTTP_TIMEOUT, follow_redirects=False)
    )
    executor = ThreadPoolExecutor(config.digest_threads)
    resources.callback(executor.shutdown, wait=False, cancel_futures=True)
    prometheus = None
    if config.prometheus_enabled:
        prometheus = await start_prometheus(
            config, ctx["redis"], resources, instance=instance, logger=logger
        )
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
            redis=ctx["redis"],
            executor=executor,
            records=JobRecords(ctx["redis"], config),
            resources=resources,
            prometheus=prometheus,
{%- if cookiecutter.tracing == "yes" %}
            job_scope=job_span,
{%- endif %}
        ),
    )
    if not config.worker_log_jobs:
        # The arq command set up its logging before start-up: keep its
        # warnings (failed jobs), drop its two INFO lines per job.
        logging.getLogger("arq.worker").setLevel(logging.WARNING)
    logger.info("Worker start-up complete", queue=config.queue_name)


async def shutdown(ctx: dict[Any, Any]) -> None:
    """Close what `startup` opened."""
    try:
        state = get_state(ctx)
    except TypeError:
        return  # start-up failed before it opened anything

    await state.resources.aclose()
    state.logger.info("Worker shutdown complete")


def _report(kind: type[BaseException], error: BaseException, tb: Any) -> None:
    # The arq command would print a traceback; when Redis was unreachable
    # or refused the worker, one line says it all.
    if failure := failure_line(error, config):
        print(failure, file=sys.stderr)  # noqa: T201 - the process's last word
    else:
        sys.__excepthook__(kind, error, tb)


sys.excepthook = _report
# The arq command builds its worker as arq.worker.Worker (create_worker):
# pointing that name at the subclass is how it runs this project's loop.
arq.worker.Worker = ClaimingWorker  # type: ignore[misc]
# Before the arq command builds its worker, which Sentry's arq integration
# wraps as it is made.
start_sentry()
# uvloop (installed with uvicorn[standard]) runs the worker's event loop
# faster than asyncio's own; the arq command creates its loop after this.
asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
{%- if cookiecutter.tracing == "yes" %}
setup_tracing(f"{config.name}-worker")
{%- endif %}


class WorkerSettings:
    """Settings that ``arq`` reads to build the worker.

    Each attribute is an argument of `arq.worker.Worker`; a new task goes
    into `build_functions`, a periodic one into `build_cron_jobs`.
    """

    functions: Sequence[Function | WorkerCoroutine] = build_functions(config)
    cron_jobs: Sequence[CronJob] | None = build_cron_jobs(config)
    # Built as the API builds its own; the settings serve ``arq --check``.
    redis_pool = pool_for(config, retries=WORKER_RETRIES)
    redis_settings = settings_for(config, retries=WORKER_RETRIES)
    job_serializer, job_deserializer = serializers_for(config)
    queue_name = config.queue_name
    on_startup: StartupShutdown | None = startup
    on_shutdown: StartupShutdown | None = shutdown
    after_job_end: StartupShutdown | None = count_cancelled
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
    health_check_key = health_check_key(config)
