"""Prometheus metrics of the real API and worker, scraped as jobs run.

An API and a worker on a queue of their own run a few jobs (complete, and
one that is retried and then fails); both ``/metrics`` endpoints must then
count exactly those jobs, by task and outcome, and the worker that samples
the queue must show the deferred job.
"""

from __future__ import annotations

import re

import httpx

from .support.fetch_target import FetchTarget
from .support.processes import free_port, wait_for
from .support.stack import Launcher
from .test_e2e import JOB_TIMEOUT, queue, wait_until_complete
from .test_e2e_jobs import wait_for_status

SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')

type Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(url: str) -> Samples:
    """Read a ``/metrics`` page in Prometheus's text format."""
    response = httpx.get(url, timeout=10, trust_env=False)
    assert response.status_code == httpx.codes.OK, response.text
    samples: Samples = {}
    for line in response.text.splitlines():
        if line.startswith("#") or not line:
            continue
        match = SAMPLE.match(line)
        assert match, f"not a sample: {line}"
        name, labels, value = match.groups()
        found = frozenset(LABEL.findall(labels or ""))
        samples[name, found] = float(value)
    return samples


def value(samples: Samples, name: str, **labels: str) -> float | None:
    """One sample's value, or None if the page has no such series."""
    return samples.get((name, frozenset(labels.items())))


def test_both_endpoints_count_the_jobs_that_ran(
    launcher: Launcher, jobs: str, target: FetchTarget
) -> None:
    port = free_port()
    settings = {
        "QUEUE_NAME": "e2e:metrics",
        "WORKER_RETRY_DELAY": "0.1",
        "WORKER_QUEUE_SAMPLE_INTERVAL": "0.2",
    }
    api = launcher.api("api-metrics", **settings)
    launcher.worker(
        "worker-metrics", WORKER_METRICS_PORT=str(port), **settings
    )
    worker_url = f"http://127.0.0.1:{port}/metrics"
    with httpx.Client(base_url=api.url, timeout=10, trust_env=False) as client:
        counted = [
            queue(client, jobs, {"task": "word_count", "text": text})
            for text in ("a", "b c", "d e f")
        ]
        failing = queue(
            client,
            jobs,
            {"task": "fetch_status", "url": target.url("down", fail=3)},
        )
        response = client.post(
            jobs, json={"task": "word_count", "text": "x", "defer_by": 3600}
        )
        assert response.status_code == httpx.codes.ACCEPTED, response.text
        for url in counted:
            wait_until_complete(client, url)
        wait_for_status(client, failing, "failed")
        job_id = failing.rsplit("/", 1)[1]
        api_samples = scrape(f"{api.url}/metrics")

    posts = {"method": "POST", "route": jobs, "status": "202"}
    assert value(api_samples, "http_requests_total", **posts) == 5
    job_route = {"method": "GET", "route": jobs + "/{job_id}"}
    assert value(
        api_samples, "http_request_duration_seconds_count", **job_route
    )
    assert (
        value(api_samples, "arq_jobs_enqueued_total", task="word_count") == 4
    )
    assert (
        value(api_samples, "arq_jobs_enqueued_total", task="fetch_status") == 1
    )
    assert not [key for key in api_samples if (job_id in str(key))]

    def sampled() -> Samples | None:
        # The queue is sampled every interval, the counters as jobs end: a
        # sample taken before the failed job's last try would miss it.
        samples = scrape(worker_url)
        deferred = value(samples, "arq_queue_jobs", state="deferred")
        failed = value(samples, "arq_queue_jobs", state="failed")
        return samples if (deferred, failed) == (1, 1) else None

    samples = wait_for(
        sampled,
        what="the deferred and the failed job in the sample",
        timeout=JOB_TIMEOUT,
    )
    outcomes = {
        (dict(labels)["task"], dict(labels)["outcome"]): count
        for (name, labels), count in samples.items()
        if name == "arq_jobs_total" and count
    }
    assert outcomes == {
        ("word_count", "complete"): 3,
        ("fetch_status", "retried"): 2,
        ("fetch_status", "failed"): 1,
    }
    for task, runs in (("word_count", 3), ("fetch_status", 3)):
        for histogram in (
            "arq_job_duration_seconds",
            "arq_job_queued_seconds",
        ):
            count = value(samples, f"{histogram}_count", task=task)
            assert count == runs, (histogram, task)
            every = value(samples, f"{histogram}_bucket", task=task, le="+Inf")
            assert every == runs, (histogram, task)
        assert value(samples, "arq_jobs_in_progress", task=task) == 0
    assert value(samples, "arq_queue_jobs", state="failed") == 1
    assert value(samples, "process_resident_memory_bytes")
