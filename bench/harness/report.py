"""Medians, ratios, goals, and the three outputs: Markdown, PNG and JSON.

Every figure is the median over repetitions with its range (min-max); every
comparison is the median of the per-repetition ratios (each repetition's
variants ran one after the other), with their range.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .variants import ApiVariant, WorkerVariant

__all__ = ["write_reports"]

SLEEP_MS = 10.0
"""Length of an S2 job; the ideal is concurrency / 10 ms."""


@dataclass(frozen=True)
class Summary:
    """Median and range of one figure over the repetitions."""

    median: float
    low: float
    high: float
    count: int

    @classmethod
    def of(cls, values: Iterable[float | None]) -> Summary | None:
        """Summarise the values that exist; `None` if none does."""
        found = [v for v in values if v is not None and not math.isnan(v)]
        if not found:
            return None
        return cls(
            statistics.median(found), min(found), max(found), len(found)
        )


def _number(value: float) -> str:
    magnitude = abs(value)
    if magnitude >= 100:  # noqa: PLR2004
        return f"{value:,.0f}"
    if magnitude >= 10:  # noqa: PLR2004
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def _cell(summary: Summary | None, unit: str = "") -> str:
    if summary is None:
        return "n/a"
    text = f"{_number(summary.median)}{unit}"
    if summary.count > 1:
        text += f" ({_number(summary.low)}–{_number(summary.high)})"
    return text


def _ratio_cell(summary: Summary | None) -> str:
    if summary is None:
        return "n/a"
    text = f"{summary.median:.2f}x"
    if summary.count > 1:
        text += f" ({summary.low:.2f}–{summary.high:.2f})"
    return text


class Runs:
    """The runs of one invocation, indexed for lookups."""

    def __init__(self, runs: list[dict[str, Any]]) -> None:
        self.runs = runs
        self.reps = sorted({r["rep"] for r in runs})

    def get(self, scenario: str, variant: str, rep: int) -> dict[str, Any]:
        """The run's figures, or an empty dict if it failed or is missing."""
        for run in self.runs:
            if (run["scenario"], run["variant"], run["rep"]) == (
                scenario,
                variant,
                rep,
            ):
                return run if run.get("ok") else {}
        return {}

    def values(
        self, scenario: str, variant: str, metric: str
    ) -> list[float | None]:
        """One figure of a variant, per repetition."""
        return [
            self.get(scenario, variant, rep).get(metric) for rep in self.reps
        ]

    def summary(
        self, scenario: str, variant: str, metric: str
    ) -> Summary | None:
        """Median and range of one figure of a variant."""
        return Summary.of(self.values(scenario, variant, metric))

    def ratio(
        self,
        scenario: str,
        metric: str,
        numerator: str,
        denominator: str,
        combine: Callable[[float, float], float] = lambda a, b: a / b,
    ) -> Summary | None:
        """Median of the per-repetition ``combine(numerator, denominator)``."""
        values = []
        for rep in self.reps:
            a = self.get(scenario, numerator, rep).get(metric)
            b = self.get(scenario, denominator, rep).get(metric)
            if a is not None and b:
                values.append(combine(a, b))
        return Summary.of(values)


def _count_list(counts: list[int]) -> str:
    """``[1, 2, 3]`` as ``1, 2 and 3``."""
    words = [str(n) for n in counts]
    return " and ".join(
        [", ".join(words[:-1]), words[-1]] if words[:-1] else words
    )


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join("---" for _ in header) + " |",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _ceiling_fraction(
    runs: Runs, variant: str, rep: int
) -> tuple[float | None, float | None]:
    """S1 jobs/s as a fraction of the Redis round-trip ceilings of S6."""
    s1 = runs.get("S1", variant, rep)
    s6 = runs.get("S6", "redis", rep)
    jobs, trips = s1.get("jobs_per_s"), s1.get("round_trips_per_job")
    many, one = s6.get("ping_rps"), s6.get("ping_rps_1_client")
    if not (jobs and trips and many and one):
        return None, None
    return jobs / (many / trips), jobs / (one / trips)


