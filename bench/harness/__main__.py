"""Command line: ``bench/run [--quick] [--reps N] [--out DIR] ...``.

One invocation renders the template with its defaults into a temporary
directory, installs the generated project with uv, starts a private
``redis-server`` on a free 127.0.0.1 port, runs every scenario for every
variant and S7 for every number of worker processes (alternating the
variants in an order that rotates each repetition), stops everything it
started by pid, and writes
``latest.md``, ``latest.png`` and ``latest.json`` into the output directory.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Any

from .plan import CANDIDATE, DEFAULTS, FULL, QUICK, Plan, Profile
from .project import BENCH_DIR, Project, template_source
from .redis_server import RedisServer
from .report import write_reports
from .scenarios import Runner
from .variants import (
    ApiVariant,
    WorkerVariant,
    api_variants,
    scale_out_workers,
    worker_variants,
)

__all__ = ["main"]

SCENARIOS = ("S1", "S2", "S3", "S4", "S6", "S7")
"""Scenarios that have runs of their own; S5 is read from S1 and S4."""

ERROR_LIMIT = 3000
"""Characters of a failed run's error (its end) kept in the reports; the
whole traceback goes to standard error."""

S7_TASKS = {"noop": "bench_noop", "cpu": "bench_cpu"}
"""S7's kinds of job, by the prefix of its variant keys."""


def s7_key(kind: str, processes: int) -> str:
    """Variant key of an S7 run: ``noop-2p`` is no-op jobs, 2 processes."""
    return f"{kind}-{processes}p"


def _rotate[T](items: Sequence[T], by: int) -> list[T]:
    """``items`` starting at position ``by`` (modulo), wrapping around."""
    shift = by % len(items)
    return [*items[shift:], *items[:shift]]


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run", description=__doc__.partition("\n\n")[2]
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny sizes, one repetition: checks the harness (CI)",
    )
    parser.add_argument("--reps", type=int, help="repetitions (full: 3)")
    parser.add_argument(
        "--out",
        type=Path,
        help="output directory (default bench/results, or"
        " bench/results/quick with --quick)",
    )
    parser.add_argument(
        "--only",
        default=",".join(SCENARIOS),
        help="comma-separated scenarios to run, e.g. S1,S4 (default: all)",
    )
    parser.add_argument(
        "--variants",
        help="comma-separated worker and API variant keys to run (default:"
        " all); S7 always runs the template as rendered, leave it out with"
        " --only",
    )
    parser.add_argument(
        "--candidate",
        type=json.loads,
        help="JSON object of `harness.plan.Profile` fields: runs the template"
        " with these settings too, as the candidate profile, e.g."
        ' \'{"worker_overrides": {"poll_delay": 0.02}}\'',
    )
    parser.add_argument(
        "--ref",
        help="render the template at this git revision (e.g. HEAD) instead"
        " of the working tree with its uncommitted changes",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary directory"
    )
    return parser.parse_args(argv)


def _meta(plan: Plan, redis_server: RedisServer) -> dict[str, Any]:
    return {
        "started": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        "plan": dataclasses.asdict(plan),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_at_start": os.getloadavg(),
        },
        "versions": {
            "redis-server": redis_server.version(),
            "streaq": version("streaq"),
        },
    }


def _project_versions(project: Project) -> dict[str, str]:
    """Versions of the packages in the generated project's venv."""
    site = next((project.path / ".venv" / "lib").glob("python*/site-packages"))
    found = {}
    for name in ("arq", "redis", "fastapi", "uvicorn", "safir", "uvloop"):
        for info in site.glob(f"{name}-*.dist-info"):
            found[name] = info.name.removeprefix(f"{name}-").split(".dist")[0]
    python = site.parent.name.removeprefix("python")
    return {"project python": python, **found}


class Bench:
    """The runs of one invocation, and their bookkeeping."""

    def __init__(self, runner: Runner, plan: Plan) -> None:
        self.runner = runner
        self.plan = plan
        self.runs: list[dict[str, Any]] = []
        self.failures = 0

    def record(
        self,
        scenario: str,
        variant: str,
        rep: int,
        order: int,
        run: Callable[[], dict[str, Any]],
    ) -> None:
        """Run one measurement, keeping an error as a failed run."""
        started = time.monotonic()
        load = os.getloadavg()[0]
        try:
            figures = run()
        except Exception as exc:  # noqa: BLE001 - reported, run goes on
            traceback.print_exc()
            error = f"{type(exc).__name__}: {exc}"
            figures = {"ok": False, "error": error[-ERROR_LIMIT:]}
        if not figures.get("ok"):
            self.failures += 1
        seconds = time.monotonic() - started
        self.runs.append(
            {
                "scenario": scenario,
                "variant": variant,
                "rep": rep,
                "order": order,
                "seconds": round(seconds, 2),
                "load_average": load,
                **figures,
            }
        )
        status = "ok" if figures.get("ok") else "FAILED"
        print(
            f"  {scenario} rep {rep + 1} {variant}: {status}"
            f" ({seconds:.1f} s)",
            file=sys.stderr,
            flush=True,
        )


def _drain(
    runner: Runner, workers: list[WorkerVariant], task: str, count: int
) -> dict[str, Any]:
    return asyncio.run(runner.drain(workers, task, count))


