"""The ``fetch_status`` task: the shared HTTP client, retries, a time limit."""

from typing import Any

from arq import Retry

from ...services.fetch import StatusFetcher, TransientFetchError
from ..context import get_job_try, get_state


async def fetch_status(ctx: dict[Any, Any], *, url: str) -> dict[str, Any]:
    """Fetch a URL and report its HTTP status and size.

    A transient failure (no connection, a timeout, 429 or 5xx from a gateway)
    is retried with a growing delay until ``WORKER_MAX_TRIES`` tries have
    run; the last try's error then fails the job. Fetching only reads, so a
    repeated run does no harm.

    Parameters
    ----------
    ctx
        arq's context.
    url
        URL to fetch; its host must be allowed by the configuration.

    Returns
    -------
    dict
        ``url``, ``status_code`` and ``content_length``.

    Raises
    ------
    arq.Retry
        Raised to run the job again later after a transient failure.
    TransientFetchError
        Raised when the last try fails transiently.
    """
    state = get_state(ctx)
    fetcher = StatusFetcher(
        state.http_client, state.config.fetch_allowed_hosts
    )
    try:
        result = await fetcher.fetch(url)
    except TransientFetchError as exc:
        job_try = get_job_try(ctx)
        if job_try >= state.config.worker_max_tries:
            raise
        delay = state.config.fetch_retry_delay * job_try
        state.logger.warning(
            "Fetch failed, retrying", url=url, error=str(exc), try_=job_try
        )
        raise Retry(defer=delay) from exc
    state.logger.info("Fetched URL", url=url, status=result.status_code)
    return result.model_dump(mode="json")
