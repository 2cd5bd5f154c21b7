"""A private ``redis-server`` that a test may kill and start again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import redis

from .processes import Service, free_port, wait_for
from .stack import RUNNING

__all__ = ["RedisServer", "redis_executable", "wait_for_ping"]

_START_TIMEOUT = 15.0
"""Seconds ``redis-server`` may take to answer PING, reloading its AOF."""


def redis_executable() -> str:
    """Return the path of ``redis-server``, failing the test without it."""
    executable = shutil.which("redis-server")
    if executable is None:
        pytest.fail(
            "redis-server not found on PATH: install it (on Debian,"
            " apt-get install redis-server) and run the tests again",
            pytrace=False,
        )
    return executable


def wait_for_ping(
    service: Service, port: int, *, timeout: float = 30.0
) -> None:
    """Wait until a started server answers PING, failing if it exits.

    Parameters
    ----------
    service
        The ``redis-server`` process.
    port
        Its port on 127.0.0.1.
    timeout
        Seconds to wait at most.
    """
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=5)

    def ping() -> bool:
        service.assert_running()
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    try:
        wait_for(
            ping,
            what=f"{service.name} to answer PING",
            timeout=timeout,
            diagnostics=service.describe,
        )
    finally:
        client.close()


class RedisServer:
    """``redis-server`` on 127.0.0.1 that keeps every write on disk.

    Started with the append-only file on and fsynced after every write
    (``--appendfsync always``), and ``noeviction``, so that a server killed
    with SIGKILL and started again on the same port and directory has every
    write it acknowledged. Not started until `start` is called.

    Parameters
    ----------
    directory
        Data directory (the append-only file) and logs.
    """

    def __init__(self, directory: Path) -> None:
        self.executable = redis_executable()
        self.directory = directory
        self.port = free_port()
        self.starts = 0
        self._service: Service | None = None

    @property
    def url(self) -> str:
        """The server's URL, database 0."""
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        """A new client of the server; the caller closes it."""
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)

    def start(self) -> None:
        """Start the server (again) and wait until it answers PING."""
        assert self._service is None, "redis-server is already running"
        self.starts += 1
        options = {
            "port": str(self.port),
            "bind": "127.0.0.1",
            "dir": str(self.directory),
            "save": "",
            "appendonly": "yes",
            "appendfsync": "always",
            "maxmemory-policy": "noeviction",
        }
        command = [self.executable]
        for option, value in options.items():
            command.extend([f"--{option}", value])
        service = Service(
            f"redis-{self.starts}",
            command,
            cwd=self.directory,
            env={},
            log_path=self.directory / f"redis-{self.starts}.log",
        )
        self._service = service
        RUNNING.append(service)
        wait_for_ping(service, self.port, timeout=_START_TIMEOUT)

    def kill(self) -> None:
        """Kill the server by its pid with SIGKILL, as a crash would."""
        service = self._take()
        service.kill()

    def stop(self) -> None:
        """Stop the server by its pid, if it runs."""
        if self._service is not None:
            self._take().stop()

    def _take(self) -> Service:
        service = self._service
        assert service is not None, "redis-server is not running"
        self._service = None
        RUNNING.remove(service)
        return service
