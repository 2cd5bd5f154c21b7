"""End to end, as a user runs it: Redis, the API and the worker.

The default project is rendered and installed, a private ``redis-server``
is started, and ``uvicorn`` and ``arq`` run from the project's venv as real
processes. Jobs go in over HTTP and their results come back the same way.
Every request goes to 127.0.0.1.
"""

from __future__ import annotations

import time
import tomllib
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from .support.commands import run
from .support.processes import Service, free_port, wait_for
from .support.project import GeneratedProject
from .support.stack import Api, Launcher, Stack

JOB_TIMEOUT = 30.0
"""Seconds a job may take from being queued to being complete."""


def queue(client: httpx.Client, jobs: str, body: dict[str, Any]) -> str:
    """Queue a job and return its URL, checking the 202 answer."""
    response = client.post(jobs, json=body)
    assert response.status_code == httpx.codes.ACCEPTED, response.text
    job = response.json()
    assert job["status"] == "queued"
    assert job["task"] == body["task"]
    location = response.headers["Location"]
    assert location.endswith(f"{jobs}/{job['id']}"), location
    return location


def wait_until_complete(client: httpx.Client, url: str) -> dict[str, Any]:
    """Poll a job's URL until it is complete, and return it."""

    def complete() -> dict[str, Any] | None:
        response = client.get(url)
        assert response.status_code == httpx.codes.OK, response.text
        job: dict[str, Any] = response.json()
        return job if job["status"] == "complete" else None

    return wait_for(
        complete, what=f"{url} to complete", timeout=JOB_TIMEOUT, interval=0.2
    )


def job_ids(redis_client: redis.Redis) -> set[bytes]:
    """Ids of every job that arq knows, queued, running or finished."""
    ids = set()
    for prefix in (b"arq:job:", b"arq:result:"):
        for key in redis_client.scan_iter(match=prefix + b"*"):
            ids.add(key.removeprefix(prefix))
    return ids


def test_metadata(
    client: httpx.Client, default_project: GeneratedProject
) -> None:
    response = client.get("/")
    assert response.status_code == httpx.codes.OK
    metadata = response.json()
    assert metadata["name"] == default_project.name
    pyproject = tomllib.loads(
        (default_project.path / "pyproject.toml").read_text(encoding="utf-8")
    )
    assert metadata["version"] == pyproject["project"]["version"]


def test_word_count(client: httpx.Client, jobs: str) -> None:
    url = queue(client, jobs, {"task": "word_count", "text": "one two three"})
    job = wait_until_complete(client, url)
    assert job["success"] is True, job
    assert job["result"] == {"words": 3, "characters": 13}
    assert job["kwargs"] == {"text": "one two three"}
    assert job["start_time"] is not None
    assert job["finish_time"] is not None


def test_fetch_status_of_allowed_host(
    client: httpx.Client, jobs: str, api: Api
) -> None:
    target = f"http://127.0.0.1:{api.port}/"
    url = queue(client, jobs, {"task": "fetch_status", "url": target})
    job = wait_until_complete(client, url)
    assert job["success"] is True, job
    assert job["result"]["status_code"] == httpx.codes.OK
    assert job["result"]["url"] == target


def test_fetch_status_of_other_host_refused(
    client: httpx.Client, jobs: str, redis_client: redis.Redis
) -> None:
    before = job_ids(redis_client)
    response = client.post(
        jobs, json={"task": "fetch_status", "url": "http://localhost:1/"}
    )
    assert response.status_code == httpx.codes.UNPROCESSABLE_ENTITY
    assert response.json()["detail"][0]["type"] == "fetch_not_allowed"
    assert job_ids(redis_client) == before, "a refused job was queued"


def test_unknown_job(client: httpx.Client, jobs: str) -> None:
    response = client.get(f"{jobs}/doesnotexist")
    assert response.status_code == httpx.codes.NOT_FOUND
    error = response.json()["detail"][0]
    assert error["type"] == "job_not_found"
    assert error["msg"]


