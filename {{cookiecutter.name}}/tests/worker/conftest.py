"""Fixtures for tests of the worker."""

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest_asyncio
import structlog
from arq.connections import ArqRedis

from {{ cookiecutter.module_name }}.config import config
from {{ cookiecutter.module_name }}.worker.context import (
    WorkerState,
    set_state,
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
async def ctx() -> AsyncIterator[dict[Any, Any]]:
    """Yield an arq context like the one start-up builds, with fake HTTP.

    Requests go to an in-process transport: ``/missing`` answers 404,
    ``/busy`` 503 and anything else 200 with ``hello``. Only
    ``example.org`` may be fetched. The Redis pool is never connected.
    """
    transport = httpx.MockTransport(_respond)
    test_config = config.model_copy(
        update={"fetch_allowed_hosts": ["example.org"]}
    )
    with ThreadPoolExecutor(1) as executor:
        async with httpx.AsyncClient(transport=transport) as http_client:
            ctx: dict[Any, Any] = {"job_try": 1}
            set_state(
                ctx,
                WorkerState(
                    config=test_config,
                    logger=structlog.get_logger("test"),
                    http_client=http_client,
                    redis=ArqRedis(host="127.0.0.1", port=1),
                    executor=executor,
                    resources=AsyncExitStack(),
                ),
            )
            yield ctx
