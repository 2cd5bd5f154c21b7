"""The ``digest`` task: blocking work in a thread, with its progress."""

import asyncio
from typing import Any

from ...services.text import DIGEST_STEPS, stretch
from ..context import JobContext


async def digest(job: JobContext, *, text: str, rounds: int) -> dict[str, Any]:
    """Derive a slow digest of a text in the worker's thread pool.

    While a thread works, the worker's event loop keeps running other jobs
    and answering aborts; after each of the steps, the job reports its
    progress.

    Parameters
    ----------
    job
        The job and the worker's shared state.
    text
        Text to digest.
    rounds
        PBKDF2 iterations, in all.

    Returns
    -------
    dict
        ``digest`` (hexadecimal) and ``rounds``.
    """
    loop = asyncio.get_running_loop()
    value = text.encode()
    done = 0
    steps = min(DIGEST_STEPS, rounds)
    for step in range(1, steps + 1):
        step_rounds = rounds * step // steps - done
        value = await loop.run_in_executor(
            job.state.executor, stretch, value, step_rounds
        )
        done += step_rounds
        await job.report_progress(done / rounds, f"{done} of {rounds} rounds")
    return {"digest": value.hex(), "rounds": rounds}
