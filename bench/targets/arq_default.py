"""Raw arq with its defaults: ``arq targets.arq_default.WorkerSettings``."""

import os

from arq.connections import RedisSettings

from .tasks import ARQ_TASKS

__all__ = ["WorkerSettings"]


class WorkerSettings:
    """Only the functions and the Redis (``BENCH_REDIS_URL``): arq's docs."""

    functions = ARQ_TASKS
    redis_settings = RedisSettings.from_dsn(os.environ["BENCH_REDIS_URL"])
