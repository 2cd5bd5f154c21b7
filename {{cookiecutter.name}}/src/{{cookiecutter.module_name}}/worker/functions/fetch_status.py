"""The ``fetch_status`` task, which uses the worker's shared HTTP client."""

from typing import Any

from ...services.fetch import StatusFetcher
from ..context import get_state

__all__ = ["fetch_status"]


async def fetch_status(ctx: dict[Any, Any], *, url: str) -> dict[str, Any]:
    """Fetch a URL and report its HTTP status and size.

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
    """
    state = get_state(ctx)
    fetcher = StatusFetcher(state.http_client, state.fetch_allowed_hosts)
    result = await fetcher.fetch(url)
    state.logger.info("Fetched URL", url=url, status=result.status_code)
    return result.model_dump(mode="json")
