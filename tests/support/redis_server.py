"""A private ``redis-server`` that a test may kill and start again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import redis

from .processes import Service, free_port
from .redis_process import start_redis, wait_for_ping
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


class RedisServer:
    """``redis-server`` on 127.0.0.1 that keeps every write on disk.

    Started ``durable`` (see `start_redis`), so that a server killed with
    SIGKILL and started again on the same port and directory has every
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
        service = start_redis(
            self.executable,
            self.port,
            self.directory,
            name=f"redis-{self.starts}",
            durable=True,
            timeout=_START_TIMEOUT,
        )
        self._service = service
        RUNNING.append(service)

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
