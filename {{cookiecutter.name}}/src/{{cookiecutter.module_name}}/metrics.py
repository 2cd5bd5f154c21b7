"""Safir's arq metrics: an event per job, and queue statistics on demand.

The events go to Kafka (Sasquatch) as Safir's ``METRICS_*`` and ``KAFKA_*``
environment variables say; see Safir's metrics documentation.
"""

import asyncio
from typing import Any

from arq.typing import StartupShutdown
from pydantic import ValidationError
from safir.metrics import (
    EventManager,
    MetricsConfiguration,
    metrics_configuration_factory,
)
from safir.metrics.arq import (
    ArqEvents,
    ArqQueueStatsEvent,
    initialize_arq_metrics,
    make_on_job_start,
)
from structlog.stdlib import BoundLogger

from .config import Config, ConfigError, config
from .redis import API_RETRIES, pool_for


def load_metrics_config() -> MetricsConfiguration:
    """Read Safir's metrics configuration, naming the variables if bad."""
    try:
        return metrics_configuration_factory()
    except ValidationError:
        raise ConfigError(
            "Invalid metrics configuration: set METRICS_APPLICATION and"
            " either METRICS_ENABLED=false (with METRICS_MOCK=true in tests)"
            " or Safir's Kafka settings (KAFKA_BOOTSTRAP_SERVERS and the"
            " rest)"
        ) from None


async def start_worker_metrics(
    ctx: dict[Any, Any], logger: BoundLogger
) -> EventManager:
    """Start one worker's event manager; the caller closes it."""
    manager = load_metrics_config().make_manager(logger)
    await manager.initialize()
    await initialize_arq_metrics(manager, ctx)
    return manager


def make_job_start_hook(config: Config) -> StartupShutdown:
    """Make the worker's ``on_job_start``, which publishes a job event."""
    return make_on_job_start(config.queue_name)


async def publish_queue_metrics(events: ArqEvents) -> None:
    """Publish one statistics event for the configured queue."""
    # Safir's publish_queue_stats does the same but leaves its pool open.
    redis = pool_for(config, retries=API_RETRIES)
    try:
        num_queued = await redis.zcard(config.queue_name)
    finally:
        await redis.aclose()
    event = ArqQueueStatsEvent(queue=config.queue_name, num_queued=num_queued)
    await events.arq_queue_stats.publish(event)


def publish_periodic_metrics() -> None:
    """Publish queue statistics once: the command that a CronJob runs."""

    async def publish() -> None:
        manager = load_metrics_config().make_manager()
        await manager.initialize()
        try:
            events = ArqEvents()
            await events.initialize(manager)
            await publish_queue_metrics(events)
        finally:
            await manager.aclose()

    asyncio.run(publish())
