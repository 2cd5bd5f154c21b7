"""The generated project's own checks pass, for every combination.

Each combination is installed once (``uv sync`` with that combination's
Python) and its linter, formatter check, type checker and test suite run
exactly as a developer of the generated project runs them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .support.project import GeneratedProject, ProjectCache, read_junit
from .support.template import (
    Combination,
    checked_combinations,
    extra_combinations,
)

COMBINATIONS = checked_combinations() + extra_combinations()

CUSTOM_QUEUE = "custom:jobs"
"""A queue name other than arq's default, for the queue-name run."""

CHECK_TIMEOUT = 900
"""Seconds that one check of the generated project may take."""


@pytest.fixture(params=COMBINATIONS, ids=lambda c: c.id)
def project(
    request: pytest.FixtureRequest, projects: ProjectCache
) -> GeneratedProject:
    """The project of one combination, installed in its own venv."""
    combination: Combination = request.param
    return projects.installed(combination)


def test_installed_python(project: GeneratedProject) -> None:
    result = project.uv(
        "run", "python", "-c", "import sys; print(sys.version_info[:2])"
    )
    result.assert_ok()
    major, minor = project.answers["python_version"].split(".")
    assert f"({major}, {minor})" in result.output, result.describe()


def test_ruff_check(project: GeneratedProject) -> None:
    project.uv("run", "ruff", "check", timeout=CHECK_TIMEOUT).assert_ok()


def test_ruff_format(project: GeneratedProject) -> None:
    result = project.uv(
        "run", "ruff", "format", "--check", timeout=CHECK_TIMEOUT
    )
    result.assert_ok()


def test_mypy(project: GeneratedProject) -> None:
    project.uv("run", "mypy", timeout=CHECK_TIMEOUT).assert_ok()


def test_own_tests(project: GeneratedProject, tmp_path: Path) -> None:
    run_own_tests(project, tmp_path)


def test_own_tests_on_custom_queue(
    default_project: GeneratedProject, tmp_path: Path
) -> None:
    """The whole generated suite, with every process on another queue."""
    variable = f"{default_project.env_prefix}QUEUE_NAME"
    run_own_tests(default_project, tmp_path, {variable: CUSTOM_QUEUE})


def run_own_tests(
    project: GeneratedProject,
    tmp_path: Path,
    env: dict[str, str] | None = None,
) -> None:
    """Run the generated project's pytest; all must pass, none skip."""
    report = tmp_path / "junit.xml"
    result = project.uv(
        "run", "pytest", "-p", "no:cacheprovider", f"--junitxml={report}",
        timeout=CHECK_TIMEOUT, env=env,
    )  # fmt: skip
    result.assert_ok()
    totals = read_junit(report)
    assert totals.tests > 0, result.describe()
    assert totals.failures == totals.errors == 0, result.describe()
    assert totals.skipped == 0, (
        f"{totals.skipped} generated tests skipped\n{result.describe()}"
    )
