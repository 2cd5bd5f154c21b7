"""Tests of the ``digest`` task."""

import hashlib
from typing import Any

import pytest

from {{ cookiecutter.module_name }}.services.text import DIGEST_SALT
from {{ cookiecutter.module_name }}.worker.functions import digest


@pytest.mark.asyncio
async def test_digest_matches_pbkdf2(ctx: dict[Any, Any]) -> None:
    result = await digest(ctx, text="secret", rounds=1000)
    expected = hashlib.pbkdf2_hmac("sha256", b"secret", DIGEST_SALT, 1000)
    assert result == {"digest": expected.hex(), "rounds": 1000}
