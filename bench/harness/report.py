"""Medians, ratios, goals, and the three outputs: Markdown, PNG and JSON.

Every figure is the median over repetitions with its range (min-max); every
comparison is the median of the per-repetition ratios (each repetition's
variants ran one after the other), with their range.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NamedTuple

from .variants import ApiVariant, WorkerVariant

__all__ = ["write_reports"]

SLEEP_MS = 10.0  # length of an S2 job; the ideal is concurrency / 10 ms
type Column = tuple[str, Callable[[Any], str]]  # header, and cell of a row

# Issue 12's goals (and one of issue 5's, for context): name, measure,
# target (comparison, number, unit; "x" for a ratio), and how it is
# measured: the ratio of one variant's figure to another's, the difference,
# or a figure itself. A template's and its twin's keys take the profile's
# suffix; S7 runs the defaults only.
GOALS = [
    ("G1", "no-op jobs/s vs raw arq, same settings", ">= 1.0x",
     "ratio", "S1", "jobs_per_s", "template", "arq-same"),
    ("G1 stretch", "no-op jobs/s vs raw arq, same settings", ">= 1.5x",
     "ratio", "S1", "jobs_per_s", "template", "arq-same"),
    ("G1", "no-op jobs/s vs SAQ", ">= 1.0x",
     "ratio", "S1", "jobs_per_s", "template", "saq"),
    ("G1", "no-op jobs/s vs streaQ", ">= 1.0x",
     "ratio", "S1", "jobs_per_s", "template", "streaq"),
    ("G1", "no-op jobs/s vs taskiq-redis", ">= 1.0x",
     "ratio", "S1", "jobs_per_s", "template", "taskiq"),
    ("G3", "HTTP requests/s vs minimal arq endpoint", ">= 1.0x",
     "ratio", "S3", "rps", "template-api", "minimal-api"),
    ("G3", "HTTP p99 vs minimal arq endpoint", "<= 1.2x",
     "ratio", "S3", "p99_ms", "template-api", "minimal-api"),
    ("G4", "start latency p50", "<= 5 ms",
     "figure", "S4", "p50_ms", "template", ""),
    ("G4 stretch", "start latency p50", "<= 3 ms",
     "figure", "S4", "p50_ms", "template", ""),
    ("G4", "idle Redis commands/s (one idle worker)", "<= 20 /s",
     "figure", "S4", "idle_redis_commands_per_s", "template", ""),
    ("G5", "idle RSS minus raw arq, same settings", "<= 12 MiB",
     "difference", "S4", "rss_idle_mib", "template", "arq-same"),
    ("G6", "no-op jobs/s, 2 worker processes vs 1", ">= 1.0x",
     "ratio", "S7", "jobs_per_s", "noop-2p", "noop-1p"),
    ("G6", "5 ms CPU jobs/s, 2 worker processes vs 1", ">= 1.8x",
     "ratio", "S7", "jobs_per_s", "cpu-2p", "cpu-1p"),
    ("issue 5's G2", "10 ms jobs/s vs ideal ({ideal:,.0f}/s)", ">= 0.75x",
     "figure", "S2", "of_ideal", "template", ""),
]  # fmt: skip


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


class Row(NamedTuple):
    """A row of a table or a chart: the runs' variant key and its label."""

    key: str
    label: str


