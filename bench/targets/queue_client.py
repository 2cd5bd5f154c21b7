"""The harness's client of a worker's queue, run as its own process.

``python -m targets.queue_client arq <WorkerSettings import path>`` runs in
the arq worker's environment with its queue, Redis settings and serializer
(the project signs JSON; raw arq pickles), so that its jobs are what that
worker's API would write; ``... streaq`` queues through streaQ's own client.

It reads one JSON command per line on standard input and answers each with
one JSON line, after a first ``"ready"``: ``{"op": "fill", "task": T,
"count": N}`` queues N jobs in one burst that makes them all due at once;
``{"op": "enqueue", "task": T}`` queues one as an application does, noting
the time just before (``sent``); ``{"op": "records"}`` answers how each job
ran (``success``, ``start``, ``finish``, ``value``, ``sent``) or ``null``.
"""

import asyncio
import importlib
import json
import os
import pickle
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import redis.asyncio
from arq.connections import ArqRedis, create_pool
from arq.constants import expires_extra_ms, job_key_prefix, result_key_prefix
from arq.jobs import deserialize_result, serialize_job
from arq.utils import import_string
from arq.worker import get_kwargs

__all__ = [
    "ArqClient",
    "ProjectClient",
    "SaqClient",
    "StreaqClient",
    "TaskiqClient",
]


class _Client:
    """Remembers the jobs it queues, and reads their results."""

    prefix: str
    """Of the result keys."""

    def __init__(self, client: redis.asyncio.Redis) -> None:
        self.redis = client
        self.ids: list[tuple[str, float | None]] = []

    async def records(self) -> list[dict[str, Any] | None]:
        """How each job queued so far ran, if it has a result."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for job_id, _ in self.ids:
                pipe.get(self.prefix + job_id)
            raw = await pipe.execute()
        return [
            data and {**self._result(data), "sent": sent}
            for (_, sent), data in zip(self.ids, raw, strict=True)
        ]

    def _result(self, data: bytes) -> dict[str, Any]:
        raise NotImplementedError


class ArqClient(_Client):
    """Writes and reads the jobs of one arq worker's queue."""

    prefix = result_key_prefix

    def __init__(self, settings: dict[str, Any], pool: ArqRedis) -> None:
        super().__init__(pool)
        self.pool = pool
        self.queue_name = settings.get("queue_name", "arq:queue")
        self.serializer = settings.get("job_serializer")
        self.deserializer = settings.get("job_deserializer")

    async def fill(self, task: str, count: int) -> None:
        """Write the keys ``enqueue_job`` writes, then one ``ZADD`` of all."""
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
        self.ids += [(job_id, None) for job_id in ids]

    async def enqueue(self, task: str) -> None:
        """Queue one job with ``ArqRedis.enqueue_job``."""
        sent = time.time()
        job = await self.pool.enqueue_job(task, _queue_name=self.queue_name)
        if job is None:
            raise RuntimeError("arq refused a job with a fresh id")
        self.ids.append((job.job_id, sent))

    def _result(self, data: bytes) -> dict[str, Any]:
        r = deserialize_result(data, deserializer=self.deserializer)
        return {
            "success": r.success,
            "start": r.start_time.timestamp(),
            "finish": r.finish_time.timestamp(),
            "value": r.result if r.success else None,
        }


class ProjectClient(ArqClient):
    """Queues one job as the project's API does, with its queue client.

    That client writes in one script and wakes an idle worker; ``fill``
    stays arq's, so that every worker drains the same keys.
    """

    def __init__(self, settings: dict[str, Any], pool: ArqRedis) -> None:
        super().__init__(settings, pool)
        project = os.environ["BENCH_MODULE"]
        queue = importlib.import_module(f"{project}.queue")
        config = importlib.import_module(f"{project}.config").config
        self.queue = queue.RedisJobQueue(pool, config)
        self.options = queue.JobOptions()

    async def enqueue(self, task: str) -> None:
        """Queue one job with the project's ``RedisJobQueue.submit``."""
        sent = time.time()
        job = await self.queue.submit(task, {}, self.options)
        self.ids.append((job.id, sent))


class StreaqClient(_Client):
    """Writes and reads the jobs of the streaQ worker's queue."""

    prefix = "streaq:default:task:results:"

    def __init__(self, module: Any, client: redis.asyncio.Redis) -> None:
        super().__init__(client)
        self.module = module  # targets.streaq_worker

    async def fill(self, task: str, count: int) -> None:
        """Queue with ``enqueue_many`` (one pipeline)."""
        tasks = [getattr(self.module, task).enqueue() for _ in range(count)]
        await self.module.worker.enqueue_many(tasks)
        self.ids += [(t.id, None) for t in tasks]

    async def enqueue(self, task: str) -> None:
        """Queue with the task's ``enqueue``."""
        sent = time.time()
        queued = await getattr(self.module, task).enqueue()
        self.ids.append((str(queued.id), sent))

    def _result(self, data: bytes) -> dict[str, Any]:
        r = pickle.loads(data)  # noqa: S301 - our own Redis
        return {
            "success": bool(r["s"]),
            "start": r["st"] / 1000,  # milliseconds
            "finish": r["ft"] / 1000,
            "value": r["r"],
        }