def _ceiling_percent(
    runs: Runs, variant: str, *, many: bool
) -> Summary | None:
    """S1 jobs/s in % of the 50-client (``many``) or 1-connection ceiling."""
    fractions = (
        _ceiling_fraction(runs, variant, rep)[0 if many else 1]
        for rep in runs.reps
    )
    return Summary.of(f * 100 if f else None for f in fractions)


def _worker_tables(runs: Runs, workers: list[WorkerVariant]) -> list[str]:
    s1_rows, s2_rows, s4_rows, s5_rows = [], [], [], []
    for w in workers:
        s1_rows.append(
            [
                w.label,
                _cell(runs.summary("S1", w.key, "jobs_per_s")),
                _cell(runs.summary("S1", w.key, "worker_cpu_ms_per_job")),
                _cell(runs.summary("S1", w.key, "redis_commands_per_job")),
                _cell(runs.summary("S1", w.key, "round_trips_per_job")),
                _cell(runs.summary("S1", w.key, "redis_cpu_ms_per_job")),
                _cell(runs.summary("S1", w.key, "log_lines_per_job")),
                _cell(_ceiling_percent(runs, w.key, many=True), " %"),
                _cell(_ceiling_percent(runs, w.key, many=False), " %"),
            ]
        )
        ideal = w.concurrency * 1000 / SLEEP_MS
        s2_rows.append(
            [
                w.label,
                str(w.concurrency),
                _cell(runs.summary("S2", w.key, "jobs_per_s")),
                f"{ideal:,.0f}",
                _cell(
                    Summary.of(
                        v * 100 / ideal if v else None
                        for v in runs.values("S2", w.key, "jobs_per_s")
                    ),
                    " %",
                ),
                _cell(runs.summary("S2", w.key, "worker_cpu_pct"), " %"),
            ]
        )
        s4_rows.append(
            [
                w.label,
                _cell(runs.summary("S4", w.key, "p50_ms")),
                _cell(runs.summary("S4", w.key, "p95_ms")),
                _cell(runs.summary("S4", w.key, "p99_ms")),
            ]
        )
        s5_rows.append(
            [
                w.label,
                _cell(runs.summary("S4", w.key, "rss_idle_mib")),
                _cell(runs.summary("S1", w.key, "rss_peak_mib")),
                _cell(runs.summary("S4", w.key, "idle_cpu_pct"), " %"),
                _cell(runs.summary("S4", w.key, "idle_redis_commands_per_s")),
            ]
        )
    return [
        "### S1: drain no-op jobs, one worker process\n\n"
        + _table(
            [
                "worker",
                "jobs/s",
                "worker CPU ms/job",
                "Redis commands/job",
                "round trips/job",
                "Redis CPU ms/job",
                "log lines/job",
                "of Redis ceiling (50 clients)",
                "of 1-connection ceiling",
            ],
            s1_rows,
        ),
        "### S2: drain 10 ms jobs\n\n"
        + _table(
            [
                "worker",
                "concurrency",
                "jobs/s",
                "ideal jobs/s",
                "of ideal",
                "worker CPU busy",
            ],
            s2_rows,
        ),
        "### S4: enqueue-to-start latency, idle worker (ms)\n\n"
        + _table(["worker", "p50", "p95", "p99"], s4_rows),
        "### S5: worker memory and idle cost\n\n"
        + _table(
            [
                "worker",
                "RSS idle MiB",
                "RSS peak MiB (S1)",
                "idle CPU",
                "idle Redis commands/s",
            ],
            s5_rows,
        ),
    ]


def _api_table(runs: Runs, apis: list[ApiVariant]) -> str:
    rows = [
        [
            a.label,
            _cell(runs.summary("S3", a.key, "rps")),
            _cell(runs.summary("S3", a.key, "p50_ms")),
            _cell(runs.summary("S3", a.key, "p99_ms")),
            _cell(runs.summary("S3", a.key, "api_cpu_ms_per_request")),
            _cell(runs.summary("S3", a.key, "redis_commands_per_request")),
            _cell(runs.summary("S3", a.key, "round_trips_per_request")),
            _cell(runs.summary("S3", a.key, "loadgen_cpu_ms_per_request")),
        ]
        for a in apis
    ]
    return "### S3: HTTP enqueue under load\n\n" + _table(
        [
            "API",
            "requests/s",
            "p50 ms",
            "p99 ms",
            "API CPU ms/request",
            "Redis commands/request",
            "round trips/request",
            "load generator CPU ms/request",
        ],
        rows,
    )


