"""The failed-job store and progress, in a real Redis."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from arq.connections import ArqRedis
from arq.jobs import DeserializationError
from httpx import AsyncClient
from redis.asyncio import Redis

from {{ cookiecutter.module_name }}.config import config
from {{ cookiecutter.module_name }}.records import FailedJob, JobRecords
from {{ cookiecutter.module_name }}.redis import API_RETRIES, pool_for

from .support.jobs import JOBS


def failed_job(job_id: str, seconds_ago: float = 0) -> FailedJob:
    """Return a failed job's record, failed ``seconds_ago``."""
    when = datetime.now(tz=UTC) - timedelta(seconds=seconds_ago)
    return FailedJob(
        id=job_id,
        task="word_count",
        kwargs={"text": job_id},
        error="ValueError: no",
        tries=1,
        enqueue_time=when,
        start_time=when,
        failed_time=when,
    )


@pytest_asyncio.fixture
async def pool(redis_url: str) -> AsyncIterator[ArqRedis]:
    """Yield the project's pool of the test's Redis."""
    pool = pool_for(config, retries=API_RETRIES)
    yield pool
    await pool.aclose()


@pytest.mark.asyncio
async def test_oldest_failed_jobs_go_over_the_cap(pool: ArqRedis) -> None:
    capped = config.model_copy(update={"failed_job_limit": 2})
    records = JobRecords(pool, capped)
    for age, job_id in [(3, "a"), (2, "b"), (1, "c")]:
        await records.add_failed(failed_job(job_id, age))
    listed = await records.list_failed(10)
    assert [job.id for job in listed] == ["c", "b"]
    assert await records.get_failed("a") is None
    assert await records.drop_failed("b") is True
    assert await records.drop_failed("b") is False
    assert [job.id for job in await records.list_failed(10)] == ["c"]


@pytest.mark.asyncio
async def test_tampered_record_is_never_read(
    redis_client: AsyncClient, redis: Redis, pool: ArqRedis
) -> None:
    records = JobRecords(pool, config)
    await records.add_failed(failed_job("victim"))
    key = f"{config.queue_name}:failed:victim"
    stored = await redis.get(key)
    assert stored is not None
    assert b'"kwargs":{"text":"victim"}' in stored
    await redis.set(key, stored.replace(b"victim", b"evil!!"))

    response = await redis_client.get(f"{JOBS}/victim")
    assert response.status_code == 500
    assert response.json()["detail"][0]["type"] == "invalid_job_data"
    with pytest.raises(DeserializationError):
        await records.get_failed("victim")

    # Left out of the list, which still shows the others, and deletable.
    await records.add_failed(failed_job("fine"))
    listed = await redis_client.get(JOBS, params={"status": "failed"})
    assert [job["id"] for job in listed.json()] == ["fine"]
    assert (await redis_client.delete(f"{JOBS}/victim")).status_code == 204