def test_malformed_job_id(client: httpx.Client, jobs: str) -> None:
    response = client.get(f"{jobs}/bad%20id!")
    assert response.status_code == httpx.codes.UNPROCESSABLE_ENTITY


@pytest.mark.parametrize(
    "body",
    [
        {"task": "nope"},
        {"task": "word_count"},
        {"task": "word_count", "text": "x", "extra": 1},
        {"task": "fetch_status", "url": "not a url"},
        {},
    ],
    ids=["unknown-task", "missing-text", "extra-field", "bad-url", "empty"],
)
def test_bad_body(
    client: httpx.Client,
    jobs: str,
    redis_client: redis.Redis,
    body: dict[str, Any],
) -> None:
    before = job_ids(redis_client)
    response = client.post(jobs, json=body)
    assert response.status_code == httpx.codes.UNPROCESSABLE_ENTITY
    assert response.json()["detail"], response.text
    assert job_ids(redis_client) == before, "a refused job was queued"


def test_abort_unknown_job(client: httpx.Client, jobs: str) -> None:
    response = client.delete(f"{jobs}/doesnotexist")
    assert response.status_code == httpx.codes.NOT_FOUND
    assert response.json()["detail"][0]["type"] == "job_not_found"


def test_abort_finished_job(client: httpx.Client, jobs: str) -> None:
    url = queue(client, jobs, {"task": "word_count", "text": "done"})
    wait_until_complete(client, url)
    response = client.delete(url)
    assert response.status_code == httpx.codes.CONFLICT
    assert response.json()["detail"][0]["type"] == "job_finished"


def test_abort_deferred_job(client: httpx.Client, jobs: str) -> None:
    """A worker confirms the abort of a job that waits for its start time."""
    body = {"task": "word_count", "text": "not yet", "defer_by": 600}
    response = client.post(jobs, json=body)
    assert response.status_code == httpx.codes.ACCEPTED, response.text
    assert response.json()["status"] == "deferred"
    url = response.headers["Location"]
    response = client.delete(url)
    assert response.status_code == httpx.codes.NO_CONTENT, response.text
    job = wait_until_complete(client, url)
    assert job["success"] is False, job
    assert job.get("result") is None, job
    assert "abort" in (job.get("error") or "").lower(), job


def test_abort_queued_job(launcher: Launcher, jobs: str) -> None:
    """Abort a job that no worker has taken yet, then start a worker.

    A second API puts jobs on a queue that no worker serves, so the job
    stays queued and the abort cannot be confirmed: DELETE answers 202 once
    the (short) abort timeout passes instead of hanging. A worker started
    afterwards on that queue must not run the job but record it aborted.
    """
    idle = {"QUEUE_NAME": "e2e:unserved", "ABORT_TIMEOUT": "1"}
    api = launcher.api("api-unserved-queue", **idle)
    with httpx.Client(base_url=api.url, timeout=10, trust_env=False) as c:
        url = queue(c, jobs, {"task": "word_count", "text": "never counted"})
        start = time.monotonic()
        response = c.delete(url)
        elapsed = time.monotonic() - start
        assert response.status_code == httpx.codes.ACCEPTED, response.text
        assert elapsed < 10, f"DELETE took {elapsed:.1f} s without a worker"
        assert c.get(url).json()["status"] == "queued"

        launcher.worker("worker-unserved-queue", **idle)
        job = wait_until_complete(c, url)
    assert job["success"] is False, job
    assert job.get("result") is None, job
    assert "abort" in (job.get("error") or "").lower(), job


def test_arq_check(stack: Stack, worker: Service) -> None:
    """``arq --check`` succeeds while the worker runs."""
    command = [str(stack.project.venv_bin("arq")), "--check"]
    command.append(stack.worker_settings)

    def healthy() -> bool:
        worker.assert_running()
        result = run(command, cwd=stack.project.path, env=stack.env)
        return result.returncode == 0

    wait_for(
        healthy,
        what="arq --check to succeed",
        timeout=15,
        interval=0.5,
        diagnostics=worker.describe,
    )


