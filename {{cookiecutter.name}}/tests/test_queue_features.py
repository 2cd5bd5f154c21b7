"""Each arq feature of the project, with a real worker and a real Redis."""

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from arq.cron import CronJob
from httpx import AsyncClient
from redis.asyncio import Redis

from {{cookiecutter.module_name}}.config import (
    CronSchedule,
    config,
)
from {{cookiecutter.module_name}}.serialization import ABORTED, TIMED_OUT
from {{cookiecutter.module_name}}.tasks import (
    TaskName,
)
from {{cookiecutter.module_name}}.worker.main import (
    build_cron_jobs,
)

from .support.http import run_http_server
from .support.jobs import (
    JOBS,
    failure_of,
    job_id_of,
    post_job,
    wait_for_status,
)
from .support.worker import run_worker, run_worker_burst


async def get_job(client: AsyncClient, location: str) -> dict[str, Any]:
    response = await client.get(location)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


# Cron jobs


@pytest.fixture
def every_second(monkeypatch: pytest.MonkeyPatch) -> list[CronJob]:
    """Run ``queue_report`` every second; return the cron jobs to run."""
    monkeypatch.setattr(
        config, "queue_report_schedule", CronSchedule(second=None)
    )
    return build_cron_jobs(config)


@pytest.mark.asyncio
async def test_cron_runs_once_per_tick_across_workers(
    redis: Redis, every_second: list[CronJob]
) -> None:
    async with (
        run_worker(cron_jobs=every_second) as first,
        run_worker(cron_jobs=every_second) as second,
    ):
        await asyncio.sleep(3.5)
    runs = first.jobs_complete + second.jobs_complete

    pattern = f"arq:result:{TaskName.queue_report}:*"
    keys = [key async for key in redis.scan_iter(match=pattern)]
    assert runs >= 2
    assert runs == len(keys), "a tick ran on both workers"
    assert first.jobs_failed == second.jobs_failed == 0


@pytest.mark.asyncio
async def test_cron_runs_can_be_read_through_the_api(
    redis_client: AsyncClient, every_second: list[CronJob]
) -> None:
    async with run_worker(cron_jobs=every_second):
        await asyncio.sleep(1.5)
    response = await redis_client.get(JOBS, params={"status": "complete"})
    runs = [job for job in response.json() if job["task"] == "queue_report"]
    assert runs, response.text
    job_id = runs[0]["id"]
    assert job_id.startswith(f"{TaskName.queue_report}:"), job_id
    data = await get_job(redis_client, f"{JOBS}/{job_id}")
    assert data["success"] is True, data
    response = await redis_client.delete(f"{JOBS}/{job_id}")
    assert response.status_code == 409, response.text


# Retries


@pytest.mark.asyncio
@pytest.mark.usefixtures("fast_retries")
async def test_retry_succeeds_on_a_later_try(
    redis_client: AsyncClient,
) -> None:
    with run_http_server(statuses=[503, 502]) as server:
        location = await post_job(
            redis_client, {"task": TaskName.fetch_status, "url": server.url}
        )
        await run_worker_burst()
    data = await get_job(redis_client, location)
    assert data["success"] is True
    assert data["result"]["status_code"] == 200
    assert server.hits == 3


@pytest.mark.asyncio
@pytest.mark.usefixtures("fast_retries")
async def test_retry_gives_up_after_the_last_try(
    redis_client: AsyncClient,
) -> None:
    with run_http_server(statuses=[503] * 10) as server:
        location = await post_job(
            redis_client, {"task": TaskName.fetch_status, "url": server.url}
        )
        await run_worker_burst()
    data = await get_job(redis_client, location)
    assert data["status"] == "failed"
    assert data["tries"] == config.worker_max_tries
    assert data["error"].startswith("TransientFetchError: HTTP 503")
    assert server.hits == config.worker_max_tries


# Timeouts


