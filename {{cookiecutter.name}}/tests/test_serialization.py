"""Signed JSON in Redis: nothing unsigned is ever interpreted."""

import asyncio
import hashlib
import hmac
import json
import pickle
from pathlib import Path
from typing import Any

import pytest
from arq.constants import job_key_prefix, result_key_prefix
from httpx import AsyncClient
from pydantic import SecretStr
from redis.asyncio import Redis

from {{cookiecutter.module_name}}.config import (
    config,
)
from {{cookiecutter.module_name}}.serialization import (
    InvalidPayloadError,
    JobFailure,
    SignedJsonSerializer,
)
from {{cookiecutter.module_name}}.tasks import (
    TaskName,
)

from .support.jobs import JOBS, job_id_of, post_job, running_app
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


@pytest.mark.parametrize("key", [KEY, b"long" * 40])
def test_stored_format_is_hmac_sha256_of_plain_json(key: bytes) -> None:
    serializer = SignedJsonSerializer(key)
    data: dict[str, Any] = {
        "f": "word_count",
        "a": ["é", 1.5],
        "k": {},
        "r": None,
    }
    signature, _, payload = serializer.dumps(data).partition(b".")
    expected = hmac.new(key, payload, hashlib.sha256).hexdigest().encode()
    assert signature == expected
    assert json.loads(payload) == data
    # Written the standard library's way, as earlier releases did.
    failure = json.dumps({"r": {"__exception__": {"type": "KeyError"}}})
    older = hmac.new(key, failure.encode(), hashlib.sha256).hexdigest()
    read = serializer.loads(f"{older}.{failure}".encode())["r"]
    assert isinstance(read, KeyError)


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
    assert SignedJsonSerializer(key).loads(stored)["k"]["text"] == "signed"


async def listed(client: AsyncClient, status: str) -> list[str]:
    response = await client.get(JOBS, params={"status": status})
    assert response.status_code == 200, response.text
    return [job["id"] for job in response.json()]


@pytest.mark.asyncio
async def test_listing_leaves_out_what_it_cannot_read(
    redis_client: AsyncClient, redis: Redis
) -> None:
    # Another application in the same database: its own queue and key.
    theirs = SignedJsonSerializer(b"o" * 32)
    fields = {"t": 1, "f": "word_count", "a": [], "k": {}, "et": 1}
    result = {**fields, "s": True, "r": 1, "st": 1, "ft": 2, "q": "other"}
    await redis.set(result_key_prefix + "theirs-done", theirs.dumps(result))
    await redis.set(job_key_prefix + "theirs-queued", theirs.dumps(fields))
    await redis.zadd("other", {"theirs-queued": 1})
    done = await post_job(
        redis_client, {"task": TaskName.word_count, "text": "ours"}
    )
    await run_worker_burst()
    # And one of our own queued jobs, tampered with.
    tampered = await post_job(
        redis_client, {"task": TaskName.word_count, "text": "fine"}
    )
    await redis.set(job_key_prefix + job_id_of(tampered), b"0" * 64 + b".{}")

    assert await listed(redis_client, "complete") == [job_id_of(done)]
    assert await listed(redis_client, "queued") == []
    response = await redis_client.delete(tampered)
    assert response.status_code == 204, response.text
    assert await redis.zscore(config.queue_name, job_id_of(tampered)) is None
    assert await redis.exists(job_key_prefix + job_id_of(tampered)) == 0
    # Another application's job is not this one's to remove.
    response = await redis_client.delete(f"{JOBS}/theirs-queued")
    assert response.status_code == 500, response.text
    assert await redis.exists(job_key_prefix + "theirs-queued") == 1
    assert await redis.zscore("other", "theirs-queued") == 1


@pytest.mark.asyncio
async def test_rotation_keeps_what_the_old_key_signed(
    redis_url: str, redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = config.signing_key
    assert old is not None
    async with running_app() as client:
        done = await post_job(
            client, {"task": TaskName.word_count, "text": "done before"}
        )
        await run_worker_burst()
        queued = await post_job(
            client, {"task": TaskName.word_count, "text": "queued before"}
        )

    new = SecretStr("n" * 40)
    monkeypatch.setattr(config, "signing_key", new)
    monkeypatch.setattr(config, "accepted_signing_keys", [old])
    async with running_app() as client:
        assert (await client.get(done)).json()["success"] is True
        await run_worker_burst()
        after = (await client.get(queued)).json()
        assert after["result"] == {"words": 2, "characters": 13}, after
        fresh = await post_job(
            client, {"task": TaskName.word_count, "text": "after"}
        )
    stored = await redis.get(job_key_prefix + job_id_of(fresh))
    assert stored is not None
    SignedJsonSerializer(new.get_secret_value().encode()).loads(stored)
    with pytest.raises(InvalidPayloadError):
        SignedJsonSerializer(old.get_secret_value().encode()).loads(stored)

    # Once the old key is no longer accepted, what it signed is refused.
    monkeypatch.setattr(config, "accepted_signing_keys", [])
    async with running_app() as client:
        response = await client.get(done)
    assert response.status_code == 500
    assert response.json()["detail"][0]["type"] == "invalid_job_data"
