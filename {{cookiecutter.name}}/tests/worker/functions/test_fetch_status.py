"""Tests of the ``fetch_status`` task."""

from typing import Any

import pytest

from {{ cookiecutter.module_name }}.services.fetch import HostNotAllowedError
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