class Runs:
    """The successful runs, with derived figures, indexed for lookups."""

    def __init__(
        self, runs: list[dict[str, Any]], workers: list[WorkerVariant]
    ) -> None:
        self.reps = sorted({r["rep"] for r in runs})
        self._runs = {
            (r["scenario"], r["variant"], r["rep"]): dict(r)
            for r in runs
            if r.get("ok")
        }
        concurrency = {w.key: w.concurrency for w in workers}
        for (scenario, key, rep), run in self._runs.items():
            jobs = run.get("jobs_per_s") or 0
            if scenario == "S1":
                # In % of the round-trip ceilings of S6: 50 clients, and 1.
                s6 = self.get("S6", "redis", rep)
                trips = jobs * run["round_trips_per_job"]
                for name, ping in (
                    ("", "ping_rps"),
                    ("_1", "ping_rps_1_client"),
                ):
                    if trips and s6.get(ping):
                        run[f"ceiling{name}_pct"] = 100 * trips / s6[ping]
            elif scenario == "S2" and jobs and key in concurrency:
                run["of_ideal"] = jobs * SLEEP_MS / 1000 / concurrency[key]
                run["of_ideal_pct"] = 100 * run["of_ideal"]
            elif scenario == "S7":
                run["cores_busy"] = run["worker_cpu_pct"] / 100

    def get(self, scenario: str, key: str, rep: int) -> dict[str, Any]:
        """A run's figures, or an empty dict if it failed or is missing."""
        return self._runs.get((scenario, key, rep), {})

    def summary(self, scenario: str, key: str, metric: str) -> Summary | None:
        """Median and range of one figure of a variant."""
        return Summary.of(
            self.get(scenario, key, rep).get(metric) for rep in self.reps
        )

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
    """Median and range; the unit ``x`` shows a ratio with two decimals."""
    if summary is None:
        return "n/a"
    show = (lambda v: f"{v:.2f}") if unit == "x" else _number
    text = f"{show(summary.median)}{unit}"
    if summary.count > 1:
        text += f" ({show(summary.low)}–{show(summary.high)})"
    return text


def _table(title: str, header: list[str], rows: list[list[str]]) -> str:
    lines = [f"### {title}\n", " | ".join(["", *header, ""]).strip()]
    lines.append(" | ".join(["", *("---" for _ in header), ""]).strip())
    lines += [" | ".join(["", *row, ""]).strip() for row in rows]
    return "\n".join(lines)


def _goals(
    runs: Runs,
    workers: list[WorkerVariant],
    apis: list[ApiVariant],
    suffix: str,
) -> list[tuple[list[str], dict[str, Any]]]:
    """The goals for one profile (``suffix``: ``""``, ``+cand``).

    Each as a table row and as data for the JSON.
    """
    template, api = f"template{suffix}", f"template-api{suffix}"
    concurrency = {w.key: w.concurrency for w in workers}
    if template not in concurrency or api not in {a.key for a in apis}:
        return []
    ideal = concurrency[template] * 1000 / SLEEP_MS
    found = []
    for goal, measure, target, how, scenario, metric, *keys in GOALS:
        if scenario == "S7" and suffix:
            continue
        mine, other = (
            k + suffix if k.startswith(("template", "arq-same")) else k
            for k in keys
        )
        if how == "figure":
            measured = runs.summary(scenario, mine, metric)
        elif how == "ratio":
            measured = runs.ratio(scenario, metric, mine, other)
        else:
            measured = runs.ratio(
                scenario, metric, mine, other, lambda a, b: a - b
            )
        comparison, number, *unit = target.split()
        limit = float(number.removesuffix("x"))
        met = None
        if measured is not None:
            median = measured.median
            met = median >= limit if comparison == ">=" else median <= limit
        status = {True: "met", False: "**not met**", None: "n/a"}[met]
        shown = _cell(measured, f" {unit[0]}" if unit else "x")
        what = measure.format(ideal=ideal)
        data = {
            "goal": goal, "what": what, "target": target,
            "measured": measured and asdict(measured), "met": met,
            "unit": f" {unit[0]}" if unit else "ratio",
        }  # fmt: skip
        found.append(([goal, what, target, shown, status], data))
    return found


def _versus_defaults(runs: Runs, profiles: list[dict[str, Any]]) -> list[str]:
    """Each other profile's template against the defaults', as one text."""
    lines = []
    for p in (p for p in profiles if p["key"]):
        worker, api = f"template+{p['key']}", f"template-api+{p['key']}"
        s1 = runs.ratio("S1", "jobs_per_s", worker, "template")
        s3 = runs.ratio("S3", "rps", api, "template-api")
        lines.append(
            f"- template, {p['label']} vs defaults: S1 jobs/s"
            f" {_cell(s1, 'x')}, S3 requests/s {_cell(s3, 'x')}"
        )
    if not lines:
        return []
    return ["Template profiles vs defaults:\n\n" + "\n".join(lines)]


