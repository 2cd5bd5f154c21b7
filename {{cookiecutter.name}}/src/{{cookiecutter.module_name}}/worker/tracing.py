"""A span for each try of a job, in the trace of the request that queued it."""

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, StatusCode

from .context import JobContext

# Redis is not instrumented at all (no opentelemetry-instrumentation-redis):
# arq polls it several times a second, and an idle worker would flood the
# exporter with spans that say nothing.
_tracer = trace.get_tracer(__name__)


@asynccontextmanager
async def job_span(
    job: JobContext, meta: Mapping[str, str]
) -> AsyncIterator[None]:
    """Run a try in a span: a child of the span that queued the job, if any."""
    with _tracer.start_as_current_span(
        job.task,
        context=propagate.extract(meta),
        kind=SpanKind.CONSUMER,
        attributes={
            "messaging.system": "arq",
            "messaging.operation.type": "process",
            "messaging.destination.name": job.state.config.queue_name,
            "messaging.message.id": job.job_id,
            "arq.job.try": job.job_try,
        },
    ) as span:
        try:
            yield
        except asyncio.CancelledError:
            # Not an Exception, so OpenTelemetry would not mark it: the job
            # was aborted, or arq's own time limit stopped it.
            span.set_status(StatusCode.ERROR, "cancelled")
            raise
