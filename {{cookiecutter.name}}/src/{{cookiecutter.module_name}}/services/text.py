"""Text statistics and digests, the logic of ``word_count`` and ``digest``."""

import hashlib

from pydantic import BaseModel, Field

__all__ = ["DIGEST_SALT", "TextStats", "count_words", "derive_digest"]

DIGEST_SALT = b"{{ cookiecutter.module_name }}-example"
"""Fixed salt: the example's digest must be the same on every run."""


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


def derive_digest(text: str, rounds: int) -> str:
    """Derive a PBKDF2-SHA256 digest of a text: slow, blocking work.

    Stands for any CPU-bound or blocking call (image processing, a
    synchronous client library). Call it in a thread or process, never
    directly on the event loop.

    Parameters
    ----------
    text
        Text to digest.
    rounds
        PBKDF2 iterations; the time taken grows linearly with them.

    Returns
    -------
    str
        Hexadecimal digest.
    """
    digest = hashlib.pbkdf2_hmac("sha256", text.encode(), DIGEST_SALT, rounds)
    return digest.hex()