def _tables(
    runs: Runs,
    workers: list[WorkerVariant],
    apis: list[ApiVariant],
    s7: list[int],
) -> list[str]:
    """The tables of S1-S7, in the order of the README."""

    def of(scenario: str, metric: str, unit: str = "") -> Callable[[Row], str]:
        return lambda row: _cell(runs.summary(scenario, row.key, metric), unit)

    def ratio(kind: str) -> Callable[[Row], str]:
        return lambda row: _cell(
            runs.ratio("S7", "jobs_per_s", row.key.replace("noop", kind),
                       f"{kind}-1p"), "x")  # fmt: skip

    def s7_cell(kind: str, metric: str) -> Callable[[Row], str]:
        return lambda row: _cell(
            runs.summary("S7", row.key.replace("noop", kind), metric)
        )

    specs: list[tuple[str, str, Sequence[Any], list[Column]]] = [
        ("S1: drain no-op jobs, one worker process", "worker", workers, [
            ("jobs/s", of("S1", "jobs_per_s")),
            ("worker CPU ms/job", of("S1", "worker_cpu_ms_per_job")),
            ("Redis commands/job", of("S1", "redis_commands_per_job")),
            ("round trips/job", of("S1", "round_trips_per_job")),
            ("Redis CPU ms/job", of("S1", "redis_cpu_ms_per_job")),
            ("log lines/job", of("S1", "log_lines_per_job")),
            ("of Redis ceiling (50 clients)", of("S1", "ceiling_pct", " %")),
            ("of 1-connection ceiling", of("S1", "ceiling_1_pct", " %")),
        ]),
        ("S2: drain 10 ms jobs", "worker", workers, [
            ("concurrency", lambda w: str(w.concurrency)),
            ("jobs/s", of("S2", "jobs_per_s")),
            ("ideal jobs/s",
             lambda w: f"{w.concurrency * 1000 / SLEEP_MS:,.0f}"),
            ("of ideal", of("S2", "of_ideal_pct", " %")),
            ("worker CPU busy", of("S2", "worker_cpu_pct", " %")),
        ]),
        ("S4: enqueue-to-start latency, idle worker (ms)", "worker", workers,
         [(p, of("S4", f"{p}_ms")) for p in ("p50", "p95", "p99")]),
        ("S5: worker memory and idle cost", "worker", workers, [
            ("RSS idle MiB", of("S4", "rss_idle_mib")),
            ("RSS peak MiB (S1)", of("S1", "rss_peak_mib")),
            ("idle CPU", of("S4", "idle_cpu_pct", " %")),
            ("idle Redis commands/s", of("S4", "idle_redis_commands_per_s")),
        ]),
        ("S3: HTTP enqueue under load", "API", apis, [
            ("requests/s", of("S3", "rps")),
            ("p50 ms", of("S3", "p50_ms")),
            ("p99 ms", of("S3", "p99_ms")),
            ("API CPU ms/request", of("S3", "api_cpu_ms_per_request")),
            ("Redis commands/request", of("S3", "redis_commands_per_request")),
            ("round trips/request", of("S3", "round_trips_per_request")),
            ("load generator CPU ms/request",
             of("S3", "loadgen_cpu_ms_per_request")),
        ]),
        ("S7: several worker processes on one queue (template defaults)",
         "worker processes", [Row(f"noop-{n}p", str(n)) for n in s7], [
            ("no-op jobs/s", s7_cell("noop", "jobs_per_s")),
            ("speed-up", ratio("noop")),
            ("5 ms CPU jobs/s", s7_cell("cpu", "jobs_per_s")),
            ("speed-up", ratio("cpu")),
            ("workers' CPU ms/no-op job", of("S7", "worker_cpu_ms_per_job")),
            ("cores busy in workers (no-op)", of("S7", "cores_busy")),
            ("Redis CPU ms/no-op job", of("S7", "redis_cpu_ms_per_job")),
            ("Redis round trips/no-op job", of("S7", "round_trips_per_job")),
        ]),
        ("S6: Redis's own ceiling (`redis-benchmark`)", "test", [
            Row("ping_rps", "PING, 50 connections"),
            Row("set_rps", "SET, 50 connections"),
            Row("get_rps", "GET, 50 connections"),
            Row("ping_rps_1_client", "PING, 1 connection"),
        ], [("requests/s",
             lambda row: _cell(runs.summary("S6", "redis", row.key)))]),
    ]  # fmt: skip
    return [
        _table(
            title,
            [first, *(header for header, _ in columns)],
            [[row.label, *(cell(row) for _, cell in columns)] for row in rows],
        )
        for title, first, rows, columns in specs
        if rows
    ]


