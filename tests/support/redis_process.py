"""Starting a private ``redis-server`` on 127.0.0.1.

redis-py and the standard library only: the benchmark (``bench/``), which
has no pytest, starts its Redis with the same helpers.
"""

from __future__ import annotations

from pathlib import Path

import redis

from .processes import Service

__all__ = ["start_redis", "wait_for_ping"]

_DURABLE = {
    "appendonly": "yes",
    "appendfsync": "always",
    "maxmemory-policy": "noeviction",
}
"""Options that keep every acknowledged write through a SIGKILL."""


def wait_for_ping(
    service: Service, port: int, *, timeout: float = 30.0
) -> None:
    """Wait until a started server answers PING, failing if it exits."""
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=5)

    def ping() -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    try:
        service.wait_until(ping, "to answer PING", timeout=timeout)
    finally:
        client.close()


def start_redis(  # noqa: PLR0913 - the server's few knobs, by name
    executable: str,
    port: int,
    directory: Path,
    *,
    name: str = "redis",
    durable: bool = False,
    timeout: float = 30.0,
) -> Service:
    """Start ``redis-server`` and wait until it answers PING.

    Parameters
    ----------
    executable
        The ``redis-server`` program.
    port
        Its port on 127.0.0.1.
    directory
        Its working directory (the append-only file) and ``<name>.log``.
    name
        Name of the process in messages.
    durable
        Keep the append-only file, fsynced after every write, and refuse
        writes rather than evict: a server killed with SIGKILL and started
        again on the same directory has every write it acknowledged.
        Otherwise nothing is kept on disk.
    timeout
        Seconds it may take to answer PING; it is stopped if it does not.
    """
    options = {
        "port": str(port),
        "bind": "127.0.0.1",
        "dir": str(directory),
        "save": "",
        **(_DURABLE if durable else {"appendonly": "no"}),
    }
    command = [executable]
    for option, value in options.items():
        command.extend([f"--{option}", value])
    service = Service(
        name,
        command,
        cwd=directory,
        env={},
        log_path=directory / f"{name}.log",
    )
    try:
        wait_for_ping(service, port, timeout=timeout)
    except BaseException:
        service.stop()
        raise
    return service
