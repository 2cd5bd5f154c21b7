"""The benchmark's jobs, as arq coroutines, shared by every arq worker.

The generated project has no no-op or sleeping task, so the harness adds
these to its real ``WorkerSettings`` (`targets.template_worker`) and gives
the same ones to the raw arq workers.
"""

import asyncio
import time
from typing import Any

__all__ = ["ARQ_TASKS", "SLEEP_SECONDS", "bench_noop", "bench_sleep"]

SLEEP_SECONDS = 0.010
"""How long a `bench_sleep` job waits (S2)."""


async def bench_noop(_ctx: dict[Any, Any]) -> None:
    """Do nothing (S1)."""


async def bench_sleep(_ctx: dict[Any, Any]) -> None:
    """Wait 10 ms without using the CPU (S2)."""
    await asyncio.sleep(SLEEP_SECONDS)


async def bench_stamp(_ctx: dict[Any, Any]) -> float:
    """Return the wall-clock time at which the job started (S4)."""
    return time.time()


ARQ_TASKS = (bench_noop, bench_sleep, bench_stamp)
"""Coroutines every arq worker of the benchmark registers, by name."""
