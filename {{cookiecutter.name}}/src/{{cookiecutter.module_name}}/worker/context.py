"""Typed access to arq's context, instead of string keys in every task."""

from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import httpx
from arq.connections import ArqRedis
from structlog.stdlib import BoundLogger

from ..config import Config

_STATE_KEY = "state"
"""The one key of arq's context dict that this application sets."""


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
    resources: AsyncExitStack
    """Everything that start-up opened, closed in reverse at shutdown."""


def set_state(ctx: dict[Any, Any], state: WorkerState) -> None:
    """Store the worker's state in arq's context."""
    ctx[_STATE_KEY] = state


def get_state(ctx: dict[Any, Any]) -> WorkerState:
    """Return the state that start-up stored in arq's context."""
    state = ctx.get(_STATE_KEY)
    if not isinstance(state, WorkerState):
        raise TypeError("Worker state missing: did on_startup run?")
    return state


def get_job_try(ctx: dict[Any, Any]) -> int:
    """Return which try of its job the running task is, counting from 1."""
    job_try = ctx.get("job_try", 1)
    return job_try if isinstance(job_try, int) else 1
