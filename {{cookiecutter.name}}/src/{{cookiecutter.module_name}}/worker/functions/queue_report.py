"""The periodic ``queue_report`` task, run by arq's cron."""

from typing import Any

from ...services.reports import report_queue
from ..context import JobContext


async def queue_report(job: JobContext) -> dict[str, Any]:
    """Log how many jobs wait on the worker's queue.

    Parameters
    ----------
    job
        The job and the worker's shared state.

    Returns
    -------
    dict
        ``queue_name``, ``due`` and ``deferred``.
    """
    state = job.state
    report = await report_queue(state.redis, state.config.queue_name)
    job.logger.info("Queue report", **report.model_dump())
    return report.model_dump(mode="json")
