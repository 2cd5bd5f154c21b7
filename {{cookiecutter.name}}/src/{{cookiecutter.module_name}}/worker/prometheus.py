"""The worker's Prometheus metrics: counted around each job, served on a port.

One worker at a time samples the queue's depth: the one holding a short
lease in Redis, so that replicas do not each report (and each pay for) the
same numbers.
"""

import asyncio
import time
from contextlib import AsyncExitStack
from typing import Any

from arq import Retry
from arq.connections import ArqRedis
from arq.constants import job_key_prefix
from arq.typing import WorkerCoroutine
from prometheus_client import start_http_server
from redis.exceptions import RedisError
from structlog.stdlib import BoundLogger

from ..config import ENV_PREFIX, Config, ConfigError
from ..prometheus import Outcome, WorkerMetrics
from ..queue import RedisJobQueue
from .context import get_state

_CANCELLED = "cancelled_task"
"""Key of a job's arq context that marks a run cancelled under the task."""


def observe(run: WorkerCoroutine, task: str) -> WorkerCoroutine:
    """Count each run of a wrapped task: outcome, run time, time queued."""

    async def observed(ctx: dict[Any, Any], *args: Any, **kwargs: Any) -> Any:
        metrics = get_state(ctx).prometheus
        if metrics is None:
            return await run(ctx, *args, **kwargs)
        started = time.time()
        # arq's score is when the job became due: queued, deferred to, or
        # its retry delay over.
        due = ctx.get("score", started * 1000) / 1000
        metrics.queue_time.labels(task).observe(max(started - due, 0.0))
        in_progress = metrics.in_progress.labels(task)
        in_progress.inc()
        outcome: Outcome | None = Outcome.failed
        try:
            result = await run(ctx, *args, **kwargs)
        except Retry:
            outcome = Outcome.retried
            raise
        except TimeoutError as exc:
            # As `describe_failure` tells the wrapper's time limit.
            if type(exc) is TimeoutError:
                outcome = Outcome.timed_out
            raise
        except asyncio.CancelledError:
            # An abort or the worker's shutdown: only arq knows which, and
            # `count_cancelled` asks once it has recorded the job.
            ctx[_CANCELLED] = task
            outcome = None
            raise
        else:
            outcome = Outcome.complete
            return result
        finally:
            in_progress.dec()
            metrics.run_time.labels(task).observe(time.time() - started)
            if outcome is not None:
                metrics.jobs.labels(task, outcome).inc()

    return observed


async def count_cancelled(ctx: dict[Any, Any]) -> None:
    """Count a cancelled run as aborted or retried: arq's ``after_job_end``.

    arq deletes the job once it ends for good (aborted) and keeps it when
    it will run again (cancelled by a shutdown). arq's own time limit,
    which trails the wrapper's, also ends a job this way; it counts as
    aborted.
    """
    task = ctx.pop(_CANCELLED, None)
    if task is None:
        return
    state = get_state(ctx)
    try:
        kept = await state.redis.exists(job_key_prefix + ctx["job_id"])
    except RedisError:
        return  # uncounted, rather than a failed hook in arq's log
    if state.prometheus:
        outcome = Outcome.retried if kept else Outcome.aborted
        state.prometheus.jobs.labels(task, outcome).inc()


async def start_prometheus(
    config: Config,
    redis: ArqRedis,
    resources: AsyncExitStack,
    *,
    instance: str,
    logger: BoundLogger,
) -> WorkerMetrics:
    """Serve the worker's metrics and sample the queue until shutdown."""
    metrics = WorkerMetrics()
    port = config.worker_metrics_port
    try:
        server, thread = start_http_server(port, registry=metrics.registry)
    except OSError as exc:
        raise ConfigError(
            f"Cannot serve metrics on port {port} ({exc}): set"
            f" {ENV_PREFIX}WORKER_METRICS_PORT, or"
            f" {ENV_PREFIX}PROMETHEUS_ENABLED=false"
        ) from None
    resources.callback(thread.join)
    resources.callback(server.server_close)
    # Off the event loop: shutdown() waits for the server's next poll.
    resources.push_async_callback(asyncio.to_thread, server.shutdown)
    sampler = asyncio.create_task(
        _sample_queue(config, redis, metrics, instance, logger)
    )
    resources.callback(sampler.cancel)
    logger.info("Serving metrics", port=server.server_port)
    return metrics


async def _sample_queue(
    config: Config,
    redis: ArqRedis,
    metrics: WorkerMetrics,
    instance: str,
    logger: BoundLogger,
) -> None:
    queue = RedisJobQueue(redis, config)
    lease = f"{config.queue_name}:metrics-sampler"
    interval = config.worker_queue_sample_interval.total_seconds()
    # Held over two missed samples, then another worker takes over.
    ttl = max(1, int(interval * 3000))
    while True:
        try:
            held = await redis.set(lease, instance, nx=True, px=ttl)
            if not held and await redis.get(lease) == instance.encode():
                held = await redis.pexpire(lease, ttl)
            if held:
                for state, count in (await queue.count_jobs()).items():
                    metrics.queue.labels(state).set(count)
            else:
                metrics.queue.clear()
        except RedisError as exc:
            metrics.queue.clear()
            logger.warning("Could not sample the queue", error=str(exc))
        await asyncio.sleep(interval)
