"""FastAPI dependencies that give handlers their services and guard them."""

import hashlib
import hmac
from typing import Annotated, override

from fastapi import Depends, HTTPException, Request, status
from fastapi.requests import HTTPConnection
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .config import ENV_PREFIX, config
from .prometheus import ApiMetrics
from .queue import arq_dependency
from .services.jobs import JobService

api_metrics = ApiMetrics() if config.prometheus_enabled else None
"""The API's Prometheus metrics, unless ``PROMETHEUS_ENABLED`` is false."""


async def get_job_service() -> JobService:
    """Build the job service around the process's queue client."""
    # Async, so that FastAPI does not hand it to its thread pool each time,
    # and the queue not a dependency of its own: a level less to solve on
    # every request.
    return JobService(await arq_dependency(), config, api_metrics)


def request_id_of(request: Request) -> str:
    """Return the request's id, as `RequestIdMiddleware` set it."""
    # Not a dependency: FastAPI's solving of each one costs every request.
    request_id: str = request.state.request_id
    return request_id


def token_allowed(token: str | None) -> bool:
    """Whether a token is one of ``API_TOKENS``, or none are set."""
    if not config.api_tokens:
        return True  # the ingress in front of the service authenticates
    if token is None:
        return False
    digest = hashlib.sha256(token.encode()).hexdigest()
    # Compared with every hash, in constant time, so that the time taken
    # says nothing about which one was close.
    matches = [hmac.compare_digest(digest, h) for h in config.api_tokens]
    return any(matches)


class AccessGuard(HTTPBearer):
    """Lets a request through if no tokens are set or it bears one of them.

    One dependency, which FastAPI's docs show as the bearer scheme.
    """

    @override
    async def __call__(
        self, request: HTTPConnection
    ) -> HTTPAuthorizationCredentials | None:
        """Check the request's bearer token.

        Raises
        ------
        fastapi.HTTPException
            Raised with 401 and ``WWW-Authenticate`` for a missing or
            unknown token.
        """
        if not config.api_tokens:
            return None
        credentials = await super().__call__(request)
        if credentials is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "A bearer token is required",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not token_allowed(credentials.credentials):
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "The bearer token is not valid",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        return credentials


require_access = AccessGuard(
    scheme_name="HTTPBearer",  # its name in the OpenAPI schema, as before
    auto_error=False,
    description=f"Needed only when {ENV_PREFIX}API_TOKENS is set.",
)
"""The job routes' guard."""


type JobServiceDep = Annotated[JobService, Depends(get_job_service)]
"""A handler parameter of this type receives the job service."""
