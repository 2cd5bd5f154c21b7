"""Tests of the worker's start-up, shutdown and settings."""

from typing import Any

import pytest
from arq.connections import ArqRedis
from arq.worker import Function

from {{ cookiecutter.module_name }}.config import config
from {{ cookiecutter.module_name }}.tasks import TaskName
from {{ cookiecutter.module_name }}.worker.context import get_state
from {{ cookiecutter.module_name }}.worker.main import (
    WorkerSettings,
    shutdown,
    startup,
)


def new_context() -> dict[Any, Any]:
    return {"redis": ArqRedis(host="127.0.0.1", port=1)}


@pytest.mark.asyncio
async def test_startup_and_shutdown() -> None:
    ctx = new_context()
    await startup(ctx)
    state = get_state(ctx)
    assert not state.http_client.is_closed
    assert state.redis is ctx["redis"]
    await shutdown(ctx)
    assert state.http_client.is_closed


@pytest.mark.asyncio
async def test_each_worker_has_its_own_instance_key() -> None:
    contexts = [new_context(), new_context()]
    for ctx in contexts:
        await startup(ctx)
    keys = {
        get_state(ctx).logger._context["worker_instance"] for ctx in contexts
    }
    for ctx in contexts:
        await shutdown(ctx)
    assert len(keys) == 2


def test_settings_register_every_task() -> None:
    names = {
        function.name
        for function in WorkerSettings.functions
        if isinstance(function, Function)
    }
    cron_names = {job.name for job in WorkerSettings.cron_jobs or []}
    assert names | cron_names == set(TaskName)
    assert WorkerSettings.allow_abort_jobs is True
    assert WorkerSettings.queue_name == config.queue_name
    assert WorkerSettings.max_jobs == config.worker_max_jobs
    assert WorkerSettings.job_timeout == config.worker_job_timeout
