"""One run of one scenario with one variant.

S1-S4, S6 and S7 have runs of their own; S5 is read from the S1 and S4
runs.
Every run starts from a flushed Redis and fresh processes and returns a
flat dict of figures for the report.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from tests.support.processes import Service, free_port, wait_for

from .processes import process_cpu, process_memory
from .project import BENCH_DIR, Project, child_env
from .queues import ArqJobs, Jobs, StreaqJobs
from .redis_server import RedisServer
from .variants import ApiVariant, WorkerVariant

__all__ = ["Runner"]

POLL_INTERVAL = 0.025
"""Seconds between the harness's checks that a queue is drained."""

SETTLE_SECONDS = 0.5
"""Pause after a worker is ready, before anything is measured."""

READY_TIMEOUT = 60.0
"""Seconds a worker or API may take to start."""

LOG_TAIL = 3000
"""Characters of a process's log shown when it fails to start."""


@dataclass(frozen=True)
class FillCost:
    """What filling a queue costs Redis, measured with no worker running."""

    commands: Counter[str]
    reads: int


def _drain_timeout(jobs: int) -> float:
    """Longest wait for a queue to drain: 20 jobs/s at worst, plus a minute."""
    return 60.0 + jobs / 20


def _stop_all(procs: list[Service]) -> None:
    """Stop every process by its pid, even if stopping one of them fails."""
    with ExitStack() as stack:
        for proc in procs:
            stack.callback(proc.stop)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class Runner:
    """Runs scenarios against the harness's Redis.

    Parameters
    ----------
    project
        The installed generated project.
    redis_server
        The private Redis.
    logs
        Directory for every process's log.
    """

    def __init__(
        self, project: Project, redis_server: RedisServer, logs: Path
    ) -> None:
        self.project = project
        self.redis = redis_server
        self.logs = logs
        self._fill_costs: dict[tuple[str, str, int], FillCost] = {}
        self._runs = 0

    # Processes

    def _log_path(self, name: str) -> Path:
        self._runs += 1
        return self.logs / f"{self._runs:03d}-{name}.log"

    def _jobs(self, variant: WorkerVariant) -> Jobs:
        if variant.system == "streaq":
            return StreaqJobs(self.redis.url)
        return ArqJobs(
            self.redis.url,
            python=self.project.bin("python"),
            settings=variant.command[-1],
            env=variant.env,
            cwd=BENCH_DIR,
            queue_name=variant.queue_name,
        )

    def _worker_ready(self, variant: WorkerVariant) -> bool:
        """Whether the worker has written its health key: it polls."""
        client = self.redis.client
        if variant.system == "streaq":
            return bool(client.keys(f"streaq:{variant.queue_name}:health*"))
        key = variant.probe.get("settings", {}).get("health_check_key")
        return bool(client.exists(key or f"{variant.queue_name}:health-check"))

    def _start(
        self, name: str, args: list[str], env: dict[str, str]
    ) -> Service:
        """Start a process in ``bench/`` with its own log."""
        return Service(
            name, args, env=env, log_path=self._log_path(name), cwd=BENCH_DIR
        )

    @staticmethod
    def _wait_ready(
        proc: Service, check: Callable[[], bool], what: str
    ) -> None:
        """Wait until ``check()`` holds, failing at once if ``proc`` exits."""

        def ready() -> bool:
            proc.assert_running(LOG_TAIL)
            return check()

        wait_for(
            ready,
            what=what,
            timeout=READY_TIMEOUT,
            diagnostics=partial(proc.describe, LOG_TAIL),
        )

    def start_workers(self, variants: list[WorkerVariant]) -> list[Service]:
        """Start workers together; return once every one polls its queue."""
        procs: list[Service] = []
        try:
            # Appended one by one: if one cannot be started, those started
            # before it are stopped.
            for variant in variants:
                procs.append(  # noqa: PERF401
                    self._start(variant.key, variant.command, variant.env)
                )
            for proc, variant in zip(procs, variants, strict=True):
                self._wait_ready(
                    proc,
                    partial(self._worker_ready, variant),
                    f"{variant.key} to start polling",
                )
        except BaseException:
            _stop_all(procs)
            raise
        return procs

    def start_api(self, variant: ApiVariant) -> tuple[Service, int]:
        """Start uvicorn as the project's image does; return once / answers."""
        port = free_port()
        proc = self._start(
            variant.key,
            [
                self.project.bin("uvicorn"),
                variant.app,
                "--host", "127.0.0.1",
                "--port", str(port),
                *variant.args,
            ],
            variant.env,
        )  # fmt: skip
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

        def answers() -> bool:
            try:
                with opener.open(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    return bool(r.status == 200)  # noqa: PLR2004
            except OSError:
                return False

        try:
            self._wait_ready(proc, answers, f"{variant.key} to answer GET /")
        except BaseException:
            proc.stop()
            raise
        return proc, port

    # Queue filling and draining

    async def _fill_cost(
        self, variant: WorkerVariant, task: str, count: int
    ) -> FillCost:
        """Redis's counts for one fill, measured once with no worker."""
        key = (variant.system, task, count)
        if key not in self._fill_costs:
            self.redis.flush()
            async with self._jobs(variant) as jobs:
                before = self.redis.counters()
                await jobs.fill(task, count)
                delta = self.redis.counters() - before
            # The second INFO's own read is in the delta.
            self._fill_costs[key] = FillCost(delta.commands, delta.reads - 1)
            self.redis.flush()
        return self._fill_costs[key]

    async def _wait_drained(
        self, jobs: Jobs, procs: list[Service], count: int
    ) -> tuple[int, bool]:
        """Poll until the queue is empty; return (polls, drained)."""
        deadline = time.monotonic() + _drain_timeout(count)
        polls = 0
        while time.monotonic() < deadline:
            await asyncio.sleep(POLL_INTERVAL)
            polls += 1
            if await jobs.remaining() == 0:
                return polls, True
            for proc in procs:
                proc.assert_running(LOG_TAIL)
        return polls, False

    async def drain(
        self, variants: list[WorkerVariant], task: str, count: int
    ) -> dict[str, Any]:
        """S1, S2 or S7: workers on one queue drain ``count`` jobs together.

        The workers are started on an empty queue and waited for; the jobs
        are written in one pipeline; the harness then checks every 25 ms
        whether the queue is empty. Throughput is ``count`` over the time
        from the first job's start to the last job's finish, as the queue
        recorded them; CPU (summed over the workers), Redis commands and
        round trips are counted from just before the fill to the moment
        the queue is empty, less the fill and the checks.
        """
        fill_cost = await self._fill_cost(variants[0], task, count)
        self.redis.flush()
        procs = self.start_workers(variants)
        try:
            await asyncio.sleep(SETTLE_SECONDS)
            idle_memory = [process_memory(p.pid) for p in procs]
            async with self._jobs(variants[0]) as jobs:
                log_offsets = [p.log_size() for p in procs]
                cpu_before = [process_cpu(p.pid) for p in procs]
                before = self.redis.counters()
                await jobs.fill(task, count)
                polls, drained = await self._wait_drained(jobs, procs, count)
                after = self.redis.counters()
                cpus = [
                    process_cpu(p.pid) - b
                    for p, b in zip(procs, cpu_before, strict=True)
                ]
                memory = [process_memory(p.pid) for p in procs]
                log_lines = sum(
                    p.log_lines_since(offset)
                    for p, offset in zip(procs, log_offsets, strict=True)
                )
                records = await jobs.records()
        finally:
            _stop_all(procs)
        own = Counter(fill_cost.commands)
        own[jobs.poll_command] += polls
        delta = (after - before).minus(own, fill_cost.reads + polls + 1)
        done = [r for r in records if r is not None]
        failed = sum(1 for r in done if not r.success) + count - len(done)
        span = (
            max(r.finish for r in done) - min(r.start for r in done)
            if done
            else float("nan")
        )
        cpu_seconds = sum(cpu.seconds for cpu in cpus)
        wall = max(cpu.at for cpu in cpus)
        return {
            "ok": drained and failed == 0,
            "processes": len(procs),
            "jobs": count,
            "failed": failed,
            "jobs_per_s": count / span if span > 0 else None,
            "span_s": span,
            "wall_s": wall,
            "worker_cpu_ms_per_job": cpu_seconds * 1000 / count,
            "worker_cpu_pct": 100 * cpu_seconds / wall,
            "redis_cpu_ms_per_job": delta.cpu.seconds * 1000 / count,
            "redis_commands_per_job": delta.total_commands / count,
            "round_trips_per_job": delta.reads / count,
            "log_lines_per_job": log_lines / count,
            "rss_idle_mib": sum(m["rss_mib"] for m in idle_memory),
            "rss_peak_mib": sum(m["hwm_mib"] for m in memory),
            "commands": {
                name: calls / count
                for name, calls in delta.commands.most_common()
                if calls
            },
        }

    async def latency(
        self,
        variant: WorkerVariant,
        samples: int,
        gap: tuple[float, float],
        idle_seconds: float,
        seed: int,
    ) -> dict[str, Any]:
        """S4 and S5 idle: an idle worker's cost, then its start latency.

        After start-up the worker is left idle for ``idle_seconds`` while
        its CPU and the Redis commands it sends are counted, and its RSS is
        read. Then ``samples`` single jobs are enqueued one at a time, each
        after a random pause within ``gap``; each job returns the wall-clock
        time it started, and its latency is that minus the time just before
        the enqueue call.
        """
        self.redis.flush()
        rng = random.Random(seed)  # noqa: S311 - spacing, not secrets
        [proc] = self.start_workers([variant])
        try:
            await asyncio.sleep(SETTLE_SECONDS)
            cpu_before = process_cpu(proc.pid)
            before = self.redis.counters()
            await asyncio.sleep(idle_seconds)
            idle = self.redis.counters() - before
            idle_cpu = process_cpu(proc.pid) - cpu_before
            memory = process_memory(proc.pid)
            async with self._jobs(variant) as jobs:
                for _ in range(samples):
                    await asyncio.sleep(rng.uniform(*gap))
                    await jobs.enqueue("bench_stamp")
                _, drained = await self._wait_drained(jobs, [proc], samples)
                records = await jobs.records()
        finally:
            proc.stop()
        latencies = [
            (record.value - record.sent) * 1000
            for record in records
            if record is not None and record.success and record.sent
        ]
        idle_commands = idle.minus(Counter(), 1).total_commands
        return {
            "ok": drained and len(latencies) == samples,
            "samples": len(latencies),
            "p50_ms": _percentile(latencies, 0.50) if latencies else None,
            "p95_ms": _percentile(latencies, 0.95) if latencies else None,
            "p99_ms": _percentile(latencies, 0.99) if latencies else None,
            "max_ms": max(latencies) if latencies else None,
            "idle_cpu_pct": 100 * idle_cpu.seconds / idle_cpu.at,
            "idle_redis_commands_per_s": idle_commands / idle_cpu.at,
            "rss_idle_mib": memory["rss_mib"],
        }

    def http(
        self,
        variant: ApiVariant,
        requests: int,
        warmup: int,
        concurrency: int,
    ) -> dict[str, Any]:
        """S3: ``POST`` jobs at an API from a load generator process.

        A warm-up run is sent first and not counted. During the measured
        run the API's CPU and Redis's counters are read around it; no worker
        runs, so the jobs stay queued.
        """
        self.redis.flush()
        proc, port = self.start_api(variant)
        try:
            url = f"http://127.0.0.1:{port}{variant.path}"
            self._load(url, variant.body, warmup, concurrency)
            cpu_before = process_cpu(proc.pid)
            before = self.redis.counters()
            load = self._load(url, variant.body, requests, concurrency)
            delta = (self.redis.counters() - before).minus(Counter(), 1)
            cpu = process_cpu(proc.pid) - cpu_before
            queued = int(self.redis.client.zcard("arq:queue"))
        finally:
            proc.stop()
        done = load["requests"] or 1
        accepted = load["statuses"].get("202", 0)
        return {
            "ok": accepted == requests and load["error_count"] == 0,
            "requests": load["requests"],
            "accepted": accepted,
            "queued": queued,
            "rps": load["rps"],
            "p50_ms": load["p50_ms"],
            "p99_ms": load["p99_ms"],
            "api_cpu_ms_per_request": cpu.seconds * 1000 / done,
            "api_cpu_pct": 100 * cpu.seconds / cpu.at,
            "loadgen_cpu_ms_per_request": load["cpu_s"] * 1000 / done,
            "redis_commands_per_request": delta.total_commands / done,
            "round_trips_per_request": delta.reads / done,
            "errors": load["errors"],
        }

    def _load(
        self, url: str, body: str, requests: int, concurrency: int
    ) -> dict[str, Any]:
        command = [
            sys.executable, "-m", "harness.loadgen", url, body,
            "--requests", str(requests),
            "--concurrency", str(concurrency),
            "--max-seconds", str(60 + requests / 50),
        ]  # fmt: skip
        result = subprocess.run(  # noqa: S603 - our own load generator
            command,
            cwd=BENCH_DIR,
            env=child_env({"PYTHONPATH": str(BENCH_DIR)}),
            capture_output=True,
            text=True,
            timeout=120 + requests / 50,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"load generator failed:\n{result.stderr}")
        summary: dict[str, Any] = json.loads(result.stdout)
        return summary

    def redis_benchmark(self, requests: int) -> dict[str, Any]:
        """S6: ``redis-benchmark`` against the same Redis.

        PING, SET and GET with its 50 connections (the server's ceiling),
        and PING over one connection (the ceiling of one client that waits
        for each answer, as arq's job-start loop does).
        """
        program = shutil.which("redis-benchmark")
        if program is None:
            return {"ok": False, "error": "redis-benchmark not found"}
        self.redis.flush()
        base = [program, "-h", "127.0.0.1", "-p", str(self.redis.port), "-q"]
        figures = self._redis_benchmark(
            [*base, "-t", "ping,set,get", "-n", str(requests)]
        )
        single = self._redis_benchmark(
            [*base, "-c", "1", "-t", "ping", "-n", str(requests // 5)]
        )
        self.redis.flush()
        return {
            "ok": bool(figures) and bool(single),
            "ping_rps": figures.get("PING_MBULK"),
            "set_rps": figures.get("SET"),
            "get_rps": figures.get("GET"),
            "ping_rps_1_client": single.get("PING_MBULK"),
        }

    @staticmethod
    def _redis_benchmark(command: list[str]) -> dict[str, float]:
        result = subprocess.run(  # noqa: S603 - Redis's own tool
            command, capture_output=True, text=True, timeout=300, check=False
        )
        figures = {}
        # Lines look like "SET: 98039.22 requests per second, p50=0.26 msec";
        # progress updates before them end in carriage returns.
        for line in re.split(r"[\r\n]+", result.stdout):
            if match := re.match(
                r"\s*([A-Z_]+): ([\d.]+) requests per second", line
            ):
                figures[match[1]] = float(match[2])
        return figures
