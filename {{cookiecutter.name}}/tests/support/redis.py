"""A private ``redis-server`` for tests that need a real Redis."""

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

__all__ = ["RedisServer", "free_port", "run_redis_server"]

STARTUP_TIMEOUT = 10.0
"""Seconds to wait for ``redis-server`` to answer a ping."""


@dataclass(frozen=True)
class RedisServer:
    """A running ``redis-server`` on the loopback interface."""

    port: int
    """TCP port on 127.0.0.1."""

    process: subprocess.Popen[bytes]
    """The server process, stopped by its pid."""

    @property
    def url(self) -> str:
        """URL of database 0."""
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        """Stop the server, if it still runs, and wait for it to exit."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def run_redis_server(
    *args: str, port: int | None = None
) -> Iterator[RedisServer]:
    """Start ``redis-server`` (on a free port) and stop it afterwards.

    Fails the test (never skips it) when ``redis-server`` is not installed.

    Parameters
    ----------
    *args
        More ``redis-server`` arguments, such as ``--user`` or TLS ones.
    """
    executable = shutil.which("redis-server")
    if executable is None:
        pytest.fail(
            "redis-server is not on PATH: install it (Debian/Ubuntu:"
            " apt-get install redis-server; macOS: brew install redis)"
        )
    port = port or free_port()
    process = subprocess.Popen(
        [
            executable,
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            *args,
        ],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    server = RedisServer(port=port, process=process)
    try:
        _wait_for_ping(port, process)
        yield server
    finally:
        server.stop()


def _wait_for_ping(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    client = Redis(host="127.0.0.1", port=port)
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"redis-server exited with {process.returncode}")
            try:
                if client.ping():
                    return
            except RedisConnectionError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.05)
    finally:
        client.close()
