"""Fixtures shared by the template's tests.

Rendering and installing are the slow parts, so each combination of answers
is rendered once and installed once per session (`ProjectCache`), and the
end-to-end tests reuse the default combination's installation.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path

import httpx
import pytest
import redis

from .support.fetch_target import FetchTarget
from .support.processes import Service, free_port
from .support.project import GeneratedProject, ProjectCache
from .support.redis_server import redis_executable, wait_for_ping
from .support.stack import RUNNING, Api, Launcher, Stack
from .support.template import (
    Combination,
    Renderer,
    default_combination,
    option_combinations,
    write_cookiecutter_config,
)

_LOG_TAIL = 8_000
"""Characters of each service's log added to a failing test's report."""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport() -> Generator[
    None, pytest.TestReport, pytest.TestReport
]:
    """Add the logs of the running services to a failing test's report."""
    report = yield
    if report.failed:
        for service in RUNNING:
            report.sections.append(
                (f"log of {service.name}", service.describe()[-_LOG_TAIL:])
            )
    return report


@pytest.fixture(scope="session")
def cookiecutter_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cookiecutter config that keeps replay files out of the home dir."""
    return write_cookiecutter_config(tmp_path_factory.mktemp("cookiecutter"))


@pytest.fixture(scope="session")
def renderer(
    tmp_path_factory: pytest.TempPathFactory, cookiecutter_config: Path
) -> Renderer:
    """Renders of the template, shared by the whole session."""
    return Renderer(tmp_path_factory.mktemp("renders"), cookiecutter_config)


@pytest.fixture(params=option_combinations(), ids=lambda c: c.id)
def combination(request: pytest.FixtureRequest) -> Combination:
    """One combination of answers to the choice questions.

    A module that checks more answers overrides this fixture.
    """
    combination: Combination = request.param
    return combination


@pytest.fixture
def project(renderer: Renderer, combination: Combination) -> Path:
    """The project rendered with `combination` (shared; do not change).

    Modules that install the project override this fixture.
    """
    return renderer.render(combination.context)


@pytest.fixture(scope="session")
def projects(renderer: Renderer) -> ProjectCache:
    """Installed generated projects, one per combination of answers."""
    return ProjectCache(renderer)


@pytest.fixture(scope="session")
def default_project(projects: ProjectCache) -> GeneratedProject:
    """The project that ``cookiecutter --no-input`` generates, installed."""
    return projects.installed(default_combination())


# End to end: a private Redis, and the API and worker as real processes.


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A private ``redis-server`` on 127.0.0.1 that keeps nothing on disk."""
    server = redis_executable()
    port = free_port()
    directory = tmp_path_factory.mktemp("redis")
    # No persistence: the server is private to this session.
    options = {
        "port": str(port),
        "bind": "127.0.0.1",
        "save": "",
        "appendonly": "no",
        "dir": str(directory),
    }
    command = [server]
    for option, value in options.items():
        command.extend([f"--{option}", value])
    service = Service(
        "redis",
        command,
        cwd=directory,
        env={},
        log_path=directory / "redis.log",
    )
    RUNNING.append(service)
    try:
        wait_for_ping(service, port)
        yield port
    finally:
        service.stop()
        RUNNING.remove(service)


@pytest.fixture
def jobs(default_project: GeneratedProject) -> str:
    """Path of the job collection, under the default path prefix."""
    return f"/{default_project.name}/jobs"


@pytest.fixture
def target() -> Iterator[FetchTarget]:
    """The HTTP server that ``fetch_status`` jobs call."""
    server = FetchTarget()
    yield server
    server.close()


@pytest.fixture(scope="module")
def redis_client(redis_port: int) -> Iterator[redis.Redis]:
    """A client of the private Redis, to look at the queue directly."""
    client = redis.Redis(host="127.0.0.1", port=redis_port, socket_timeout=5)
    yield client
    client.close()


@pytest.fixture(scope="module")
def stack(
    default_project: GeneratedProject,
    redis_port: int,
    tmp_path_factory: pytest.TempPathFactory,
) -> Stack:
    """Starts the default project's processes against the private Redis."""
    return Stack(default_project, redis_port, tmp_path_factory.mktemp("logs"))


@pytest.fixture(scope="module")
def api(stack: Stack) -> Iterator[Api]:
    """The API, on the queue that the `worker` fixture serves."""
    api = stack.start_api("api")
    yield api
    stack.stop(api.service)


@pytest.fixture(scope="module")
def worker(stack: Stack) -> Iterator[Service]:
    """The worker, running the jobs that the `api` fixture queues."""
    service = stack.start_worker("worker")
    yield service
    stack.stop(service)


@pytest.fixture
def client(api: Api, worker: Service) -> Iterator[httpx.Client]:
    """HTTP client of the API, with a worker running behind it.

    Both processes must still run after the test.
    """
    with httpx.Client(base_url=api.url, timeout=10, trust_env=False) as c:
        yield c
    api.service.assert_running()
    worker.assert_running()


@pytest.fixture
def launcher(stack: Stack) -> Iterator[Launcher]:
    """Starts processes that only one test needs."""
    launcher = Launcher(stack)
    yield launcher
    launcher.stop_all()
