"""Fetching URLs on behalf of jobs, the logic behind ``fetch_status``."""

import httpx
from pydantic import BaseModel, HttpUrl

RETRY_STATUSES = frozenset({429, 502, 503, 504})
"""HTTP statuses that say "try again later"."""


class TransientFetchError(Exception):
    """The fetch failed in a way that a later try may not."""


class HostNotAllowedError(ValueError):
    """The URL's host is not in the configured allow-list."""


class FetchResult(BaseModel):
    """What a fetch found: the URL, the response's status and body size."""

    url: str
    status_code: int
    content_length: int


def check_fetch_allowed(url: HttpUrl, allowed_hosts: list[str]) -> None:
    """Raise `HostNotAllowedError` unless the URL's host is allowed."""
    host = url.host or ""
    if host not in allowed_hosts:
        raise HostNotAllowedError(
            f"Host {host!r} is not in the list of hosts that jobs may fetch"
        )


class StatusFetcher:
    """Fetches URLs of allowed hosts with a shared HTTP client."""

    def __init__(
        self, http_client: httpx.AsyncClient, allowed_hosts: list[str]
    ) -> None:
        self._http_client = http_client
        self._allowed_hosts = allowed_hosts

    async def fetch(self, url: str) -> FetchResult:
        """Fetch a URL and report its status.

        Raises
        ------
        HostNotAllowedError
            Raised if the URL's host is not allowed.
        TransientFetchError
            Raised if the peer could not be reached, timed out, or answered
            with a status that means "try again later".
        """
        parsed = HttpUrl(url)
        check_fetch_allowed(parsed, self._allowed_hosts)
        try:
            response = await self._http_client.get(str(parsed))
        except httpx.TransportError as exc:
            name = type(exc).__name__
            raise TransientFetchError(f"{name} fetching {parsed}") from exc
        if response.status_code in RETRY_STATUSES:
            raise TransientFetchError(
                f"HTTP {response.status_code} from {parsed}"
            )
        return FetchResult(
            url=str(parsed),
            status_code=response.status_code,
            content_length=len(response.content),
        )
