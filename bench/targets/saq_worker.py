"""SAQ's worker with the benchmark's jobs, on its Redis queue.

``saq targets.saq_worker.settings`` from the benchmark's environment;
`queue` is also what `targets.queue_client` queues with. SAQ's defaults
(concurrency 10, JSON, asyncio's own event loop: its documentation
recommends hiredis, which is installed, not uvloop). SAQ passes a context
dict first, as arq does, so the arq workers' jobs serve unchanged.
"""

import os

from saq import Queue

from .tasks import ARQ_TASKS

__all__ = ["queue", "settings"]

queue = Queue.from_url(
    os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
)
settings = {"queue": queue, "functions": ARQ_TASKS}
