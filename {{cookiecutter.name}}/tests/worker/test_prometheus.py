"""The worker's Prometheus metrics, with a real worker, API and Redis."""

import asyncio
import signal
import time
from datetime import timedelta

import pytest
from arq.worker import Worker
from httpx import AsyncClient

from {{ cookiecutter.module_name }}.config import config
from {{ cookiecutter.module_name }}.prometheus import WorkerMetrics
from {{ cookiecutter.module_name }}.tasks import TaskName
from {{ cookiecutter.module_name }}.worker.context import get_state

from ..support.http import run_http_server
from ..support.jobs import post_job, wait_for_status
from ..support.worker import run_worker


def metrics_of(worker: Worker) -> WorkerMetrics:
    """Return the metrics of a running worker."""
    metrics = get_state(worker.ctx).prometheus
    assert metrics is not None
    return metrics


def sample(metrics: WorkerMetrics, name: str, **labels: str) -> float:
    """Return one sample's value, 0 if it has none yet."""
    value = metrics.registry.get_sample_value(name, labels)
    return value or 0.0


@pytest.mark.asyncio
@pytest.mark.usefixtures("fast_retries")
async def test_each_outcome_is_counted_by_task(
    redis_client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(config, "fetch_timeout", timedelta(seconds=0.2))
    with (
        run_http_server(statuses=[503, 503, 503]) as failing,
        run_http_server(delay=1.0) as slow,
    ):
        jobs = [
            await post_job(redis_client, body)
            for body in [
                {"task": TaskName.word_count, "text": "a b"},
                {"task": TaskName.word_count, "text": "c"},
                {"task": TaskName.fetch_status, "url": failing.url},
                {"task": TaskName.fetch_status, "url": slow.url},
            ]
        ]
        aborted = await post_job(
            redis_client,
            {"task": TaskName.digest, "text": "slow", "rounds": 2_000_000},
        )
        async with run_worker() as worker:
            await wait_for_status(redis_client, aborted, "in_progress")
            assert (await redis_client.delete(aborted)).status_code == 204
            for location in jobs[2:]:
                await wait_for_status(redis_client, location, "failed")
            await wait_for_status(redis_client, jobs[1], "complete")
            metrics = metrics_of(worker)
            counts = {
                (task, outcome): sample(
                    metrics, "arq_jobs_total", task=task, outcome=outcome
                )
                for task in ("word_count", "fetch_status", "digest")
                for outcome in (
                    "complete",
                    "failed",
                    "retried",
                    "aborted",
                    "timed_out",
                )
            }
    assert {key: n for key, n in counts.items() if n} == {
        ("word_count", "complete"): 2,
        ("fetch_status", "retried"): 2,
        ("fetch_status", "failed"): 1,
        ("fetch_status", "timed_out"): 1,
        ("digest", "aborted"): 1,
    }
    runs = {"word_count": 2, "fetch_status": 4, "digest": 1}
    for task, count in runs.items():
        for name in ("arq_job_duration_seconds", "arq_job_queued_seconds"):
            assert sample(metrics, f"{name}_count", task=task) == count
        assert sample(metrics, "arq_jobs_in_progress", task=task) == 0
    # The timed-out fetch ran at least its limit.
    fetch_time = sample(
        metrics, "arq_job_duration_seconds_sum", task="fetch_status"
    )
    assert fetch_time >= 0.2


@pytest.mark.asyncio
async def test_one_worker_samples_the_queue(
    redis_client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        config, "worker_queue_sample_interval", timedelta(milliseconds=50)
    )
    for _ in range(2):
        await post_job(
            redis_client,
            {"task": TaskName.word_count, "text": "later", "defer_by": 3600},
        )
    async with run_worker() as first, run_worker() as second:
        deadline = time.monotonic() + 5
        while True:
            seen = [
                metrics_of(worker).registry.get_sample_value(
                    "arq_queue_jobs", {"state": "deferred"}
                )
                if "state" in worker.ctx  # started up
                else "starting"
                for worker in (first, second)
            ]
            if sorted(seen, key=str) == [2.0, None]:
                break
            assert time.monotonic() < deadline, seen
            await asyncio.sleep(0.02)


@pytest.mark.asyncio
async def test_off_counts_nothing(
    redis_client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(config, "prometheus_enabled", False)
    location = await post_job(
        redis_client, {"task": TaskName.word_count, "text": "a"}
    )
    async with run_worker() as worker:
        await wait_for_status(redis_client, location, "complete")
        assert get_state(worker.ctx).prometheus is None


@pytest.mark.asyncio
async def test_a_run_cut_by_shutdown_counts_as_retried(
    redis_client: AsyncClient,
) -> None:
    location = await post_job(
        redis_client,
        {"task": TaskName.digest, "text": "slow", "rounds": 2_000_000},
    )
    async with run_worker() as worker:
        await wait_for_status(redis_client, location, "in_progress")
        metrics = metrics_of(worker)
        worker.allow_pick_jobs = False  # as after SIGTERM, so it stays
        worker.handle_sig(signal.SIGTERM)
        # Until arq has put the job back and run its after_job_end.
        await asyncio.gather(*worker.tasks.values(), return_exceptions=True)
    assert (await redis_client.get(location)).json()["status"] == "queued"
    counts = {
        outcome: sample(
            metrics, "arq_jobs_total", task="digest", outcome=outcome
        )
        for outcome in ("retried", "aborted")
    }
    assert counts == {"retried": 1, "aborted": 0}
