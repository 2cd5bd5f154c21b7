"""``scripts/budgets`` measures the size budgets of issue 10.

It reports the generated ``src/`` (with ``metrics=yes``), the generated
README and the benchmark, in lines, and each must stay within its ceiling.
"""

from __future__ import annotations

import re

import pytest

from .support.commands import CommandResult, run
from .support.template import REPO_ROOT

CEILINGS = {
    "generated README.md": 250,
    # Issue 10 asks for about 2,200; issue 11's key rotation, unreadable
    # entries and one-line start-up failures came after it was measured,
    # issue 13's task wrapper, progress, failed jobs, request ids and
    # bearer tokens added about 800, issue 14's dashboard about 450, and
    # issue 15's Prometheus metrics and Sentry about 430, and issue 12's
    # worker loop, one-script enqueue and signer with issue 15's tracing
    # seams about 240.
    "generated src/ (metrics=yes)": 4350,
    # Issue 10 asks for about 2,000, with every scenario, comparator,
    # output and option kept: this is what that left; issue 12's SAQ and
    # taskiq-redis comparators, goals and the metrics-off profile added
    # about 300, and its client that queues as the project's API does 35.
    "bench": 2700,
}
"""Lines that each part may not outgrow."""


@pytest.fixture(scope="module")
def budgets() -> CommandResult:
    """One run of ``scripts/budgets``."""
    result = run([str(REPO_ROOT / "scripts" / "budgets")], cwd=REPO_ROOT)
    result.assert_ok()
    return result


def lines_of(result: CommandResult) -> dict[str, int]:
    """The reported sizes, by what was measured."""
    found = re.findall(r"^(.+): (\d+) lines", result.output, re.MULTILINE)
    return {name: int(lines) for name, lines in found}


def test_reports_every_budget(budgets: CommandResult) -> None:
    lines = lines_of(budgets)
    assert set(lines) == {
        "generated src/ (metrics=yes)",
        "generated README.md",
        "bench",
    }, budgets.describe()
    assert all(n > 0 for n in lines.values()), budgets.describe()


@pytest.mark.parametrize("part", sorted(CEILINGS))
def test_within_ceiling(budgets: CommandResult, part: str) -> None:
    assert lines_of(budgets)[part] <= CEILINGS[part], budgets.describe()
