"""Queue statistics, the logic of the periodic ``queue_report`` task."""

from arq.connections import ArqRedis
from arq.utils import timestamp_ms
from pydantic import BaseModel, Field

__all__ = ["QueueReport", "report_queue"]


class QueueReport(BaseModel):
    """How many jobs wait on a queue."""

    queue_name: str = Field(..., title="Queue")
    """Queue that was counted."""

    due: int = Field(..., title="Jobs due to run now")
    """Jobs whose start time has come, including those running."""

    deferred: int = Field(..., title="Jobs waiting for their start time")
    """Jobs deferred to a later time."""


async def report_queue(redis: ArqRedis, queue_name: str) -> QueueReport:
    """Count the jobs on a queue.

    Parameters
    ----------
    redis
        arq's Redis pool.
    queue_name
        Queue to count.

    Returns
    -------
    QueueReport
        The counts.
    """
    now = timestamp_ms()
    async with redis.pipeline(transaction=True) as pipe:
        pipe.zcount(queue_name, "-inf", now)
        pipe.zcount(queue_name, f"({now}", "+inf")
        due, deferred = await pipe.execute()
    return QueueReport(queue_name=queue_name, due=due, deferred=deferred)