def _scale_out_table(runs: Runs, processes: list[int]) -> str:
    """S7: throughput and cost by number of worker processes."""
    if not any(run["scenario"] == "S7" for run in runs.runs):
        return ""
    rows = []
    for n in processes:
        row = [str(n)]
        for kind in ("noop", "cpu"):
            key = f"{kind}-{n}p"
            row += [
                _cell(runs.summary("S7", key, "jobs_per_s")),
                _ratio_cell(runs.ratio("S7", "jobs_per_s", key, f"{kind}-1p")),
            ]
        row += [
            _cell(runs.summary("S7", f"noop-{n}p", "worker_cpu_ms_per_job")),
            _cell(
                Summary.of(
                    v / 100 if v else None
                    for v in runs.values("S7", f"noop-{n}p", "worker_cpu_pct")
                )
            ),
            _cell(runs.summary("S7", f"noop-{n}p", "redis_cpu_ms_per_job")),
            _cell(runs.summary("S7", f"noop-{n}p", "round_trips_per_job")),
        ]
        rows.append(row)
    return (
        "### S7: several worker processes on one queue (template defaults)"
        "\n\n"
        + _table(
            [
                "worker processes",
                "no-op jobs/s",
                "speed-up",
                "5 ms CPU jobs/s",
                "speed-up",
                "workers' CPU ms/no-op job",
                "cores busy in workers (no-op)",
                "Redis CPU ms/no-op job",
                "Redis round trips/no-op job",
            ],
            rows,
        )
    )


def _redis_table(runs: Runs) -> str:
    rows = [
        [label, _cell(runs.summary("S6", "redis", metric))]
        for label, metric in (
            ("PING, 50 connections", "ping_rps"),
            ("SET, 50 connections", "set_rps"),
            ("GET, 50 connections", "get_rps"),
            ("PING, 1 connection", "ping_rps_1_client"),
        )
    ]
    return "### S6: Redis's own ceiling (`redis-benchmark`)\n\n" + _table(
        ["test", "requests/s"], rows
    )


@dataclass(frozen=True)
class Goal:
    """One goal of issue 5, for one profile of the template."""

    goal: str
    what: str
    target: str
    measured: Summary | None
    met: bool | None
    unit: str = "ratio"

    def row(self) -> list[str]:
        """The goal as a table row."""
        if self.unit == "ratio":
            value = _ratio_cell(self.measured)
        else:
            value = _cell(self.measured, self.unit)
        met = {True: "met", False: "**not met**", None: "n/a"}[self.met]
        return [self.goal, self.what, self.target, value, met]


def _at_least(summary: Summary | None, target: float) -> bool | None:
    return None if summary is None else summary.median >= target


def _at_most(summary: Summary | None, target: float) -> bool | None:
    return None if summary is None else summary.median <= target


