"""The development runner: API, worker and a private Redis in one command."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from {{ cookiecutter.module_name }}.config import (
    ENV_PREFIX,
    config,
)
from {{ cookiecutter.module_name }}.tasks import (
    TaskName,
)

from .support.redis import free_port

SCRIPT = Path(__file__).parent.parent / "scripts" / "dev.py"


def wait_for(
    check: Callable[[], bool], within: float, what: Callable[[], str]
) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what()} within {within} s")
        time.sleep(0.1)


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def job_status(location: str, seen: list[str]) -> str:
    """Return the job's status, or the error answer, keeping what was seen.

    Under load the API may answer 503 while Redis is slow to accept a new
    connection; that is an answer to wait past, not a failure.
    """
    response = httpx.get(location)
    status = response.json().get("status") or f"{response.status_code}"
    if not seen or seen[-1] != status:
        seen.append(status if response.is_success else response.text)
    return str(status)


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_runs_api_and_worker_with_private_redis(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        key: value
        for key, value in os.environ.items()
        if key != f"{ENV_PREFIX}ARQ_QUEUE_URL"
    }
    env[f"{ENV_PREFIX}DASHBOARD_ENABLED"] = "true"
    log_path = tmp_path / "dev.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, SCRIPT, "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: answers(f"{base}/health/ready"), 60, lambda: "no API")
        response = httpx.post(
            f"{base}{config.path_prefix}/jobs",
            json={"task": TaskName.word_count, "text": "hot reload"},
        )
        assert response.status_code == 202
        location = response.headers["Location"]
        seen: list[str] = []
        wait_for(
            lambda: job_status(location, seen) == "complete",
            60,
            lambda: f"job not run by the worker (answers: {seen})",
        )
        assert httpx.get(location).json()["result"]["words"] == 2
        printed = re.search(r"Dashboard: (\S+)", log_path.read_text())
        assert printed, log_path.read_text()
        assert printed.group(1) == f"{base}{config.path_prefix}/dashboard"
        assert 'id="count-complete"' in httpx.get(printed.group(1)).text
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    log_text = log_path.read_text()
    assert process.returncode == 0, log_text
    match = re.search(r"Redis: redis://127\.0\.0\.1:(\d+)/0", log_text)
    assert match, log_text
    assert not listening(port), "the API outlived the runner"
    assert not listening(int(match.group(1))), "Redis outlived the runner"
