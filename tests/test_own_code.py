"""The template's own Python passes its linter and formatter.

The tests, the benchmark harness and its targets pass ruff with every rule
selected and a reason beside each ignore, as the generated project does
(the root ``pyproject.toml``, which ``bench/pyproject.toml`` extends).
The hooks are Jinja templates and are checked by rendering them
(``tests/test_render.py``); the generated project by its own checks
(``tests/test_generated.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from .support.commands import run
from .support.template import REPO_ROOT

RUFF = Path(sys.executable).parent / "ruff"
"""The ruff of the test environment (the root project's dev group)."""

PATHS = ("tests", "bench")
"""The template's own Python; named, because ruff would otherwise read the
template's Jinja ``pyproject.toml`` as a configuration and fail."""


@pytest.mark.parametrize(
    "command",
    [["check", "--no-cache"], ["format", "--check", "--no-cache"]],
    ids=["check", "format"],
)
def test_ruff_passes(command: list[str]) -> None:
    run([str(RUFF), *command, *PATHS], cwd=REPO_ROOT).assert_ok()
