"""Tests of the ``fetch_status`` task."""

import pytest

from {{ cookiecutter.module_name }}.services.fetch import (
    HostNotAllowedError,
    TransientFetchError,
)
from {{ cookiecutter.module_name }}.worker.context import JobContext
from {{ cookiecutter.module_name }}.worker.functions import fetch_status
from {{ cookiecutter.module_name }}.worker.registry import RetryLater


@pytest.mark.asyncio
async def test_reports_status_and_size(job: JobContext) -> None:
    result = await fetch_status(job, url="https://example.org/page")
    assert result == {
        "url": "https://example.org/page",
        "status_code": 200,
        "content_length": 5,
    }


@pytest.mark.asyncio
async def test_reports_error_status(job: JobContext) -> None:
    result = await fetch_status(job, url="https://example.org/missing")
    assert result["status_code"] == 404


@pytest.mark.asyncio
async def test_refuses_host_not_allowed(job: JobContext) -> None:
    with pytest.raises(HostNotAllowedError, match="'internal'"):
        await fetch_status(job, url="http://internal/")


@pytest.mark.asyncio
async def test_transient_error_asks_for_retry(job: JobContext) -> None:
    with pytest.raises(RetryLater, match="HTTP 503") as excinfo:
        await fetch_status(job, url="https://example.org/busy")
    assert isinstance(excinfo.value.__cause__, TransientFetchError)
