"""Tests of the ``word_count`` task."""

from typing import Any

import pytest

from {{ cookiecutter.module_name }}.worker.functions import word_count


@pytest.mark.asyncio
async def test_counts_words_and_characters(ctx: dict[Any, Any]) -> None:
    result = await word_count(ctx, text="  to be\nor  not ")
    assert result == {"words": 4, "characters": 16}


@pytest.mark.asyncio
async def test_needs_worker_state() -> None:
    with pytest.raises(TypeError, match="on_startup"):
        await word_count({}, text="hello")
