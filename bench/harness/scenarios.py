"""One run of one scenario with one variant.

S1-S4, S6 and S7 have runs of their own; S5 is read from the S1 and S4
runs. Every run starts from a flushed Redis and fresh processes and returns
a flat dict of figures for the report; the README says what is measured.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from tests.support.processes import Service, free_port

from .loadgen import percentile
from .measure import RedisServer, process_cpu, process_memory
from .project import BENCH_DIR, Project
from .queues import Jobs, jobs_of
from .variants import ApiVariant, WorkerVariant, child_env

__all__ = ["Runner"]

POLL_INTERVAL = 0.025  # seconds between checks that a queue is drained
SETTLE_SECONDS = 0.5  # pause after a worker is ready, before measuring
READY_TIMEOUT = 60.0  # seconds a worker or API may take to start
LOG_TAIL = 3000  # characters of a process's log shown when it fails

type Start = tuple[str, list[str], dict[str, str], Callable[[], bool], str]
"""A process to start: name, command, environment, check of readiness and
what that check awaits."""


class Runner:
    """Runs scenarios against the harness's Redis, logging to ``logs``."""

    def __init__(
        self, project: Project, redis_server: RedisServer, logs: Path
    ) -> None:
        self.project = project
        self.redis = redis_server
        self.logs = logs
        self._fill_costs: dict[tuple[str, str, int], tuple[Counter[str], int]]
        self._fill_costs = {}
        self._runs = 0

    @contextmanager
    def _running(self, starts: list[Start]) -> Iterator[list[Service]]:
        """Start processes in ``bench/`` together; yield once all are ready.

        Each one is stopped by its pid afterwards, or if another fails,
        even if stopping one of them fails.
        """
        with ExitStack() as stack:
            procs = []
            for name, args, env, _, _ in starts:
                self._runs += 1
                log = self.logs / f"{self._runs:03d}-{name}.log"
                proc = Service(
                    name, args, env=env, log_path=log, cwd=BENCH_DIR
                )
                stack.callback(proc.stop)
                procs.append(proc)
            for proc, (*_, ready, what) in zip(procs, starts, strict=True):
                proc.wait_until(
                    ready, what, timeout=READY_TIMEOUT, tail=LOG_TAIL
                )
            yield procs

    def _workers(
        self, variants: list[WorkerVariant]
    ) -> AbstractContextManager[list[Service]]:
        """The workers, each once it polls (has written its health key)."""
        client = self.redis.client

        def polls(v: WorkerVariant) -> bool:
            name = v.queue_name
            if v.system in {"saq", "streaq"}:
                health = {"saq": "worker_info:", "streaq": "health"}[v.system]
                return bool(client.keys(f"{v.system}:{name}:{health}*"))
            if v.system == "taskiq":  # reading (its consumer shows later)
                clients = client.client_list()
                return any(c["cmd"] == "xreadgroup" for c in clients)
            key = v.probe.get("settings", {}).get("health_check_key")
            return bool(client.exists(key or f"{name}:health-check"))

        return self._running(
            [
                (v.key, v.command, v.env, partial(polls, v), "to poll")
                for v in variants
            ]
        )

    async def _fill_cost(
        self, variant: WorkerVariant, task: str, count: int
    ) -> tuple[Counter[str], int]:
        """Redis's commands and reads for one fill, measured once, idle."""
        key = (variant.system, task, count)
        if key not in self._fill_costs:
            self.redis.flush()
            async with jobs_of(variant, self.redis.url) as jobs:
                before = self.redis.counters()
                await jobs.ask("fill", task=task, count=count)
                delta = self.redis.counters() - before
            # The second INFO's own read is in the delta.
            self._fill_costs[key] = (delta.commands, delta.reads - 1)
            self.redis.flush()
        return self._fill_costs[key]

    async def _wait_drained(
        self, jobs: Jobs, procs: list[Service], count: int
    ) -> tuple[int, bool]:
        """Poll until the queue is empty; return (polls, drained)."""
        # 20 jobs/s at worst, plus a minute.
        deadline = time.monotonic() + 60.0 + count / 20
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
        """S1, S2 or S7: workers on one queue drain ``count`` jobs together."""
        fill_commands, fill_reads = await self._fill_cost(
            variants[0], task, count
        )
        self.redis.flush()
        with self._workers(variants) as procs:
            await asyncio.sleep(SETTLE_SECONDS)
            idle_memory = [process_memory(p.pid) for p in procs]
            async with jobs_of(variants[0], self.redis.url) as jobs:
                log_offsets = [p.log_size() for p in procs]
                cpu_before = [process_cpu(p.pid) for p in procs]
                before = self.redis.counters()
                await jobs.ask("fill", task=task, count=count)
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
                records = await jobs.ask("records")
        # Less the harness's own: the fill, its checks and the last INFO.
        own = Counter(fill_commands) + Counter({jobs.poll_command: polls})
        delta = (after - before).minus(own, fill_reads + polls + 1)
        done = [r for r in records if r is not None]
        failed = sum(1 for r in done if not r["success"]) + count - len(done)
        span = (
            max(r["finish"] for r in done) - min(r["start"] for r in done)
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
        """S4 and S5 idle: an idle worker's cost, then its start latency."""
        self.redis.flush()
        rng = random.Random(seed)  # noqa: S311 - spacing, not secrets
        with self._workers([variant]) as [proc]:
            await asyncio.sleep(SETTLE_SECONDS)
            cpu_before = process_cpu(proc.pid)
            before = self.redis.counters()
            await asyncio.sleep(idle_seconds)
            idle = self.redis.counters() - before
            idle_cpu = process_cpu(proc.pid) - cpu_before
            memory = process_memory(proc.pid)
            async with jobs_of(variant, self.redis.url) as jobs:
                for _ in range(samples):
                    await asyncio.sleep(rng.uniform(*gap))
                    await jobs.ask("enqueue", task="bench_stamp")
                _, drained = await self._wait_drained(jobs, [proc], samples)
                records = await jobs.ask("records")
        latencies = [
            (r["value"] - r["sent"]) * 1000
            for r in records
            if r is not None and r["success"] and r["sent"]
        ]
        idle_commands = idle.minus(Counter(), 1).total_commands

        def pct(fraction: float) -> float | None:
            return percentile(latencies, fraction) if latencies else None

        return {
            "ok": drained and len(latencies) == samples,
            "samples": len(latencies),
            "p50_ms": pct(0.50),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
            "max_ms": max(latencies) if latencies else None,
            "idle_cpu_pct": 100 * idle_cpu.seconds / idle_cpu.at,
            "idle_redis_commands_per_s": idle_commands / idle_cpu.at,
            "rss_idle_mib": memory["rss_mib"],
        }

    def http(
        self, variant: ApiVariant, requests: int, warmup: int, concurrency: int
    ) -> dict[str, Any]:
        """S3: ``POST`` jobs at an API (no worker) from a load generator."""
        self.redis.flush()
        port = free_port()
        command = [
            self.project.bin("uvicorn"), variant.app,
            "--host", "127.0.0.1", "--port", str(port), *variant.args,
        ]  # fmt: skip
        ready = partial(_answers, f"http://127.0.0.1:{port}/")
        start = (variant.key, command, variant.env, ready, "to answer GET /")
        url = f"http://127.0.0.1:{port}{variant.path}"
        with self._running([start]) as [proc]:
            _load(url, variant.body, warmup, concurrency)
            cpu_before = process_cpu(proc.pid)
            before = self.redis.counters()
            load = _load(url, variant.body, requests, concurrency)
            delta = (self.redis.counters() - before).minus(Counter(), 1)
            cpu = process_cpu(proc.pid) - cpu_before
            queued = int(self.redis.client.zcard("arq:queue"))
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

    def redis_benchmark(self, requests: int) -> dict[str, Any]:
        """S6: ``redis-benchmark`` against the same Redis.

        PING, SET and GET over its 50 connections (the server's ceiling),
        and PING over one (the ceiling of a client that waits for each
        answer, as arq's job-start loop does).
        """
        self.redis.flush()
        port = str(self.redis.port)
        run = ["redis-benchmark", "-h", "127.0.0.1", "-p", port]
        many = _redis_benchmark(
            [*run, "-t", "ping,set,get", "-n", str(requests)]
        )
        one = _redis_benchmark(
            [*run, "-c", "1", "-t", "ping", "-n", str(requests // 5)]
        )
        self.redis.flush()
        figures = {
            "ping_rps": many.get("PING_MBULK"),
            "set_rps": many.get("SET"),
            "get_rps": many.get("GET"),
            "ping_rps_1_client": one.get("PING_MBULK"),
        }
        return {"ok": all(figures.values()), **figures}


def _answers(url: str) -> bool:
    """Whether ``GET url`` answers 200, never through a proxy."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=2) as response:
            return bool(response.status == 200)  # noqa: PLR2004
    except OSError:
        return False


def _load(url: str, body: str, requests: int, concurrency: int) -> Any:
    """Run `harness.loadgen`; return its summary."""
    spec = {
        "url": url,
        "body": body,
        "requests": requests,
        "concurrency": concurrency,
        "max_seconds": 60 + requests / 50,
    }
    result = subprocess.run(  # noqa: S603 - our own load generator
        [sys.executable, "-m", "harness.loadgen", json.dumps(spec)],
        cwd=BENCH_DIR,
        env=child_env({"PYTHONPATH": str(BENCH_DIR)}),
        capture_output=True,
        text=True,
        timeout=120 + requests / 50,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"load generator failed:\n{result.stderr}")
    return json.loads(result.stdout)


def _redis_benchmark(command: list[str]) -> dict[str, float]:
    """Requests per second by test, from ``redis-benchmark -q``."""
    result = subprocess.run(  # noqa: S603 - Redis's own tool
        [*command, "-q"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    # Lines look like "SET: 98039.22 requests per second, p50=0.26 msec";
    # progress updates before them end in carriage returns.
    pattern = r"\s*([A-Z_]+): ([\d.]+) requests per second"
    return {
        match[1]: float(match[2])
        for line in re.split(r"[\r\n]+", result.stdout)
        if (match := re.match(pattern, line))
    }
