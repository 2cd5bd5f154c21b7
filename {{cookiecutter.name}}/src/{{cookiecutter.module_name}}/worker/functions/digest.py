"""The ``digest`` task: blocking work in a thread, off the event loop."""

import asyncio
from typing import Any

from ...services.text import derive_digest
from ..context import get_state


async def digest(
    ctx: dict[Any, Any], *, text: str, rounds: int
) -> dict[str, Any]:
    """Derive a slow digest of a text in the worker's thread pool.

    While the thread works, the worker's event loop keeps running other jobs
    and answering aborts.

    Parameters
    ----------
    ctx
        arq's context.
    text
        Text to digest.
    rounds
        PBKDF2 iterations.

    Returns
    -------
    dict
        ``digest`` (hexadecimal) and ``rounds``.
    """
    state = get_state(ctx)
    loop = asyncio.get_running_loop()
    value = await loop.run_in_executor(
        state.executor, derive_digest, text, rounds
    )
    return {"digest": value, "rounds": rounds}
