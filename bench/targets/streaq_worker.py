"""streaQ's equivalent worker: the jobs of S1, S2 and S4 on a Redis stream.

Run as ``streaq run targets.streaq_worker:worker`` from the benchmark's own
environment; the harness also imports it to enqueue (`worker` is streaQ's
client as well). ``BENCH_REDIS_URL`` names the Redis. It keeps streaQ's
defaults (concurrency 16, prefetch as many, pickle, INFO log per task)
except for uvloop, which streaQ's documentation recommends for speed.
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
"""The worker, and the client the harness enqueues with."""


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
