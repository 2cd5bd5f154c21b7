"""The harness's arq client, run beside a worker in the same environment.

``python -m targets.arq_client <WorkerSettings import path>`` reads one JSON
command per line on standard input and answers each with one JSON line on
standard output, after a first ``{"ready": true}`` once it is connected.
It uses the worker's own queue name, Redis settings and
job serializer (the generated project signs JSON; raw arq pickles), so that
the jobs it writes are exactly what that worker's API would write:

``{"op": "fill", "task": T, "count": N}``
    Write N jobs' keys in one pipeline, ending with one ``ZADD`` that makes
    them all due at once.
``{"op": "enqueue", "task": T}``
    Queue one job with ``ArqRedis.enqueue_job``, noting the time just
    before the call.
``{"op": "records"}``
    How every job written so far ran: success, start and finish times
    (milliseconds since the epoch), returned value, and for enqueued jobs
    the time noted before the call.
"""

import asyncio
import json
import sys
import time
import uuid
from typing import Any

from arq.connections import ArqRedis, create_pool
from arq.constants import expires_extra_ms, job_key_prefix, result_key_prefix
from arq.jobs import deserialize_result, serialize_job
from arq.utils import import_string
from arq.worker import get_kwargs

__all__ = ["Client"]


class Client:
    """Writes and reads the jobs of one worker's queue."""

    def __init__(self, settings: dict[str, Any], pool: ArqRedis) -> None:
        self.queue_name = settings.get("queue_name", "arq:queue")
        self.serializer = settings.get("job_serializer")
        self.deserializer = settings.get("job_deserializer")
        self.pool = pool
        self.jobs: list[tuple[str, float | None]] = []

    async def fill(self, task: str, count: int) -> dict[str, Any]:
        """Queue ``count`` jobs in one burst."""
        ids = [uuid.uuid4().hex for _ in range(count)]
        now_ms = round(time.time() * 1000)
        job = serialize_job(
            task, (), {}, None, now_ms, serializer=self.serializer
        )
        async with self.pool.pipeline(transaction=False) as pipe:
            for job_id in ids:
                pipe.psetex(job_key_prefix + job_id, expires_extra_ms, job)
            pipe.zadd(self.queue_name, dict.fromkeys(ids, now_ms))
            await pipe.execute()
        self.jobs += [(job_id, None) for job_id in ids]
        return {"count": count}

    async def enqueue(self, task: str) -> dict[str, Any]:
        """Queue one job as an application does."""
        started = time.time()
        job = await self.pool.enqueue_job(task, _queue_name=self.queue_name)
        if job is None:
            raise RuntimeError("arq refused a job with a fresh id")
        self.jobs.append((job.job_id, started))
        return {}

    async def records(self) -> dict[str, Any]:
        """How each job ran, in the order they were written."""
        async with self.pool.pipeline(transaction=False) as pipe:
            for job_id, _ in self.jobs:
                pipe.get(result_key_prefix + job_id)
            raw = await pipe.execute()
        found: list[dict[str, Any] | None] = []
        for (_, sent), data in zip(self.jobs, raw, strict=True):
            if data is None:
                found.append(None)
                continue
            result = deserialize_result(data, deserializer=self.deserializer)
            found.append(
                {
                    "success": result.success,
                    "start": result.start_time.timestamp(),
                    "finish": result.finish_time.timestamp(),
                    "value": result.result if result.success else None,
                    "sent": sent,
                }
            )
        return {"records": found}


async def serve(path: str) -> None:
    """Answer commands on standard input until it closes."""
    out = sys.stdout
    sys.stdout = sys.stderr  # anything the project prints stays off the wire
    settings = get_kwargs(import_string(path))
    pool = await create_pool(
        settings.get("redis_settings"),
        job_serializer=settings.get("job_serializer"),
        job_deserializer=settings.get("job_deserializer"),
        default_queue_name=settings.get("queue_name", "arq:queue"),
    )
    client = Client(settings, pool)
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    loop = asyncio.get_running_loop()
    try:
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            command = json.loads(line)
            op = command.pop("op")
            answer = await getattr(client, op)(**command)
            out.write(json.dumps(answer) + "\n")
            out.flush()
    finally:
        await pool.aclose()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1]))
