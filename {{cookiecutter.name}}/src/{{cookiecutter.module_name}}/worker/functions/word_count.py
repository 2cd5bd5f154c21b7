"""The ``word_count`` task."""

from typing import Any

from ...services.text import count_words
from ..context import get_state


async def word_count(ctx: dict[Any, Any], *, text: str) -> dict[str, Any]:
    """Count the words and characters of a text.

    Parameters
    ----------
    ctx
        arq's context.
    text
        Text to measure.

    Returns
    -------
    dict
        ``words`` and ``characters``.
    """
    stats = count_words(text)
    get_state(ctx).logger.debug("Counted words", words=stats.words)
    return stats.model_dump(mode="json")
