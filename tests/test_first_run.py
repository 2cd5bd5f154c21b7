"""A fresh project runs as its README says, with nothing set by hand.

Redis listens where the default URL points (localhost:6379), and the API
and the worker are started with exactly the README's ``uv run`` commands,
from the project's directory: the signing key comes from the ``.env`` that
generation wrote.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .support.job_client import JobClient
from .support.processes import Service, wait_for
from .support.project import GeneratedProject
from .support.redis_server import redis_executable, wait_for_ping
from .support.stack import RUNNING, Api
from .support.tools import find_uv

DEFAULT_REDIS_PORT = 6379
UVICORN_PORT = 8000
"""Where ``uvicorn`` listens (on 127.0.0.1) when given no address."""

CURL = re.compile(
    r"curl -si -X POST (\S+) \\\n\s+-H '([^']+)' \\\n\s+-d '([^']+)'"
)
"""The README's ``curl`` that queues a job."""


@pytest.fixture
def _default_redis(tmp_path: Path) -> Iterator[None]:
    """A private ``redis-server`` on the default URL's port."""
    command = [redis_executable(), "--port", str(DEFAULT_REDIS_PORT)]
    command += ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    service = Service(
        "redis", command, cwd=tmp_path, env={}, log_path=tmp_path / "redis.log"
    )
    RUNNING.append(service)
    try:
        wait_for_ping(service, DEFAULT_REDIS_PORT)
        yield
    finally:
        service.stop()
        RUNNING.remove(service)


@pytest.mark.usefixtures("_default_redis")
def test_card_commands_complete_a_job(
    default_project: GeneratedProject, tmp_path: Path
) -> None:
    project = default_project
    env = project.env()
    assert not [key for key in env if key.startswith(project.env_prefix)]
    readme = (project.path / "README.md").read_text(encoding="utf-8")
    commands = {
        "api": f"uv run uvicorn {project.module}.main:app",
        "worker": f"uv run arq {project.module}.worker.main.WorkerSettings",
    }
    services = []
    try:
        for name, command in commands.items():
            assert command in readme, f"the README lost: {command}"
            service = Service(
                name,
                [*find_uv(), *command.split()[1:]],
                cwd=project.path,
                env=env,
                log_path=tmp_path / f"{name}.log",
            )
            RUNNING.append(service)
            services.append(service)
        url, header, body = CURL.findall(readme)[0]
        api = Api(services[0], UVICORN_PORT)
        wait_for(
            lambda: _answers(f"{api.url}/"),
            what="the API to answer",
            timeout=60,
            diagnostics=services[0].describe,
        )
        name, value = header.split(": ")
        posted = httpx.post(
            url, headers={name: value}, content=body, trust_env=False
        )
        assert posted.status_code == httpx.codes.ACCEPTED, posted.text
        job_id = posted.json()["id"]
        assert posted.headers["Location"] == f"{url}/{job_id}"
        with JobClient(api, f"/{project.name}") as jobs:
            job = jobs.wait_complete(job_id, timeout=60)
        assert job["success"] is True, job
        assert job["result"] == {"words": 6, "characters": 18}, job
    finally:
        for service in services:
            service.stop()
            RUNNING.remove(service)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2, trust_env=False).is_success
    except httpx.TransportError:
        return False
