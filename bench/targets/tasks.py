"""The benchmark's jobs, which every arq worker of the benchmark registers."""

import asyncio
import time
from typing import Any

__all__ = ["ARQ_TASKS", "SLEEP_SECONDS"]

SLEEP_SECONDS = 0.010  # how long a `bench_sleep` job waits (S2)
CPU_SECONDS = 0.005  # thread CPU time a `bench_cpu` job uses (S7)


async def bench_noop(_ctx: dict[Any, Any]) -> None:
    """Do nothing (S1)."""


async def bench_sleep(_ctx: dict[Any, Any]) -> None:
    """Wait 10 ms without using the CPU (S2)."""
    await asyncio.sleep(SLEEP_SECONDS)


async def bench_cpu(_ctx: dict[Any, Any]) -> int:
    """Use 5 ms of this thread's CPU without yielding; return the rounds."""
    # Thread CPU time, not wall time: each job costs the same however many
    # processes share the cores.
    rounds = 0
    end = time.thread_time() + CPU_SECONDS
    while time.thread_time() < end:
        sum(range(1_000))
        rounds += 1
    return rounds


async def bench_stamp(_ctx: dict[Any, Any]) -> float:
    """Return the wall-clock time at which the job started (S4)."""
    return time.time()


ARQ_TASKS = (bench_noop, bench_sleep, bench_stamp, bench_cpu)
