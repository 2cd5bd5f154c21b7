"""Typed access to arq's context, instead of string keys in every task."""

from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import httpx
from arq.connections import ArqRedis
from structlog.stdlib import BoundLogger

from ..config import Config

__all__ = ["WorkerState", "get_job_try", "get_state", "set_state"]

_STATE_KEY = "state"
"""The one key of arq's context dict that this application sets."""


@dataclass(frozen=True, slots=True)
class WorkerState:
    """Clients and settings that every task of one worker process shares."""

    config: Config
    """Configuration the worker started with."""

    logger: BoundLogger
    """Logger bound to this worker instance."""

    http_client: httpx.AsyncClient
    """HTTP client shared by all tasks."""

    redis: ArqRedis
    """arq's Redis pool, for tasks that read the queue."""

    executor: ThreadPoolExecutor
    """Threads for blocking work, so that the event loop keeps serving."""

    resources: AsyncExitStack
    """Everything that start-up opened, closed in reverse at shutdown."""


def set_state(ctx: dict[Any, Any], state: WorkerState) -> None:
    """Store the worker's state in arq's context.

    Parameters
    ----------
    ctx
        arq's context for this worker.
    state
        State built by the worker's start-up.
    """
    ctx[_STATE_KEY] = state


def get_state(ctx: dict[Any, Any]) -> WorkerState:
    """Get the worker's state from arq's context.

    Parameters
    ----------
    ctx
        arq's context, as passed to a task.

    Returns
    -------
    WorkerState
        The state stored by the worker's start-up.

    Raises
    ------
    TypeError
        Raised if start-up has not run, for example in a worker that was
        built without ``on_startup``.
    """
    state = ctx.get(_STATE_KEY)
    if not isinstance(state, WorkerState):
        raise TypeError("Worker state missing: did on_startup run?")
    return state


def get_job_try(ctx: dict[Any, Any]) -> int:
    """Return which try of its job the running task is, counting from 1.

    Parameters
    ----------
    ctx
        arq's context, as passed to a task.

    Returns
    -------
    int
        1 on the first run, 2 on the first retry, and so on.
    """
    job_try = ctx.get("job_try", 1)
    return job_try if isinstance(job_try, int) else 1
