"""Fixtures for tests of the worker."""

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta

import httpx
import pytest_asyncio
import structlog

from {{ cookiecutter.module_name }}.config import config
from {{ cookiecutter.module_name }}.records import JobRecords
from {{ cookiecutter.module_name }}.redis import API_RETRIES, pool_for
from {{ cookiecutter.module_name }}.worker.context import (
    JobContext,
    WorkerState,
)


def _respond(request: httpx.Request) -> httpx.Response:
    match request.url.path:
        case "/missing":
            return httpx.Response(404, text="not here")
        case "/busy":
            return httpx.Response(503, text="try later")
        case _:
            return httpx.Response(200, text="hello")


@pytest_asyncio.fixture
async def job(redis_url: str) -> AsyncIterator[JobContext]:
    """Yield a task's context like the worker's, with fake HTTP.

    Requests go to an in-process transport: ``/missing`` answers 404,
    ``/busy`` 503 and anything else 200 with ``hello``. Only
    ``example.org`` may be fetched. Records go to the test's Redis.
    """
    transport = httpx.MockTransport(_respond)
    test_config = config.model_copy(
        update={"fetch_allowed_hosts": ["example.org"]}
    )
    redis = pool_for(test_config, retries=API_RETRIES)
    logger = structlog.get_logger("test")
    with ThreadPoolExecutor(1) as executor:
        async with httpx.AsyncClient(transport=transport) as http_client:
            state = WorkerState(
                config=test_config,
                logger=logger,
                http_client=http_client,
                redis=redis,
                executor=executor,
                records=JobRecords(redis, test_config),
                resources=AsyncExitStack(),
            )
            yield JobContext(
                state=state,
                job_id="test-job",
                task="test",
                enqueue_time=datetime.now(tz=UTC),
                job_try=1,
                time_limit=timedelta(seconds=10),
                request_id=None,
                logger=logger,
            )
    await redis.aclose()
