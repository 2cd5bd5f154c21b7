"""The API and a real arq worker sharing a real Redis."""

import time
from datetime import datetime

import pytest
from arq.constants import abort_jobs_ss
from httpx import AsyncClient
from redis.asyncio import Redis

from {{ cookiecutter.module_name }}.config import config
from {{ cookiecutter.module_name }}.serialization import ABORTED
from {{ cookiecutter.module_name }}.tasks import TaskName

from .support.jobs import JOBS, failure_of, post_job
from .support.worker import run_worker_burst


@pytest.mark.asyncio
async def test_worker_runs_job_and_api_reads_result(
    redis_client: AsyncClient,
) -> None:
    location = await post_job(
        redis_client, {"task": TaskName.word_count, "text": "one two three"}
    )
    worker = await run_worker_burst()
    assert worker.jobs_complete == 1

    response = await redis_client.get(location)
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "complete"
    assert data["success"] is True
    assert data["result"] == {"words": 3, "characters": 13}
    assert data["kwargs"] == {"text": "one two three"}
    # As times, not strings: a time on a whole second has no fraction, and
    # "...:20Z" sorts after "...:20.005000Z".
    started = datetime.fromisoformat(data["start_time"])
    assert started <= datetime.fromisoformat(data["finish_time"])


@pytest.mark.asyncio
async def test_abort_without_worker_does_not_hang(
    redis_client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(config, "abort_timeout", config.abort_timeout / 4)
    location = await post_job(
        redis_client, {"task": TaskName.word_count, "text": "never run"}
    )
    start = time.monotonic()
    response = await redis_client.delete(location)
    assert response.status_code == 202
    assert time.monotonic() - start < 5

    await run_worker_burst()
    assert await failure_of(redis_client, location) == ABORTED


@pytest.mark.asyncio
async def test_unknown_and_finished_jobs(
    redis_client: AsyncClient, redis: Redis
) -> None:
    response = await redis_client.get(f"{JOBS}/0123abcd")
    assert response.status_code == 404
    assert response.json()["detail"][0]["type"] == "job_not_found"
    response = await redis_client.delete(f"{JOBS}/0123abcd")
    assert response.status_code == 404
    assert await redis.exists(abort_jobs_ss) == 0, "abort of unknown id kept"

    location = await post_job(
        redis_client, {"task": TaskName.word_count, "text": "done"}
    )
    await run_worker_burst()
    response = await redis_client.delete(location)
    assert response.status_code == 409
