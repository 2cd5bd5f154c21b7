"""streaQ's worker with the jobs of S1, S2 and S4, on a Redis stream.

``streaq run targets.streaq_worker:worker``, from the benchmark's
environment; `worker` is also the client that `targets.queue_client`
queues with. streaQ's defaults (concurrency 16, pickle, an INFO line per
task) but uvloop, which its documentation recommends.
"""

import asyncio
import os
import time

from streaq import Worker

from .tasks import SLEEP_SECONDS

__all__ = ["bench_noop", "bench_sleep", "bench_stamp", "worker"]

worker = Worker(
    redis_url=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379"),
    anyio_kwargs={"use_uvloop": True},
)


@worker.task
async def bench_noop() -> None:
    """Do nothing (S1)."""


@worker.task
async def bench_sleep() -> None:
    """Wait 10 ms without using the CPU (S2)."""
    await asyncio.sleep(SLEEP_SECONDS)


@worker.task
async def bench_stamp() -> float:
    """Return the wall-clock time at which the job started (S4)."""
    return time.time()
