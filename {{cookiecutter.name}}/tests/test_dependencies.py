"""Tests of the access seam: bearer tokens, when they are configured."""

import hashlib
import logging

import pytest
from httpx import AsyncClient

from {{ cookiecutter.module_name }}.config import config
from {{ cookiecutter.module_name }}.tasks import TaskName

from .support.jobs import JOBS

TOKEN = "a-token-that-only-the-client-knows"
BODY = {"task": TaskName.word_count, "text": "hi"}


@pytest.fixture
def tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    """Accept only ``TOKEN`` (and another), by their hashes."""
    hashes = [hashlib.sha256(t.encode()).hexdigest() for t in ("x", TOKEN)]
    monkeypatch.setattr(config, "api_tokens", hashes)


@pytest.mark.asyncio
async def test_no_tokens_allows_all(client: AsyncClient) -> None:
    assert (await client.post(JOBS, json=BODY)).status_code == 202


@pytest.mark.asyncio
@pytest.mark.usefixtures("tokens")
async def test_missing_token_is_401(client: AsyncClient) -> None:
    for method, body in (("POST", BODY), ("GET", None)):
        response = await client.request(
            method, JOBS, json=body, params={"status": "queued"}
        )
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.json()["detail"][0]["type"] == "unauthorized"


@pytest.mark.asyncio
@pytest.mark.usefixtures("tokens")
@pytest.mark.parametrize(
    "authorization", [f"Bearer {TOKEN}x", "Bearer", f"Basic {TOKEN}"]
)
async def test_wrong_token_is_401(
    client: AsyncClient, authorization: str
) -> None:
    response = await client.post(
        JOBS, json=BODY, headers={"Authorization": authorization}
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.asyncio
@pytest.mark.usefixtures("tokens")
async def test_valid_token_is_let_through_and_never_logged(
    client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    response = await client.post(JOBS, json=BODY, headers=headers)
    assert response.status_code == 202
    await client.post(JOBS, json=BODY, headers={"Authorization": "Bearer no"})
    assert (await client.get("/")).status_code == 200
    assert TOKEN not in caplog.text
