"""Prometheus metrics of the API and of the worker, each on its own registry.

Each process makes the one set it serves, so that neither shows the other's
series; both add the process's CPU, memory and garbage collection.
"""

from enum import StrEnum

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
)

JOB_SECONDS = (0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 900)
"""Buckets of job run and queue times: milliseconds up to a quarter hour."""


class Outcome(StrEnum):
    """How one run of a job ended, the ``outcome`` label of its count."""

    complete = "complete"
    failed = "failed"
    """Failed for good: an exception, or its last try."""
    retried = "retried"
    """Will run again: it asked to, or its worker stopped during it."""
    aborted = "aborted"
    timed_out = "timed_out"


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
        registry.register(collector)
    return registry


class ApiMetrics:
    """What the API counts: requests by route, and the jobs it queues."""

    def __init__(self) -> None:
        self.registry = _registry()
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.request_duration = Histogram(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template",
            ["method", "route"],
            registry=self.registry,
        )
        self.enqueued = Counter(
            "arq_jobs_enqueued_total",
            "Jobs queued by the API, by task",
            ["task"],
            registry=self.registry,
        )
        self.enqueue_failures = Counter(
            "arq_enqueue_failures_total",
            "Jobs that the API could not queue (Redis failed), by task",
            ["task"],
            registry=self.registry,
        )


class WorkerMetrics:
    """What a worker counts: its jobs, and the queue as one worker sees it."""

    def __init__(self) -> None:
        self.registry = _registry()
        self.jobs = Counter(
            "arq_jobs_total",
            "Runs of jobs that ended, by task and outcome",
            ["task", "outcome"],
            registry=self.registry,
        )
        self.run_time = Histogram(
            "arq_job_duration_seconds",
            "Run time of one try of a job, by task",
            ["task"],
            buckets=JOB_SECONDS,
            registry=self.registry,
        )
        self.queue_time = Histogram(
            "arq_job_queued_seconds",
            "Time from a job's due time (queued, deferred to, or retry"
            " delay over) to its start, by task",
            ["task"],
            buckets=JOB_SECONDS,
            registry=self.registry,
        )
        self.in_progress = Gauge(
            "arq_jobs_in_progress",
            "Jobs that this worker runs now",
            ["task"],
            registry=self.registry,
        )
        self.queue = Gauge(
            "arq_queue_jobs",
            "Jobs of the queue by state, as the dashboard counts them"
            " (each up to 10,000); only the worker that samples shows it",
            ["state"],
            registry=self.registry,
        )
