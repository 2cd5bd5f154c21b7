"""Putting benchmark jobs on each queue and reading back how they ran.

`ArqJobs` goes through `targets.arq_client` in the worker's own
environment, `StreaqJobs` through streaQ's client. Both fill a queue with
one pipelined burst (S1, S2), enqueue single jobs the way an application
does (S4), tell how many jobs are left, and read each job's recorded start
and finish times afterwards.
"""

from __future__ import annotations

import asyncio
import json
import pickle
import time
from abc import ABC, abstractmethod
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import redis.asyncio

__all__ = ["ArqJobs", "JobRecord", "Jobs", "StreaqJobs"]

CLIENT_TIMEOUT = 120.0
"""Seconds one command of `targets.arq_client` may take."""

ANSWER_LIMIT = 256 * 1024 * 1024
"""Longest answer line of `targets.arq_client`: the records of every job."""

STREAQ_QUEUE = "default"
"""streaQ's default queue name, which the streaQ worker keeps."""


@dataclass(frozen=True)
class JobRecord:
    """How one job ran, as its queue recorded it."""

    success: bool
    start: float
    """Start, seconds since the epoch (millisecond resolution)."""

    finish: float
    """Finish, seconds since the epoch (millisecond resolution)."""

    value: Any
    """What the job returned."""

    sent: float | None = None
    """For a job queued by `Jobs.enqueue`: the time just before the call."""


class Jobs(AbstractAsyncContextManager["Jobs"], ABC):
    """One queue system's client, for one run.

    Parameters
    ----------
    url
        Redis URL.
    """

    poll_command: str
    """The command `remaining` sends, to subtract from Redis's counts."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.redis = redis.asyncio.Redis.from_url(url)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.redis.aclose()

    @abstractmethod
    async def fill(self, task: str, count: int) -> None:
        """Queue ``count`` jobs of one task in one pipelined burst."""

    @abstractmethod
    async def enqueue(self, task: str) -> None:
        """Queue one job as an application would, noting when."""

    @abstractmethod
    async def remaining(self) -> int:
        """Jobs queued or running (one request of `poll_command`)."""

    @abstractmethod
    async def records(self) -> list[JobRecord | None]:
        """How each job written so far ran; `None` for one with no result."""


class ArqJobs(Jobs):
    """The queue of arq, written and read by `targets.arq_client`.

    The client runs from the worker's environment with the worker's
    settings, so it serializes jobs as that worker expects (the generated
    project signs JSON; raw arq pickles).

    Parameters
    ----------
    url
        Redis URL.
    python
        Interpreter of the worker's environment.
    settings
        Import path of the worker's ``WorkerSettings``.
    env
        The worker's environment.
    cwd
        Directory to run the client in.
    queue_name
        The worker's queue.
    """

    poll_command = "zcard"

    def __init__(  # noqa: PLR0913 - what the client process needs
        self,
        url: str,
        *,
        python: str,
        settings: str,
        env: dict[str, str],
        cwd: Path,
        queue_name: str,
    ) -> None:
        super().__init__(url)
        self.command = [python, "-m", "targets.arq_client", settings]
        self.env = env
        self.cwd = cwd
        self.queue_name = queue_name
        self.sent: list[float | None] = []
        self._client: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> Self:
        self._client = await asyncio.create_subprocess_exec(
            *self.command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env=self.env,
            cwd=self.cwd,
            limit=ANSWER_LIMIT,
        )
        await self._answer()  # connected: nothing more of its start-up
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if (client := self._client) is not None:
            if client.stdin is not None:
                client.stdin.close()
            try:
                await asyncio.wait_for(client.wait(), CLIENT_TIMEOUT)
            except TimeoutError:
                client.kill()
                await asyncio.wait_for(client.wait(), CLIENT_TIMEOUT)
        await super().__aexit__(exc_type, exc, tb)

    async def _ask(self, **command: Any) -> dict[str, Any]:
        client = self._client
        if client is None or client.stdin is None or client.stdout is None:
            raise RuntimeError("the arq client is not running")
        client.stdin.write(json.dumps(command).encode() + b"\n")
        await client.stdin.drain()
        return await self._answer()

    async def _answer(self) -> dict[str, Any]:
        client = self._client
        if client is None or client.stdout is None:
            raise RuntimeError("the arq client is not running")
        line = await asyncio.wait_for(client.stdout.readline(), CLIENT_TIMEOUT)
        if not line:
            raise RuntimeError(
                f"the arq client exited ({' '.join(self.command)})"
            )
        answer: dict[str, Any] = json.loads(line)
        return answer

    async def fill(self, task: str, count: int) -> None:
        """Write the jobs' keys, then make them all due with one ``ZADD``.

        The keys are what ``ArqRedis.enqueue_job`` writes; the worker sees
        no job until the last command adds every id at once.
        """
        await self._ask(op="fill", task=task, count=count)

    async def enqueue(self, task: str) -> None:
        """Queue with ``ArqRedis.enqueue_job``, as the template's API does."""
        await self._ask(op="enqueue", task=task)

    async def remaining(self) -> int:
        """Ids in the sorted set: arq removes one when its job finishes."""
        return int(await self.redis.zcard(self.queue_name))

    async def records(self) -> list[JobRecord | None]:
        """Read arq's result keys, through the client's deserializer."""
        answer = await self._ask(op="records")
        return [
            JobRecord(**record) if record else None
            for record in answer["records"]
        ]


class StreaqJobs(Jobs):
    """The queue of streaQ: a Redis stream, through streaQ's own client.

    Parameters
    ----------
    url
        Redis URL; ``BENCH_REDIS_URL`` must name the same one, since
        `targets.streaq_worker` reads it when it is imported.
    """

    poll_command = "xlen"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        from targets import streaq_worker  # noqa: PLC0415 - reads the env

        self.module = streaq_worker
        self.worker = streaq_worker.worker
        prefix = f"streaq:{STREAQ_QUEUE}"
        self.stream_key = f"{prefix}:queues:normal"
        self.result_prefix = f"{prefix}:task:results:"
        self.ids: list[tuple[str, float | None]] = []

    async def __aenter__(self) -> Self:
        await self.worker.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.worker.__aexit__(exc_type, exc, tb)
        await super().__aexit__(exc_type, exc, tb)

    async def fill(self, task: str, count: int) -> None:
        """Queue with streaQ's ``enqueue_many`` (one pipeline)."""
        registered = getattr(self.module, task)
        tasks = [registered.enqueue() for _ in range(count)]
        await self.worker.enqueue_many(tasks)
        self.ids += [(t.id, None) for t in tasks]

    async def enqueue(self, task: str) -> None:
        """Queue with the task's ``enqueue``, as an application does."""
        sent = time.time()
        queued = await getattr(self.module, task).enqueue()
        self.ids.append((str(queued.id), sent))

    async def remaining(self) -> int:
        """Stream entries: streaQ deletes one when its task finishes."""
        return int(await self.redis.xlen(self.stream_key))

    async def records(self) -> list[JobRecord | None]:
        """Read streaQ's result keys (pickled dicts)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for task_id, _ in self.ids:
                pipe.get(self.result_prefix + task_id)
            raw = await pipe.execute()
        found: list[JobRecord | None] = []
        for (_, sent), data in zip(self.ids, raw, strict=True):
            if data is None:
                found.append(None)
                continue
            result = pickle.loads(data)  # noqa: S301 - our own Redis
            found.append(
                JobRecord(
                    success=bool(result["s"]),
                    start=result["st"] / 1000,
                    finish=result["ft"] / 1000,
                    value=result["r"],
                    sent=sent,
                )
            )
        return found