@pytest.mark.parametrize("program", ["uvicorn", "arq"])
@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("WORKER_MAX_JOBS", "0"),
        ("ARQ_QUEUE_URL", "redis://127.0.0.1:6379/abc"),
        ("ARQ_QUEUE_URL", "redis://127.0.0.1:6379/0/x"),
        ("ARQ_QUEUE_URL", "http://127.0.0.1:6379/0"),
        ("SIGNING_KEY", "too-short"),
    ],
)
def test_bad_setting_stops_start_up(
    stack: Stack, program: str, setting: str, value: str
) -> None:
    """A bad setting stops the process with one line naming the variable."""
    app = f"{stack.project.module}.main:app"
    port = str(free_port())
    arguments = {
        "uvicorn": [app, "--host", "127.0.0.1", "--port", port],
        "arq": [stack.worker_settings],
    }
    command = [str(stack.project.venv_bin(program)), *arguments[program]]
    env = {**stack.env, **stack.settings(**{setting: value})}
    result = run(command, cwd=stack.project.path, env=env, timeout=60)
    assert result.returncode != 0, result.describe()
    variable = f"{stack.project.env_prefix}{setting}:"
    named = [line for line in result.output.splitlines() if variable in line]
    assert len(named) == 1, result.describe()
    assert "Traceback" not in result.output, result.describe()


def test_processes_write_nothing_to_disk(
    launcher: Launcher, jobs: str, default_project: GeneratedProject
) -> None:
    """API and worker run a job without writing a file (read-only images).

    Both Dockerfiles run them as in this test, from the installed
    environment with ``PYTHONDONTWRITEBYTECODE``; a file that they created
    or changed in the project or its virtual environment would fail on the
    read-only root filesystem of ``docker-compose.yaml`` and Kubernetes.
    """
    before = snapshot(default_project.path)
    settings = {"QUEUE_NAME": "e2e:read-only"}
    api = launcher.api("api-read-only", **settings)
    launcher.worker("worker-read-only", **settings)
    with httpx.Client(base_url=api.url, timeout=10, trust_env=False) as c:
        url = queue(c, jobs, {"task": "word_count", "text": "no writes"})
        assert wait_until_complete(c, url)["success"] is True
    launcher.stop_all()
    after = snapshot(default_project.path)
    changed = sorted(set(before.items()) ^ set(after.items()))
    assert not changed, f"files written at run time: {changed[:10]}"


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Size and modification time of every file below a directory."""
    return {
        str(path.relative_to(root)): (stat.st_size, stat.st_mtime_ns)
        for path in root.rglob("*")
        if path.is_file() and (stat := path.stat())
    }


def test_two_applications_share_one_redis_database(
    client: httpx.Client, launcher: Launcher, jobs: str
) -> None:
    """Each lists only its own jobs and results; neither page fails.

    The second application has its own queue and its own signing key, as
    two services sharing one Redis database would.
    """
    other = launcher.api(
        "other-api", QUEUE_NAME="other:queue", SIGNING_KEY="o" * 40
    )
    launcher.worker(
        "other-worker", QUEUE_NAME="other:queue", SIGNING_KEY="o" * 40
    )
    body = {"task": "word_count", "text": "shared"}
    with httpx.Client(base_url=other.url, trust_env=False) as theirs:
        ours_done = wait_until_complete(client, queue(client, jobs, body))
        theirs_done = wait_until_complete(theirs, queue(theirs, jobs, body))
        for mine, foreign, app in (
            (ours_done, theirs_done, client),
            (theirs_done, ours_done, theirs),
        ):
            response = app.get(jobs, params={"status": "complete"})
            assert response.status_code == httpx.codes.OK, response.text
            listed = {job["id"] for job in response.json()}
            assert mine["id"] in listed
            assert foreign["id"] not in listed
            refused = app.get(f"{jobs}/{foreign['id']}")
            assert refused.status_code == httpx.codes.INTERNAL_SERVER_ERROR
            assert refused.json()["detail"][0]["type"] == "invalid_job_data"