class SaqClient(_Client):
    """Writes and reads the jobs of the SAQ worker's queue."""

    def __init__(self, queue: Any) -> None:
        super().__init__(queue.redis)
        self.queue = queue  # targets.saq_worker.queue
        self.prefix = queue.job_id("")

    async def fill(self, task: str, count: int) -> None:
        """Write what ``Queue.enqueue`` writes, then one ``RPUSH`` of all."""
        from saq.job import Job, Status  # noqa: PLC0415 - the bench's venv
        from saq.utils import now  # noqa: PLC0415

        queued = {
            "queue": self.queue,
            "queued": now(),
            "status": Status.QUEUED,
        }
        jobs = [Job(function=task, **queued) for _ in range(count)]
        async with self.redis.pipeline(transaction=False) as pipe:
            for job in jobs:
                pipe.set(job.id, self.queue.serialize(job))
            incomplete = self.queue.namespace("incomplete")
            pipe.zadd(incomplete, {job.id: 0 for job in jobs})
            pipe.rpush(self.queue.namespace("queued"), *(j.id for j in jobs))
            await pipe.execute()
        self.ids += [(job.key, None) for job in jobs]

    async def enqueue(self, task: str) -> None:
        """Queue with ``Queue.enqueue``."""
        sent = time.time()
        job = await self.queue.enqueue(task)
        self.ids.append((job.key, sent))

    def _result(self, data: bytes) -> dict[str, Any]:
        job = self.queue.deserialize(data)
        return {
            "success": job.status == "complete",
            "start": job.started / 1000,  # milliseconds
            "finish": job.completed / 1000,
            "value": job.result,
        }


class TaskiqClient(_Client):
    """Writes and reads the jobs of the taskiq worker's stream."""

    prefix = ""  # a result's key is its task's id

    def __init__(self, module: Any, client: redis.asyncio.Redis) -> None:
        super().__init__(client)
        self.module = module  # targets.taskiq_worker

    async def fill(self, task: str, count: int) -> None:
        """``XADD`` what ``kiq`` sends, all in one transaction."""
        broker, kicker = (
            self.module.broker,
            getattr(self.module, task).kicker(),
        )
        # kiq sends each message on its own; the messages are built as it does.
        messages = [kicker._prepare_message() for _ in range(count)]  # noqa: SLF001
        async with self.redis.pipeline(transaction=True) as pipe:
            for message in messages:
                data = broker.formatter.dumps(message).message
                pipe.xadd(broker.queue_name, {b"data": data})
            await pipe.execute()
        self.ids += [(m.task_id, None) for m in messages]

    async def enqueue(self, task: str) -> None:
        """Queue with the task's ``kiq``."""
        sent = time.time()
        queued = await getattr(self.module, task).kiq()
        self.ids.append((queued.task_id, sent))

    def _result(self, data: bytes) -> dict[str, Any]:
        r = pickle.loads(data)  # noqa: S301 - our own Redis
        return {
            "success": not r["is_err"],
            "start": r["labels"]["bench_start"],
            "finish": r["labels"]["bench_finish"],
            "value": r["return_value"],
        }


@asynccontextmanager
async def _arq(path: str) -> AsyncIterator[ArqClient]:
    settings = get_kwargs(import_string(path))
    pool = await create_pool(
        settings.get("redis_settings"),
        job_serializer=settings.get("job_serializer"),
        job_deserializer=settings.get("job_deserializer"),
        default_queue_name=settings.get("queue_name", "arq:queue"),
    )
    project = path.startswith("targets.template_worker.")
    try:
        yield (ProjectClient if project else ArqClient)(settings, pool)
    finally:
        await pool.aclose()


@asynccontextmanager
async def _streaq() -> AsyncIterator[StreaqClient]:
    from . import streaq_worker  # noqa: PLC0415 - only in the bench's venv

    url = os.environ["BENCH_REDIS_URL"]
    async with streaq_worker.worker, redis.asyncio.Redis.from_url(url) as r:
        yield StreaqClient(streaq_worker, r)


@asynccontextmanager
async def _saq() -> AsyncIterator[SaqClient]:
    from .saq_worker import queue  # noqa: PLC0415 - only in the bench's venv

    await queue.connect()
    try:
        yield SaqClient(queue)
    finally:
        await queue.disconnect()


@asynccontextmanager
async def _taskiq() -> AsyncIterator[TaskiqClient]:
    from . import taskiq_worker  # noqa: PLC0415 - only in the bench's venv

    url = os.environ["BENCH_REDIS_URL"]
    await taskiq_worker.broker.startup()
    try:
        async with redis.asyncio.Redis.from_url(url) as r:
            yield TaskiqClient(taskiq_worker, r)
    finally:
        await taskiq_worker.broker.shutdown()


async def serve(connect: AbstractAsyncContextManager[Any]) -> None:
    """Answer commands on standard input with the client ``connect`` gives."""
    # Answers go to the real standard output; whatever the project or the
    # queue library prints goes to standard error, off the wire.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())

    def answer(value: Any) -> None:
        out.write(json.dumps(value) + "\n")
        out.flush()

    loop = asyncio.get_running_loop()
    async with connect as client:
        answer("ready")
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            command = json.loads(line)
            answer(await getattr(client, command.pop("op"))(**command))


if __name__ == "__main__":
    system, *args = sys.argv[1:]
    clients = {"arq": _arq, "saq": _saq, "streaq": _streaq, "taskiq": _taskiq}
    asyncio.run(serve(clients[system](*args)))
