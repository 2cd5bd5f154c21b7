"""The ``fetch_status`` task: the shared HTTP client, retries, a time limit."""

from typing import Any

from ...services.fetch import StatusFetcher, TransientFetchError
from ..context import JobContext
from ..registry import RetryLater


async def fetch_status(job: JobContext, *, url: str) -> dict[str, Any]:
    """Fetch a URL and report its HTTP status and size.

    A transient failure (no connection, a timeout, 429 or 5xx from a gateway)
    is tried again, with a growing delay, until ``WORKER_MAX_TRIES`` tries
    have run; the last try's error then fails the job. Fetching only reads,
    so a repeated run does no harm.

    Parameters
    ----------
    job
        The job and the worker's shared state.
    url
        URL to fetch; its host must be allowed by the configuration.

    Returns
    -------
    dict
        ``url``, ``status_code`` and ``content_length``.

    Raises
    ------
    RetryLater
        Raised after a transient failure, to try again later.
    """
    state = job.state
    fetcher = StatusFetcher(
        state.http_client, state.config.fetch_allowed_hosts
    )
    try:
        result = await fetcher.fetch(url)
    except TransientFetchError as exc:
        raise RetryLater(str(exc)) from exc
    job.logger.info("Fetched URL", url=url, status=result.status_code)
    return result.model_dump(mode="json")
