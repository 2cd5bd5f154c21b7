"""Long-running processes (Redis, the API, the worker) started by tests.

Standard library only: the benchmark harness (``bench/``), which has no
pytest, starts its processes with the same helpers.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path

__all__ = ["Service", "free_port", "wait_for"]

_STOP_TIMEOUT = 10.0
"""Seconds a process gets to exit after SIGTERM before it is killed."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for[T](
    check: Callable[[], T | None],
    *,
    what: str,
    timeout: float = 30.0,
    interval: float = 0.1,
    diagnostics: Callable[[], str] = lambda: "",
) -> T:
    """Poll until a check returns something other than `None` or `False`.

    Parameters
    ----------
    check
        Returns the awaited value, or `None` (or `False`) while it is not
        there yet.
    what
        What is awaited, for the failure message.
    timeout
        Seconds to wait at most.
    interval
        Seconds between checks.
    diagnostics
        Returns more text for the failure message, such as process logs.

    Returns
    -------
    T
        What ``check`` returned.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value is not None and value is not False:
            return value
        if time.monotonic() > deadline:
            message = f"gave up after {timeout} s waiting for {what}"
            raise AssertionError(f"{message}\n{diagnostics()}")
        time.sleep(interval)


class Service:
    """A process running in the background, its output in a log file.

    Parameters
    ----------
    name
        Short name for messages, such as ``api``.
    args
        The command.
    cwd
        Directory to run it in.
    env
        Its environment.
    log_path
        File that receives its standard output and error.
    """

    def __init__(
        self,
        name: str,
        args: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        log_path: Path,
    ) -> None:
        self.name = name
        self.args = list(args)
        self.log_path = log_path
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
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

    def log(self) -> str:
        """Everything the process has printed so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log_size(self) -> int:
        """Bytes the process has written to its log so far."""
        return self.log_path.stat().st_size

    def log_lines_since(self, offset: int) -> int:
        """Lines the process has written since its log had ``offset`` bytes."""
        with self.log_path.open("rb") as log:
            log.seek(offset)
            return log.read().count(b"\n")

    def describe(self, tail: int | None = None) -> str:
        """The command, whether it still runs, and its log (or its end)."""
        status = self.process.poll()
        state = "running" if status is None else f"exited with {status}"
        log = self.log()
        return (
            f"--- {self.name} (pid {self.pid}, {state}):"
            f" {' '.join(self.args)}\n{log[-tail:] if tail else log}"
        )

    def assert_running(self, tail: int | None = None) -> None:
        """Fail, with the log (or its end), if the process has exited.

        Raises
        ------
        AssertionError
            Raised (also under ``python -O``) if the process has exited.
        """
        if self.process.poll() is not None:
            raise AssertionError(self.describe(tail))

    def wait_until(
        self,
        check: Callable[[], bool],
        what: str,
        *,
        timeout: float = 30.0,
        tail: int | None = None,
    ) -> None:
        """Wait until ``check()`` holds, failing at once if the process exits.

        Parameters
        ----------
        check
            Whether the process is ready.
        what
            What is awaited, after the process's name: ``to answer PING``.
        timeout
            Seconds to wait at most.
        tail
            Characters of the log to show on failure; `None` for all.
        """

        def ready() -> bool:
            self.assert_running(tail)
            return check()

        wait_for(
            ready,
            what=f"{self.name} {what}",
            timeout=timeout,
            diagnostics=partial(self.describe, tail),
        )

    def wait_for_log(self, text: str, timeout: float = 30.0) -> None:
        """Wait until the process prints some text, at most ``timeout`` s."""
        self.wait_until(
            lambda: text in self.log(), f"to print {text!r}", timeout=timeout
        )

    def kill(self) -> None:
        """Kill the process by its pid with SIGKILL, as a crash would."""
        self.process.kill()
        self.process.wait(timeout=_STOP_TIMEOUT)

    def terminate(self) -> None:
        """Send SIGTERM to the process by its pid, without waiting."""
        self.process.terminate()

    def wait(self, timeout: float) -> int:
        """Wait for the process to exit and return its status.

        Parameters
        ----------
        timeout
            Seconds to wait at most; the test fails after that.
        """
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            message = f"{self.name} still runs after {timeout} s"
            raise AssertionError(f"{message}\n{self.describe()}") from None

    def stop(self) -> None:
        """Stop the process by its pid: SIGTERM, then SIGKILL if it hangs."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=_STOP_TIMEOUT)