def goals(
    runs: Runs,
    workers: list[WorkerVariant],
    apis: list[ApiVariant],
    suffix: str,
) -> list[Goal]:
    """Issue 5's goals G1-G5 for the template run with one profile.

    Parameters
    ----------
    suffix
        ``""`` for the defaults, ``"+cand"`` for a candidate profile.
    """
    template, twin = f"template{suffix}", f"arq-same{suffix}"
    api = f"template-api{suffix}"
    by_key = {w.key: w for w in workers}
    if template not in by_key or not any(a.key == api for a in apis):
        return []
    ideal = by_key[template].concurrency * 1000 / SLEEP_MS
    g1a = runs.ratio("S1", "jobs_per_s", template, "arq-defaults")
    g1b = runs.ratio("S1", "jobs_per_s", template, twin)
    g1c = runs.ratio("S1", "jobs_per_s", template, "streaq")
    g2a = runs.ratio("S2", "jobs_per_s", template, "arq-defaults")
    g2b = Summary.of(
        v / ideal if v else None
        for v in runs.values("S2", template, "jobs_per_s")
    )
    g3a = runs.ratio("S3", "rps", api, "minimal-api")
    g3b = runs.ratio("S3", "p99_ms", api, "minimal-api")
    p50 = runs.summary("S4", template, "p50_ms")
    p99 = runs.summary("S4", template, "p99_ms")

    def difference(a: float, b: float) -> float:
        return a - b

    g5i = runs.ratio("S4", "rss_idle_mib", template, twin, difference)
    g5p = runs.ratio("S1", "rss_peak_mib", template, twin, difference)
    return [
        Goal("G1", "no-op jobs/s vs raw arq defaults", ">= 3x", g1a,
             _at_least(g1a, 3)),
        Goal("G1", "no-op jobs/s vs raw arq, same settings", ">= 1.0x", g1b,
             _at_least(g1b, 1.0)),
        Goal("G1 stretch", "no-op jobs/s vs streaQ", ">= 1.0x", g1c,
             _at_least(g1c, 1.0)),
        Goal("G2", "10 ms jobs/s vs raw arq defaults", ">= 10x", g2a,
             _at_least(g2a, 10)),
        Goal("G2", f"10 ms jobs/s vs ideal ({ideal:,.0f}/s)", ">= 0.75x",
             g2b, _at_least(g2b, 0.75)),
        Goal("G3", "HTTP requests/s vs minimal arq endpoint", ">= 1.0x", g3a,
             _at_least(g3a, 1.0)),
        Goal("G3", "HTTP p99 vs minimal arq endpoint", "<= 1.2x", g3b,
             _at_most(g3b, 1.2)),
        Goal("G4", "start latency p50", "<= 30 ms", p50, _at_most(p50, 30),
             " ms"),
        Goal("G4", "start latency p99", "<= 60 ms", p99, _at_most(p99, 60),
             " ms"),
        Goal("G4 stretch", "start latency p50", "<= 10 ms", p50,
             _at_most(p50, 10), " ms"),
        Goal("G5", "idle RSS minus raw arq, same settings", "<= 15 MiB",
             g5i, _at_most(g5i, 15), " MiB"),
        Goal("G5", "peak RSS (S1) minus raw arq, same settings",
             "<= 15 MiB", g5p, _at_most(g5p, 15), " MiB"),
    ]  # fmt: skip


def _goal_tables(
    runs: Runs,
    workers: list[WorkerVariant],
    apis: list[ApiVariant],
    profiles: list[dict[str, Any]],
) -> tuple[str, dict[str, list[dict[str, Any]]]]:
    parts, raw = [], {}
    for profile in profiles:
        suffix = f"+{profile['key']}" if profile["key"] else ""
        found = goals(runs, workers, apis, suffix)
        if not found:
            continue
        raw[profile["label"]] = [
            {**asdict(g), "measured": g.measured and asdict(g.measured)}
            for g in found
        ]
        parts.append(
            f"### Goals of issue 5, template with {profile['label']}\n\n"
            + _table(
                ["goal", "measure", "target", "measured", "status"],
                [g.row() for g in found],
            )
        )
    return "\n\n".join(parts), raw


def _profile_text(profiles: list[dict[str, Any]]) -> str:
    lines = []
    for p in profiles:
        if not p["key"]:
            lines.append("- *defaults*: the generated project as rendered.")
            continue
        bits = [f"{k}={v}" for k, v in p["worker_settings"].items()]
        bits += [f"WorkerSettings.{k}={v}" for k, v in
                 p["worker_overrides"].items()]  # fmt: skip
        if p["event_loop"]:
            bits.append(f"event loop {p['event_loop']}")
        if p["arq_log_level"]:
            bits.append(f"arq.worker log level {p['arq_log_level']}")
        bits += [f"API {k}={v}" for k, v in p["api_settings"].items()]
        if p["api_args"]:
            bits.append("uvicorn " + " ".join(p["api_args"]))
        if p.get("api_async_dependencies"):
            bits.append("API dependencies async (targets/template_api.py)")
        lines.append(f"- *{p['label']}*: " + ", ".join(bits) + ".")
    return "\n".join(lines)


