"""Command line: ``bench/run [--quick] [--reps N] [--out DIR] ...``.

Renders the template with its defaults into a temporary directory, installs
the generated project with uv, starts a private ``redis-server`` on a free
127.0.0.1 port, runs every scenario for every variant (in an order that
rotates each repetition), stops everything it started by pid, and writes
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
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Any

from .measure import RedisServer
from .plan import CANDIDATE, DEFAULTS, FULL, METRICS_OFF, QUICK, Plan
from .project import BENCH_DIR, Project, template_source
from .report import write_reports
from .scenarios import Runner
from .variants import ApiVariant, Variants, WorkerVariant

__all__ = ["main"]

SCENARIOS = ("S1", "S2", "S3", "S4", "S6", "S7")  # S5 is read from S1, S4
PEERS = ("streaq", "saq", "taskiq", "taskiq-redis")  # versions reported
ERROR_LIMIT = 3000  # characters of a failed run's error kept (its end)

type Measure = Callable[[], dict[str, Any]]


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run", description=__doc__.partition("\n\n")[2]
    )
    add = parser.add_argument
    # fmt: off
    add("--quick", action="store_true",
        help="tiny sizes, one repetition: checks the harness (CI)")
    add("--reps", type=int, help="repetitions (full: 3)")
    add("--out", type=Path, help="output directory (default bench/results,"
        " or bench/results/quick with --quick)")
    add("--only", default=",".join(SCENARIOS),
        help="comma-separated scenarios to run, e.g. S1,S4 (default: all)")
    add("--variants", help="comma-separated worker and API variant keys to"
        " run (default: all); S7 always runs the template as rendered,"
        " leave it out with --only")
    add("--candidate", type=json.loads,
        help="JSON object of `harness.plan.Profile` fields: runs the template"
        " with these settings too, as the candidate profile, e.g."
        ' \'{"worker_overrides": {"poll_delay": 0.02}}\'')
    add("--ref", help="render the template at this git revision (e.g. HEAD)"
        " instead of the working tree with its uncommitted changes")
    add("--keep", action="store_true", help="keep the temporary directory")
    # fmt: on
    return parser.parse_args(argv)


def _rotate[T](items: Sequence[T], by: int) -> list[T]:
    """``items`` starting at position ``by`` (modulo), wrapping around."""
    shift = by % len(items)
    return [*items[shift:], *items[:shift]]


def _measurements(  # noqa: PLR0913 - what one repetition runs
    runner: Runner,
    plan: Plan,
    rep: int,
    *,
    workers: list[WorkerVariant],
    apis: list[ApiVariant],
    crew: list[WorkerVariant],
) -> Iterator[tuple[str, str, Measure]]:
    """One repetition's scenario, variant key and measurement, in order.

    Scenario by scenario, each scenario's variants back to back, in an
    order rotated by the repetition so that no variant always goes first.
    """

    def drain(w: list[WorkerVariant], task: str, count: int) -> Any:
        return asyncio.run(runner.drain(w, task, count))

    def latency(w: WorkerVariant) -> Any:
        s4 = (plan.s4_samples, plan.s4_gap, plan.idle_seconds)
        return asyncio.run(runner.latency(w, *s4, seed=rep))

    s3 = (plan.s3_requests, plan.s3_warmup, plan.s3_concurrency)
    yield "S6", "redis", partial(runner.redis_benchmark, plan.s6_requests)
    for w in _rotate(workers, rep):
        yield "S1", w.key, partial(drain, [w], "bench_noop", plan.s1_jobs)
    for w in _rotate(workers, rep):
        yield "S2", w.key, partial(drain, [w], "bench_sleep", plan.s2_jobs)
    for w in _rotate(workers, rep):
        yield "S4", w.key, partial(latency, w)
    for a in _rotate(apis, rep):
        yield "S3", a.key, partial(runner.http, a, *s3)
    for kind, task, count in (
        ("noop", "bench_noop", plan.s7_jobs),
        ("cpu", "bench_cpu", plan.s7_cpu_jobs),
    ):
        for n in _rotate(plan.s7_processes, rep):
            yield "S7", f"{kind}-{n}p", partial(drain, crew[:n], task, count)


def _record(
    runs: list[dict[str, Any]], run: dict[str, Any], measure: Measure
) -> bool:
    """Measure into ``runs`` (an error as a failed run); whether it is ok."""
    started, load = time.monotonic(), os.getloadavg()[0]
    try:
        figures = measure()
    except Exception as exc:  # noqa: BLE001 - reported, the run goes on
        traceback.print_exc()
        figures = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        figures["error"] = figures["error"][-ERROR_LIMIT:]
    seconds = time.monotonic() - started
    runs.append(
        run | {"seconds": round(seconds, 2), "load_average": load} | figures
    )
    ok = bool(figures.get("ok"))
    print(
        f"  {run['scenario']} rep {run['rep'] + 1} {run['variant']}:"
        f" {'ok' if ok else 'FAILED'} ({seconds:.1f} s)",
        file=sys.stderr,
        flush=True,
    )
    return ok


def _meta(plan: Plan, redis: RedisServer, project: Project) -> dict[str, Any]:
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
            "redis-server": redis.version(),
            **{peer: version(peer) for peer in PEERS},
            **project.versions(),
        },
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 if every run succeeded."""
    args = _parse(argv)
    plan = QUICK if args.quick else FULL
    if args.reps:
        plan = dataclasses.replace(plan, reps=args.reps)
    out = args.out or BENCH_DIR / "results" / ("quick" if args.quick else "")
    only = set(args.only.upper().split(","))
    profiles = [DEFAULTS, METRICS_OFF]
    if args.candidate:
        profiles.append(dataclasses.replace(CANDIDATE, **args.candidate))

    began = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="fastapi-arq-bench-"))
    redis_server: RedisServer | None = None
    runs: list[dict[str, Any]] = []
    failures = 0
    try:
        print(f"bench: rendering and installing in {work}", file=sys.stderr)
        project = Project.create(work, args.ref)
        redis_server = RedisServer(work / "redis")
        meta = _meta(plan, redis_server, project)
        meta["template"] = template_source(args.ref)
        (work / "logs").mkdir()
        runner = Runner(project, redis_server, work / "logs")
        variants = Variants(project, redis_server.url)
        workers, apis = variants.workers(profiles), variants.apis(profiles)
        if args.variants:
            keep = set(args.variants.split(","))
            workers = [v for v in workers if v.key in keep]
            apis = [v for v in apis if v.key in keep]
        crew = (
            variants.scale_out(max(plan.s7_processes)) if "S7" in only else []
        )
        print(
            f"bench: {plan.name} plan, {plan.reps} repetition(s), setup took"
            f" {time.monotonic() - began:.0f} s",
            file=sys.stderr,
        )
        for rep in range(plan.reps):
            found = _measurements(
                runner, plan, rep, workers=workers, apis=apis, crew=crew
            )
            chosen = [m for m in found if m[0] in only]
            for order, (scenario, key, measure) in enumerate(chosen):
                run = {"scenario": scenario, "variant": key, "rep": rep}
                failures += not _record(runs, run | {"order": order}, measure)
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
    print(write_reports(out, meta, workers, apis, runs))
    print(
        f"bench: wrote {out}/latest.{{md,png,json}} in {meta['seconds']:.0f} s"
        f" ({failures} failed run(s))",
        file=sys.stderr,
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