def _head(meta: dict[str, Any], runs: list[dict[str, Any]]) -> str:
    """The run's plan, machine, versions and failures."""
    plan, machine, template = meta["plan"], meta["machine"], meta["template"]
    source = f"template {template['ref']} (commit {template['commit'][:10]}"
    if template.get("uncommitted_changes"):
        source += f", {template['uncommitted_changes']} uncommitted change(s)"
    *most, last = [str(n) for n in plan["s7_processes"]]
    head = (
        f"Run of {meta['started']}, {source}), {plan['name']} plan:"
        f" {plan['reps']} repetition(s); S1 {plan['s1_jobs']:,} jobs, S2"
        f" {plan['s2_jobs']:,} jobs, S3 {plan['s3_requests']:,} requests over"
        f" {plan['s3_concurrency']} connections, S4 {plan['s4_samples']}"
        f" jobs, S7 {plan['s7_jobs']:,} no-op and {plan['s7_cpu_jobs']:,}"
        f" 5 ms CPU jobs over {', '.join(most)}{' and ' if most else ''}"
        f"{last} worker processes; on {machine['cpus']} CPUs, load average"
        f" {machine['load_average_at_start'][0]:.2f} at start,"
        f" {meta['load_average_at_end'][0]:.2f} at end; took"
        f" {meta['seconds']:.0f} s."
        f" {', '.join(f'{k} {v}' for k, v in meta['versions'].items())}."
        " Each cell is the median over repetitions with the range in"
        " brackets; ratios are medians of per-repetition ratios."
    )
    if failed := [r for r in runs if not r.get("ok")]:
        head += f" **{len(failed)} run(s) failed**: " + "; ".join(
            f"{r['scenario']} {r['variant']} rep {r['rep'] + 1}:"
            f" {r.get('error', 'incomplete')}"
            for r in failed
        )
    return head


def _bars(
    ax: Any,
    runs: Runs,
    title: str,
    rows: Sequence[Row | WorkerVariant | ApiVariant],
    series: list[tuple[str, str, str]],
) -> None:
    """Horizontal bars of one or two figures (legend, scenario, metric)."""
    ys = range(len(rows))
    pair = len(series) > 1
    for offset, color, (name, scenario, metric) in zip(
        (-0.2, 0.2), ("tab:blue", "tab:orange"), series, strict=False
    ):
        summaries = [runs.summary(scenario, row.key, metric) for row in rows]
        pos = [y + (offset if pair else 0) for y in ys]
        med = [s.median if s else 0 for s in summaries]
        err = [
            [s.median - s.low if s else 0 for s in summaries],
            [s.high - s.median if s else 0 for s in summaries],
        ]
        ax.barh(pos, med, height=0.4 if pair else 0.6, xerr=err,
                color=color, capsize=3, label=name or None)  # fmt: skip
        for p, m, s in zip(pos, med, summaries, strict=True):
            ax.text(s.high if s else m, p, f" {_number(m)}", va="center",
                    fontsize=8)  # fmt: skip
    ax.set_yticks(list(ys), [row.label for row in rows], fontsize=8)
    ax.invert_yaxis()
    if pair:
        ax.legend(fontsize=8, loc="upper center", ncols=2,
                  bbox_to_anchor=(0.5, -0.04))  # fmt: skip
    ax.set_title(title, fontsize=10)
    ax.margins(x=0.2)


