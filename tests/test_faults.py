"""Faults injected into the default project's real processes: nothing lost.

Each test gets its own ``redis-server`` on 127.0.0.1 that writes every
command to its append-only file before answering (so that a SIGKILL loses
nothing it acknowledged) and starts ``uvicorn`` and ``arq`` from the
project's venv. Workers are killed with SIGKILL or stopped with SIGTERM,
Redis is killed and started again on the same port and directory, and every
process is stopped by its pid. Settings shorten the time limits, so that
every wait is a few seconds and the bounds the tests check are the ones the
settings give.

``fetch_status`` jobs call a local HTTP server (`FetchTarget`) that counts
both starts (requests) and effects (answered requests): a job that is run
again after a crash starts twice but takes effect once.

Deselect these with ``-m "not faults"``; CI runs them.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from .support.commands import CommandResult, run
from .support.fetch_target import FetchTarget
from .support.job_client import JobClient
from .support.processes import free_port, wait_for
from .support.project import GeneratedProject
from .support.redis_server import RedisServer
from .support.stack import Launcher, Stack

pytestmark = pytest.mark.faults

type Measure = Callable[[str, float], None]
"""Records a measured time, in seconds, under a name."""

JOB_TIMEOUT = 3
"""``WORKER_JOB_TIMEOUT`` in seconds, the longest of the worker's limits."""

FETCH_TIMEOUT = 2
"""``FETCH_TIMEOUT`` in seconds, the per-task limit of ``fetch_status``."""

IN_PROGRESS = max(JOB_TIMEOUT, FETCH_TIMEOUT) + 11
"""Seconds arq's in-progress key of a job lives: the longest time limit of
the worker's functions, plus the 1 s by which arq's limit trails the task
wrapper's, plus arq's 10 s. A job whose worker died runs again when this
key expires."""

HEALTH_INTERVAL = 2
"""``WORKER_HEALTH_CHECK_INTERVAL`` in seconds; the key lives 1 s longer."""

SHARED_HEALTH_KEY = "arq:queue:health-check"
"""arq's health-check key of the default queue, shared by its workers; a
worker with a ``WORKER_NAME`` writes ``<this key>:<name>`` instead."""

OUTAGE = 5.0
"""Seconds that Redis is down under a running worker."""

START_UP_FAILS_WITHIN = 20.0
"""Seconds within which the API or a worker gives up starting without
Redis."""

