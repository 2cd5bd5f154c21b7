"""Text statistics and digests, the logic of ``word_count`` and ``digest``."""

import hashlib

from pydantic import BaseModel

DIGEST_SALT = b"{{ cookiecutter.module_name }}-example"
"""Fixed salt: the example's digest must be the same on every run."""

DIGEST_STEPS = 10
"""Steps of ``digest``, each reporting its progress."""


class TextStats(BaseModel):
    """Whitespace-separated words and characters of one text."""

    words: int
    characters: int


def count_words(text: str) -> TextStats:
    """Count the words and characters of a text."""
    return TextStats(words=len(text.split()), characters=len(text))


def stretch(value: bytes, rounds: int) -> bytes:
    """Apply PBKDF2-SHA256 to a value: slow, blocking work.

    It stands for any CPU-bound or blocking call (image processing, a
    synchronous client library): run it in a thread or process, never on
    the event loop. ``digest`` applies it in `DIGEST_STEPS` steps.
    """
    return hashlib.pbkdf2_hmac("sha256", value, DIGEST_SALT, rounds)