def markdown(
    meta: dict[str, Any],
    workers: list[WorkerVariant],
    apis: list[ApiVariant],
    runs: Runs,
) -> tuple[str, dict[str, Any]]:
    """The Markdown report and the goal evaluation."""
    plan = meta["plan"]
    machine = meta["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
    failed = [r for r in runs.runs if not r.get("ok")]
    goal_text, goal_raw = _goal_tables(runs, workers, apis, meta["profiles"])
    load = (
        f"{machine['load_average_at_start'][0]:.2f} at start,"
        f" {meta['load_average_at_end'][0]:.2f} at end"
    )
    template = meta["template"]
    source = f"template {template['ref']} (commit {template['commit'][:10]}"
    if template.get("uncommitted_changes"):
        source += f", {template['uncommitted_changes']} uncommitted change(s)"
    source += ")"
    head = (
        f"Run of {meta['started']}, {source}, {plan['name']} plan:"
        f" {plan['reps']}"
        f" repetition(s); S1 {plan['s1_jobs']:,} jobs, S2 {plan['s2_jobs']:,}"
        f" jobs, S3 {plan['s3_requests']:,} requests over"
        f" {plan['s3_concurrency']} connections, S4 {plan['s4_samples']}"
        f" jobs, S7 {plan['s7_jobs']:,} no-op and {plan['s7_cpu_jobs']:,}"
        f" 5 ms CPU jobs over {_count_list(plan['s7_processes'])} worker"
        f" processes; on {machine['cpus']} CPUs, load average {load}; took"
        f" {meta['seconds']:.0f} s. {versions}. Each cell is the median over"
        " repetitions with the range in brackets; ratios are medians of"
        " per-repetition ratios."
    )
    if failed:
        head += f" **{len(failed)} run(s) failed**: " + "; ".join(
            f"{r['scenario']} {r['variant']} rep {r['rep'] + 1}:"
            f" {r.get('error', 'incomplete')}"
            for r in failed
        )
    sections = [
        head,
        "Template profiles:\n\n" + _profile_text(meta["profiles"]),
        goal_text,
        *_worker_tables(runs, workers),
        _api_table(runs, apis),
        _scale_out_table(runs, plan["s7_processes"]),
        _redis_table(runs),
    ]
    return "\n\n".join(s for s in sections if s) + "\n", goal_raw


def _scale_out_panels(
    axes: tuple[Any, Any], runs: Runs, processes: list[int], cpus: int
) -> None:
    """S7: jobs/s and speed-up against the number of worker processes."""
    throughput, speed_up = axes
    if not any(run["scenario"] == "S7" for run in runs.runs):
        for ax in axes:
            ax.set_axis_off()
        return
    for kind, label, color in (
        ("noop", "no-op jobs", "tab:blue"),
        ("cpu", "jobs using 5 ms of CPU", "tab:orange"),
    ):
        for ax, summaries in (
            (throughput, [runs.summary("S7", f"{kind}-{n}p", "jobs_per_s")
                          for n in processes]),
            (speed_up, [runs.ratio("S7", "jobs_per_s", f"{kind}-{n}p",
                                   f"{kind}-1p") for n in processes]),
        ):  # fmt: skip
            shown = [(n, s) for n, s in zip(processes, summaries, strict=True)
                     if s is not None]  # fmt: skip
            if not shown:
                continue
            ax.errorbar(
                [n for n, _ in shown],
                [s.median for _, s in shown],
                yerr=[[s.median - s.low for _, s in shown],
                      [s.high - s.median for _, s in shown]],
                marker="o", capsize=3, color=color, label=label,
            )  # fmt: skip
    linear = min(cpus, max(processes))
    speed_up.plot(
        [1, linear], [1, linear], linestyle=":", color="gray",
        label=f"linear up to {cpus} cores",
    )  # fmt: skip
    for ax, title in (
        (throughput, "S7 worker processes on one queue (jobs/s)"),
        (speed_up, "S7 speed-up over one process"),
    ):
        ax.set_title(title, fontsize=10)
        ax.set_xticks(processes)
        ax.set_xlabel("worker processes", fontsize=8)
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=8)


