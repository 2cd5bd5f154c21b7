"""taskiq's worker with the jobs of S1, S2 and S4, on taskiq-redis's stream.

``python -m targets.taskiq_worker`` from the benchmark's environment runs
what each child process of ``taskiq worker targets.taskiq_worker:broker``
runs, without the parent that supervises them: the harness measures the
process that runs the jobs. `broker` is also what `targets.queue_client`
queues with. The defaults of taskiq (100 tasks at once, an INFO line per
task, uvloop, which it uses when installed) and of taskiq-redis's README
(its stream broker, which acknowledges tasks, and its pickling result
backend), with results expiring after 10 minutes as that README advises.
"""

import asyncio
import logging
import os
import time
from typing import Any

from taskiq import TaskiqMessage, TaskiqMiddleware, TaskiqResult
from taskiq.cli.worker.args import WorkerArgs
from taskiq.cli.worker.run import start_listen
from taskiq_redis import RedisAsyncResultBackend, RedisStreamBroker

from .tasks import SLEEP_SECONDS

__all__ = ["bench_noop", "bench_sleep", "bench_stamp", "broker"]

RESULT_SECONDS = 600  # how long results are kept (SAQ's default, too)


class Stamps(TaskiqMiddleware):
    """Writes when each task started and finished into its result's labels.

    taskiq keeps only a run time, rounded to 10 ms; the harness needs the
    times, as the other queues record them.
    """

    def pre_execute(self, message: TaskiqMessage) -> TaskiqMessage:
        message.labels["bench_start"] = time.time()
        return message

    def post_execute(self, _message: Any, result: TaskiqResult[Any]) -> None:
        result.labels["bench_finish"] = time.time()


_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
broker = (
    RedisStreamBroker(url=_url)
    .with_result_backend(
        RedisAsyncResultBackend(redis_url=_url, result_ex_time=RESULT_SECONDS)
    )
    .with_middlewares(Stamps())
)
# Tasks are named: this module runs as __main__ in the worker.


@broker.task(task_name="bench_noop")
async def bench_noop() -> None:
    """Do nothing (S1)."""


@broker.task(task_name="bench_sleep")
async def bench_sleep() -> None:
    """Wait 10 ms without using the CPU (S2)."""
    await asyncio.sleep(SLEEP_SECONDS)


@broker.task(task_name="bench_stamp")
async def bench_stamp() -> float:
    """Return the wall-clock time at which the job started (S4)."""
    return time.time()


if __name__ == "__main__":
    # start_listen takes the broker itself as well as its import path.
    args = WorkerArgs(broker=broker, modules=[])  # type: ignore[arg-type]
    # As `taskiq worker` sets up logging before it starts its children.
    logging.basicConfig(level=args.log_level, format=args.log_format)
    start_listen(args)
