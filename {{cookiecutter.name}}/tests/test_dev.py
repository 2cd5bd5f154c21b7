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


def wait_for(check: Callable[[], bool], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {within} s")
        time.sleep(0.1)


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


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
    log_path = tmp_path / "dev.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, SCRIPT, "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: answers(f"{base}/health/ready"), 60, "no API")
        response = httpx.post(
            f"{base}{config.path_prefix}/jobs",
            json={"task": TaskName.word_count, "text": "hot reload"},
        )
        assert response.status_code == 202
        location = response.headers["Location"]
        wait_for(
            lambda: httpx.get(location).json()["status"] == "complete",
            60,
            "job not run by the worker",
        )
        assert httpx.get(location).json()["result"]["words"] == 2
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    log_text = log_path.read_text()
    assert process.returncode == 0, log_text
    match = re.search(r"Redis: redis://127\.0\.0\.1:(\d+)/0", log_text)
    assert match, log_text
    assert not listening(port), "the API outlived the runner"
    assert not listening(int(match.group(1))), "Redis outlived the runner"
