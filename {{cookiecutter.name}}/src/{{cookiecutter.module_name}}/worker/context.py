"""Typed access to arq's context, instead of string keys in every task."""

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, AsyncExitStack, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from arq.connections import ArqRedis
from structlog.stdlib import BoundLogger

from ..config import Config
from ..prometheus import WorkerMetrics
from ..records import JobRecords, Progress

_STATE_KEY = "state"
"""The one key of arq's context dict that this application sets."""

type JobScope = Callable[
    [JobContext, Mapping[str, str]], AbstractAsyncContextManager[object]
]
"""What each try of a task runs inside, given the job and its ``_meta``."""


def no_scope(
    _job: "JobContext", _meta: Mapping[str, str]
) -> AbstractAsyncContextManager[None]:
    """Run a try as it is: the scope of a worker that sets none."""
    return nullcontext()


@dataclass(frozen=True, slots=True)
class WorkerState:
    """Clients and settings that every task of one worker process shares.

    Add a client here, open it in ``startup`` (``worker/main.py``) and
    register its closing on ``resources``.
    """

    config: Config
    logger: BoundLogger
    http_client: httpx.AsyncClient
    redis: ArqRedis
    """arq's Redis pool, for tasks that read the queue."""
    executor: ThreadPoolExecutor
    """Threads for blocking work, so that the event loop keeps serving."""
    records: JobRecords
    """Progress and failed jobs, beside arq's keys."""
    resources: AsyncExitStack
    """Everything that start-up opened, closed in reverse at shutdown."""
    job_scope: JobScope = no_scope
    """Wraps each try of a task, such as in a tracing span."""
    prometheus: WorkerMetrics | None = None
    """The worker's Prometheus metrics, unless ``PROMETHEUS_ENABLED`` is
    false."""


def set_state(ctx: dict[Any, Any], state: WorkerState) -> None:
    """Store the worker's state in arq's context."""
    ctx[_STATE_KEY] = state


def get_state(ctx: dict[Any, Any]) -> WorkerState:
    """Return the state that start-up stored in arq's context."""
    state = ctx.get(_STATE_KEY)
    if not isinstance(state, WorkerState):
        raise TypeError("Worker state missing: did on_startup run?")
    return state


@dataclass(frozen=True, slots=True)
class JobContext:
    """What a task receives: its job, and the worker's shared state."""

    state: WorkerState
    job_id: str
    task: str
    enqueue_time: datetime
    job_try: int
    """Which try of the job this is, counting from 1."""
    time_limit: timedelta
    request_id: str | None
    """The ``X-Request-ID`` of the request that queued the job."""
    logger: BoundLogger
    """The worker's logger, bound to the job id, task, try and request id."""

    async def report_progress(
        self, fraction: float, message: str = ""
    ) -> None:
        """Record how far the job has come, for ``GET /jobs/{id}``.

        Parameters
        ----------
        fraction
            Share of the work done, from 0 to 1.
        message
            What the task is doing, in a few words.

        Raises
        ------
        pydantic.ValidationError
            Raised if ``fraction`` is outside 0 to 1 or the message is long.
        """
        progress = Progress(
            fraction=fraction, message=message, updated=datetime.now(tz=UTC)
        )
        # The job ends within its time limit, and with it what it reported.
        await self.state.records.set_progress(
            self.job_id, progress, self.time_limit
        )