def _chart(
    path: Path,
    runs: Runs,
    workers: list[WorkerVariant],
    apis: list[ApiVariant],
    s7: list[int],
) -> None:
    """Draw the main figures, median bars with min-max whiskers."""
    import matplotlib as mpl  # noqa: PLC0415 - slow import, used once

    mpl.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    fig, axes = plt.subplots(4, 2, figsize=(13, 16), layout="constrained")
    panels = [
        ("S1 no-op drain (jobs/s)", workers, [("", "S1", "jobs_per_s")]),
        ("S2 10 ms jobs (jobs/s)", workers, [("", "S2", "jobs_per_s")]),
        ("S3 HTTP enqueue (requests/s)", apis, [("", "S3", "rps")]),
        ("S4 enqueue-to-start latency (ms)", workers,
         [("p50", "S4", "p50_ms"), ("p99", "S4", "p99_ms")]),
        ("S5 worker RSS (MiB)", workers,
         [("idle", "S4", "rss_idle_mib"),
          ("peak during S1", "S1", "rss_peak_mib")]),
        ("S1 worker CPU (ms/job)", workers,
         [("", "S1", "worker_cpu_ms_per_job")]),
        *((f"S7 {what} jobs/s by worker processes",
           [Row(f"{kind}-{n}p", f"{n} process{'es' * (n > 1)}")
            for n in s7],
           [("", "S7", "jobs_per_s")])
          for kind, what in (("noop", "no-op"), ("cpu", "5 ms CPU"))),
    ]  # fmt: skip
    for ax, panel in zip(axes.flat, panels, strict=True):
        _bars(ax, runs, *panel)
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
    """Write ``latest.{md,png,json}`` into ``out``; return the Markdown."""
    runs = Runs(runs_list, workers)
    s7 = meta["plan"]["s7_processes"]
    if not any(r["scenario"] == "S7" for r in runs_list):
        s7 = []
    profiles, sections, goals = [], [], {}
    for p in meta["profiles"]:
        settings = [
            f"{k}={v}"
            for k, v in p.items()
            if v and k not in {"key", "label", "twin"}
        ]
        text = ", ".join(settings) or "the generated project as rendered"
        profiles.append(f"- *{p['label']}*: {text}.")
        suffix = f"+{p['key']}" if p["key"] else ""
        if p["twin"] and (found := _goals(runs, workers, apis, suffix)):
            goals[p["label"]] = [data for _, data in found]
            sections.append(_table(
                f"Goals of issue 12, template with {p['label']}",
                ["goal", "measure", "target", "measured", "status"],
                [row for row, _ in found],
            ))  # fmt: skip
    text = "\n\n".join([
        _head(meta, runs_list), "Template profiles:\n\n" + "\n".join(profiles),
        *sections, *_versus_defaults(runs, meta["profiles"]),
        *_tables(runs, workers, apis, s7),
    ]) + "\n"  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.md").write_text(text, encoding="utf-8")
    _chart(out / "latest.png", runs, workers, apis, s7)
    raw = {
        "meta": meta,
        **{
            kind: [
                {k: v for k, v in asdict(x).items() if k != "env"}
                for x in variants
            ]
            for kind, variants in (("workers", workers), ("apis", apis))
        },
        "goals": goals,
        "runs": runs_list,
    }
    (out / "latest.json").write_text(
        json.dumps(raw, indent=1, default=str) + "\n", encoding="utf-8"
    )
    return text
