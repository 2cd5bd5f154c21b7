"""The one way to the queue's Redis, for the API, the worker and metrics.

Settings (URL, password, ACL user, TLS, retries, Sentinels), the pool and
the serializers are built here from `Config` and nowhere else.
"""

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any, Self, cast, override

from arq.connections import ArqRedis, RedisSettings
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from safir.arq import build_arq_redis_settings

from .config import Config, SerializerName
from .serialization import (
    Serializers,
    SignedJsonSerializer,
    pickle_serializers,
)

API_RETRIES = 2
"""Retries of one API command: a request fails fast while Redis is down."""

WORKER_RETRIES = 30
"""Retries of one worker command: with backoff capped at 1 s, a running
worker rides out an outage of about 28 s."""

START_RETRIES = 10
"""Retries before a process that has never reached Redis exits (about 9 s)."""


class RedisUnavailableError(RedisConnectionError):
    """Redis never answered this process, which reports it in one line."""


def failure_line(error: BaseException | None, config: Config) -> str | None:
    """Say in one line how Redis stopped this process, if it did."""
    cause = error
    # redis-py wraps what a retry raises in its own ConnectionError.
    while cause is not None:
        if isinstance(cause, RedisUnavailableError):
            return str(cause)
        cause = cause.__cause__ or cause.__context__
    if isinstance(error, RedisError):
        name = type(error).__name__
        return f"Stopped: Redis at {redis_address(config)}: {name}: {error}"
    return None


class StartRetry(Retry):
    """redis-py's retries, except before Redis has first answered.

    Until then a command gets `START_RETRIES`, and when they fail it and
    every later command raise `RedisUnavailableError` at once: a process
    that cannot start stops within seconds, rather than after the worker's
    retries times arq's five connection attempts (minutes). Once Redis has
    answered, a command gets ``retries`` and an outage is ridden out.
    """

    def __init__(self, retries: int, address: str) -> None:
        super().__init__(ExponentialBackoff(cap=1.0, base=0.1), START_RETRIES)
        self.running_retries = retries
        self.address = address
        self.reached = False
        self.gave_up: RedisUnavailableError | None = None

    def __deepcopy__(self, _memo: dict[int, object]) -> Self:
        # redis-py copies the retry into every connection; whether Redis
        # has answered is the whole pool's to know.
        return self

    @override
    async def call_with_retry(
        self, do: Callable[[], Awaitable[Any]], fail: Callable[[Any], Any]
    ) -> Any:
        if self.gave_up and not self.reached:
            raise self.gave_up
        try:
            result = await super().call_with_retry(do, fail)
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            if self.reached:
                raise
            self.gave_up = RedisUnavailableError(
                f"Cannot start: Redis at {self.address} is unavailable"
                f" ({type(exc).__name__}: {exc})"
            )
            raise self.gave_up from None
        if not self.reached:
            self.reached = True
            self._retries = self.running_retries
        return result


def wake_key(queue_name: str) -> str:
    """Return the list that wakes the queue's idle workers."""
    return f"{queue_name}:wake"


def redis_address(config: Config) -> str:
    """Say where the configured Redis is, for messages."""
    if config.arq_queue_sentinels:
        return f"Sentinels {', '.join(config.arq_queue_sentinels)}"
    return f"{config.arq_queue_url.host}:{config.arq_queue_url.port}"


def settings_for(config: Config, *, retries: int) -> RedisSettings:
    """Return arq's settings for the configured Redis."""
    url = config.arq_queue_url
    settings = build_arq_redis_settings(url, config.arq_queue_password)
    if config.arq_queue_sentinels:
        hosts = [a.rpartition(":") for a in config.arq_queue_sentinels]
        settings = dataclasses.replace(
            settings,
            host=[(host, int(port)) for host, _, port in hosts],
            sentinel=True,
            sentinel_master=config.arq_queue_sentinel_master,
        )
    tls = url.scheme == "rediss"
    ca = config.arq_queue_tls_ca
    return dataclasses.replace(
        settings,
        # Safir's build_arq_redis_settings drops the ACL user and TLS.
        username=url.username,
        ssl=tls,
        ssl_ca_certs=str(ca) if ca else None,
        ssl_check_hostname=tls,
        retry_on_timeout=True,
        # OSError: a refused or reset connection while Redis restarts,
        # which redis-py retries only when it is in this list.
        retry_on_error=[RedisConnectionError, RedisTimeoutError, OSError],
        retry=StartRetry(retries, redis_address(config)),
        # StartRetry does the retrying (for arq --check, which builds its
        # own pool).
        conn_retries=0,
    )


def serializers_for(config: Config) -> Serializers:
    """Return the serializer and deserializer of jobs and results."""
    if config.serializer == SerializerName.pickle:
        return pickle_serializers()
    if config.signing_key is None:
        raise RuntimeError("signing_key is validated to be set")
    keys = [config.signing_key, *config.accepted_signing_keys]
    signer, *accepted = [key.get_secret_value().encode() for key in keys]
    return SignedJsonSerializer(signer, accepted).pair


def pool_for(config: Config, *, retries: int) -> ArqRedis:
    """Return an arq pool on the configured queue; it connects when used.

    With Sentinels, arq's own pool would pass them none of the settings'
    retries, so a failover would fail every command at once: this one
    retries, and each retry asks the Sentinels for the current master.
    """
    settings = settings_for(config, retries=retries)
    connection: dict[str, Any] = {
        "db": settings.database,
        "username": settings.username,
        "password": settings.password,
        "socket_connect_timeout": settings.conn_timeout,
        "retry": settings.retry,
        "retry_on_error": settings.retry_on_error,
        "retry_on_timeout": settings.retry_on_timeout,
    }
    if settings.ssl:
        connection |= {
            "ssl": True,
            "ssl_ca_certs": settings.ssl_ca_certs,
            "ssl_check_hostname": settings.ssl_check_hostname,
        }
    if isinstance(settings.host, str):
        pool = ArqRedis(host=settings.host, port=settings.port, **connection)
    else:
        timeout = settings.conn_timeout
        # redis-py's Sentinel.__init__ has no annotations.
        sentinels = Sentinel(  # type: ignore[no-untyped-call]
            settings.host,
            # Sentinels that do not answer in time are skipped.
            sentinel_kwargs={
                "socket_connect_timeout": timeout,
                "socket_timeout": timeout,
            },
            **connection,
        )
        pool = cast(
            "ArqRedis",
            sentinels.master_for(
                settings.sentinel_master, redis_class=ArqRedis
            ),
        )
    pool.job_serializer, pool.job_deserializer = serializers_for(config)
    pool.default_queue_name = config.queue_name
    return pool
