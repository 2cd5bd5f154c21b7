"""The minimal FastAPI endpoint that enqueues with arq directly (S3).

A plain "FastAPI with arq" guide's pattern: one arq pool opened in the
lifespan and ``enqueue_job`` called from the route; no Safir, no job
service, no structured logging. ``uvicorn targets.minimal_api:app`` from
the project's environment; ``BENCH_REDIS_URL`` names the Redis.
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from arq import ArqRedis, create_pool
from arq.connections import RedisSettings
from fastapi import Depends, FastAPI, HTTPException, Request, status
from pydantic import BaseModel, Field

__all__ = ["app"]


class WordCountRequest(BaseModel):
    """Body: the text whose words the job counts."""

    text: str = Field(..., min_length=1, max_length=100_000)


class JobCreated(BaseModel):
    """Answer: the id of the queued job."""

    job_id: str
    status: str


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the arq pool on start-up, close it on shutdown."""
    settings = RedisSettings.from_dsn(os.environ["BENCH_REDIS_URL"])
    app.state.arq = await create_pool(settings)
    yield
    await app.state.arq.aclose()


app = FastAPI(lifespan=lifespan)


async def get_queue(request: Request) -> ArqRedis:
    """The app's arq pool."""
    queue: ArqRedis = request.app.state.arq
    return queue


@app.post("/jobs", status_code=status.HTTP_202_ACCEPTED)
async def create_job(
    body: WordCountRequest,
    queue: ArqRedis = Depends(get_queue),  # noqa: B008, FAST002 - the guide's form
) -> JobCreated:
    """Queue a ``word_count`` job."""
    job = await queue.enqueue_job("word_count", text=body.text)
    if job is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "job exists")
    return JobCreated(job_id=job.job_id, status="queued")


@app.get("/")
async def root() -> dict[str, str]:
    """Answers once the app has started."""
    return {"name": "minimal"}
