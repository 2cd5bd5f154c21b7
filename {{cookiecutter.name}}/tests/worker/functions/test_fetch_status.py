"""Tests of the ``fetch_status`` task."""

from typing import Any

import pytest
from arq import Retry

from {{ cookiecutter.module_name }}.services.fetch import (
    HostNotAllowedError,
    TransientFetchError,
)
from {{ cookiecutter.module_name }}.worker.context import get_state
from {{ cookiecutter.module_name }}.worker.functions import fetch_status


@pytest.mark.asyncio
async def test_reports_status_and_size(ctx: dict[Any, Any]) -> None:
    result = await fetch_status(ctx, url="https://example.org/page")
    assert result == {
        "url": "https://example.org/page",
        "status_code": 200,
        "content_length": 5,
    }


@pytest.mark.asyncio
async def test_reports_error_status(ctx: dict[Any, Any]) -> None:
    result = await fetch_status(ctx, url="https://example.org/missing")
    assert result["status_code"] == 404


@pytest.mark.asyncio
async def test_refuses_host_not_allowed(ctx: dict[Any, Any]) -> None:
    with pytest.raises(HostNotAllowedError, match="'internal'"):
        await fetch_status(ctx, url="http://internal/")


@pytest.mark.asyncio
async def test_transient_error_asks_for_retry(ctx: dict[Any, Any]) -> None:
    state = get_state(ctx)
    ctx["job_try"] = 2
    with pytest.raises(Retry) as excinfo:
        await fetch_status(ctx, url="https://example.org/busy")
    delay_ms = state.config.fetch_retry_delay.total_seconds() * 2 * 1000
    assert excinfo.value.defer_score == int(delay_ms)


@pytest.mark.asyncio
async def test_last_try_fails_with_reason(ctx: dict[Any, Any]) -> None:
    ctx["job_try"] = get_state(ctx).config.worker_max_tries
    with pytest.raises(TransientFetchError, match="HTTP 503"):
        await fetch_status(ctx, url="https://example.org/busy")
