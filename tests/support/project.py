"""A generated project installed with uv, and its test report.

`GeneratedProject` is shared with the benchmark (``bench/``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from .commands import CommandResult, clean_env, run
from .template import Combination, RenderedProject, Renderer
from .tools import find_python, find_uv, python_hint

__all__ = ["GeneratedProject", "JUnitTotals", "ProjectCache", "read_junit"]

INSTALL_TIMEOUT = 900
"""Seconds that ``uv sync`` may take (a cold cache downloads everything)."""


@dataclass(frozen=True)
class GeneratedProject(RenderedProject):
    """A rendered project with its own virtual environment.

    Parameters
    ----------
    path
        The project's directory.
    python
        Interpreter its ``.venv`` is built on.
    """

    python: Path

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """Environment for commands in the project.

        ``UV_PYTHON`` pins uv to the interpreter the venv was built with,
        so that ``uv run`` never looks for (or downloads) another one.
        """
        return clean_env(
            {
                "UV_PYTHON": str(self.python),
                "UV_PYTHON_DOWNLOADS": "never",
                "UV_NO_PROGRESS": "1",
                **(extra or {}),
            }
        )

    def uv(
        self,
        *args: str,
        timeout: float = 600,
        env: dict[str, str] | None = None,
    ) -> CommandResult:
        """Run a uv command in the project's directory, with extra env."""
        return run(
            [*find_uv(), *args],
            cwd=self.path,
            env=self.env(env),
            timeout=timeout,
        )

    def install(self) -> None:
        """Create ``.venv`` with every dependency group (``uv sync``)."""
        self.uv(
            "sync", "--python", str(self.python), timeout=INSTALL_TIMEOUT
        ).assert_ok()

    def venv_bin(self, name: str) -> Path:
        """Path of a command installed in the project's ``.venv``."""
        return self.path / ".venv" / "bin" / name


@dataclass(frozen=True)
class JUnitTotals:
    """Counts from a JUnit XML report."""

    tests: int
    failures: int
    errors: int
    skipped: int


def read_junit(path: Path) -> JUnitTotals:
    """Add up the counts of every test suite in a JUnit XML report.

    Parameters
    ----------
    path
        Report written by ``pytest --junitxml``.

    Returns
    -------
    JUnitTotals
        Totals over all ``<testsuite>`` elements.
    """
    root = ET.parse(path).getroot()  # noqa: S314 - a report we just wrote
    suites = [root] if root.tag == "testsuite" else root.iter("testsuite")
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for suite in suites:
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    return JUnitTotals(**totals)


class ProjectCache:
    """Installs each combination's project once per session.

    A failed installation is remembered too, so that every test of that
    combination fails with the same message instead of installing again.
    """

    def __init__(self, renderer: Renderer) -> None:
        self._renderer = renderer
        self._projects: dict[Combination, GeneratedProject | str] = {}

    def installed(self, combination: Combination) -> GeneratedProject:
        """The combination's project, rendered and installed with uv."""
        if combination not in self._projects:
            self._projects[combination] = self._install(combination)
        project = self._projects[combination]
        if isinstance(project, str):
            # Imported here: bench/, which has no pytest, uses this module.
            import pytest  # noqa: PLC0415

            pytest.fail(project, pytrace=False)
        return project

    def _install(self, combination: Combination) -> GeneratedProject | str:
        version = combination["python_version"]
        python = find_python(version)
        if python is None:
            return python_hint(version)
        path = self._renderer.working_copy(combination.context)
        project = GeneratedProject(path, python)
        try:
            project.install()
        except AssertionError as exc:
            return f"uv sync failed for {combination.id}:\n{exc}"
        return project
