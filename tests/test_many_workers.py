"""Several workers of the default project on one queue and one Redis.

Four ``arq`` processes serve one queue on a private ``redis-server``. Every
job runs exactly once: ``fetch_status`` jobs call a local HTTP server that
counts their requests (starts) and answers (effects), and every worker's
log line for a job start (arq's ``→ <job id>:<task>``) is counted for each
job. The ``queue_report`` cron task, scheduled every second, runs once per
tick across the workers: each tick has one result key and one start in all
the logs together.

How throughput grows with workers is measured by the benchmark
(``bench/``), not asserted here.
"""

from __future__ import annotations

import itertools
import re
import time
from collections import Counter
from collections.abc import Iterator

import pytest
import redis

from .support.fetch_target import FetchTarget
from .support.job_client import JobClient
from .support.processes import Service, wait_for
from .support.project import GeneratedProject
from .support.stack import Launcher, Stack

WORKERS = 4
"""Worker processes on the queue."""

WORD_JOBS = 200
"""``word_count`` jobs queued."""

FETCH_JOBS = 40
"""``fetch_status`` jobs queued, each with its own key on the target."""

CRON_WINDOW = 5.0
"""Seconds over which the every-second cron task is watched."""

DONE_TIMEOUT = 90.0
"""Seconds that all the jobs together may take, on a small CI machine."""

STARTED = re.compile(r"→ (?P<job_id>\S+):(?P<task>\w+)\(")
"""arq's log line for a job that a worker starts: ``→ <id>:<task>(...)``."""

CRON_PREFIX = "queue_report:"
"""Start of the job id arq gives each tick of the unique cron task."""

CRON_STARTED = "→ queue_report()"
"""arq's log line for a start of the cron task (it names no job id)."""

CRON_ENDED = "← queue_report ●"
"""arq's log line for a successful end of the cron task."""


@pytest.fixture(scope="module")
def crew(
    default_project: GeneratedProject,
    redis_port: int,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Launcher, list[Service]]]:
    """The API and `WORKERS` workers, the cron task due every second."""
    stack = Stack(
        default_project, redis_port, tmp_path_factory.mktemp("crew-logs")
    )
    # Runs are counted from arq's per-job log lines, off by default.
    stack.env.update(
        stack.settings(
            QUEUE_REPORT_SCHEDULE='{"second": null}', WORKER_LOG_JOBS="true"
        )
    )
    launcher = Launcher(stack)
    try:
        workers = [launcher.worker(f"worker-{n}") for n in range(WORKERS)]
        yield launcher, workers
    finally:
        launcher.stop_all()


@pytest.fixture(scope="module")
def jobs(crew: tuple[Launcher, list[Service]]) -> Iterator[JobClient]:
    """A client of the API in front of the workers."""
    launcher, _ = crew
    api = launcher.api("api")
    with JobClient(api, f"/{launcher.stack.project.name}") as client:
        yield client


def starts(workers: list[Service]) -> dict[str, Counter[str]]:
    """Job starts by job id, counted in each worker's log."""
    counts: dict[str, Counter[str]] = {}
    for worker in workers:
        for match in STARTED.finditer(worker.log()):
            per_worker = counts.setdefault(match["job_id"], Counter())
            per_worker[worker.name] += 1
    return counts


def result_count(client: redis.Redis, job_ids: list[str]) -> int:
    """How many of the jobs have a result in Redis."""
    with client.pipeline(transaction=False) as pipe:
        for job_id in job_ids:
            pipe.exists(f"arq:result:{job_id}")
        return sum(pipe.execute())


def test_each_job_runs_once(
    crew: tuple[Launcher, list[Service]],
    jobs: JobClient,
    target: FetchTarget,
    redis_client: redis.Redis,
) -> None:
    """Jobs shared by the workers each run, and take effect, once."""
    _, workers = crew
    words = {
        jobs.submit({"task": "word_count", "text": "w " * n}): n
        for n in range(1, WORD_JOBS + 1)
    }
    fetches = {
        jobs.submit({"task": "fetch_status", "url": target.url(f"f{n}")}): (
            f"f{n}"
        )
        for n in range(FETCH_JOBS)
    }
    ids = [*words, *fetches]
    wait_for(
        lambda: result_count(redis_client, ids) == len(ids),
        what=f"{len(ids)} results",
        timeout=DONE_TIMEOUT,
        interval=0.5,
    )

    for job_id, n in words.items():
        job = jobs.job(job_id)
        assert job["success"] is True, job
        assert job["result"]["words"] == n, job
    for job_id, key in fetches.items():
        job = jobs.job(job_id)
        assert job["success"] is True, job
        assert target.requests(key) == 1, key
        assert target.answered(key) == 1, key
    counted = starts(workers)
    runs = {
        job_id: sum(counted.get(job_id, Counter()).values()) for job_id in ids
    }
    assert [i for i, n in runs.items() if n != 1] == [], runs
    # The queue was shared: more than one worker ran its jobs.
    ran = {name for i in ids for name in counted[i]}
    assert len(ran) > 1, ran
    for worker in workers:
        worker.assert_running()


def test_cron_runs_once_per_tick(
    crew: tuple[Launcher, list[Service]], redis_client: redis.Redis
) -> None:
    """Every worker schedules the cron task; each tick runs on one worker.

    arq logs a cron job's start and end without its id, so the starts and
    ends in all the logs are compared with the ticks' result keys, at a
    moment when no tick is running.
    """
    _, workers = crew

    def ticks() -> list[int]:
        keys = redis_client.scan_iter(match=f"arq:result:{CRON_PREFIX}*")
        return sorted(int(key.rsplit(b":", 1)[1]) for key in keys)

    def settled() -> tuple[int, int, list[int]] | None:
        logs = "".join(worker.log() for worker in workers)
        started = logs.count(CRON_STARTED)
        ended = logs.count(CRON_ENDED)
        done = ticks()
        if not started == ended == len(done):
            # A tick is running, or its result is not written yet.
            return None
        return started, ended, done

    first = wait_for(settled, what="the cron task to run", timeout=10)
    time.sleep(CRON_WINDOW)
    started, ended, done = wait_for(
        settled, what="no cron tick in flight", timeout=10, interval=0.05
    )

    new = started - first[0]
    assert new >= CRON_WINDOW - 1, (first, started)
    # One run per tick: as many starts in all logs as ticks with a result.
    assert started == ended == len(done), (started, ended, done)
    # And no tick left out: result ids end in the tick's time in ms.
    assert {b - a for a, b in itertools.pairwise(done)} == {1000}, done
    for worker in workers:
        worker.assert_running()
