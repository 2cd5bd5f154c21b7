"""The periodic ``queue_report`` task, run by arq's cron."""

from typing import Any

from ...services.reports import report_queue
from ..context import get_state


async def queue_report(ctx: dict[Any, Any]) -> dict[str, Any]:
    """Log how many jobs wait on the worker's queue.

    Parameters
    ----------
    ctx
        arq's context.

    Returns
    -------
    dict
        ``queue_name``, ``due`` and ``deferred``.
    """
    state = get_state(ctx)
    report = await report_queue(state.redis, state.config.queue_name)
    state.logger.info("Queue report", **report.model_dump())
    return report.model_dump(mode="json")