FAULT_SETTINGS = {
    "WORKER_JOB_TIMEOUT": str(JOB_TIMEOUT),
    "FETCH_TIMEOUT": str(FETCH_TIMEOUT),
    # A worker stopped at the end of a test does not wait for jobs that a
    # test left hanging; the SIGTERM tests set their own.
    "WORKER_COMPLETION_WAIT": "1",
}
"""Settings of every process these tests start."""


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A private Redis, with every write on disk, that a test may kill."""
    directory = tmp_path / "redis"
    directory.mkdir()
    server = RedisServer(directory)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def processes(
    default_project: GeneratedProject,
    redis_server: RedisServer,
    tmp_path: Path,
) -> Iterator[Launcher]:
    """Starts the API and workers on `redis_server`; stops them after."""
    logs = tmp_path / "logs"
    logs.mkdir()
    stack = Stack(default_project, redis_server.port, logs)
    stack.env.update(stack.settings(**FAULT_SETTINGS))
    launcher = Launcher(stack)
    yield launcher
    launcher.stop_all()


@pytest.fixture
def measure(request: pytest.FixtureRequest) -> Measure:
    """Records what a test measured, in its output (``-rP`` shows it)."""

    def record(name: str, seconds: float) -> None:
        request.node.user_properties.append((name, round(seconds, 2)))
        sys.stdout.write(f"measured {name}: {seconds:.2f} s\n")

    return record


@pytest.fixture
def jobs(processes: Launcher) -> Iterator[JobClient]:
    """A client of a freshly started API."""
    api = processes.api("api")
    prefix = f"/{processes.stack.project.name}"
    with JobClient(api, prefix) as client:
        yield client


def fetch(url: str) -> dict[str, object]:
    """Body of a ``fetch_status`` job."""
    return {"task": "fetch_status", "url": url}


def word_count(text: str, **options: object) -> dict[str, object]:
    """Body of a ``word_count`` job."""
    return {"task": "word_count", "text": text, **options}


def arq_check(stack: Stack, **settings: str) -> CommandResult:
    """Run ``arq --check`` on the worker settings, as a probe does."""
    command = [str(stack.project.venv_bin("arq")), "--check"]
    command.append(stack.worker_settings)
    env = {**stack.env, **stack.settings(**settings)}
    return run(command, cwd=stack.project.path, env=env, timeout=60)


# 1. A worker killed in the middle of a job.


def test_killed_worker_job_runs_again_once(
    processes: Launcher,
    jobs: JobClient,
    target: FetchTarget,
    measure: Measure,
) -> None:
    """SIGKILL mid-job: the job runs again, once, then completes.

    The next worker runs it when arq's in-progress key expires (the longest
    time limit + 11 s); it started twice and took effect once.
    """
    doomed = processes.worker("worker-killed")
    job_id = jobs.submit(fetch(target.url("killed", first="hang")))
    started = target.wait_for_request("killed")
    doomed.kill()
    processes.worker("worker-next")

    rerun = target.wait_for_request("killed", 2, timeout=IN_PROGRESS + 10)
    job = jobs.wait_complete(job_id)

    delay = rerun - started
    measure("rerun_after_sigkill_s", delay)
    assert IN_PROGRESS - 1 < delay < IN_PROGRESS + 3, delay
    assert job["success"] is True, job
    assert job["result"]["status_code"] == httpx.codes.OK
    assert target.requests("killed") == 2
    assert target.answered("killed") == 1


def test_documented_rerun_bound_follows_the_default(
    default_project: GeneratedProject,
) -> None:
    """The docs state the lost-job bound that the default time limit gives.

    arq's in-progress key lives the longest time limit + 11 s; the default
    ``WORKER_JOB_TIMEOUT`` is chosen short, so that bound stays near a
    minute rather than five.
    """
    module = f"{default_project.module}.worker.main"
    script = (
        f"from {module} import WorkerSettings as W;"
        " print(W.job_timeout.total_seconds())"
    )
    python = str(default_project.venv_bin("python"))
    result = run([python, "-c", script], cwd=default_project.path)
    result.assert_ok()
    bound = float(result.output.strip().splitlines()[-1]) + 11
    assert bound <= 90, f"a lost job would wait {bound} s"
    docs = default_project.path / "docs" / "reliability.md"
    assert f"+ 11 s: {bound:.0f} s with the defaults" in docs.read_text(
        encoding="utf-8"
    )
    readme = (default_project.path / "README.md").read_text(encoding="utf-8")
    assert "runs again after this + 11 s" in readme


# 2. A worker stopped with SIGTERM in the middle of a job.


def test_sigterm_lets_running_job_finish(
    processes: Launcher,
    jobs: JobClient,
    target: FetchTarget,
    measure: Measure,
) -> None:
    """A job shorter than ``WORKER_COMPLETION_WAIT`` finishes before exit."""
    worker = processes.worker(
        "worker-stopped", WORKER_COMPLETION_WAIT="10", FETCH_TIMEOUT="5"
    )
    job_id = jobs.submit(fetch(target.url("finishing", first="2")))
    target.wait_for_request("finishing")
    signalled = time.monotonic()
    worker.terminate()
    status = worker.wait(timeout=15)
    took = time.monotonic() - signalled

    measure("sigterm_exit_after_2s_job_s", took)
    assert status == 0, worker.describe()
    # It waited for the job (an idle worker exits at once), not the limit.
    assert 1.5 < took < 10, took
    job = jobs.job(job_id)
    assert job["status"] == "complete", job
    assert job["success"] is True, job
    assert target.requests("finishing") == 1
    assert target.answered("finishing") == 1


def test_sigterm_requeues_job_longer_than_completion_wait(
    processes: Launcher,
    jobs: JobClient,
    target: FetchTarget,
    measure: Measure,
) -> None:
    """A job longer than the wait is cancelled and queued again.

    It stays queued, not lost, and the next worker runs it at once.
    """
    worker = processes.worker("worker-stopped", WORKER_COMPLETION_WAIT="1")
    job_id = jobs.submit(fetch(target.url("requeued", first="hang")))
    target.wait_for_request("requeued")
    signalled = time.monotonic()
    worker.terminate()
    status = worker.wait(timeout=15)
    took = time.monotonic() - signalled

    measure("sigterm_exit_with_1s_wait_s", took)
    assert status == 0, worker.describe()
    assert took < 1 + 4, took
    assert jobs.job(job_id)["status"] == "queued"

    restarted = time.monotonic()
    processes.worker("worker-next")
    rerun = target.wait_for_request("requeued", 2, timeout=15)
    job = jobs.wait_complete(job_id)
    measure("rerun_after_restart_s", rerun - restarted)
    # No in-progress key was left behind to wait for, unlike after SIGKILL.
    assert rerun - restarted < IN_PROGRESS - 5, rerun - restarted
    assert job["success"] is True, job
    assert target.requests("requeued") == 2
    assert target.answered("requeued") == 1


def test_cancellations_past_max_tries_fail_the_job(
    processes: Launcher, jobs: JobClient, target: FetchTarget
) -> None:
    """A job cancelled more often than ``WORKER_MAX_TRIES`` has failed.

    It reads as failed for good, with the reason, not as a missing job.
    """
    settings = {"WORKER_COMPLETION_WAIT": "1", "WORKER_MAX_TRIES": "1"}
    worker = processes.worker("worker-stopped", **settings)
    job_id = jobs.submit(fetch(target.url("cancelled", first="hang")))
    target.wait_for_request("cancelled")
    worker.terminate()
    assert worker.wait(timeout=15) == 0, worker.describe()

    processes.worker("worker-next", **settings)
    job = jobs.wait_complete(job_id)
    assert job["status"] == "failed", job
    assert job["error"] == "JobExecutionFailed: max 1 tries reached", job
    assert target.requests("cancelled") == 1


def test_default_completion_wait_fits_grace_period(
    processes: Launcher,
) -> None:
    """The default wait leaves Kubernetes' grace period time to spare."""
    stack = processes.stack
    manifest = stack.project.path / "deploy/kubernetes/base"
    text = (manifest / "worker-deployment.yaml").read_text(encoding="utf-8")
    pod = yaml.safe_load(text)["spec"]["template"]["spec"]
    grace = pod["terminationGracePeriodSeconds"]
    field = "Config.model_fields['worker_completion_wait'].default"
    code = (
        f"from {stack.project.module}.config import Config;"
        f" print({field}.total_seconds())"
    )
    python = str(stack.project.venv_bin("python"))
    result = run([python, "-c", code], cwd=stack.project.path, env=stack.env)
    result.assert_ok()
    default = float(result.output)
    # Time after the wait: cancel the rest, record them, close clients.
    assert default + 10 <= grace, (default, grace)


