"""FastAPI dependencies that give handlers their services and guard them."""

import hashlib
import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .config import ENV_PREFIX, config
from .prometheus import ApiMetrics
from .queue import JobQueue, arq_dependency
from .services.jobs import JobService

api_metrics = ApiMetrics() if config.prometheus_enabled else None
"""The API's Prometheus metrics, unless ``PROMETHEUS_ENABLED`` is false."""

_bearer = HTTPBearer(
    auto_error=False,
    description=f"Needed only when {ENV_PREFIX}API_TOKENS is set.",
)


async def get_job_service(
    queue: Annotated[JobQueue, Depends(arq_dependency)],
) -> JobService:
    """Build the job service around the process's queue client."""
    # Async, so that FastAPI does not hand it to its thread pool each time.
    return JobService(queue, config, api_metrics)


async def get_request_id(request: Request) -> str:
    """Return the request's id, as `RequestIdMiddleware` set it."""
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


async def require_access(
    credentials: Annotated[
        HTTPAuthorizationCredentials | None, Depends(_bearer)
    ],
) -> None:
    """Let a request through if no tokens are set or it bears one of them.

    Raises
    ------
    fastapi.HTTPException
        Raised with 401 and ``WWW-Authenticate`` for a missing or unknown
        token.
    """
    if not config.api_tokens:
        return
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


type JobServiceDep = Annotated[JobService, Depends(get_job_service)]
"""A handler parameter of this type receives the job service."""

type RequestIdDep = Annotated[str, Depends(get_request_id)]
"""A handler parameter of this type receives the request's id."""
