"""Health routes, and answers while Redis is unreachable."""

import asyncio
import os
import sys

import pytest
from arq.constants import health_check_key_suffix
from httpx import AsyncClient
from pydantic_core import Url
from redis.asyncio import Redis

from {{ cookiecutter.module_name }} import main
from {{ cookiecutter.module_name }}.config import (
    ENV_PREFIX,
    config,
)
from {{ cookiecutter.module_name }}.tasks import (
    TaskName,
)

from .support.jobs import JOBS, running_app
from .support.redis import free_port, run_redis_server
from .support.worker import run_worker

WORKER_SETTINGS = f"{main.__package__}.worker.main.WorkerSettings"


@pytest.mark.asyncio
async def test_liveness_and_readiness(redis_client: AsyncClient) -> None:
    response = await redis_client.get("/health/live")
    assert response.json() == {"status": "ok"}
    response = await redis_client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.asyncio
async def test_redis_down_answers_503(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with run_redis_server() as server:
        monkeypatch.setattr(config, "arq_queue_url", Url(server.url))
        async with running_app() as client:
            server.stop()
            response = await client.get("/health/ready")
            assert response.status_code == 503
            assert response.json()["status"] == "unavailable"
            assert "Redis" in response.json()["reason"]
            assert response.headers["Retry-After"].isdigit()

            response = await client.post(
                JOBS, json={"task": TaskName.word_count, "text": "lost?"}
            )
            assert response.status_code == 503
            error = response.json()["detail"][0]
            assert error["type"] == "queue_unavailable"
            response = await client.get(f"{JOBS}/abc")
            assert response.status_code == 503

            response = await client.get("/health/live")
            assert response.status_code == 200


@pytest.mark.asyncio
async def test_api_recovers_after_an_outage(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = free_port()
    with run_redis_server(port=port) as server:
        monkeypatch.setattr(config, "arq_queue_url", Url(server.url))
        async with running_app() as client:
            server.stop()
            # Requests at once open new connections while Redis is down.
            answers = await asyncio.gather(
                *(client.get("/health/ready") for _ in range(3))
            )
            assert [a.status_code for a in answers] == [503] * 3
            with run_redis_server(port=port):
                for _ in range(3):
                    response = await client.get("/health/ready")
                    assert response.status_code == 200, response.text


async def check(redis_url: str, queue_name: str) -> int:
    """Run ``arq --check`` on the worker settings, as a container would."""
    env = {
        **os.environ,
        f"{ENV_PREFIX}ARQ_QUEUE_URL": redis_url,
        f"{ENV_PREFIX}QUEUE_NAME": queue_name,
    }
    arq = os.path.join(os.path.dirname(sys.executable), "arq")  # noqa: PTH118, PTH120
    process = await asyncio.create_subprocess_exec(
        arq,
        "--check",
        WORKER_SETTINGS,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with asyncio.timeout(60):
            return await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


@pytest.mark.asyncio
async def test_arq_check_follows_the_worker(
    redis_url: str, redis: Redis
) -> None:
    assert await check(redis_url, config.queue_name) == 1
    async with run_worker():
        key = config.queue_name + health_check_key_suffix
        for _ in range(100):
            if await redis.exists(key):
                break
            await asyncio.sleep(0.05)
        assert await check(redis_url, config.queue_name) == 0
        assert await check(redis_url, f"{config.queue_name}:other") == 1
