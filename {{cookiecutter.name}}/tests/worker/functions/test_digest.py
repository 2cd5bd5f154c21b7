"""Tests of the ``digest`` task."""

import hashlib

import pytest

from {{ cookiecutter.module_name }}.records import Progress
from {{ cookiecutter.module_name }}.services.text import (
    DIGEST_SALT,
    DIGEST_STEPS,
)
from {{ cookiecutter.module_name }}.worker.context import JobContext
from {{ cookiecutter.module_name }}.worker.functions import digest


@pytest.mark.asyncio
async def test_digest_is_pbkdf2_in_steps(job: JobContext) -> None:
    result = await digest(job, text="secret", rounds=1000)
    expected = b"secret"
    for _ in range(DIGEST_STEPS):
        expected = hashlib.pbkdf2_hmac("sha256", expected, DIGEST_SALT, 100)
    assert result == {"digest": expected.hex(), "rounds": 1000}


@pytest.mark.asyncio
async def test_reports_its_progress(job: JobContext) -> None:
    await digest(job, text="secret", rounds=7)
    progress = await job.state.records.get_progress(job.job_id)
    assert isinstance(progress, Progress)
    assert progress.fraction == 1
    assert progress.message == "7 of 7 rounds"
