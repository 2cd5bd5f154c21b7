"""What ``/proc`` says about the processes the harness starts.

The processes themselves are started and stopped with the template
tests' helpers (`tests.support.processes`).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CpuTimes", "process_cpu", "process_memory"]

_TICKS = os.sysconf("SC_CLK_TCK")
"""Clock ticks per second, the unit of CPU times in /proc/<pid>/stat."""


@dataclass(frozen=True)
class CpuTimes:
    """CPU seconds a process has used, user plus system, all threads."""

    seconds: float
    at: float
    """`time.monotonic` when it was read."""

    def __sub__(self, earlier: CpuTimes) -> CpuTimes:
        return CpuTimes(self.seconds - earlier.seconds, self.at - earlier.at)


def process_cpu(pid: int) -> CpuTimes:
    """Read a process's CPU time from ``/proc/<pid>/stat``.

    The resolution is one clock tick (10 ms); the harness only reads it
    around windows that use seconds of CPU.
    """
    text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    # The command name, in parentheses, may hold spaces: split after it.
    fields = text.rpartition(")")[2].split()
    utime, stime = int(fields[11]), int(fields[12])
    return CpuTimes((utime + stime) / _TICKS, time.monotonic())


def process_memory(pid: int) -> dict[str, float]:
    """A process's resident memory now and at its peak, in MiB.

    ``VmRSS`` and ``VmHWM`` ("high water mark") of ``/proc/<pid>/status``.
    """
    found: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in {"VmRSS", "VmHWM"}:
            found[key] = int(value.split()[0]) / 1024
    return {"rss_mib": found["VmRSS"], "hwm_mib": found["VmHWM"]}
