"""Tracing: one trace from the request that queues a job to its tries."""

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from httpx import AsyncClient
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)
from opentelemetry.trace import SpanKind, StatusCode

from {{cookiecutter.module_name}} import main
from {{cookiecutter.module_name}}.config import config
from {{cookiecutter.module_name}}.tasks import TaskName
from {{cookiecutter.module_name}}.tracing import ENDPOINT_VARIABLES

from .support.http import run_http_server
from .support.jobs import JOBS, job_id_of, wait_for_status
from .support.worker import run_worker


@pytest.fixture(scope="module")
def exporter() -> Iterator[InMemorySpanExporter]:
    """Collect in memory the spans that this process ends.

    The API and the worker use OpenTelemetry's global provider, which can
    be set once: this sets it unless an SDK provider was set already.
    """
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.shutdown()


@pytest.mark.asyncio
@pytest.mark.usefixtures("fast_retries")
async def test_one_trace_from_post_to_each_try(
    redis_client: AsyncClient, exporter: InMemorySpanExporter
) -> None:
    exporter.clear()
    with run_http_server(statuses=[503]) as server:
        response = await redis_client.post(
            JOBS, json={"task": TaskName.fetch_status, "url": server.url}
        )
        assert response.status_code == 202, response.text
        location = response.headers["Location"]
        async with run_worker():
            await wait_for_status(redis_client, location, "complete")

    spans = exporter.get_finished_spans()
    # The worker polled Redis and the API wrote to it: neither made spans.
    kinds = {span.kind for span in spans}
    assert kinds == {SpanKind.SERVER, SpanKind.CONSUMER}
    (post,) = [span for span in spans if span.name == f"POST {JOBS}"]
    tries = [span for span in spans if span.kind == SpanKind.CONSUMER]
    assert [span.name for span in tries] == ["fetch_status"] * 2
    for job_try, span in enumerate(tries, start=1):
        assert span.context.trace_id == post.context.trace_id
        assert span.parent is not None
        assert span.parent.span_id == post.context.span_id
        assert span.attributes == {
            "messaging.system": "arq",
            "messaging.operation.type": "process",
            "messaging.destination.name": config.queue_name,
            "messaging.message.id": job_id_of(location),
            "arq.job.try": job_try,
        }
    first, second = tries
    assert first.status.status_code == StatusCode.ERROR
    assert [event.name for event in first.events] == ["exception"]
    assert second.status.status_code == StatusCode.UNSET


@pytest.mark.parametrize("endpoint", [None, "http://127.0.0.1:9"])
def test_exports_only_once_a_collector_is_set(endpoint: str | None) -> None:
    """Without an OTLP endpoint the API records no spans and sends none."""
    env = {k: v for k, v in os.environ.items() if k not in ENDPOINT_VARIABLES}
    env.pop("OTEL_SERVICE_NAME", None)
    if endpoint:
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint
    code = (
        f"import {main.__name__}\n"
        "from opentelemetry import trace\n"
        "provider = trace.get_tracer_provider()\n"
        "resource = getattr(provider, 'resource', None)\n"
        "print(resource and resource.attributes['service.name'])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=60,
    )
    expected = config.name if endpoint else "None"
    assert result.stdout.strip() == expected, result.stderr
    assert result.stderr == ""
