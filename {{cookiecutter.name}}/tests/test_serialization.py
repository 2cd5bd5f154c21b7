"""Signed JSON in Redis: nothing unsigned is ever interpreted."""

import asyncio
import pickle
from pathlib import Path
from typing import Any

import pytest
from arq.constants import job_key_prefix, result_key_prefix
from httpx import AsyncClient
from redis.asyncio import Redis

from {{ cookiecutter.module_name }}.config import (
    config,
)
from {{ cookiecutter.module_name }}.serialization import (
    InvalidPayloadError,
    JobFailure,
    SignedJsonSerializer,
)
from {{ cookiecutter.module_name }}.tasks import (
    TaskName,
)

from .support.jobs import job_id_of, post_job
from .support.worker import run_worker_burst

KEY = b"k" * 32


class Trap:
    """Pickles into a call that creates a file when unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (self.marker.touch, ())


class CustomError(Exception):
    """An exception type that only the worker knows."""


def test_round_trip_keeps_failures() -> None:
    serializer = SignedJsonSerializer(KEY)
    data = {"r": [ValueError("bad"), CustomError("odd"), "ok", 3]}
    result = serializer.loads(serializer.dumps(data))["r"]
    assert isinstance(result[0], ValueError)
    assert str(result[0]) == "bad"
    assert isinstance(result[1], JobFailure)
    assert str(result[1]) == "CustomError: odd"
    assert result[2:] == ["ok", 3]
    cancelled = serializer.loads(
        serializer.dumps({"r": asyncio.CancelledError()})
    )
    assert isinstance(cancelled["r"], asyncio.CancelledError)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda data: data[:-1],
        lambda data: data.replace(b'"f":"word_count"', b'"f":"digest"'),
        lambda data: data.split(b".", 1)[1],
        lambda _: pickle.dumps({"f": "word_count"}),
        lambda _: SignedJsonSerializer(b"x" * 32).dumps({"f": "word_count"}),
        lambda _: b"",
    ],
)
def test_refuses_anything_not_signed_with_the_key(tamper: Any) -> None:
    serializer = SignedJsonSerializer(KEY)
    data = serializer.dumps({"f": "word_count", "a": [], "k": {}})
    with pytest.raises(InvalidPayloadError):
        serializer.loads(tamper(data))


@pytest.mark.asyncio
async def test_pickled_job_runs_nothing(
    redis_client: AsyncClient, redis: Redis, tmp_path: Path
) -> None:
    marker = tmp_path / "executed"
    location = await post_job(
        redis_client, {"task": TaskName.word_count, "text": "fine"}
    )
    job_id = job_id_of(location)
    await redis.set(job_key_prefix + job_id, pickle.dumps(Trap(marker)))

    response = await redis_client.get(location)
    assert response.status_code == 500
    error = response.json()["detail"][0]
    assert error["type"] == "invalid_job_data"
    assert "unsigned" in error["msg"]

    await run_worker_burst()
    assert not marker.exists(), "the worker unpickled the payload"
    data = (await redis_client.get(location)).json()
    assert data["success"] is False
    assert data["error"].startswith("DeserializationError")

    await redis.set(result_key_prefix + job_id, pickle.dumps(Trap(marker)))
    response = await redis_client.get(location)
    assert response.status_code == 500
    assert not marker.exists(), "the API unpickled the payload"


@pytest.mark.asyncio
async def test_jobs_are_stored_signed(
    redis_client: AsyncClient, redis: Redis
) -> None:
    location = await post_job(
        redis_client, {"task": TaskName.word_count, "text": "signed"}
    )
    stored = await redis.get(job_key_prefix + job_id_of(location))
    assert stored is not None
    assert config.signing_key is not None
    key = config.signing_key.get_secret_value().encode()
    assert SignedJsonSerializer(key).loads(stored)["k"] == {"text": "signed"}
