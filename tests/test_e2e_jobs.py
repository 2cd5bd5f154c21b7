"""The job layer over arq, end to end with real processes (issue 13).

A running job's progress, retries with backoff in the worker's log, a job
that failed for good kept after its arq result is gone and requeued, one
``X-Request-ID`` from the API's answer to the worker's log lines, and
bearer tokens. Each test starts its own API and worker on a queue of its
own, so that no other worker takes its jobs.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx
import redis

from .support.fetch_target import FetchTarget
from .support.processes import wait_for
from .support.stack import Launcher
from .test_e2e import JOB_TIMEOUT, queue, wait_until_complete

RETRY_DELAY = 0.2
"""``WORKER_RETRY_DELAY`` in seconds: short, so that retries come soon."""


def start(
    launcher: Launcher, name: str, **settings: str
) -> tuple[httpx.Client, Any]:
    """Start an API and a worker on a queue named after the test."""
    settings = {
        "QUEUE_NAME": f"e2e:{name}",
        "LOG_PROFILE": "production",
        "WORKER_RETRY_DELAY": str(RETRY_DELAY),
        **settings,
    }
    api = launcher.api(f"api-{name}", **settings)
    worker = launcher.worker(f"worker-{name}", **settings)
    return httpx.Client(base_url=api.url, timeout=10, trust_env=False), worker


def json_lines(log: str) -> list[dict[str, Any]]:
    """Return the JSON lines of a log (arq's own lines are plain text)."""
    return [json.loads(line) for line in log.splitlines() if line[:1] == "{"]


def wait_for_status(client: httpx.Client, url: str, status: str) -> None:
    """Poll a job until it has a status."""
    wait_for(
        lambda: client.get(url).json()["status"] == status,
        what=f"{url} to be {status}",
        timeout=JOB_TIMEOUT,
        interval=0.1,
    )


def test_progress_rises_while_the_job_runs(
    launcher: Launcher, jobs: str
) -> None:
    client, _ = start(launcher, "progress")
    with client:
        body = {"task": "digest", "text": "long", "rounds": 2_000_000}
        url = queue(client, jobs, body)
        seen: list[float] = []

        def complete() -> bool:
            job = client.get(url).json()
            progress = job["progress"]
            if progress and progress["fraction"] not in seen:
                seen.append(progress["fraction"])
            return bool(job["status"] == "complete")

        wait_for(complete, what="digest", timeout=JOB_TIMEOUT, interval=0.01)
    assert len(seen) >= 2, seen
    assert seen == sorted(seen), seen


def test_request_id_and_backoff_in_the_worker_log(
    launcher: Launcher, jobs: str, target: FetchTarget
) -> None:
    client, worker = start(launcher, "backoff")
    with client:
        response = client.post(
            jobs,
            json={"task": "fetch_status", "url": target.url("flaky", fail=2)},
            headers={"X-Request-ID": "e2e-trace-1"},
        )
        assert response.status_code == httpx.codes.ACCEPTED, response.text
        assert response.headers["X-Request-ID"] == "e2e-trace-1"
        job = wait_until_complete(client, response.headers["Location"])
    assert job["success"] is True, job
    assert job["request_id"] == "e2e-trace-1"

    lines = [
        line
        for line in json_lines(worker.log())
        if line.get("request_id") == "e2e-trace-1"
    ]
    assert [line["event"] for line in lines] == [
        "Trying again later",
        "Trying again later",
        "Fetched URL",
    ], worker.describe()
    assert [line["job_try"] for line in lines] == [1, 2, 3]
    assert {line["job_id"] for line in lines} == {job["id"]}
    first, second = (line["delay_seconds"] for line in lines[:2])
    assert RETRY_DELAY / 2 <= first <= RETRY_DELAY < second <= 2 * RETRY_DELAY


def test_failed_job_outlives_its_result_and_is_requeued(
    launcher: Launcher,
    jobs: str,
    target: FetchTarget,
    redis_client: redis.Redis,
) -> None:
    client, _ = start(launcher, "failed")
    with client:
        body = {"task": "fetch_status", "url": target.url("down", fail=3)}
        url = queue(client, jobs, body)
        wait_for_status(client, url, "failed")
        job_id = url.rsplit("/", 1)[1]
        # As if arq's result had expired (an hour by default).
        assert redis_client.delete(f"arq:result:{job_id}") == 1
        failed = client.get(url).json()
        assert failed["tries"] == 3, failed
        assert failed["error"].startswith("TransientFetchError: HTTP 503")
        listed = client.get(jobs, params={"status": "failed"}).json()
        assert [job["id"] for job in listed] == [job_id]

        # The target answers now: the requeued job completes.
        response = client.post(f"{url}/retry")
        assert response.status_code == httpx.codes.ACCEPTED, response.text
        job = wait_until_complete(client, response.headers["Location"])
        assert job["success"] is True, job
        assert client.get(jobs, params={"status": "failed"}).json() == []
        assert client.get(url).status_code == httpx.codes.NOT_FOUND
    assert target.answered("down") == 1


def test_tokens_refuse_other_requests(launcher: Launcher, jobs: str) -> None:
    token = "e2e-token-0123456789abcdef"  # noqa: S105 - a test's own token
    digest = hashlib.sha256(token.encode()).hexdigest()
    api = launcher.api("api-tokens", API_TOKENS=json.dumps([digest]))
    body = {"task": "word_count", "text": "a b"}
    with httpx.Client(base_url=api.url, timeout=10, trust_env=False) as c:
        refused = c.post(jobs, json=body)
        wrong = c.post(jobs, json=body, headers={"Authorization": "Bearer x"})
        allowed = c.post(
            jobs, json=body, headers={"Authorization": f"Bearer {token}"}
        )
        assert c.get("/health/live").status_code == httpx.codes.OK
    assert refused.status_code == httpx.codes.UNAUTHORIZED
    assert refused.headers["WWW-Authenticate"] == "Bearer"
    assert wrong.status_code == httpx.codes.UNAUTHORIZED
    assert "invalid_token" in wrong.headers["WWW-Authenticate"]
    assert allowed.status_code == httpx.codes.ACCEPTED, allowed.text
    assert token not in api.service.log()