# 3. Redis killed while jobs are queued.


def test_queued_jobs_survive_redis_kill(
    processes: Launcher, jobs: JobClient, redis_server: RedisServer
) -> None:
    """Redis SIGKILLed and restarted still has every queued job.

    With the append-only file on, Redis restarted on the same port and
    directory has every job queued before the kill, and a worker runs them
    all; the API recovers without a restart.
    """
    counts = range(1, 21)
    ids = [jobs.submit(word_count("w " * n)) for n in counts]
    redis_server.kill()
    redis_server.start()
    processes.worker("worker")
    done = [jobs.wait_complete(job_id) for job_id in ids]
    assert [job["result"]["words"] for job in done] == list(counts)


# 4. Redis down for a few seconds under a running worker.


def test_worker_rides_out_redis_outage(
    processes: Launcher,
    jobs: JobClient,
    redis_server: RedisServer,
    target: FetchTarget,
    measure: Measure,
) -> None:
    """The worker survives a Redis outage of a few seconds; no job is lost.

    It finishes the job it was running (the result is written once Redis is
    back, and the job is not run again), then runs the jobs queued behind it
    and new ones.
    """
    worker = processes.worker("worker", WORKER_MAX_JOBS="1")
    # Answers 1 s after the request, during the outage, well inside the
    # 2 s FETCH_TIMEOUT even on a busy machine.
    running = jobs.submit(fetch(target.url("outage", first="1.0")))
    queued = [jobs.submit(word_count("q " * n)) for n in range(1, 4)]
    target.wait_for_request("outage")
    redis_server.kill()
    time.sleep(OUTAGE)
    worker.assert_running()
    redis_server.start()
    back = time.monotonic()
    after = jobs.submit(word_count("after the outage"))
    done = [jobs.wait_complete(i) for i in (running, *queued, after)]

    measure("jobs_done_after_redis_back_s", time.monotonic() - back)
    worker.assert_running()
    assert all(job["success"] for job in done), done
    words = [job["result"]["words"] for job in done[1:]]
    assert words == [1, 2, 3, 3]
    assert target.requests("outage") == 1
    assert target.answered("outage") == 1
    assert "Traceback" not in worker.log(), worker.describe()


