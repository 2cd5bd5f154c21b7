"""The harness's private ``redis-server`` and its counters.

Commands per job come from ``INFO commandstats`` (calls per command, which
for streaQ's Redis functions counts both the ``FCALL`` and the commands the
function runs). Round trips come from ``INFO stats`` ``total_reads_processed``:
the server counts one read event each time a client's request (a single
command or a whole pipeline) arrives, so for small requests one read is one
round trip. The harness's own requests in a window (the final ``INFO``, its
completion checks and any queue filling, calibrated separately) are
subtracted.
"""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import redis
from tests.support.processes import Service, free_port, wait_for

from .processes import CpuTimes, process_cpu

__all__ = ["RedisCounters", "RedisServer"]


@dataclass(frozen=True)
class RedisCounters:
    """Redis's counters at one moment, or the difference between two."""

    commands: Counter[str] = field(default_factory=Counter)
    """Calls per command name (lower case), ``INFO`` itself left out."""

    reads: int = 0
    """``total_reads_processed``: requests read from clients."""

    cpu: CpuTimes = field(default_factory=lambda: CpuTimes(0.0, 0.0))
    """The server process's CPU time."""

    def __sub__(self, earlier: RedisCounters) -> RedisCounters:
        commands = Counter(self.commands)
        commands.subtract(earlier.commands)
        return RedisCounters(
            commands, self.reads - earlier.reads, self.cpu - earlier.cpu
        )

    def minus(self, commands: Counter[str], reads: int) -> RedisCounters:
        """These counters less some known requests of the harness."""
        left = Counter(self.commands)
        left.subtract(commands)
        return RedisCounters(left, self.reads - reads, self.cpu)

    @property
    def total_commands(self) -> int:
        """All commands counted."""
        return sum(self.commands.values())


class RedisServer:
    """A ``redis-server`` on 127.0.0.1 that keeps nothing on disk.

    Parameters
    ----------
    directory
        Its working directory and log.
    """

    def __init__(self, directory: Path) -> None:
        server = shutil.which("redis-server")
        if server is None:
            raise SystemExit(
                "redis-server not found: install it (Debian: apt-get install"
                " redis-server) and run the benchmark again"
            )
        self.port = free_port()
        directory.mkdir(parents=True, exist_ok=True)
        self.proc = Service(
            "redis-server",
            [
                server,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", str(directory),
            ],
            env={},
            log_path=directory / "redis.log",
            cwd=directory,
        )  # fmt: skip
        self.client = redis.Redis(
            host="127.0.0.1", port=self.port, socket_timeout=30
        )

        def answers() -> bool:
            self.proc.assert_running()
            try:
                return bool(self.client.ping())
            except redis.ConnectionError:
                return False

        try:
            wait_for(answers, what="redis-server to answer PING")
        except BaseException:
            self.client.close()
            self.proc.stop()
            raise

    @property
    def url(self) -> str:
        """``redis://`` URL of database 0."""
        return f"redis://127.0.0.1:{self.port}/0"

    def flush(self) -> None:
        """Empty every database (Redis functions stay loaded)."""
        self.client.flushall()

    def counters(self) -> RedisCounters:
        """Read the counters (one ``INFO`` request)."""
        info = self.client.execute_command("INFO", "stats", "commandstats")
        commands: Counter[str] = Counter()
        for key, value in info.items():
            if key.startswith("cmdstat_") and key != "cmdstat_info":
                commands[key.removeprefix("cmdstat_")] = int(value["calls"])
        return RedisCounters(
            commands, int(info["total_reads_processed"]), self.cpu()
        )

    def cpu(self) -> CpuTimes:
        """The server's CPU time."""
        return process_cpu(self.proc.pid)

    def version(self) -> str:
        """The server's version."""
        return str(self.client.info("server")["redis_version"])

    def stop(self) -> None:
        """Close the client and stop the server by its pid."""
        self.client.close()
        self.proc.stop()
