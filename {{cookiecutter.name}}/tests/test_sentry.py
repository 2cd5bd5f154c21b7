"""Errors reach Sentry once ``SENTRY_DSN`` is set, through Safir's set-up."""

from collections.abc import Iterator

import pytest
import sentry_sdk
from redis.asyncio import Redis
from safir.testing import sentry as safir_sentry
from safir.testing.sentry import (
    Captured,
    capture_events_fixture,
    sentry_init_fixture,
)

from {{ cookiecutter.module_name }}.config import ConfigError, config
from {{ cookiecutter.module_name }}.redis import API_RETRIES, pool_for
from {{ cookiecutter.module_name }}.sentry import start_sentry
from {{ cookiecutter.module_name }}.tasks import TaskName

from .support.worker import run_worker_burst


@pytest.fixture
def sentry_events(monkeypatch: pytest.MonkeyPatch) -> Iterator[Captured]:
    """Start Sentry as production does, sending to Safir's test transport."""
    monkeypatch.setenv("SENTRY_DSN", "https://key@sentry.example.com/1")
    monkeypatch.setenv("SENTRY_ENVIRONMENT", "test")
    with sentry_init_fixture():
        start_sentry(transport=safir_sentry.TestTransport())
        yield capture_events_fixture(monkeypatch)()


@pytest.mark.asyncio
async def test_failed_task_reaches_sentry_with_its_job(
    redis: Redis, sentry_events: Captured
) -> None:
    pool = pool_for(config, retries=API_RETRIES)
    # No text: the task fails with a TypeError.
    job = await pool.enqueue_job(TaskName.word_count, _job_id="sentry-1")
    await pool.aclose()
    assert job is not None
    await run_worker_burst()

    [event] = sentry_events.errors
    [exception] = event["exception"]["values"]
    assert exception["type"] == "TypeError"
    assert event["tags"]["arq_task_id"] == "sentry-1"
    assert event["extra"]["arq-job"]["task"] == TaskName.word_count
    assert event["environment"] == "test"


def test_off_without_a_dsn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SENTRY_DSN", raising=False)
    with sentry_init_fixture():
        start_sentry(transport=safir_sentry.TestTransport())
        assert not sentry_sdk.get_client().is_active()


def test_dsn_without_environment_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SENTRY_DSN", "https://key@sentry.example.com/1")
    monkeypatch.delenv("SENTRY_ENVIRONMENT", raising=False)
    with pytest.raises(ConfigError, match="set SENTRY_ENVIRONMENT"):
        start_sentry()
