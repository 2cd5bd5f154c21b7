"""A worker's queue, from the harness: its client process and its length."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import redis.asyncio

from .project import BENCH_DIR
from .variants import WorkerVariant

__all__ = ["Jobs", "jobs_of"]

CLIENT_TIMEOUT = 120.0  # seconds one command of the client may take
ANSWER_LIMIT = 256 * 1024 * 1024  # bytes of its longest answer, the records


@dataclass(frozen=True)
class Jobs:
    """A worker's queue: filled by `targets.queue_client`, watched here.

    The client runs with the worker's environment and settings, so it
    writes jobs as that worker expects them; the harness itself only asks
    Redis how many jobs are left (one `poll_command` per check).
    """

    variant: WorkerVariant
    client: asyncio.subprocess.Process
    redis: redis.asyncio.Redis
    # ZCARD: arq and SAQ drop a job's id from a sorted set when it ends;
    # XLEN: streaQ deletes its stream entry; XINFO GROUPS: taskiq-redis
    # acknowledges it, so entries not yet read (lag) or not acknowledged.
    poll_command: str  # as INFO commandstats names it
    key: str  # what it counts

    async def ask(self, op: str, **args: Any) -> Any:
        """Send one command to the client; return its answer."""
        assert self.client.stdin is not None  # noqa: S101 - piped
        self.client.stdin.write(json.dumps({"op": op, **args}).encode())
        self.client.stdin.write(b"\n")
        await self.client.stdin.drain()
        return await self.answer()

    async def answer(self) -> Any:
        """The client's next answer."""
        assert self.client.stdout is not None  # noqa: S101 - piped
        line = await asyncio.wait_for(
            self.client.stdout.readline(), CLIENT_TIMEOUT
        )
        if not line:
            command = " ".join(self.variant.client)
            raise RuntimeError(f"the queue client exited ({command})")
        return json.loads(line)

    async def remaining(self) -> int:
        """Jobs queued or running."""
        if self.poll_command == "xinfo|groups":
            groups = await self.redis.xinfo_groups(self.key)
            # A lag Redis cannot tell (None) counts as a job left.
            lags = [1 if g["lag"] is None else g["lag"] for g in groups]
            return sum(g["pending"] for g in groups) + sum(lags)
        return int(
            await self.redis.execute_command(self.poll_command, self.key)
        )


@asynccontextmanager
async def jobs_of(
    variant: WorkerVariant, redis_url: str
) -> AsyncIterator[Jobs]:
    """The queue of ``variant``, its client connected."""
    client = await asyncio.create_subprocess_exec(
        *variant.client,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env=variant.env,
        cwd=BENCH_DIR,
        limit=ANSWER_LIMIT,
    )
    poll, key = {
        "arq": ("zcard", variant.queue_name),
        "saq": ("zcard", f"saq:{variant.queue_name}:incomplete"),
        "streaq": ("xlen", f"streaq:{variant.queue_name}:queues:normal"),
        "taskiq": ("xinfo|groups", variant.queue_name),
    }[variant.system]
    server = redis.asyncio.Redis.from_url(redis_url)
    jobs = Jobs(variant, client, server, poll, key)
    try:
        await jobs.answer()  # connected: nothing more of its start-up
        yield jobs
    finally:
        if client.stdin is not None:
            client.stdin.close()
        try:
            await asyncio.wait_for(client.wait(), CLIENT_TIMEOUT)
        except TimeoutError:
            client.kill()
            await client.wait()
        await jobs.redis.aclose()
