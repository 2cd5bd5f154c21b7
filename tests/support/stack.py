"""The generated project's API and worker, run as real processes."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .processes import Service, free_port, wait_for
from .project import GeneratedProject

__all__ = ["RUNNING", "Api", "Launcher", "Stack"]

RUNNING: list[Service] = []
"""Services running now, whose logs a failing test's report shows."""

STARTUP_TIMEOUT = 30.0
"""Seconds that the API or the worker may take to become ready."""


@dataclass(frozen=True)
class Api:
    """A running API process."""

    service: Service
    port: int

    @property
    def url(self) -> str:
        """Base URL, on 127.0.0.1."""
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Stack:
    """Starts the project's processes against one Redis, and stops them.

    Parameters
    ----------
    project
        Installed project whose ``.venv`` provides ``uvicorn`` and ``arq``.
    redis_port
        Port of the Redis on 127.0.0.1 that holds the queue.
    logs
        Directory for the processes' log files.
    """

    project: GeneratedProject
    redis_port: int
    logs: Path
    env: dict[str, str] = field(init=False)
    """Environment that every process gets."""

    def __post_init__(self) -> None:
        """Build the environment shared by every process."""
        # Proxy variables are dropped so that requests to 127.0.0.1 (the
        # only address any process is asked to reach) stay on this machine,
        # and uvicorn's proxy trust is uvicorn's default unless a test sets
        # it.
        env = {
            key: value
            for key, value in self.project.env().items()
            if not key.lower().endswith("_proxy")
            and key != "FORWARDED_ALLOW_IPS"
        }
        env.update(
            self.settings(
                ARQ_QUEUE_URL=f"redis://127.0.0.1:{self.redis_port}/0",
                LOG_PROFILE="development",
                FETCH_ALLOWED_HOSTS='["127.0.0.1"]',
                SIGNING_KEY=secrets.token_urlsafe(32),
                # Any free port, so that workers started together do not
                # all ask for the default one; a test that scrapes a
                # worker gives it a port.
                WORKER_METRICS_PORT="0",
            )
        )
        # As both Dockerfiles set it: the images write no bytecode at run
        # time (their root filesystem is read-only).
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        self.env = env

    @property
    def worker_settings(self) -> str:
        """The ``WorkerSettings`` class for the ``arq`` command."""
        return f"{self.project.module}.worker.main.WorkerSettings"

    def settings(self, **settings: str) -> dict[str, str]:
        """Environment variables for settings named without the prefix."""
        prefix = self.project.env_prefix
        return {f"{prefix}{key}": value for key, value in settings.items()}

    def start(
        self,
        name: str,
        args: list[str],
        extra_env: Mapping[str, str] | None = None,
        **settings: str,
    ) -> Service:
        """Start a command from the project's venv with the stack's env.

        Parameters
        ----------
        name
            Short name, also the name of its log file.
        args
            The command; its first word is looked up in ``.venv/bin``.
        extra_env
            Other environment variables for this process only, such as
            uvicorn's own.
        **settings
            Settings (named without the prefix) for this process only.
        """
        service = Service(
            name,
            [str(self.project.venv_bin(args[0])), *args[1:]],
            cwd=self.project.path,
            env={**self.env, **(extra_env or {}), **self.settings(**settings)},
            log_path=self.logs / f"{name}.log",
        )
        RUNNING.append(service)
        return service

    def stop(self, service: Service) -> None:
        """Stop a process that `start` started, by its pid."""
        try:
            service.stop()
        finally:
            RUNNING.remove(service)

    def start_api(
        self,
        name: str,
        extra_env: Mapping[str, str] | None = None,
        **settings: str,
    ) -> Api:
        """Start ``uvicorn <module>.main:app``; wait until ``/`` answers.

        Parameters
        ----------
        name
            Short name of the process.
        extra_env
            Other environment variables for this process only.
        **settings
            Settings (named without the prefix) for this process only.
        """
        port = free_port()
        app = f"{self.project.module}.main:app"
        service = self.start(
            name,
            ["uvicorn", app, "--host", "127.0.0.1", "--port", str(port)],
            extra_env,
            **settings,
        )
        api = Api(service, port)

        def answers() -> bool:
            service.assert_running()
            try:
                response = httpx.get(api.url, timeout=2, trust_env=False)
            except httpx.TransportError:
                return False
            return response.status_code == httpx.codes.OK

        try:
            wait_for(
                answers,
                what=f"{name} to answer GET /",
                timeout=STARTUP_TIMEOUT,
                diagnostics=service.describe,
            )
        except BaseException:
            self.stop(service)
            raise
        return api

    def start_worker(self, name: str, **settings: str) -> Service:
        """Start ``arq <module>.worker.main.WorkerSettings``; wait for it.

        Parameters
        ----------
        name
            Short name of the process.
        **settings
            Settings (named without the prefix) for this process only.
        """
        service = self.start(name, ["arq", self.worker_settings], **settings)
        try:
            service.wait_for_log(
                "Worker start-up complete", timeout=STARTUP_TIMEOUT
            )
        except BaseException:
            self.stop(service)
            raise
        return service


class Launcher:
    """Starts extra processes for one test and stops them after it."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self._started: list[Service] = []

    def api(
        self,
        name: str,
        extra_env: Mapping[str, str] | None = None,
        **settings: str,
    ) -> Api:
        """Start another API; see `Stack.start_api`."""
        api = self.stack.start_api(name, extra_env, **settings)
        self._started.append(api.service)
        return api

    def worker(self, name: str, **settings: str) -> Service:
        """Start another worker; see `Stack.start_worker`."""
        service = self.stack.start_worker(name, **settings)
        self._started.append(service)
        return service

    def stop_all(self) -> None:
        """Stop every process this launcher started, newest first."""
        while self._started:
            self.stack.stop(self._started.pop())
