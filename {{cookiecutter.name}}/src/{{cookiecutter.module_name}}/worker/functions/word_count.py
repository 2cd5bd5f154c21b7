"""The ``word_count`` task."""

from typing import Any

from ...services.text import count_words
from ..context import JobContext


async def word_count(job: JobContext, *, text: str) -> dict[str, Any]:
    """Count the words and characters of a text.

    Parameters
    ----------
    job
        The job and the worker's shared state.
    text
        Text to measure.

    Returns
    -------
    dict
        ``words`` and ``characters``.
    """
    stats = count_words(text)
    job.logger.debug("Counted words", words=stats.words)
    return stats.model_dump(mode="json")
