"""Helpers for driving the job API in tests."""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from {{ cookiecutter.module_name }} import main
from {{ cookiecutter.module_name }}.config import config

__all__ = [
    "JOBS",
    "client_of",
    "job_id_of",
    "post_job",
    "running_app",
    "wait_for_status",
]

JOBS = f"{config.path_prefix}/jobs"
"""Path of the job API."""


def client_of(app: FastAPI) -> AsyncClient:
    """Return an HTTP client that calls a running application in-process."""
    return AsyncClient(
        transport=ASGITransport(app=app), base_url="https://example.com/"
    )


@asynccontextmanager
async def running_app() -> AsyncIterator[AsyncClient]:
    """Start the application as configured now, and yield a client of it."""
    async with LifespanManager(main.app), client_of(main.app) as client:
        yield client


async def post_job(client: AsyncClient, body: dict[str, Any]) -> str:
    """Queue a job through the API and return its URL.

    Parameters
    ----------
    client
        Client of the running application.
    body
        Request body.

    Returns
    -------
    str
        The job's URL, from the ``Location`` header.
    """
    response = await client.post(JOBS, json=body)
    assert response.status_code == 202, response.text
    location: str = response.headers["Location"]
    return location


def job_id_of(location: str) -> str:
    """Return the job id at the end of a job's URL."""
    return location.rsplit("/", 1)[1]


async def wait_for_status(
    client: AsyncClient, location: str, status: str, within: float = 10.0
) -> dict[str, Any]:
    """Poll a job until it has a status, failing after ``within`` seconds.

    Parameters
    ----------
    client
        Client of the running application.
    location
        The job's URL.
    status
        Status to wait for.
    within
        Seconds to wait at most.

    Returns
    -------
    dict
        The job, as the API returned it.
    """
    deadline = time.monotonic() + within
    while True:
        data: dict[str, Any] = (await client.get(location)).json()
        if data.get("status") == status:
            return data
        if time.monotonic() > deadline:
            msg = f"job never reached {status}; last seen {data}"
            raise AssertionError(msg)
        await asyncio.sleep(0.02)


async def failure_of(client: AsyncClient, location: str) -> str:
    """Return why the job at ``location`` failed; it must have failed."""
    response = await client.get(location)
    assert response.status_code == 200, response.text
    job = response.json()
    assert job["status"] in {"complete", "failed"}, job
    assert job["success"] is False, job
    error: str = job["error"]
    return error
