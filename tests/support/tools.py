"""Finding the interpreters and tools that the tests run.

Interpreters are found by uv (``uv python find``), as ``scripts/run-tests``
finds its own: where a machine keeps them is for uv to know (``PATH``,
uv's own installations), not for the tests.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["find_compose", "find_python", "find_uv", "python_hint"]

_PROBE_TIMEOUT = 30
"""Seconds that asking uv or a tool for a version may take."""


@functools.cache
def find_python(version: str) -> Path | None:
    """The interpreter of Python ``version`` (``3.13``) that uv finds.

    Never a virtual environment's (``--system``): the test suite runs in
    one. `None` if uv finds none.
    """
    try:
        result = subprocess.run(
            [*find_uv(), "python", "find", "--system", version],
            capture_output=True,
            text=True,
            timeout=_PROBE_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    path = result.stdout.strip()
    return Path(path) if result.returncode == 0 and path else None


def python_hint(version: str) -> str:
    """Say how to make Python ``version`` findable."""
    return (
        f"uv finds no Python {version} (`uv python find {version}`): install"
        f" it (`uv python install {version}`) or put its python{version} on"
        " PATH, and run this again."
    )


@functools.cache
def find_uv() -> tuple[str, ...]:
    """Find the command that runs uv.

    ``uv run`` sets ``UV`` to its own executable, which is preferred so that
    the generated project is handled by the same uv as the test suite.

    Returns
    -------
    tuple of str
        The command, such as ``("/usr/bin/uv",)`` or
        ``("python3", "-m", "uv")``.

    Raises
    ------
    RuntimeError
        Raised if no working uv is found.
    """
    candidates: list[tuple[str, ...]] = []
    if from_env := os.environ.get("UV"):
        candidates.append((from_env,))
    if on_path := shutil.which("uv"):
        candidates.append((on_path,))
    candidates.append((sys.executable, "-m", "uv"))
    if command := _first_working(candidates, "--version"):
        return command
    raise RuntimeError(
        "uv not found: run the tests with scripts/run-tests, or install uv"
        " (python3 -m pip install --user uv)"
    )


@functools.cache
def find_compose() -> tuple[str, ...] | None:
    """Find a Docker Compose that can validate a file without an engine.

    Returns
    -------
    tuple of str or None
        ``("docker-compose",)`` or ``("docker", "compose")``, or `None`.
    """
    candidates: list[tuple[str, ...]] = []
    if standalone := shutil.which("docker-compose"):
        candidates.append((standalone,))
    if docker := shutil.which("docker"):
        candidates.append((docker, "compose"))
    return _first_working(candidates, "version")


def _first_working(
    candidates: list[tuple[str, ...]], probe: str
) -> tuple[str, ...] | None:
    """The first command that runs and succeeds with the ``probe`` argument."""
    for command in candidates:
        try:
            result = subprocess.run(
                [*command, probe],
                capture_output=True,
                timeout=_PROBE_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if result.returncode == 0:
            return command
    return None
