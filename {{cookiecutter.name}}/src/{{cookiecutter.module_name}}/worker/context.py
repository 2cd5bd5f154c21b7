"""Typed access to what the worker's start-up puts in arq's context."""

from dataclasses import dataclass
from typing import Any

import httpx
from structlog.stdlib import BoundLogger

__all__ = ["WorkerState", "get_state", "set_state"]

_STATE_KEY = "state"
"""The one key of arq's context dict that this application uses."""


@dataclass(frozen=True, slots=True)
class WorkerState:
    """Clients and settings that every task of one worker process shares."""

    logger: BoundLogger
    """Logger bound to this worker instance."""

    http_client: httpx.AsyncClient
    """HTTP client shared by all tasks."""

    fetch_allowed_hosts: list[str]
    """Hosts that the ``fetch_status`` task may request."""


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
