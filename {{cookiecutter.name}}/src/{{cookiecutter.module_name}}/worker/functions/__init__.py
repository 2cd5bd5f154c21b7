"""The worker's tasks, one module each.

Each task takes arq's context and keyword arguments, calls a service and
returns a JSON-compatible result.
"""

from .fetch_status import fetch_status
from .word_count import word_count

__all__ = ["fetch_status", "word_count"]
