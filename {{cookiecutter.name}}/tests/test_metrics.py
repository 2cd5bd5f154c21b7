"""Safir's arq metrics, published through its mock event manager."""

import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, cast

import pytest
from httpx import AsyncClient
from safir.metrics import MockEventManager, MockEventPublisher
from safir.metrics.arq import (
    ARQ_EVENTS_CONTEXT_KEY,
    ArqEvents,
    ArqQueueJobEvent,
    ArqQueueStatsEvent,
)

from {{ cookiecutter.module_name }}.config import (
    ENV_PREFIX,
    ConfigError,
    config,
)
from {{ cookiecutter.module_name }}.metrics import (
    load_metrics_config,
    publish_queue_metrics,
)
from {{ cookiecutter.module_name }}.tasks import (
    TaskName,
)

from .support.jobs import post_job
from .support.worker import run_worker_burst


@pytest.mark.asyncio
async def test_worker_publishes_an_event_per_job(
    redis_client: AsyncClient,
) -> None:
    for text in ("one", "two"):
        body = {"task": TaskName.word_count, "text": text}
        await post_job(redis_client, body)
    worker = await run_worker_burst()
    events = cast("ArqEvents", worker.ctx[ARQ_EVENTS_CONTEXT_KEY])
    publisher = cast(
        "MockEventPublisher[ArqQueueJobEvent]", events.arq_queue_job_event
    )
    published: list[Any] = list(publisher.published)
    assert len(published) == 2
    assert all(event.queue == config.queue_name for event in published)


@pytest.mark.asyncio
async def test_queue_stats_count_waiting_jobs(
    redis_client: AsyncClient,
) -> None:
    for text in ("one", "two", "three"):
        body = {"task": TaskName.word_count, "text": text}
        await post_job(redis_client, body)
    manager = load_metrics_config().make_manager()
    assert isinstance(manager, MockEventManager)
    await manager.initialize()
    events = ArqEvents()
    await events.initialize(manager)
    await publish_queue_metrics(events)
    await manager.aclose()
    publisher = cast(
        "MockEventPublisher[ArqQueueStatsEvent]", events.arq_queue_stats
    )
    published: list[Any] = list(publisher.published)
    assert len(published) == 1
    assert published[0].queue == config.queue_name
    assert published[0].num_queued == 3


def test_missing_metrics_settings_are_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("METRICS_APPLICATION", "METRICS_ENABLED", "METRICS_MOCK"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="METRICS_APPLICATION"):
        load_metrics_config()


def test_publish_command_runs(redis_url: str) -> None:
    scripts = [
        entry
        for entry in entry_points(group="console_scripts")
        if entry.value.endswith(".metrics:publish_periodic_metrics")
    ]
    assert len(scripts) == 1, "the publish command is not installed"
    command = Path(sys.executable).parent / scripts[0].name
    env = {**os.environ, f"{ENV_PREFIX}ARQ_QUEUE_URL": redis_url}
    result = subprocess.run(
        [command],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
