"""Tests of the job API against Safir's mock queue."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any

import pytest
from httpx import AsyncClient

from {{ cookiecutter.module_name }}.config import config
from {{ cookiecutter.module_name }}.queue import MockJobQueue
from {{ cookiecutter.module_name }}.records import FailedJob, Progress
from {{ cookiecutter.module_name }}.serialization import ABORTED
from {{ cookiecutter.module_name }}.tasks import TaskName

from ..support.jobs import failure_of

JOBS = f"{config.path_prefix}/jobs"
NOW = datetime.now(tz=UTC)


async def post_word_count(client: AsyncClient, text: str) -> dict[str, Any]:
    response = await client.post(
        JOBS, json={"task": TaskName.word_count, "text": text}
    )
    assert response.status_code == 202, response.text
    data: dict[str, Any] = response.json()
    location = response.headers["Location"]
    assert location == f"https://example.com{JOBS}/{data['id']}"
    return data


@pytest.mark.asyncio
async def test_job_lifecycle(
    client: AsyncClient, arq_queue: MockJobQueue
) -> None:
    job = await post_word_count(client, "to be or not")
    assert job["status"] == "queued"
    assert job["task"] == TaskName.word_count
    assert job["kwargs"] == {"text": "to be or not"}
    assert job["queue_name"] == config.queue_name
    assert "success" not in job
    job_url = f"{JOBS}/{job['id']}"

    await arq_queue.set_in_progress(job["id"])
    response = await client.get(job_url)
    assert response.status_code == 200
    assert response.json()["status"] == "in_progress"

    await arq_queue.set_complete(
        job["id"], result={"words": 4, "characters": 12}
    )
    response = await client.get(job_url)
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "complete"
    assert data["success"] is True
    assert data["result"] == {"words": 4, "characters": 12}
    assert data["error"] is None
    assert data["start_time"] is not None
    assert data["finish_time"] is not None


@pytest.mark.asyncio
async def test_failed_job_shows_error(
    client: AsyncClient, arq_queue: MockJobQueue
) -> None:
    job = await post_word_count(client, "text")
    await arq_queue.set_complete(
        job["id"], result=ValueError("bad text"), success=False
    )
    data = (await client.get(f"{JOBS}/{job['id']}")).json()
    assert data["success"] is False
    assert data["result"] is None
    assert data["error"] == "ValueError: bad text"


@pytest.mark.asyncio
async def test_unknown_job_is_404(client: AsyncClient) -> None:
    for method in ("GET", "DELETE"):
        response = await client.request(method, f"{JOBS}/0123abcd")
        assert response.status_code == 404
        error = response.json()["detail"][0]
        assert error["type"] == "job_not_found"
        assert error["loc"] == ["path", "job_id"]
        assert "0123abcd" in error["msg"]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "job_id", ["bad id", "a" * 65, "arq:queue", "x.y", "x" * 60_000]
)
async def test_malformed_job_id_is_422(
    client: AsyncClient, job_id: str
) -> None:
    for method in ("GET", "DELETE"):
        response = await client.request(method, f"{JOBS}/{job_id}")
        assert response.status_code == 422, job_id
        assert response.json()["detail"][0]["loc"] == ["path", "job_id"]


@pytest.mark.asyncio
async def test_cron_run_ids_are_read_not_refused(client: AsyncClient) -> None:
    # arq names a cron run <task>:<due time in ms>.
    response = await client.get(
        f"{JOBS}/{TaskName.queue_report}:1796156519123"
    )
    assert response.status_code == 404, response.text
    assert response.json()["detail"][0]["type"] == "job_not_found"


@pytest.mark.asyncio
async def test_unknown_task_names_the_tasks_plainly(
    client: AsyncClient,
) -> None:
    response = await client.post(JOBS, json={"task": "nope"})
    assert response.status_code == 422
    message = response.json()["detail"][0]["msg"]
    assert "'word_count', 'fetch_status', 'digest'" in message, message
    assert "TaskName" not in message


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("method", "path", "status", "error"),
    [
        ("GET", "/no/such/route", 404, "not_found"),
        ("PUT", JOBS, 405, "method_not_allowed"),
    ],
)
async def test_unrouted_requests_use_the_error_model(
    client: AsyncClient, method: str, path: str, status: int, error: str
) -> None:
    response = await client.request(method, path)
    assert response.status_code == status
    (detail,) = response.json()["detail"]
    assert detail["type"] == error
    assert detail["msg"] == HTTPStatus(status).phrase


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "body",
    [
        {"task": "os.system", "text": "rm -rf /"},
        {"task": TaskName.word_count},
        {"task": TaskName.word_count, "text": ""},
        {"task": TaskName.word_count, "text": 5},
        {"task": TaskName.word_count, "text": "x", "extra": 1},
        {"task": TaskName.fetch_status, "url": "not a url"},
        {"text": "no task"},
    ],
)
async def test_bad_body_is_422(
    client: AsyncClient, arq_queue: MockJobQueue, body: dict[str, Any]
) -> None:
    response = await client.post(JOBS, json=body)
    assert response.status_code == 422, body
    assert response.json()["detail"][0]["loc"][0] == "body"
    assert arq_queue._job_metadata[config.queue_name] == {}


@pytest.mark.asyncio
async def test_fetch_of_host_not_allowed_is_422(
    client: AsyncClient, arq_queue: MockJobQueue
) -> None:
    response = await client.post(
        JOBS, json={"task": TaskName.fetch_status, "url": "http://internal/"}
    )
    assert response.status_code == 422
    error = response.json()["detail"][0]
    assert error["type"] == "fetch_not_allowed"
    assert "'internal'" in error["msg"]
    assert arq_queue._job_metadata[config.queue_name] == {}


@pytest.mark.asyncio
async def test_fetch_of_allowed_host_is_queued(
    client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(config, "fetch_allowed_hosts", ["example.org"])
    response = await client.post(
        JOBS,
        json={"task": TaskName.fetch_status, "url": "https://example.org/a"},
    )
    assert response.status_code == 202
    assert response.json()["kwargs"] == {"url": "https://example.org/a"}


@pytest.mark.asyncio
async def test_abort_queued_job(
    client: AsyncClient, arq_queue: MockJobQueue
) -> None:
    job = await post_word_count(client, "text")
    response = await client.delete(f"{JOBS}/{job['id']}")
    assert response.status_code == 204
    assert (await client.get(f"{JOBS}/{job['id']}")).status_code == 404


@pytest.mark.asyncio
async def test_abort_running_job(
    client: AsyncClient, arq_queue: MockJobQueue
) -> None:
    job = await post_word_count(client, "text")
    await arq_queue.set_in_progress(job["id"])
    response = await client.delete(f"{JOBS}/{job['id']}")
    assert response.status_code == 204
    assert await failure_of(client, f"{JOBS}/{job['id']}") == ABORTED


@pytest.mark.asyncio
async def test_abort_finished_job_is_409(
    client: AsyncClient, arq_queue: MockJobQueue
) -> None:
    job = await post_word_count(client, "text")
    await arq_queue.set_complete(job["id"], result={"words": 1})
    response = await client.delete(f"{JOBS}/{job['id']}")
    assert response.status_code == 409
    assert response.json()["detail"][0]["type"] == "job_finished"


@pytest.mark.asyncio
async def test_oversized_body_is_413(
    client: AsyncClient, arq_queue: MockJobQueue
) -> None:
    text = "word " * (config.max_body_bytes // 5 + 1)
    response = await client.post(
        JOBS, json={"task": TaskName.word_count, "text": text}
    )
    assert response.status_code == 413
    error = response.json()["detail"][0]
    assert error["type"] == "body_too_large"
    assert str(config.max_body_bytes) in error["msg"]

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"task": "word_count", "text": "'
        for _ in range(config.max_body_bytes // 1024 + 1):
            yield b"x" * 1024
        yield b'"}'

    response = await client.post(
        JOBS, content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert arq_queue._job_metadata[config.queue_name] == {}


@pytest.mark.asyncio
async def test_running_job_shows_its_progress(
    client: AsyncClient, arq_queue: MockJobQueue
) -> None:
    job = await post_word_count(client, "text")
    progress = Progress(fraction=0.4, message="4 of 10", updated=NOW)
    arq_queue.progress[job["id"]] = progress
    queued = (await client.get(f"{JOBS}/{job['id']}")).json()
    assert queued["progress"] is None

    await arq_queue.set_in_progress(job["id"])
    data = (await client.get(f"{JOBS}/{job['id']}")).json()
    assert data["progress"]["fraction"] == 0.4
    assert data["progress"]["message"] == "4 of 10"


def failed_job(job_id: str, *, minutes_ago: int = 0) -> FailedJob:
    """Return the record that a worker keeps of a job that failed."""
    when = NOW - timedelta(minutes=minutes_ago)
    return FailedJob(
        id=job_id,
        task=TaskName.word_count,
        kwargs={"text": "to be"},
        error="ValueError: bad text",
        tries=3,
        request_id="req-1",
        enqueue_time=when,
        start_time=when,
        failed_time=when,
    )


@pytest.mark.asyncio
async def test_failed_jobs_are_listed_newest_first(
    client: AsyncClient, arq_queue: MockJobQueue
) -> None:
    for minutes, job_id in enumerate(["new", "old", "older"]):
        arq_queue.failed[job_id] = failed_job(job_id, minutes_ago=minutes)
    response = await client.get(JOBS, params={"status": "failed"})
    assert response.status_code == 200
    listed = response.json()
    assert [job["id"] for job in listed] == ["new", "old", "older"]
    assert listed[0]["status"] == "failed"
    assert listed[0]["error"] == "ValueError: bad text"
    assert listed[0]["tries"] == 3
    assert listed[0]["request_id"] == "req-1"

    data = (await client.get(f"{JOBS}/old")).json()
    assert data["status"] == "failed"
    assert data["kwargs"] == {"text": "to be"}


@pytest.mark.asyncio
async def test_failed_job_is_requeued_as_a_new_job(
    client: AsyncClient, arq_queue: MockJobQueue
) -> None:
    arq_queue.failed["broken"] = failed_job("broken")
    response = await client.post(f"{JOBS}/broken/retry")
    assert response.status_code == 202, response.text
    job = response.json()
    assert response.headers["Location"].endswith(f"{JOBS}/{job['id']}")
    assert job["id"] != "broken"
    assert job["task"] == TaskName.word_count
    assert job["kwargs"] == {"text": "to be"}
    assert job["request_id"] == response.headers["X-Request-ID"]
    assert "broken" not in arq_queue.failed

    response = await client.post(f"{JOBS}/broken/retry")
    assert response.status_code == 404
    assert response.json()["detail"][0]["type"] == "failed_job_not_found"


@pytest.mark.asyncio
async def test_only_what_clients_may_queue_is_requeued(
    client: AsyncClient, arq_queue: MockJobQueue
) -> None:
    cron_run = failed_job("queue_report:1").model_copy(
        update={"task": TaskName.queue_report, "kwargs": {}}
    )
    arq_queue.failed[cron_run.id] = cron_run
    response = await client.post(f"{JOBS}/{cron_run.id}/retry")
    assert response.status_code == 422
    error = response.json()["detail"][0]
    assert error["type"] == "job_not_requeueable"
    assert "queue_report" in error["msg"]
    assert cron_run.id in arq_queue.failed


@pytest.mark.asyncio
async def test_delete_drops_a_failed_job(
    client: AsyncClient, arq_queue: MockJobQueue
) -> None:
    arq_queue.failed["broken"] = failed_job("broken")
    response = await client.delete(f"{JOBS}/broken")
    assert response.status_code == 204
    assert (await client.get(f"{JOBS}/broken")).status_code == 404
    assert (await client.get(JOBS, params={"status": "failed"})).json() == []