def chart(  # noqa: PLR0913 - every input of the figure
    path: Path,
    workers: list[WorkerVariant],
    apis: list[ApiVariant],
    runs: Runs,
    *,
    processes: list[int],
    cpus: int,
) -> None:
    """Draw the main figures, median bars with min-max whiskers."""
    import matplotlib as mpl  # noqa: PLC0415 - slow import, used once

    mpl.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    panels: list[
        tuple[str, list[str], list[tuple[str, str, str, str]], tuple[str, str]]
    ] = [
        ("S1 no-op drain (jobs/s)", [w.label for w in workers],
         [("S1", w.key, "jobs_per_s", "") for w in workers], ("", "")),
        ("S2 10 ms jobs (jobs/s)", [w.label for w in workers],
         [("S2", w.key, "jobs_per_s", "") for w in workers], ("", "")),
        ("S3 HTTP enqueue (requests/s)", [a.label for a in apis],
         [("S3", a.key, "rps", "") for a in apis], ("", "")),
        ("S4 enqueue-to-start latency (ms)", [w.label for w in workers],
         [("S4", w.key, "p50_ms", "p99_ms") for w in workers],
         ("p50", "p99")),
        ("S5 worker RSS (MiB)", [w.label for w in workers],
         [("S4", w.key, "rss_idle_mib", "rss_peak_mib") for w in workers],
         ("idle", "peak during S1")),
        ("S1 worker CPU (ms/job)", [w.label for w in workers],
         [("S1", w.key, "worker_cpu_ms_per_job", "") for w in workers],
         ("", "")),
    ]  # fmt: skip
    fig, axes = plt.subplots(4, 2, figsize=(13, 16), layout="constrained")
    _scale_out_panels((axes[3][0], axes[3][1]), runs, processes, cpus)
    for ax, (title, labels, series, legend) in zip(
        axes.flat[:6], panels, strict=True
    ):
        ys = range(len(labels))
        for offset, index, color, name in (
            (-0.2, 2, "tab:blue", legend[0]),
            (0.2, 3, "tab:orange", legend[1]),
        ):
            summaries = []
            for item in series:
                metric = item[index]
                if not metric:
                    summaries = []
                    break
                scenario = "S1" if metric == "rss_peak_mib" else item[0]
                summaries.append(runs.summary(scenario, item[1], metric))
            if not summaries:
                continue
            single = not series[0][3]
            height = 0.6 if single else 0.4
            pos = [y + (0 if single else offset) for y in ys]
            med = [s.median if s else 0 for s in summaries]
            err = [
                [s.median - s.low if s else 0 for s in summaries],
                [s.high - s.median if s else 0 for s in summaries],
            ]
            ax.barh(pos, med, height=height, xerr=err, color=color,
                    capsize=3, label=name or None)  # fmt: skip
            for p, m, s in zip(pos, med, summaries, strict=True):
                ax.text(
                    s.high if s else m, p, f" {_number(m)}",
                    va="center", fontsize=8,
                )  # fmt: skip
        ax.set_yticks(list(ys), labels, fontsize=8)
        ax.invert_yaxis()
        if legend[0]:
            ax.legend(
                fontsize=8, loc="upper center", ncols=2,
                bbox_to_anchor=(0.5, -0.04),
            )  # fmt: skip
        ax.set_title(title, fontsize=10)
        ax.margins(x=0.2)
    fig.suptitle(
        "FastAPI + arq template benchmark (bench/run): medians over"
        " repetitions, whiskers min–max",
        fontsize=11,
    )
    fig.savefig(path, dpi=90)
    plt.close(fig)


def write_reports(
    out: Path,
    meta: dict[str, Any],
    workers: list[WorkerVariant],
    apis: list[ApiVariant],
    runs_list: list[dict[str, Any]],
) -> str:
    """Write ``latest.md``, ``latest.png`` and ``latest.json``.

    Returns
    -------
    str
        The Markdown report, also printed by the command.
    """
    out.mkdir(parents=True, exist_ok=True)
    runs = Runs(runs_list)
    text, goal_raw = markdown(meta, workers, apis, runs)
    (out / "latest.md").write_text(text, encoding="utf-8")
    chart(
        out / "latest.png",
        workers,
        apis,
        runs,
        processes=meta["plan"]["s7_processes"],
        cpus=meta["machine"]["cpus"],
    )
    raw = {
        "meta": meta,
        "workers": [
            {k: v for k, v in asdict(w).items() if k != "env"} for w in workers
        ],
        "apis": [
            {k: v for k, v in asdict(a).items() if k != "env"} for a in apis
        ],
        "goals": goal_raw,
        "runs": runs_list,
    }
    (out / "latest.json").write_text(
        json.dumps(raw, indent=1, default=str) + "\n", encoding="utf-8"
    )
    return text
