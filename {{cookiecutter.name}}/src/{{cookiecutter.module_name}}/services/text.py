"""Text statistics, the logic behind the ``word_count`` task."""

from pydantic import BaseModel, Field

__all__ = ["TextStats", "count_words"]


class TextStats(BaseModel):
    """Counts for one text."""

    words: int = Field(..., title="Number of whitespace-separated words")
    """Number of whitespace-separated words."""

    characters: int = Field(..., title="Number of characters")
    """Number of characters, including whitespace."""


def count_words(text: str) -> TextStats:
    """Count the words and characters of a text.

    Parameters
    ----------
    text
        Text to measure.

    Returns
    -------
    TextStats
        The counts.
    """
    return TextStats(words=len(text.split()), characters=len(text))
