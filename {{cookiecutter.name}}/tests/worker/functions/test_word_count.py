"""Tests of the ``word_count`` task."""

import pytest

from {{ cookiecutter.module_name }}.worker.context import JobContext
from {{ cookiecutter.module_name }}.worker.functions import word_count


@pytest.mark.asyncio
async def test_counts_words_and_characters(job: JobContext) -> None:
    result = await word_count(job, text="  to be\nor  not ")
    assert result == {"words": 4, "characters": 16}