@pytest.mark.asyncio
@pytest.mark.usefixtures("fast_retries")
async def test_task_time_limit(
    redis_client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(config, "fetch_timeout", timedelta(seconds=0.2))
    with run_http_server(delay=1.0) as server:
        location = await post_job(
            redis_client, {"task": TaskName.fetch_status, "url": server.url}
        )
        await run_worker_burst()
    assert await failure_of(redis_client, location) == TIMED_OUT


@pytest.mark.asyncio
async def test_worker_time_limit(
    redis_client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(config, "worker_job_timeout", timedelta(seconds=0.05))
    location = await post_job(
        redis_client,
        {"task": TaskName.digest, "text": "slow", "rounds": 1_000_000},
    )
    await run_worker_burst()
    assert await failure_of(redis_client, location) == TIMED_OUT


# Deferred and unique jobs


@pytest.mark.asyncio
async def test_deferred_job_waits_for_its_time(
    redis_client: AsyncClient,
) -> None:
    start_at = datetime.now(tz=UTC) + timedelta(seconds=0.6)
    response = await redis_client.post(
        JOBS,
        json={
            "task": TaskName.word_count,
            "text": "later",
            "start_at": start_at.isoformat(),
        },
    )
    assert response.status_code == 202
    assert response.json()["status"] == "deferred"
    listed = await redis_client.get(JOBS, params={"status": "deferred"})
    assert [job["id"] for job in listed.json()] == [response.json()["id"]]

    await run_worker_burst()
    data = await get_job(redis_client, response.headers["Location"])
    assert data["success"] is True
    assert datetime.fromisoformat(data["start_time"]) >= start_at


@pytest.mark.asyncio
async def test_defer_by(redis_client: AsyncClient) -> None:
    location = await post_job(
        redis_client,
        {"task": TaskName.word_count, "text": "soon", "defer_by": 0.3},
    )
    assert (await get_job(redis_client, location))["status"] == "deferred"
    started = time.monotonic()
    await run_worker_burst()
    assert time.monotonic() - started >= 0.2
    assert (await get_job(redis_client, location))["success"] is True


@pytest.mark.asyncio
async def test_job_due_in_the_past_runs_now(redis_client: AsyncClient) -> None:
    start_at = datetime.now(tz=UTC) - timedelta(days=3)
    body = {
        "task": TaskName.word_count,
        "text": "late",
        "start_at": start_at.isoformat(),
    }
    location = await post_job(redis_client, body)
    assert (await get_job(redis_client, location))["status"] == "queued"
    await run_worker_burst()
    assert (await get_job(redis_client, location))["success"] is True


@pytest.mark.asyncio
async def test_duplicate_job_id_is_409(redis_client: AsyncClient) -> None:
    body = {"task": TaskName.word_count, "text": "once", "job_id": "nightly-1"}
    location = await post_job(redis_client, body)
    assert location.endswith("/nightly-1")

    response = await redis_client.post(JOBS, json=body)
    assert response.status_code == 409
    error = response.json()["detail"][0]
    assert error["type"] == "job_id_conflict"
    assert "nightly-1" in error["msg"]

    await run_worker_burst()
    response = await redis_client.post(JOBS, json=body)
    assert response.status_code == 409, "the result still holds the id"
    data = await get_job(redis_client, location)
    assert data["result"] == {"words": 1, "characters": 4}


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "extra",
    [
        {"job_id": "has space"},
        {"job_id": "x" * 65},
        {"defer_by": -1},
        {"defer_by": 0},
        {"start_at": "2030-01-01T00:00:00"},
        {"defer_by": 5, "start_at": "2030-01-01T00:00:00Z"},
        {"start_at": "2999-01-01T00:00:00Z"},
    ],
)
async def test_bad_job_options_are_422(
    redis_client: AsyncClient, redis: Redis, extra: dict[str, Any]
) -> None:
    body = {"task": TaskName.word_count, "text": "x", **extra}
    response = await redis_client.post(JOBS, json=body)
    assert response.status_code == 422, extra
    assert await redis.dbsize() == 0


# Abort


@pytest.mark.asyncio
async def test_abort_deferred_job(
    redis_client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(config, "abort_timeout", timedelta(seconds=0.3))
    location = await post_job(
        redis_client,
        {"task": TaskName.word_count, "text": "later", "defer_by": 600},
    )
    response = await redis_client.delete(location)
    assert response.status_code == 202

    await run_worker_burst()
    assert await failure_of(redis_client, location) == ABORTED


@pytest.mark.asyncio
@pytest.mark.usefixtures("fast_retries")
async def test_abort_running_job(redis_client: AsyncClient) -> None:
    with run_http_server(delay=5.0) as server:
        location = await post_job(
            redis_client, {"task": TaskName.fetch_status, "url": server.url}
        )
        async with run_worker():
            job = await wait_for_status(redis_client, location, "in_progress")
            listed = await redis_client.get(
                JOBS, params={"status": "in_progress"}
            )
            assert [entry["id"] for entry in listed.json()] == [job["id"]]

            started = time.monotonic()
            response = await redis_client.delete(location)
            assert response.status_code == 204
            assert time.monotonic() - started < 3
    assert await failure_of(redis_client, location) == ABORTED


# Listing


@pytest.mark.asyncio
async def test_list_jobs_newest_first(redis_client: AsyncClient) -> None:
    ids = []
    for text in ("first", "second", "third"):
        location = await post_job(
            redis_client, {"task": TaskName.word_count, "text": text}
        )
        ids.append(job_id_of(location))
        await asyncio.sleep(0.005)

    queued = await redis_client.get(JOBS, params={"status": "queued"})
    assert [job["id"] for job in queued.json()] == ids[::-1]
    limited = await redis_client.get(
        JOBS, params={"status": "queued", "limit": 2}
    )
    assert [job["id"] for job in limited.json()] == ids[:0:-1]

    await run_worker_burst()
    queued = await redis_client.get(JOBS, params={"status": "queued"})
    assert queued.json() == []
    complete = await redis_client.get(JOBS, params={"status": "complete"})
    assert [job["id"] for job in complete.json()] == ids[::-1]
    assert all(job["success"] for job in complete.json())


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "params", [{"status": "lost"}, {}, {"status": "queued", "limit": 0}]
)
async def test_bad_listing_is_422(
    redis_client: AsyncClient, params: dict[str, Any]
) -> None:
    response = await redis_client.get(JOBS, params=params)
    assert response.status_code == 422


# Blocking work in an executor


@pytest.mark.asyncio
async def test_blocking_task_does_not_stall_other_jobs(
    redis_client: AsyncClient,
) -> None:
    slow = await post_job(
        redis_client,
        {"task": TaskName.digest, "text": "slow", "rounds": 1_000_000},
    )
    quick = [
        await post_job(
            redis_client, {"task": TaskName.word_count, "text": str(n)}
        )
        for n in range(3)
    ]
    await run_worker_burst(max_jobs=4)
    slow_job = await get_job(redis_client, slow)
    assert slow_job["success"] is True
    slow_finish = datetime.fromisoformat(slow_job["finish_time"])
    for location in quick:
        job = await get_job(redis_client, location)
        assert datetime.fromisoformat(job["finish_time"]) < slow_finish


# Queue name


@pytest.mark.asyncio
async def test_jobs_go_to_the_configured_queue(
    redis_client: AsyncClient, redis: Redis
) -> None:
    location = await post_job(
        redis_client, {"task": TaskName.word_count, "text": "where"}
    )
    job_id = job_id_of(location)
    assert await redis.zscore(config.queue_name, job_id) is not None
    worker = await run_worker_burst()
    assert worker.jobs_complete == 1
    job = await get_job(redis_client, location)
    assert job["queue_name"] == config.queue_name
    assert job["success"] is True
