"""Text statistics and digests, the logic of ``word_count`` and ``digest``."""

import hashlib

from pydantic import BaseModel

DIGEST_SALT = b"{{ cookiecutter.module_name }}-example"
"""Fixed salt: the example's digest must be the same on every run."""


class TextStats(BaseModel):
    """Whitespace-separated words and characters of one text."""

    words: int
    characters: int


def count_words(text: str) -> TextStats:
    """Count the words and characters of a text."""
    return TextStats(words=len(text.split()), characters=len(text))


def derive_digest(text: str, rounds: int) -> str:
    """Derive a hexadecimal PBKDF2-SHA256 digest: slow, blocking work.

    It stands for any CPU-bound or blocking call (image processing, a
    synchronous client library): run it in a thread or process, never on
    the event loop.
    """
    digest = hashlib.pbkdf2_hmac("sha256", text.encode(), DIGEST_SALT, rounds)
    return digest.hex()