# 5. Redis down during API calls, and at the API's start-up.


def test_api_answers_503_while_redis_is_down(
    processes: Launcher,
    jobs: JobClient,
    redis_server: RedisServer,
    measure: Measure,
) -> None:
    """Without Redis the job routes answer 503; all recover after.

    Enqueue, lookup, abort and listing answer 503 with a JSON reason and
    ``Retry-After``; readiness fails; the same process serves again once
    Redis is back.
    """
    deferred = jobs.submit(word_count("later", defer_by=600))
    job_url = f"{jobs.jobs}/{deferred}"
    redis_server.kill()
    calls = {
        "enqueue": lambda: jobs.http.post(jobs.jobs, json=word_count("now")),
        "lookup": lambda: jobs.http.get(job_url),
        "abort": lambda: jobs.http.delete(job_url),
        "list": lambda: jobs.http.get(jobs.jobs, params={"status": "queued"}),
    }
    slowest = 0.0
    for name, call in calls.items():
        start = time.monotonic()
        response = call()
        slowest = max(slowest, time.monotonic() - start)
        assert response.status_code == httpx.codes.SERVICE_UNAVAILABLE, (
            name,
            response.text,
        )
        assert response.headers["Retry-After"].isdigit(), name
        error = response.json()["detail"][0]
        assert error["type"] == "queue_unavailable", (name, error)
        assert "unavailable" in error["msg"], (name, error)
        assert "Traceback" not in response.text, (name, response.text)
    measure("slowest_503_s", slowest)
    assert slowest < 5, slowest

    ready = jobs.http.get("/health/ready")
    assert ready.status_code == httpx.codes.SERVICE_UNAVAILABLE
    assert ready.json()["status"] == "unavailable"
    assert ready.headers["Retry-After"].isdigit()
    assert jobs.http.get("/health/live").status_code == httpx.codes.OK

    redis_server.start()
    wait_for(
        lambda: jobs.http.get("/health/ready").status_code == httpx.codes.OK,
        what="/health/ready to pass again",
        timeout=10,
    )
    assert jobs.job(deferred)["status"] == "deferred"
    jobs.submit(word_count("now"))
    aborted = jobs.http.delete(job_url)
    assert aborted.status_code in {
        httpx.codes.ACCEPTED,
        httpx.codes.NO_CONTENT,
    }, aborted.text
    api_log = processes.stack.logs / "api.log"
    assert "Traceback" not in api_log.read_text(encoding="utf-8")


