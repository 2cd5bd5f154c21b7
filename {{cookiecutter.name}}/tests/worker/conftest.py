"""Fixtures for tests of the worker."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest_asyncio
import structlog

from {{ cookiecutter.module_name }}.worker.context import WorkerState, set_state


def _respond(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/missing":
        return httpx.Response(404, text="not here")
    return httpx.Response(200, text="hello")


@pytest_asyncio.fixture
async def ctx() -> AsyncIterator[dict[Any, Any]]:
    """Yield an arq context like the one start-up builds, with fake HTTP.

    Requests go to an in-process transport that answers ``/missing`` with
    404 and anything else with ``hello``.
    """
    transport = httpx.MockTransport(_respond)
    async with httpx.AsyncClient(transport=transport) as http_client:
        ctx: dict[Any, Any] = {}
        set_state(
            ctx,
            WorkerState(
                logger=structlog.get_logger("test"),
                http_client=http_client,
                fetch_allowed_hosts=["example.org"],
            ),
        )
        yield ctx