type Measurement = tuple[str, str, Callable[[], dict[str, Any]]]
"""A scenario, a variant key and the call that measures it."""


def _repetition(
    runner: Runner,
    plan: Plan,
    rep: int,
    variants: tuple[
        list[WorkerVariant], list[ApiVariant], list[WorkerVariant]
    ],
    only: set[str],
) -> list[Measurement]:
    """The measurements of one repetition, in the order they run.

    Scenario by scenario, each scenario's variants back to back, in an
    order rotated by the repetition so that no variant always goes first.
    """
    workers, apis, crew = variants
    plan_s4 = (plan.s4_samples, plan.s4_gap, plan.idle_seconds)
    worker_scenarios: dict[str, Callable[[WorkerVariant], dict[str, Any]]] = {
        "S1": lambda w: _drain(runner, [w], "bench_noop", plan.s1_jobs),
        "S2": lambda w: _drain(runner, [w], "bench_sleep", plan.s2_jobs),
        "S4": lambda w: asyncio.run(runner.latency(w, *plan_s4, seed=rep)),
    }
    found: list[Measurement] = []
    if "S6" in only:
        found.append(
            ("S6", "redis", partial(runner.redis_benchmark, plan.s6_requests))
        )
    for scenario, measure in worker_scenarios.items():
        if scenario in only:
            found += [
                (scenario, w.key, partial(measure, w))
                for w in _rotate(workers, rep)
            ]
    if "S3" in only:
        s3 = (plan.s3_requests, plan.s3_warmup, plan.s3_concurrency)
        found += [
            ("S3", a.key, partial(runner.http, a, *s3))
            for a in _rotate(apis, rep)
        ]
    if "S7" in only:
        counts = {"noop": plan.s7_jobs, "cpu": plan.s7_cpu_jobs}
        for kind, task in S7_TASKS.items():
            found += [
                (
                    "S7",
                    s7_key(kind, n),
                    partial(_drain, runner, crew[:n], task, counts[kind]),
                )
                for n in _rotate(plan.s7_processes, rep)
            ]
    return found


def _variants(  # noqa: PLR0913 - what decides the variants
    project: Project,
    redis_url: str,
    profiles: list[Profile],
    *,
    keys: str | None,
    plan: Plan,
    only: set[str],
) -> tuple[list[WorkerVariant], list[ApiVariant], list[WorkerVariant]]:
    """Worker and API variants (those in ``keys``, if given), and S7's."""
    workers = worker_variants(project, redis_url, profiles)
    apis = api_variants(project, redis_url, profiles)
    if keys:
        keep = set(keys.split(","))
        workers = [v for v in workers if v.key in keep]
        apis = [v for v in apis if v.key in keep]
    crew = []
    if "S7" in only:
        crew = scale_out_workers(project, redis_url, max(plan.s7_processes))
    return workers, apis, crew


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 if every run succeeded."""
    args = _parse(argv)
    plan = QUICK if args.quick else FULL
    if args.reps:
        plan = dataclasses.replace(plan, reps=args.reps)
    out = args.out or BENCH_DIR / "results" / ("quick" if args.quick else "")
    only = set(args.only.upper().split(","))
    profiles: list[Profile] = [DEFAULTS]
    if args.candidate:
        profiles.append(dataclasses.replace(CANDIDATE, **args.candidate))

    began = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="fastapi-arq-bench-"))
    redis_server: RedisServer | None = None
    try:
        print(f"bench: rendering and installing in {work}", file=sys.stderr)
        project = Project.create(work, args.ref)
        redis_server = RedisServer(work / "redis")
        # targets.streaq_worker reads it when the harness imports it.
        os.environ["BENCH_REDIS_URL"] = redis_server.url
        meta = _meta(plan, redis_server)
        meta["versions"].update(_project_versions(project))
        meta["template"] = template_source(args.ref)
        logs = work / "logs"
        logs.mkdir()
        runner = Runner(project, redis_server, logs)
        workers, apis, crew = _variants(
            project,
            redis_server.url,
            profiles,
            keys=args.variants,
            plan=plan,
            only=only,
        )
        print(
            f"bench: {plan.name} plan, {plan.reps} repetition(s), setup took"
            f" {time.monotonic() - began:.0f} s",
            file=sys.stderr,
        )
        bench = Bench(runner, plan)
        for rep in range(plan.reps):
            measurements = _repetition(
                runner, plan, rep, (workers, apis, crew), only
            )
            for order, (scenario, key, measure) in enumerate(measurements):
                bench.record(scenario, key, rep, order, measure)
    finally:
        if redis_server is not None:
            redis_server.stop()
        if args.keep:
            print(f"bench: kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    meta["seconds"] = round(time.monotonic() - began, 1)
    meta["load_average_at_end"] = os.getloadavg()
    meta["profiles"] = [dataclasses.asdict(p) for p in profiles]
    table = write_reports(out, meta, workers, apis, bench.runs)
    print(table)
    print(
        f"bench: wrote {out}/latest.{{md,png,json}} in {meta['seconds']:.0f} s"
        f" ({bench.failures} failed run(s))",
        file=sys.stderr,
    )
    return 1 if bench.failures else 0


if __name__ == "__main__":
    sys.exit(main())
