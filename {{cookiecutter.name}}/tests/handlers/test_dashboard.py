"""Tests of the dashboard's pages against the mock queue."""

import hashlib
import re
from datetime import UTC, datetime

import pytest
from httpx import AsyncClient

from {{ cookiecutter.module_name }}.config import config
from {{ cookiecutter.module_name }}.queue import MockJobQueue
from {{ cookiecutter.module_name }}.records import FailedJob
from {{ cookiecutter.module_name }}.tasks import TaskName

from ..support.jobs import JOBS

DASHBOARD = f"{config.path_prefix}/dashboard"


@pytest.fixture
def enabled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Turn the dashboard on."""
    monkeypatch.setattr(config, "dashboard_enabled", True)


async def queue_jobs(client: AsyncClient, count: int) -> list[str]:
    """Queue ``count`` jobs through the JSON API; return their ids."""
    ids = []
    for i in range(count):
        body = {"task": TaskName.word_count, "text": f"text {i}"}
        response = await client.post(JOBS, json=body)
        ids.append(response.json()["id"])
    return ids


def csrf_of(page: str) -> str:
    """Return the CSRF token that a page gives its buttons."""
    match = re.search(r'"X-CSRF-Token": "([^"]+)"', page)
    assert match, page
    return match.group(1)


def count_on(page: str, status: str) -> int:
    """Return the count that the overview shows for a status."""
    match = re.search(rf'id="count-{status}"[^>]*>\s*<strong>(\d+)', page)
    assert match, page
    return int(match.group(1))


@pytest.mark.asyncio
async def test_off_unless_enabled(client: AsyncClient) -> None:
    for path in ("", "/jobs?status=queued", "/static/htmx.min.js", "/login"):
        response = await client.get(DASHBOARD + path)
        assert response.status_code == 404, path


@pytest.mark.asyncio
@pytest.mark.usefixtures("enabled")
async def test_overview_counts_match_the_api(
    client: AsyncClient, arq_queue: MockJobQueue
) -> None:
    ids = await queue_jobs(client, 3)
    await arq_queue.set_in_progress(ids[0])
    response = await client.get(DASHBOARD)
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    for status in ("queued", "in_progress", "complete"):
        listed = await client.get(JOBS, params={"status": status})
        assert count_on(response.text, status) == len(listed.json())
    fragment = await client.get(f"{DASHBOARD}/counts")
    assert count_on(fragment.text, "queued") == 2


@pytest.mark.asyncio
@pytest.mark.usefixtures("enabled")
async def test_lists_are_paginated(client: AsyncClient) -> None:
    ids = await queue_jobs(client, 55)
    first = await client.get(f"{DASHBOARD}/jobs", params={"status": "queued"})
    assert first.text.count('<tr id="job-') == 50
    assert "page=2" in first.text
    rows = await client.get(
        f"{DASHBOARD}/rows", params={"status": "queued", "page": 2}
    )
    assert rows.text.count('<tr id="job-') == 5
    assert f'id="job-{ids[0]}"' in rows.text


@pytest.mark.asyncio
@pytest.mark.usefixtures("enabled")
async def test_abort_needs_the_page_csrf_token(client: AsyncClient) -> None:
    (job_id,) = await queue_jobs(client, 1)
    page = await client.get(f"{DASHBOARD}/jobs/{job_id}")
    assert 'id="abort"' in page.text
    abort = f"{DASHBOARD}/jobs/{job_id}/abort"
    for token in (None, "1.forged", csrf_of(page.text) + "0"):
        headers = {"X-CSRF-Token": token} if token else {}
        response = await client.post(abort, headers=headers)
        assert response.status_code == 403, token
    # A valid token, from another browser (the cookie it is bound to).
    cookies = dict(client.cookies)
    client.cookies.clear()
    response = await client.post(
        abort, headers={"X-CSRF-Token": csrf_of(page.text)}
    )
    assert response.status_code == 403
    assert "Reload the page" in response.text
    client.cookies.update(cookies)
    response = await client.post(
        abort, headers={"X-CSRF-Token": csrf_of(page.text)}
    )
    assert response.headers["HX-Redirect"] == f"{DASHBOARD}/jobs/{job_id}"
    assert (await client.get(f"{JOBS}/{job_id}")).status_code == 404


@pytest.mark.asyncio
@pytest.mark.usefixtures("enabled")
async def test_failed_job_is_requeued_from_its_page(
    client: AsyncClient, arq_queue: MockJobQueue
) -> None:
    now = datetime.now(tz=UTC)
    arq_queue.failed["broken"] = FailedJob(
        id="broken",
        task=TaskName.word_count,
        kwargs={"text": "again"},
        error="ValueError: no",
        tries=3,
        enqueue_time=now,
        start_time=now,
        failed_time=now,
    )
    page = await client.get(f"{DASHBOARD}/jobs/broken")
    assert "ValueError: no" in page.text
    response = await client.post(
        f"{DASHBOARD}/jobs/broken/retry",
        headers={"X-CSRF-Token": csrf_of(page.text)},
    )
    new_page = response.headers["HX-Redirect"]
    assert new_page != f"{DASHBOARD}/jobs/broken"
    job = (await client.get(new_page.replace("/dashboard", ""))).json()
    assert job["kwargs"] == {"text": "again"}

    again = await client.post(
        f"{DASHBOARD}/jobs/broken/retry",
        headers={"X-CSRF-Token": csrf_of(page.text)},
    )
    assert again.status_code == 404
    assert "No failed job with id broken" in again.text


@pytest.mark.asyncio
@pytest.mark.usefixtures("enabled")
async def test_tokens_need_a_sign_in(
    client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "dashboard-token-0123456789"
    digest = hashlib.sha256(token.encode()).hexdigest()
    monkeypatch.setattr(config, "api_tokens", [digest])
    response = await client.get(DASHBOARD)
    assert response.status_code == 303
    assert response.headers["Location"] == f"{DASHBOARD}/login"

    login = await client.get(f"{DASHBOARD}/login")
    form = {"csrf_token": csrf_of(login.text)}
    wrong = await client.post(
        f"{DASHBOARD}/login", data={**form, "token": "nope"}
    )
    assert wrong.status_code == 401
    right = await client.post(
        f"{DASHBOARD}/login", data={**form, "token": token}
    )
    assert right.status_code == 303
    assert "httponly" in right.headers["set-cookie"].lower()
    assert (await client.get(DASHBOARD)).status_code == 200
