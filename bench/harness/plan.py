"""How much each scenario does, and the settings the benchmark compares."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["CANDIDATE", "DEFAULTS", "FULL", "QUICK", "Plan", "Profile"]


@dataclass(frozen=True)
class Plan:
    """Sizes of one benchmark run."""

    name: str
    reps: int
    """Repetitions of every scenario and variant."""

    s1_jobs: int
    """No-op jobs one worker drains (S1)."""

    s2_jobs: int
    """10 ms jobs one worker drains (S2)."""

    s3_requests: int
    """Measured ``POST`` requests per API run (S3)."""

    s3_warmup: int
    """Requests sent before the measured ones, not counted."""

    s3_concurrency: int
    """Connections the load generator keeps busy."""

    s4_samples: int
    """Single jobs enqueued to an idle worker (S4)."""

    s4_gap: tuple[float, float]
    """Random pause before each S4 job, in seconds, so that jobs arrive at
    every phase of a polling worker's cycle."""

    idle_seconds: float
    """How long an idle worker is watched for CPU and Redis traffic (S5)."""

    s6_requests: int
    """Requests per ``redis-benchmark`` test (S6)."""

    s7_processes: tuple[int, ...]
    """Numbers of worker processes that share one queue (S7)."""

    s7_jobs: int
    """No-op jobs the processes of one S7 run drain together."""

    s7_cpu_jobs: int
    """Jobs that each use 5 ms of CPU, drained by one S7 run's processes."""


FULL = Plan(
    name="full",
    reps=3,
    s1_jobs=10_000,
    s2_jobs=1_000,
    s3_requests=6_000,
    s3_warmup=500,
    s3_concurrency=16,
    s4_samples=150,
    s4_gap=(0.01, 0.05),
    idle_seconds=3.0,
    s6_requests=100_000,
    s7_processes=(1, 2, 3, 4),
    s7_jobs=10_000,
    s7_cpu_jobs=2_000,
)
"""The run behind the README's figures."""

QUICK = Plan(
    name="quick",
    reps=1,
    s1_jobs=400,
    s2_jobs=150,
    s3_requests=600,
    s3_warmup=100,
    s3_concurrency=16,
    s4_samples=20,
    s4_gap=(0.005, 0.02),
    idle_seconds=0.5,
    s6_requests=10_000,
    s7_processes=(1, 2),
    s7_jobs=400,
    s7_cpu_jobs=200,
)
"""A smoke test of the harness (CI): every scenario and variant, tiny."""


@dataclass(frozen=True)
class Profile:
    """Settings of the generated project's processes, beyond its defaults.

    Used to measure candidate defaults without editing the template: the
    worker gets environment variables the project reads, attributes set on
    its ``WorkerSettings`` (for settings that have no variable yet) and the
    two process switches of `targets.tuning`; its raw-arq twin is probed
    from the result and gets the same.
    """

    key: str
    label: str
    worker_settings: dict[str, str] = field(default_factory=dict)
    """Project settings by name without the prefix (``WORKER_MAX_JOBS``)."""

    worker_overrides: dict[str, Any] = field(default_factory=dict)
    """``WorkerSettings`` attributes, e.g. ``{"poll_delay": 0.05}``."""

    event_loop: str | None = None
    """``uvloop``, or `None` for what the project does."""

    arq_log_level: str | None = None
    """Level of ``arq.worker`` after start-up, or `None` for the CLI's."""

    api_settings: dict[str, str] = field(default_factory=dict)
    """Project settings of the API process."""

    api_args: tuple[str, ...] = ()
    """Extra ``uvicorn`` arguments."""

    api_async_dependencies: bool = False
    """Serve the API through `targets.template_api` with the project's plain
    ``def`` dependencies made ``async def``."""

    def worker_env(self) -> dict[str, str]:
        """The `targets.tuning` variables for this profile."""
        env = {}
        if self.event_loop:
            env["BENCH_EVENT_LOOP"] = self.event_loop
        if self.arq_log_level:
            env["BENCH_ARQ_LOG_LEVEL"] = self.arq_log_level
        return env


DEFAULTS = Profile(key="", label="defaults")
"""The generated project exactly as rendered."""

CANDIDATE = Profile(key="cand", label="candidate")
"""What ``--candidate JSON`` fills in: settings to compare with the defaults.

The generated project's worker defaults (``WORKER_MAX_JOBS`` 50,
``WORKER_POLL_DELAY`` 30 ms, uvloop, no per-job INFO lines) and its
``async def`` service dependency were chosen with this harness, as a
candidate profile measured against the defaults of the time (one
repetition each; 5,000 no-op jobs, 2,000 10 ms jobs, 80 start latencies):

- ``poll_delay``: 0.1 s gave p50/p99 start latency 56/100 ms, 0.05 s
  32/52 ms, 0.04 s 25/42 ms, 0.03 s 18/32 ms, 0.01 s 7/12 ms; an idle
  worker sends 5 Redis commands per poll (165/s at 0.03 s) and used 2 % of
  a core at 0.03 s, 5.5 % at 0.01 s, 16.5 % at 0.002 s. 0.03 s is the
  largest that keeps p99 under 60 ms with margin.
- ``max_jobs``, at 0.03 s: 10 drained 10 ms jobs at 333/s, 20 at 1,004/s,
  50 at 1,576/s, 100 at 1,385/s (CPU-bound).
- uvloop and arq's per-job INFO lines off each took worker CPU per no-op
  job from about 0.66 to 0.56 ms.
- The API: an ``async def`` job-service dependency (FastAPI runs a plain
  ``def`` one in its thread pool on every request).

The full run that compared them with the defaults before them (template at
6871ba4) is ``bench/results/latest.md`` as of commit a3fb6d3.
"""
