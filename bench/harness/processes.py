"""Processes that the harness starts, and what /proc says about them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CpuTimes",
    "Proc",
    "free_port",
    "process_cpu",
    "process_memory",
    "wait_for",
]

STOP_TIMEOUT = 10.0
"""Seconds a process gets to exit after SIGTERM before it is killed."""

_TICKS = os.sysconf("SC_CLK_TCK")
"""Clock ticks per second, the unit of CPU times in /proc/<pid>/stat."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for[T](
    check: Callable[[], T | None],
    *,
    what: str,
    timeout: float = 30.0,
    interval: float = 0.05,
    diagnostics: Callable[[], str] = lambda: "",
) -> T:
    """Poll until ``check`` returns something other than `None` or `False`.

    Raises
    ------
    TimeoutError
        Raised after ``timeout`` seconds, with ``diagnostics()`` appended.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value is not None and value is not False:
            return value
        if time.monotonic() > deadline:
            message = f"gave up after {timeout:.0f} s waiting for {what}"
            raise TimeoutError(f"{message}\n{diagnostics()}")
        time.sleep(interval)


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


class Proc:
    """A background process whose output goes to a log file.

    Parameters
    ----------
    name
        Short name for messages.
    args
        The command.
    env
        Its whole environment.
    log_path
        File for its standard output and error.
    cwd
        Directory to run it in.
    """

    def __init__(
        self,
        name: str,
        args: Sequence[str],
        *,
        env: Mapping[str, str],
        log_path: Path,
        cwd: Path,
    ) -> None:
        self.name = name
        self.args = list(args)
        self.log_path = log_path
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own commands
                self.args,
                cwd=cwd,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        """Process id."""
        return self.process.pid

    def running(self) -> bool:
        """Whether the process has not exited."""
        return self.process.poll() is None

    def log_size(self) -> int:
        """Bytes the process has written to its log so far."""
        return self.log_path.stat().st_size

    def log_lines_since(self, offset: int) -> int:
        """Lines the process has written since its log had ``offset`` bytes."""
        with self.log_path.open("rb") as log:
            log.seek(offset)
            return log.read().count(b"\n")

    def describe(self, tail: int = 3000) -> str:
        """The command, whether it runs, and the end of its log."""
        status = self.process.poll()
        state = "running" if status is None else f"exited with {status}"
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return (
            f"--- {self.name} (pid {self.pid}, {state}):"
            f" {' '.join(self.args)}\n{text[-tail:]}"
        )

    def check_running(self) -> None:
        """Raise, with the log, if the process has exited."""
        if not self.running():
            raise RuntimeError(f"process exited early\n{self.describe()}")

    def stop(self) -> None:
        """Stop the process by its pid: SIGTERM, then SIGKILL if it hangs."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT)
