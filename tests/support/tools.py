"""Finding the interpreters and tools that the tests run.

The interpreter search is the one ``scripts/run-tests`` does, for one
``major.minor`` version at a time: the ``PYTHON`` override, ``pythonX.Y`` on
``PATH`` (only if it runs: a pyenv shim for a version that is not selected
fails), pyenv's versions directory, then ``uv python find``.
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
"""Seconds that asking an interpreter or tool for its version may take."""


def _probe(python: str) -> tuple[str, str] | None:
    """Ask an interpreter for its ``major.minor`` and real executable.

    Returns `None` if it does not run, as a pyenv shim for a version that
    is not selected does not. The executable is the one behind any shim,
    and the base interpreter rather than a virtual environment's.
    """
    script = (
        "import sys\n"
        "print('%d.%d' % sys.version_info[:2])\n"
        "print(getattr(sys, '_base_executable', sys.executable))\n"
    )
    try:
        result = subprocess.run(
            [python, "-c", script],
            capture_output=True,
            text=True,
            timeout=_PROBE_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = result.stdout.splitlines()
    if result.returncode != 0 or len(lines) != 2:  # noqa: PLR2004
        return None
    return lines[0], lines[1]


def _pyenv_roots() -> list[Path]:
    """Directories where pyenv keeps its versions, most specific first."""
    roots = []
    if root := os.environ.get("PYENV_ROOT"):
        roots.append(Path(root))
    roots.extend([Path.home() / ".pyenv", Path("/root/.pyenv")])
    unique = []
    for root in roots:
        if root not in unique:
            unique.append(root)
    return unique


def _candidates(version: str) -> list[str]:
    """Interpreters that may be Python ``version``, in search order."""
    found: list[str] = []
    if override := os.environ.get("PYTHON"):
        found.append(override)
    if on_path := shutil.which(f"python{version}"):
        found.append(on_path)
    for root in _pyenv_roots():
        versions = sorted((root / "versions").glob(f"{version}*"))
        found.extend(str(v / "bin" / "python") for v in reversed(versions))
    return found


def _uv_python_find(version: str) -> str | None:
    """Ask uv for an installed interpreter, never downloading one."""
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    try:
        result = subprocess.run(
            [*find_uv(), "python", "find", "--system", version],
            capture_output=True,
            text=True,
            timeout=_PROBE_TIMEOUT,
            env=env,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    path = result.stdout.strip()
    return path if result.returncode == 0 and path else None


@functools.cache
def find_python(version: str) -> Path | None:
    """Find a working interpreter of one ``major.minor`` Python version.

    Parameters
    ----------
    version
        Version such as ``3.13``.

    Returns
    -------
    Path or None
        The interpreter, or `None` if this machine has none.
    """
    for candidate in _candidates(version):
        probe = _probe(candidate)
        if probe and probe[0] == version:
            return Path(probe[1])
    if found := _uv_python_find(version):
        probe = _probe(found)
        if probe and probe[0] == version:
            return Path(probe[1])
    return None


def python_hint(version: str) -> str:
    """Say how to make Python ``version`` findable."""
    return (
        f"No Python {version} found (looked at $PYTHON, python{version} on"
        f" PATH, pyenv's versions directory and `uv python find`). Install"
        f" it (for example `pyenv install {version}` or `uv python install"
        f" {version}`) and run the tests again."
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
