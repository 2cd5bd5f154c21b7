"""How much each scenario does, and the settings the benchmark compares."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["CANDIDATE", "DEFAULTS", "FULL", "METRICS_OFF",
           "METRICS_OFF_SETTINGS", "QUICK", "Plan", "Profile"]  # fmt: skip


@dataclass(frozen=True)
class Plan:
    """Sizes of one benchmark run."""

    name: str
    reps: int  # repetitions of every scenario and variant
    s1_jobs: int  # no-op jobs one worker drains
    s2_jobs: int  # 10 ms jobs one worker drains
    s3_requests: int  # measured POST requests per API run
    s3_warmup: int  # requests sent first, not counted
    s3_concurrency: int  # connections the load generator keeps busy
    s4_samples: int  # single jobs enqueued to an idle worker
    # Random pause before each S4 job, in seconds, so that jobs arrive at
    # every phase of a polling worker's cycle.
    s4_gap: tuple[float, float]
    idle_seconds: float  # an idle worker watched for CPU and Redis (S5)
    s6_requests: int  # requests per redis-benchmark test
    s7_processes: tuple[int, ...]  # numbers of workers sharing one queue
    s7_jobs: int  # no-op jobs the processes of one S7 run drain together
    s7_cpu_jobs: int  # jobs that each use 5 ms of CPU, likewise


FULL = Plan(
    name="full", reps=3, s1_jobs=10_000, s2_jobs=1_000, s3_requests=6_000,
    s3_warmup=500, s3_concurrency=16, s4_samples=150, s4_gap=(0.01, 0.05),
    idle_seconds=3.0, s6_requests=100_000, s7_processes=(1, 2, 3, 4),
    s7_jobs=10_000, s7_cpu_jobs=2_000,
)  # fmt: skip
"""The run behind the README's figures."""

QUICK = Plan(
    name="quick", reps=1, s1_jobs=400, s2_jobs=150, s3_requests=600,
    s3_warmup=100, s3_concurrency=16, s4_samples=20, s4_gap=(0.005, 0.02),
    idle_seconds=0.5, s6_requests=10_000, s7_processes=(1, 2), s7_jobs=400,
    s7_cpu_jobs=200,
)  # fmt: skip
"""A smoke test of the harness (CI): every scenario and variant, tiny."""


@dataclass(frozen=True)
class Profile:
    """Settings of the generated project's processes, beyond its defaults.

    Candidate defaults are measured without editing the template: the
    worker gets project settings and ``WorkerSettings`` attributes, and its
    raw-arq twin what is probed from it; the API settings and uvicorn
    arguments.
    """

    key: str
    label: str
    # Project settings named without the prefix: WORKER_MAX_JOBS.
    worker_settings: dict[str, str] = field(default_factory=dict)
    # WorkerSettings attributes that have no setting.
    worker_overrides: dict[str, Any] = field(default_factory=dict)
    api_settings: dict[str, str] = field(default_factory=dict)
    api_args: tuple[str, ...] = ()  # extra uvicorn arguments
    # A raw-arq twin and a goals table of its own; without, its template
    # is only compared with the defaults'.
    twin: bool = True

    @property
    def suffix(self) -> str:
        """What its variants' keys end with: ``+cand``, or nothing."""
        return f"+{self.key}" if self.key else ""

    @property
    def note(self) -> str:
        """What its variants' labels end with: ``, candidate``, or nothing."""
        return f", {self.label}" if self.key else ""


DEFAULTS = Profile(key="", label="defaults")  # the project as rendered

METRICS_OFF_SETTINGS = {"PROMETHEUS_ENABLED": "false"}
"""Project settings (without the prefix) that turn the metrics off, in the
worker and in the API (issue 15)."""

METRICS_OFF = Profile(
    key="nometrics",
    label="metrics off",
    worker_settings=METRICS_OFF_SETTINGS,
    api_settings=METRICS_OFF_SETTINGS,
    twin=False,
)
"""Run by every plan: what the metrics cost, against the defaults."""

CANDIDATE = Profile(key="cand", label="candidate")
"""What ``--candidate JSON`` fills in (the README says how the current
defaults were chosen this way)."""
