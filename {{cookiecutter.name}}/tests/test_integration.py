"""The API and a real arq worker sharing a real Redis."""

import time
from typing import Any

import pytest
from httpx import AsyncClient

from {{ cookiecutter.module_name }}.config import config
from {{ cookiecutter.module_name }}.models import ABORTED
from {{ cookiecutter.module_name }}.tasks import TaskName

from .support.redis import free_port
from .support.worker import run_worker_burst

JOBS = f"{config.path_prefix}/jobs"


async def post_job(client: AsyncClient, body: dict[str, Any]) -> str:
    response = await client.post(JOBS, json=body)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "queued"
    location: str = response.headers["Location"]
    return location


@pytest.mark.asyncio
async def test_worker_runs_job_and_api_reads_result(
    redis_client: AsyncClient,
) -> None:
    location = await post_job(
        redis_client, {"task": TaskName.word_count, "text": "one two three"}
    )
    assert await run_worker_burst() == 1

    response = await redis_client.get(location)
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "complete"
    assert data["success"] is True
    assert data["result"] == {"words": 3, "characters": 13}
    assert data["kwargs"] == {"text": "one two three"}
    assert data["start_time"] <= data["finish_time"]


@pytest.mark.asyncio
async def test_failing_job_reads_as_failed(
    redis_client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(config, "fetch_allowed_hosts", ["127.0.0.1"])
    closed_port = free_port()
    location = await post_job(
        redis_client,
        {
            "task": TaskName.fetch_status,
            "url": f"http://127.0.0.1:{closed_port}/",
        },
    )
    await run_worker_burst()

    data = (await redis_client.get(location)).json()
    assert data["status"] == "complete"
    assert data["success"] is False
    assert data["error"].startswith("ConnectError")


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
    data = (await redis_client.get(location)).json()
    assert data["status"] == "complete"
    assert data["success"] is False
    assert data["error"] == ABORTED


@pytest.mark.asyncio
async def test_unknown_and_finished_jobs(redis_client: AsyncClient) -> None:
    response = await redis_client.get(f"{JOBS}/0123abcd")
    assert response.status_code == 404
    assert response.json()["detail"][0]["type"] == "job_not_found"

    location = await post_job(
        redis_client, {"task": TaskName.word_count, "text": "done"}
    )
    await run_worker_burst()
    response = await redis_client.delete(location)
    assert response.status_code == 409
