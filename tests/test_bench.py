"""The benchmark harness runs end to end: ``bench/run --quick``.

A smoke test of the harness (issue 5), not of the figures: it checks that
one quick invocation renders and installs the project, runs every scenario
for every variant without a failed run, and writes the Markdown table, the
PNG chart and the raw JSON. Timing figures are never asserted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .support.commands import run
from .support.template import REPO_ROOT

BENCH_TIMEOUT = 900
"""Seconds for ``bench/run --quick``; it takes about 2 minutes, and under
4 minutes on a busy 2-core machine."""

WORKER_SCENARIOS = ("S1", "S2", "S4")
"""Scenarios run once per worker variant; S5 is read from S1 and S4."""

S7_KINDS = ("noop", "cpu")
"""Jobs S7 drains with each number of worker processes (issue 6)."""

COMPARATORS = {
    "workers": {"arq-defaults", "arq-same", "template", "template+nometrics",
                "streaq", "saq", "taskiq"},
    "apis": {"minimal-api", "template-api", "template-api+nometrics"},
}  # fmt: skip
"""Variants that issues 5, 12 and 15 ask for, by key."""


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Directory of one quick run's outputs."""
    out = tmp_path_factory.mktemp("bench")
    run(
        [str(REPO_ROOT / "bench" / "run"), "--quick", "--out", str(out)],
        cwd=REPO_ROOT,
        timeout=BENCH_TIMEOUT,
    ).assert_ok()
    return out


@pytest.fixture(scope="module")
def raw(results: Path) -> dict[str, Any]:
    """The run's ``latest.json``."""
    data: dict[str, Any] = json.loads(
        (results / "latest.json").read_text(encoding="utf-8")
    )
    return data


def keys(raw: dict[str, Any], kind: str) -> set[str]:
    """Keys of the worker or API variants the run compared."""
    return {variant["key"] for variant in raw[kind]}


def test_writes_table_chart_and_data(results: Path) -> None:
    assert (results / "latest.md").stat().st_size > 0
    assert (results / "latest.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (results / "latest.json").stat().st_size > 0


def test_compares_every_comparator(raw: dict[str, Any]) -> None:
    for kind, wanted in COMPARATORS.items():
        assert wanted <= keys(raw, kind), kind


def test_every_scenario_ran_for_every_variant(raw: dict[str, Any]) -> None:
    ran = {(r["scenario"], r["variant"]) for r in raw["runs"] if r["ok"]}
    wanted = {("S6", "redis")}
    wanted |= {(s, k) for s in WORKER_SCENARIOS for k in keys(raw, "workers")}
    wanted |= {("S3", k) for k in keys(raw, "apis")}
    processes = raw["meta"]["plan"]["s7_processes"]
    assert len(processes) > 1, processes
    wanted |= {("S7", f"{kind}-{n}p") for kind in S7_KINDS for n in processes}
    assert wanted <= ran, sorted(wanted - ran)
    assert all(r["ok"] for r in raw["runs"]), [
        r for r in raw["runs"] if not r["ok"]
    ]


def test_table_shows_every_scenario_variant_and_goal(
    results: Path, raw: dict[str, Any]
) -> None:
    table = (results / "latest.md").read_text(encoding="utf-8")
    for scenario in ("S1", "S2", "S3", "S4", "S5", "S6", "S7"):
        assert f"### {scenario}:" in table
    for variant in [*raw["workers"], *raw["apis"]]:
        assert f"| {variant['label']} |" in table
    for goal in ("G1", "G3", "G4", "G5", "G6"):
        assert f"| {goal} |" in table
    assert "- template, metrics off vs defaults: S1 jobs/s " in table
