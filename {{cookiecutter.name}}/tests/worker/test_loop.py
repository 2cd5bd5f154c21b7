"""The worker's loop: woken by the API, each job claimed by one worker."""

import asyncio
from datetime import datetime

import pytest
from arq.worker import create_worker
from httpx import AsyncClient

from {{cookiecutter.module_name}}.config import config
from {{cookiecutter.module_name}}.redis import API_RETRIES, pool_for
from {{cookiecutter.module_name}}.tasks import TaskName
from {{cookiecutter.module_name}}.worker.loop import ClaimingWorker
from {{cookiecutter.module_name}}.worker.main import WorkerSettings

from ..support.jobs import JOBS, post_job, wait_for_status
from ..support.worker import run_worker

LONG_WAIT = 60.0
"""A poll delay that no test waits out: only a wake-up starts its jobs."""

JOB = {"task": TaskName.word_count, "text": "a b"}


def started_after(job: dict[str, str]) -> float:
    """Return the seconds from a job's queueing to its start."""
    start = datetime.fromisoformat(job["start_time"])
    return (
        start - datetime.fromisoformat(job["enqueue_time"])
    ).total_seconds()


@pytest.mark.asyncio
async def test_the_arq_command_builds_this_loop() -> None:
    # As `arq <module>.worker.main.WorkerSettings` does; this fails if arq
    # no longer builds its worker by the name that worker/main.py replaces.
    worker = create_worker(WorkerSettings)
    assert type(worker) is ClaimingWorker
    await worker.pool.aclose()


@pytest.mark.asyncio
async def test_a_job_wakes_an_idle_worker(redis_client: AsyncClient) -> None:
    async with run_worker(poll_delay=LONG_WAIT):
        await asyncio.sleep(0.3)  # long enough to be waiting
        location = await post_job(redis_client, JOB)
        job = await wait_for_status(redis_client, location, "complete", 10)
    assert started_after(job) < LONG_WAIT / 2


@pytest.mark.asyncio
async def test_deferred_job_starts_when_due(redis_client: AsyncClient) -> None:
    async with run_worker(poll_delay=LONG_WAIT):
        location = await post_job(redis_client, {**JOB, "defer_by": 0.5})
        job = await wait_for_status(redis_client, location, "complete", 10)
    assert 0.5 <= started_after(job) < LONG_WAIT / 2


@pytest.mark.asyncio
async def test_job_of_another_arq_client_starts_within_the_poll_delay(
    redis_client: AsyncClient,
) -> None:
    pool = pool_for(config, retries=API_RETRIES)
    async with run_worker(poll_delay=0.2):
        await asyncio.sleep(0.3)
        job = await pool.enqueue_job(TaskName.word_count, text="no wake-up")
        assert job is not None
        location = f"{JOBS}/{job.job_id}"
        data = await wait_for_status(redis_client, location, "complete", 10)
    await pool.aclose()
    assert started_after(data) < 1


@pytest.mark.asyncio
async def test_two_workers_run_each_job_once(
    redis_client: AsyncClient,
) -> None:
    async with (
        run_worker(poll_delay=LONG_WAIT) as first,
        run_worker(poll_delay=LONG_WAIT) as second,
    ):
        locations = [await post_job(redis_client, JOB) for _ in range(60)]
        for location in locations:
            await wait_for_status(redis_client, location, "complete", 10)
        await asyncio.sleep(0.2)  # a second run would have started by now
    assert first.jobs_complete + second.jobs_complete == 60
    assert first.jobs_complete > 0
    assert second.jobs_complete > 0


@pytest.mark.asyncio
async def test_full_worker_starts_the_next_job_when_one_ends(
    redis_client: AsyncClient,
) -> None:
    async with run_worker(poll_delay=LONG_WAIT, max_jobs=1):
        locations = [await post_job(redis_client, JOB) for _ in range(3)]
        for location in locations:
            await wait_for_status(redis_client, location, "complete", 10)
