"""What the harness measures: its processes in ``/proc``, and its Redis.

Redis's commands come from ``INFO commandstats`` (for streaQ's Redis
functions, both the ``FCALL`` and the commands it runs); its round trips
from ``INFO stats`` ``total_reads_processed``, one read event per request
or pipeline.
"""

from __future__ import annotations

import os
import shutil
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import redis
from tests.support.processes import free_port
from tests.support.redis_process import start_redis

__all__ = [
    "CpuTimes",
    "RedisCounters",
    "RedisServer",
    "process_cpu",
    "process_memory",
]

_TICKS = os.sysconf("SC_CLK_TCK")  # the unit of /proc/<pid>/stat's CPU times


@dataclass(frozen=True)
class CpuTimes:
    """CPU seconds (user plus system, all threads), read at monotonic `at`."""

    seconds: float
    at: float

    def __sub__(self, earlier: CpuTimes) -> CpuTimes:
        return CpuTimes(self.seconds - earlier.seconds, self.at - earlier.at)


def process_cpu(pid: int) -> CpuTimes:
    """A process's CPU time, to one clock tick (10 ms)."""
    text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    # The command name, in parentheses, may hold spaces: split after it.
    fields = text.rpartition(")")[2].split()
    ticks = int(fields[11]) + int(fields[12])  # utime + stime
    return CpuTimes(ticks / _TICKS, time.monotonic())


def process_memory(pid: int) -> dict[str, float]:
    """A process's resident memory, now and at its peak, in MiB."""
    found: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in {"VmRSS", "VmHWM"}:
            found[key] = int(value.split()[0]) / 1024
    return {"rss_mib": found["VmRSS"], "hwm_mib": found["VmHWM"]}


@dataclass(frozen=True)
class RedisCounters:
    """Redis's counters at one moment, or the difference between two."""

    commands: Counter[str]
    """Calls per command name (lower case), ``INFO`` itself left out."""

    reads: int
    cpu: CpuTimes

    def __sub__(self, earlier: RedisCounters) -> RedisCounters:
        commands = Counter(self.commands)
        commands.subtract(earlier.commands)
        return RedisCounters(
            commands, self.reads - earlier.reads, self.cpu - earlier.cpu
        )

    def minus(self, commands: Counter[str], reads: int) -> RedisCounters:
        """These counters less some known requests of the harness."""
        return self - RedisCounters(commands, reads, CpuTimes(0.0, 0.0))

    @property
    def total_commands(self) -> int:
        """All commands counted."""
        return sum(self.commands.values())


class RedisServer:
    """A ``redis-server`` on 127.0.0.1 that keeps nothing on disk."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        executable = shutil.which("redis-server") or "redis-server"
        self.proc = start_redis(executable, self.port, directory)
        self.client = redis.Redis(
            host="127.0.0.1", port=self.port, socket_timeout=30
        )

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
        reads = int(info["total_reads_processed"])
        return RedisCounters(commands, reads, process_cpu(self.proc.pid))

    def version(self) -> str:
        """The server's version."""
        return str(self.client.info("server")["redis_version"])

    def stop(self) -> None:
        """Close the client and stop the server by its pid."""
        self.client.close()
        self.proc.stop()
