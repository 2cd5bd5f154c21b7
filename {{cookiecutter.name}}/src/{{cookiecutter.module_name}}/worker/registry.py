"""One wrapper around every task: typed context, backoff, failed-job records.

arq calls a task with its context dict and learns nothing of the outcome in
its hooks; the wrapper gives the task a `JobContext`, turns `RetryLater`
into arq's `~arq.Retry` with a growing delay, and keeps a job that fails for
good (an exception, its time limit, its tries used up) in the failed-job
store. Each try runs inside the worker's ``job_scope`` (`WorkerState`).
"""

import asyncio
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Concatenate

from arq import Retry
from arq.cron import CronJob, cron
from arq.typing import WorkerCoroutine
from arq.worker import Function, JobExecutionFailed, func

from ..config import Config
from ..records import FailedJob, split_meta
from ..serialization import describe_failure
from ..tasks import TaskName
from .context import JobContext, get_state
from .prometheus import observe

GRACE = timedelta(seconds=1)
"""How much later than the wrapper arq's own time limit stops a task."""

type Task = Callable[Concatenate[JobContext, ...], Awaitable[Any]]


class RetryLater(Exception):  # noqa: N818 - a request, not an error
    """Raised by a task for a transient failure: try the job again later.

    The next try waits ``WORKER_RETRY_DELAY``, doubled each try up to
    ``WORKER_RETRY_MAX_DELAY``, less up to half at random so that jobs that
    failed together spread out. On the job's last try, it fails with the
    exception that this one was raised from.
    """


def backoff(config: Config, job_try: int) -> timedelta:
    """Return the delay after try ``job_try``, jittered and capped."""
    first = config.worker_retry_delay.total_seconds()
    cap = config.worker_retry_max_delay.total_seconds()
    ceiling = min(first * 2.0 ** min(job_try - 1, 64), cap)
    jitter = random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not a secret
    return timedelta(seconds=ceiling * jitter)


def wrap(
    task: Task,
    name: TaskName,
    config: Config,
    *,
    max_tries: int,
    time_limit: timedelta,
) -> WorkerCoroutine:
    """Make the coroutine that arq runs for a task."""

    async def run(ctx: dict[Any, Any], *args: Any, **kwargs: Any) -> Any:
        state = get_state(ctx)
        kwargs, meta = split_meta(kwargs)
        request_id = meta.get("request_id")
        job_try: int = ctx.get("job_try", 1)
        started = datetime.now(tz=UTC)
        job = JobContext(
            state=state,
            job_id=ctx["job_id"],
            task=name.value,
            enqueue_time=ctx.get("enqueue_time", started),
            job_try=job_try,
            time_limit=time_limit,
            request_id=request_id,
            logger=state.logger.bind(
                job_id=ctx["job_id"],
                task=name.value,
                job_try=job_try,
                request_id=request_id,
            ),
        )
        if job_try > max_tries:
            # The last try ended with its worker (killed, or stopped): arq
            # allows one more (see `_arq_tries`), so that it is kept here.
            exhausted = JobExecutionFailed(f"max {max_tries} tries reached")
            await _record(job, kwargs, started, exhausted)
            raise exhausted
        try:
            async with (
                state.job_scope(job, meta),
                asyncio.timeout(time_limit.total_seconds()),
            ):
                return await task(job, *args, **kwargs)
        except (RetryLater, Retry) as exc:
            if job_try < max_tries:
                delay = backoff(config, job_try)
                job.logger.warning(
                    "Trying again later",
                    error=str(exc),
                    delay_seconds=round(delay.total_seconds(), 3),
                )
                await state.records.clear_progress(job.job_id)
                raise Retry(defer=delay) from exc
            failure = exc.__cause__
            if not isinstance(failure, Exception):
                failure = exc if isinstance(exc, RetryLater) else None
            failure = failure or JobExecutionFailed(
                f"max {max_tries} tries reached"
            )
            await _record(job, kwargs, started, failure)
            raise failure from failure.__cause__
        except Exception as exc:
            await _record(job, kwargs, started, exc)
            raise

    return observe(run, name.value)


def task_function(
    task: Task,
    name: TaskName,
    config: Config,
    *,
    max_tries: int | None = None,
    time_limit: timedelta | None = None,
) -> Function:
    """Register a task with arq under its name, wrapped.

    Parameters
    ----------
    task
        The task: a coroutine taking a `JobContext` and keyword arguments.
    name
        Its name, by which the API queues it.
    config
        The worker's configuration.
    max_tries
        Tries in all, if not ``WORKER_MAX_TRIES``.
    time_limit
        Longest one try may run, if not ``WORKER_JOB_TIMEOUT``.
    """
    tries = max_tries or config.worker_max_tries
    limit = time_limit or config.worker_job_timeout
    coroutine = wrap(task, name, config, max_tries=tries, time_limit=limit)
    return func(
        coroutine,
        name=name,
        max_tries=_arq_tries(tries),
        timeout=limit + GRACE,
    )


def cron_function(
    task: Task, name: TaskName, config: Config, **schedule: Any
) -> CronJob:
    """Schedule a periodic task with arq's cron, wrapped like the others.

    ``schedule`` holds `arq.cron.cron`'s arguments: ``hour``, ``minute``,
    ``second``, ``unique``, ``keep_result`` and the rest.
    """
    limit = config.worker_job_timeout
    coroutine = wrap(task, name, config, max_tries=1, time_limit=limit)
    return cron(
        coroutine,
        name=name,
        max_tries=_arq_tries(1),
        timeout=limit + GRACE,
        **schedule,
    )


def _arq_tries(tries: int) -> int:
    # arq fails a job over its tries without calling the task, so it would
    # never be kept as failed: arq allows one more, which the wrapper fails.
    return tries + 1


async def _record(
    job: JobContext,
    kwargs: dict[str, Any],
    started: datetime,
    failure: Exception,
) -> None:
    record = FailedJob(
        id=job.job_id,
        task=job.task,
        kwargs=kwargs,
        error=describe_failure(failure),
        tries=job.job_try,
        request_id=job.request_id,
        enqueue_time=job.enqueue_time,
        start_time=started,
        failed_time=datetime.now(tz=UTC),
    )
    try:
        # Shielded: arq's own time limit may cancel the wrapper meanwhile.
        await asyncio.shield(job.state.records.add_failed(record))
    except Exception:
        # The job's own failure is what arq must record; this one is logged.
        job.logger.exception("Could not keep the failed job")
