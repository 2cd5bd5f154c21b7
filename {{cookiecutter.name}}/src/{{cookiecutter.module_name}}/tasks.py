"""Names of the worker's tasks, shared by the API and the worker.

The API enqueues jobs by these names and never imports the worker's
functions, so the API process does not load worker-only code.
"""

from enum import StrEnum


class TaskName(StrEnum):
    """Task names that the worker registers and the API may enqueue."""

    word_count = "word_count"
    """Count the words and characters of a text."""

    fetch_status = "fetch_status"
    """Fetch a URL with the worker's HTTP client and report its status."""

    digest = "digest"
    """Derive a slow key-stretched digest of a text, in a thread."""

    queue_report = "queue_report"
    """Periodic: count the jobs waiting on the queue."""

    def __repr__(self) -> str:
        # pydantic names the tasks by their repr when a request has none.
        return repr(self.value)
