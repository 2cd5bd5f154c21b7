"""The worker's tasks, one module each.

Each task takes its `JobContext` and keyword arguments, calls a service
and returns a JSON-compatible result.
"""

from .digest import digest
from .fetch_status import fetch_status
from .queue_report import queue_report
from .word_count import word_count

__all__ = ["digest", "fetch_status", "queue_report", "word_count"]