@pytest.mark.parametrize("program", ["uvicorn", "arq"])
def test_start_up_without_redis_fails_fast(
    default_project: GeneratedProject,
    tmp_path: Path,
    measure: Measure,
    program: str,
) -> None:
    """The API and the worker exit within seconds, saying in one line why.

    A worker that was already running rides an outage out (above); one that
    never reached Redis gives up as the API does, with no traceback.
    """
    dead_port = free_port()
    stack = Stack(default_project, dead_port, tmp_path)
    arguments = {
        "uvicorn": [
            f"{default_project.module}.main:app",
            *("--host", "127.0.0.1", "--port", str(free_port())),
        ],
        "arq": [stack.worker_settings],
    }
    command = [str(default_project.venv_bin(program)), *arguments[program]]
    start = time.monotonic()
    result = run(command, cwd=default_project.path, env=stack.env, timeout=90)
    took = time.monotonic() - start

    measure(f"{program}_start_up_without_redis_exits_after_s", took)
    assert result.returncode != 0, result.describe()
    assert took < START_UP_FAILS_WITHIN, result.describe()
    lines = [
        line
        for line in result.output.splitlines()
        if f"Cannot start: Redis at 127.0.0.1:{dead_port} is unavailable"
        in line
    ]
    assert len(lines) == 1, result.describe()
    assert "Connection refused" in lines[0], lines
    assert "Traceback" not in result.output, result.describe()


@pytest.mark.parametrize("program", ["uvicorn", "arq"])
def test_start_up_refused_by_redis_says_why(
    default_project: GeneratedProject,
    redis_server: RedisServer,
    tmp_path: Path,
    program: str,
) -> None:
    """Redis that answers but refuses (no such database): one line too."""
    stack = Stack(default_project, redis_server.port, tmp_path)
    url = f"redis://127.0.0.1:{redis_server.port}/99"
    arguments = {
        "uvicorn": [
            f"{default_project.module}.main:app",
            *("--host", "127.0.0.1", "--port", str(free_port())),
        ],
        "arq": [stack.worker_settings],
    }
    command = [str(default_project.venv_bin(program)), *arguments[program]]
    env = {**stack.env, **stack.settings(ARQ_QUEUE_URL=url)}
    result = run(command, cwd=default_project.path, env=env, timeout=60)
    assert result.returncode != 0, result.describe()
    lines = [
        line
        for line in result.output.splitlines()
        if "DB index is out of range" in line
    ]
    assert len(lines) == 1, result.describe()
    assert f"127.0.0.1:{redis_server.port}" in lines[0], lines
    assert "Traceback" not in result.output, result.describe()


# 6. Worker health: arq --check.


def test_arq_check_follows_each_named_worker(
    processes: Launcher, redis_server: RedisServer, measure: Measure
) -> None:
    """With ``WORKER_NAME`` set, ``arq --check`` reads its own worker.

    One worker stopping cleanly does not fail another's check, and a killed
    worker's check fails within the health-check interval + 1 s.
    """
    stack = processes.stack
    interval = {"WORKER_HEALTH_CHECK_INTERVAL": str(HEALTH_INTERVAL)}
    first = processes.worker("worker-a", WORKER_NAME="worker-a", **interval)
    second = processes.worker("worker-b", WORKER_NAME="worker-b", **interval)

    def passes(name: str) -> bool:
        return arq_check(stack, WORKER_NAME=name).returncode == 0

    wait_for(
        lambda: passes("worker-a") and passes("worker-b"),
        what="arq --check to pass for both workers",
        timeout=20,
        interval=0.5,
    )

    first.terminate()
    assert first.wait(timeout=15) == 0, first.describe()
    assert not passes("worker-a"), "passes for a worker that has stopped"
    # For longer than one interval: the other worker's key never went away.
    steady = time.monotonic() + HEALTH_INTERVAL + 1
    while time.monotonic() < steady:
        assert passes("worker-b"), "one worker's stop failed another's check"

    client = redis_server.client()
    try:
        killed = time.monotonic()
        second.kill()
        wait_for(
            lambda: not client.exists(f"{SHARED_HEALTH_KEY}:worker-b"),
            what="the killed worker's health-check key to expire",
            timeout=HEALTH_INTERVAL + 1 + 10,
            interval=0.05,
        )
    finally:
        client.close()
    took = time.monotonic() - killed
    measure("health_key_gone_after_sigkill_s", took)
    assert took < HEALTH_INTERVAL + 1 + 0.5, took
    assert not passes("worker-b"), "passes for a killed worker"


