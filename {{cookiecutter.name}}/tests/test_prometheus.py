"""The API's Prometheus metrics at ``/metrics``, with the mock queue."""

from typing import Any

import pytest
from httpx import AsyncClient
from prometheus_client.parser import text_string_to_metric_families
from redis.exceptions import ConnectionError as RedisConnectionError

from {{ cookiecutter.module_name }}.config import config
from {{ cookiecutter.module_name }}.handlers import internal
from {{ cookiecutter.module_name }}.queue import MockJobQueue

from .support.jobs import JOBS, job_id_of, post_job

type Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(client: AsyncClient) -> Samples:
    """Return every sample that ``GET /metrics`` shows, by name and labels."""
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    """How much one sample grew between two scrapes."""
    key = (name, frozenset(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)


@pytest.mark.asyncio
async def test_requests_are_counted_by_route_template(
    client: AsyncClient,
) -> None:
    before = await scrape(client)
    location = await post_job(client, {"task": "word_count", "text": "a b"})
    assert (await client.get(location)).status_code == 200
    assert (await client.get(f"{JOBS}/missing")).status_code == 404
    assert (await client.get("/no/such/page")).status_code == 404
    after = await scrape(client)

    job_route = config.path_prefix + "/jobs/{job_id}"
    counts: dict[tuple[str, str, str], float] = {
        ("POST", f"{config.path_prefix}/jobs", "202"): 1,
        ("GET", job_route, "200"): 1,
        ("GET", job_route, "404"): 1,
        ("GET", "unrouted", "404"): 1,
    }
    for (method, route, status), count in counts.items():
        labels: dict[str, Any] = {"method": method, "route": route}
        total = moved(
            before, after, "http_requests_total", status=status, **labels
        )
        assert total == count, (method, route, status)
    assert moved(
        before, after, "http_request_duration_seconds_count",
        method="GET", route=job_route,
    ) == 2  # fmt: skip
    assert moved(before, after, "arq_jobs_enqueued_total", task="word_count")
    every_label = {value for _, labels in after for _, value in labels}
    assert job_id_of(location) not in every_label
    assert ("process_cpu_seconds_total", frozenset()) in after


@pytest.mark.asyncio
async def test_enqueue_failures_are_counted(
    client: AsyncClient,
    arq_queue: MockJobQueue,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def refuse(*_args: object) -> None:
        raise RedisConnectionError("Redis is down")

    before = await scrape(client)
    monkeypatch.setattr(arq_queue, "submit", refuse)
    response = await client.post(JOBS, json={"task": "digest", "text": "x"})
    assert response.status_code == 503
    after = await scrape(client)
    assert moved(before, after, "arq_enqueue_failures_total", task="digest")
    assert not moved(before, after, "arq_jobs_enqueued_total", task="digest")


@pytest.mark.asyncio
async def test_off_serves_nothing(
    client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(internal, "api_metrics", None)
    response = await client.get("/metrics")
    assert response.status_code == 404
    assert "PROMETHEUS_ENABLED" in response.json()["detail"][0]["msg"]
