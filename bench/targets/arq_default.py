"""Raw arq with its defaults: the minimal ``WorkerSettings`` of arq's docs.

Run as ``arq targets.arq_default.WorkerSettings``; ``BENCH_REDIS_URL``
names the Redis.
"""

import os

from arq.connections import RedisSettings

from .tasks import ARQ_TASKS

__all__ = ["WorkerSettings"]


class WorkerSettings:
    """Only the functions and the Redis: every other setting is arq's."""

    functions = ARQ_TASKS
    redis_settings = RedisSettings.from_dsn(os.environ["BENCH_REDIS_URL"])
