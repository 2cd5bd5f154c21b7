"""The wrapper around every task, with a real worker, API and Redis."""

import asyncio
import json
import logging
from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from redis.asyncio import Redis

from {{ cookiecutter.module_name }}.config import config
from {{ cookiecutter.module_name }}.logs import LOGGER_NAME
from {{ cookiecutter.module_name }}.serialization import ABORTED, TIMED_OUT
from {{ cookiecutter.module_name }}.tasks import TaskName
from {{ cookiecutter.module_name }}.worker.registry import backoff, wrap

from ..support.http import run_http_server
from ..support.jobs import (
    JOBS,
    failure_of,
    job_id_of,
    post_job,
    wait_for_status,
)
from ..support.worker import run_worker, run_worker_burst


def log_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    """Return the application's log lines, as the JSON they were written."""
    return [
        json.loads(record.getMessage())
        for record in caplog.records
        if record.name == LOGGER_NAME
    ]


async def failed_ids(client: AsyncClient) -> list[str]:
    """Return the ids that ``GET /jobs?status=failed`` lists, in order."""
    response = await client.get(JOBS, params={"status": "failed"})
    assert response.status_code == 200, response.text
    return [job["id"] for job in response.json()]


def test_backoff_doubles_up_to_its_cap() -> None:
    capped = config.model_copy(
        update={
            "worker_retry_delay": timedelta(seconds=1),
            "worker_retry_max_delay": timedelta(seconds=5),
        }
    )
    for job_try, ceiling in [(1, 1), (2, 2), (3, 4), (4, 5), (60, 5)]:
        delays = {backoff(capped, job_try).total_seconds() for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays), job_try
        assert len(delays) > 1, "no jitter"


@pytest.mark.asyncio
async def test_task_needs_worker_state() -> None:
    async def task(_job: object) -> None:
        return

    run = wrap(
        task,
        TaskName.word_count,
        config,
        max_tries=1,
        time_limit=timedelta(seconds=1),
    )
    with pytest.raises(TypeError, match="on_startup"):
        await run({"job_id": "x"})


@pytest.mark.asyncio
@pytest.mark.usefixtures("fast_retries")
async def test_flaky_task_backs_off_and_logs_its_request_id(
    redis_client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    with run_http_server(statuses=[503, 503]) as server:
        response = await redis_client.post(
            JOBS,
            json={"task": TaskName.fetch_status, "url": server.url},
            headers={"X-Request-ID": "trace-me-1"},
        )
        assert response.headers["X-Request-ID"] == "trace-me-1"
        location = response.headers["Location"]
        async with run_worker():
            job = await wait_for_status(redis_client, location, "complete")
    assert job["success"] is True
    assert job["request_id"] == "trace-me-1"

    lines = [
        line
        for line in log_lines(caplog)
        if line.get("task") == "fetch_status"
    ]
    assert [line["event"] for line in lines] == [
        "Trying again later",
        "Trying again later",
        "Fetched URL",
    ]
    assert [line["job_try"] for line in lines] == [1, 2, 3]
    for line in lines:
        assert line["request_id"] == "trace-me-1"
        assert line["job_id"] == job_id_of(location)
    first, second = (line["delay_seconds"] for line in lines[:2])
    assert 0.025 <= first <= 0.05 <= second <= 0.1


@pytest.mark.asyncio
@pytest.mark.usefixtures("fast_retries")
async def test_job_failed_for_good_is_kept_and_requeued(
    redis_client: AsyncClient,
) -> None:
    with run_http_server(statuses=[503] * config.worker_max_tries) as server:
        location = await post_job(
            redis_client, {"task": TaskName.fetch_status, "url": server.url}
        )
        job_id = job_id_of(location)
        # arq's result expires at once; the failed job's record stays.
        await run_worker_burst(keep_result=0.1)
        await asyncio.sleep(0.2)
        assert await failed_ids(redis_client) == [job_id]
        failed = (await redis_client.get(location)).json()
        assert failed["status"] == "failed"
        assert failed["tries"] == config.worker_max_tries
        assert failed["error"].startswith("TransientFetchError: HTTP 503")

        # The server answers now: the requeued job completes.
        response = await redis_client.post(f"{location}/retry")
        assert response.status_code == 202, response.text
        await run_worker_burst()
        retried = (await redis_client.get(response.headers["Location"])).json()
    assert retried["status"] == "complete"
    assert retried["success"] is True
    assert retried["kwargs"] == {"url": server.url}
    assert await failed_ids(redis_client) == []
    assert (await redis_client.get(location)).status_code == 404


@pytest.mark.asyncio
async def test_job_whose_last_try_died_is_kept(
    redis_client: AsyncClient, redis: Redis
) -> None:
    location = await post_job(
        redis_client, {"task": TaskName.word_count, "text": "a"}
    )
    # As if every try had been cut short by its worker's death.
    job_id = job_id_of(location)
    await redis.set(f"arq:retry:{job_id}", config.worker_max_tries)
    await run_worker_burst()
    job = (await redis_client.get(location)).json()
    assert job["status"] == "failed", job
    assert job["error"] == (
        f"JobExecutionFailed: max {config.worker_max_tries} tries reached"
    )
    assert await failed_ids(redis_client) == [job_id]


@pytest.mark.asyncio
@pytest.mark.usefixtures("fast_retries")
async def test_failed_job_expires_after_its_retention(
    redis_client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    retention = timedelta(seconds=2)
    monkeypatch.setattr(config, "failed_job_retention", retention)
    monkeypatch.setattr(config, "worker_max_tries", 1)
    with run_http_server(statuses=[503]) as server:
        await post_job(
            redis_client, {"task": TaskName.fetch_status, "url": server.url}
        )
        await run_worker_burst()
    assert len(await failed_ids(redis_client)) == 1
    await asyncio.sleep(retention.total_seconds() + 0.2)
    assert await failed_ids(redis_client) == []


@pytest.mark.asyncio
@pytest.mark.usefixtures("fast_retries")
async def test_timeouts_are_kept_and_aborts_are_not(
    redis_client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(config, "fetch_timeout", timedelta(seconds=0.2))
    with run_http_server(delay=1.0) as server:
        slow = await post_job(
            redis_client, {"task": TaskName.fetch_status, "url": server.url}
        )
        aborted = await post_job(
            redis_client,
            {"task": TaskName.digest, "text": "slow", "rounds": 2_000_000},
        )
        async with run_worker():
            await wait_for_status(redis_client, aborted, "in_progress")
            response = await redis_client.delete(aborted)
            assert response.status_code == 204
            await wait_for_status(redis_client, slow, "failed")
    assert await failure_of(redis_client, slow) == TIMED_OUT
    assert await failure_of(redis_client, aborted) == ABORTED
    assert await failed_ids(redis_client) == [job_id_of(slow)]


@pytest.mark.asyncio
async def test_progress_rises_while_the_job_runs(
    redis_client: AsyncClient,
) -> None:
    location = await post_job(
        redis_client,
        {"task": TaskName.digest, "text": "long", "rounds": 2_000_000},
    )
    seen: list[float] = []
    async with run_worker():
        while (job := (await redis_client.get(location)).json())[
            "status"
        ] != "complete":
            if job["progress"] and job["progress"]["fraction"] not in seen:
                seen.append(job["progress"]["fraction"])
            await asyncio.sleep(0.01)
    assert job["success"] is True
    assert len(seen) >= 2, seen
    assert seen == sorted(seen)
    assert all(0 < fraction <= 1 for fraction in seen)
