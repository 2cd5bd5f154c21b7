"""Queue statistics, the logic of the periodic ``queue_report`` task."""

from arq.connections import ArqRedis
from arq.utils import timestamp_ms
from pydantic import BaseModel


class QueueReport(BaseModel):
    """How many jobs wait on a queue: due now (or running), and deferred."""

    queue_name: str
    due: int
    deferred: int


async def report_queue(redis: ArqRedis, queue_name: str) -> QueueReport:
    """Count the jobs on a queue."""
    now = timestamp_ms()
    async with redis.pipeline(transaction=True) as pipe:
        pipe.zcount(queue_name, "-inf", now)
        pipe.zcount(queue_name, f"({now}", "+inf")
        due, deferred = await pipe.execute()
    return QueueReport(queue_name=queue_name, due=due, deferred=deferred)
