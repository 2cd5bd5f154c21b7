"""Fixtures shared by the tests."""

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import AsyncClient
from pydantic_core import Url
from redis.asyncio import Redis
from safir.arq import ArqMode

from {{ cookiecutter.module_name }} import main
from {{ cookiecutter.module_name }}.config import config
from {{ cookiecutter.module_name }}.queue import (
    MockJobQueue,
    arq_dependency,
)

from .support.jobs import client_of
from .support.redis import RedisServer, run_redis_server


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """Start one private ``redis-server`` for the whole test session."""
    with run_redis_server() as server:
        yield server


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let fetches reach 127.0.0.1 and retry after 50, 100, ... ms."""
    monkeypatch.setattr(config, "fetch_allowed_hosts", ["127.0.0.1"])
    monkeypatch.setattr(
        config, "worker_retry_delay", timedelta(milliseconds=50)
    )


@pytest_asyncio.fixture
async def redis_url(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[str]:
    """Point the configuration at an empty private Redis."""
    client = Redis.from_url(redis_server.url)
    await client.flushdb()
    await client.aclose()
    monkeypatch.setattr(config, "arq_queue_url", Url(redis_server.url))
    monkeypatch.setattr(config, "arq_mode", ArqMode.production)
    yield redis_server.url


@pytest_asyncio.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    """Yield a client of the test's private Redis, closed after the test."""
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def _run_app() -> AsyncIterator[FastAPI]:
    async with LifespanManager(main.app):
        yield main.app


@pytest_asyncio.fixture
async def app(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FastAPI]:
    """Run the application with Safir's in-memory mock queue."""
    monkeypatch.setattr(config, "arq_mode", ArqMode.test)
    async for app in _run_app():
        yield app


@pytest_asyncio.fixture
async def redis_app(redis_url: str) -> AsyncIterator[FastAPI]:
    """Run the application against the private Redis."""
    async for app in _run_app():
        yield app


@pytest_asyncio.fixture
async def arq_queue(app: FastAPI) -> MockJobQueue:
    """Return the mock queue behind the running application."""
    queue = await arq_dependency()
    assert isinstance(queue, MockJobQueue)
    return queue


@pytest_asyncio.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    """Yield an HTTP client for the application with the mock queue."""
    async with client_of(app) as client:
        yield client


@pytest_asyncio.fixture
async def redis_client(redis_app: FastAPI) -> AsyncIterator[AsyncClient]:
    """Yield an HTTP client for the application backed by Redis."""
    async with client_of(redis_app) as client:
        yield client
