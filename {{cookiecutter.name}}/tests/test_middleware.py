"""Tests of the API's middleware: request ids."""

import pytest
from httpx import AsyncClient

from {{ cookiecutter.module_name }}.tasks import TaskName

from .support.jobs import JOBS


@pytest.mark.asyncio
async def test_request_id_is_kept_with_the_job(client: AsyncClient) -> None:
    body = {"task": TaskName.word_count, "text": "hi"}
    response = await client.post(
        JOBS, json=body, headers={"X-Request-ID": "abc-123"}
    )
    assert response.status_code == 202
    assert response.headers["X-Request-ID"] == "abc-123"
    assert response.json()["request_id"] == "abc-123"
    assert "_meta" not in response.json()["kwargs"]
    job = (await client.get(response.headers["Location"])).json()
    assert job["request_id"] == "abc-123"


@pytest.mark.asyncio
async def test_base64_request_id_is_taken(client: AsyncClient) -> None:
    response = await client.get("/", headers={"X-Request-ID": "q+/9Zw=="})
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "q+/9Zw=="


@pytest.mark.asyncio
async def test_request_without_id_gets_one(client: AsyncClient) -> None:
    first = await client.get("/")
    second = await client.get("/")
    ids = {first.headers["X-Request-ID"], second.headers["X-Request-ID"]}
    assert len(ids) == 2
    assert all(len(i) == 32 for i in ids)


@pytest.mark.asyncio
@pytest.mark.parametrize("bad", ["has space", "x" * 129, "semi;colon"])
async def test_malformed_request_id_is_400(
    client: AsyncClient, bad: str
) -> None:
    response = await client.get("/", headers={"X-Request-ID": bad})
    assert response.status_code == 400
    assert response.json()["detail"][0]["type"] == "invalid_request_id"
    assert response.headers["X-Request-ID"] != bad