def test_arq_check_shared_key_comes_back_within_interval(
    processes: Launcher, redis_server: RedisServer, measure: Measure
) -> None:
    """Without ``WORKER_NAME``, another worker restores the shared key.

    Workers then share arq's one key: one stopping cleanly deletes it, and
    another writes it again within one health-check interval.
    """
    stack = processes.stack
    interval = {"WORKER_HEALTH_CHECK_INTERVAL": str(HEALTH_INTERVAL)}
    first = processes.worker("worker-a", **interval)
    processes.worker("worker-b", **interval)

    def passes() -> bool:
        return arq_check(stack).returncode == 0

    wait_for(passes, what="arq --check to pass", timeout=20, interval=0.5)
    client = redis_server.client()
    try:
        first.terminate()
        assert first.wait(timeout=15) == 0, first.describe()
        # The stop deleted the key, and the other worker may have written
        # it again already: delete it as the stop did, to time the repair.
        client.delete(SHARED_HEALTH_KEY)
        stopped = time.monotonic()
        wait_for(
            lambda: client.exists(SHARED_HEALTH_KEY) == 1,
            what="the other worker to write the shared key again",
            timeout=HEALTH_INTERVAL + 10,
            interval=0.05,
        )
    finally:
        client.close()
    took = time.monotonic() - stopped
    measure("shared_health_key_back_after_s", took)
    assert took < HEALTH_INTERVAL + 0.5, took
    assert passes()


# 7. A job left unprocessed past its expiry.

ENQUEUE_EXPIRING = """
import asyncio
import sys

from {module}.config import config
from {module}.redis import API_RETRIES, pool_for
from {module}.tasks import TaskName


async def main() -> None:
    pool = pool_for(config, retries=API_RETRIES)
    job = await pool.enqueue_job(
        TaskName.word_count, text="too late", _expires=float(sys.argv[1])
    )
    assert job is not None
    print(job.job_id)
    await pool.aclose()


asyncio.run(main())
"""
"""Queues a job that expires after ``argv[1]`` seconds, with arq itself."""


def test_expired_job_reads_as_failed(
    processes: Launcher, jobs: JobClient, redis_server: RedisServer
) -> None:
    """A job that no worker took before its expiry is not silently gone.

    Past its expiry it answers 404 with a message; once a worker comes, it
    reads as failed: "job expired".
    """
    stack = processes.stack
    script = ENQUEUE_EXPIRING.format(module=stack.project.module)
    python = str(stack.project.venv_bin("python"))
    result = run(
        [python, "-c", script, "1"], cwd=stack.project.path, env=stack.env
    )
    result.assert_ok()
    job_id = result.output.strip().splitlines()[-1]

    client = redis_server.client()
    try:
        wait_for(
            lambda: not client.exists(f"arq:job:{job_id}"),
            what="the job's data to expire",
            timeout=10,
        )
        assert client.zscore("arq:queue", job_id) is not None
    finally:
        client.close()
    missing = jobs.get(job_id)
    assert missing.status_code == httpx.codes.NOT_FOUND, missing.text
    error = missing.json()["detail"][0]
    assert error["type"] == "job_not_found", error
    assert job_id in error["msg"], error

    processes.worker("worker")
    # Unknown (404) until the worker's first look at the queue records it.
    wait_for(
        lambda: jobs.get(job_id).status_code == httpx.codes.OK,
        what="the worker to record the expired job",
        timeout=30,
    )
    job = jobs.wait_complete(job_id)
    assert job["success"] is False, job
    assert "expired" in (job.get("error") or ""), job
