"""Running commands and reporting what they printed when they fail."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["CommandResult", "clean_env", "run"]

_OUTPUT_LIMIT = 20_000
"""Characters of a command's output shown in a failure message."""

# Variables of the test suite's own environment that would point a command
# run in another project at the wrong virtual environment or interpreter.
_LEAKY_VARIABLES = (
    "PYTHONHOME",
    "PYTHONPATH",
    "UV_PROJECT_ENVIRONMENT",
    "UV_PYTHON",
    "VIRTUAL_ENV",
)


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a command run in a generated project.

    Parameters
    ----------
    extra
        Variables to add or override.

    Returns
    -------
    dict
        This process's environment without the variables that belong to the
        test suite's own virtual environment.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in _LEAKY_VARIABLES
    }
    env.update(extra or {})
    return env


class CommandResult:
    """What a finished command did.

    Parameters
    ----------
    args
        The command.
    returncode
        Its exit status.
    output
        Its standard output and error, interleaved.
    """

    def __init__(
        self, args: Sequence[str], returncode: int, output: str
    ) -> None:
        self.args = list(args)
        self.returncode = returncode
        self.output = output

    def describe(self) -> str:
        """The command, its status and its (possibly shortened) output."""
        output = self.output
        if len(output) > _OUTPUT_LIMIT:
            output = "[...]\n" + output[-_OUTPUT_LIMIT:]
        return (
            f"$ {' '.join(self.args)}\nexit status {self.returncode}\n{output}"
        )

    def assert_ok(self) -> None:
        """Fail the test, with the output, unless the command exited 0."""
        assert self.returncode == 0, self.describe()


def run(
    args: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 600,
) -> CommandResult:
    """Run a command to completion, capturing its output.

    Parameters
    ----------
    args
        The command.
    cwd
        Directory to run it in.
    env
        Its environment; `clean_env` by default.
    timeout
        Seconds after which it is killed and the test fails.

    Returns
    -------
    CommandResult
        What it did.
    """
    try:
        completed = subprocess.run(
            list(args),
            cwd=cwd,
            env=dict(env) if env is not None else clean_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        output = exc.output or ""
        if isinstance(output, bytes):
            output = output.decode(errors="replace")
        result = CommandResult(args, -1, output)
        raise AssertionError(
            f"timed out after {timeout} s\n{result.describe()}"
        ) from None
    return CommandResult(args, completed.returncode, completed.stdout)
