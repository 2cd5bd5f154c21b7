"""OpenTelemetry set-up, and traces of the API's requests (docs/tracing.md)."""

import os

from fastapi import FastAPI
from opentelemetry import propagate, trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
    OTLPSpanExporter,
)
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from .queue import META_HOOKS

ENDPOINT_VARIABLES = (
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
)
"""The standard variables that name the collector; tracing is off without."""


def setup_tracing(service_name: str) -> None:
    """Export this process's spans over OTLP/HTTP, once a collector is set.

    Until then OpenTelemetry's API records nothing and sends nothing.
    ``OTEL_SERVICE_NAME``, if set, replaces ``service_name``.
    """
    if not any(os.environ.get(name) for name in ENDPOINT_VARIABLES):
        return
    name = os.environ.get("OTEL_SERVICE_NAME") or service_name
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: name}))
    # Sent in batches from a thread; the provider flushes them at exit.
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)


def flush_tracing() -> None:
    """Send the spans still waiting, as the API shuts down.

    uvicorn ends its process by raising again the signal that stopped it,
    which skips the exit hook where the SDK would send them.
    """
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        provider.force_flush()


def instrument_api(app: FastAPI) -> None:
    """Trace each request, and pass its trace context to the jobs it queues."""
    # One span per request: ASGI's send and receive spans add only noise.
    FastAPIInstrumentor.instrument_app(app, exclude_spans=["receive", "send"])
    META_HOOKS.append(propagate.inject)
