"""Configuration, read once from the environment."""

import dataclasses
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from arq.connections import RedisSettings
from arq.constants import health_check_key_suffix
from pydantic import (
    BaseModel,
    Field,
    SecretStr,
    UrlConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import Url
from pydantic_settings import BaseSettings, SettingsConfigDict
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from safir.arq import ArqMode, build_arq_redis_settings
from safir.logging import LogLevel, Profile
from safir.pydantic import HumanTimedelta

from .serialization import (
    Serializers,
    SignedJsonSerializer,
    pickle_serializers,
)

__all__ = [
    "ENV_PREFIX",
    "Config",
    "ConfigError",
    "CronSchedule",
    "RedisUrl",
    "SentinelAddress",
    "SerializerName",
    "config",
    "load_config",
]

ENV_PREFIX = "{{ cookiecutter.__env_prefix }}"
"""Prefix of every environment variable that configures the application."""


type RedisUrl = Annotated[
    Url,
    UrlConstraints(
        allowed_schemes=["redis", "rediss"],
        default_host="localhost",
        default_port=6379,
        default_path="/0",
    ),
]
"""A Redis URL: ``redis://`` or, for TLS, ``rediss://``, with an optional
ACL user name (``redis://user@host:6379/0``).

Unlike Safir's ``EnvRedisDsn``, it accepts ``rediss`` and keeps the user.
"""


type SentinelAddress = Annotated[
    str, Field(pattern=r"^[^\s:/]+:[0-9]{1,5}$", examples=["sentinel:26379"])
]
"""Where one Redis Sentinel listens, as ``host:port``."""


class SerializerName(StrEnum):
    """How jobs and results are stored in Redis."""

    signed_json = "signed-json"
    """JSON signed with ``SIGNING_KEY``: the safe default."""

    pickle = "pickle"
    """arq's default: runs code from Redis. Only for trusted Redis."""


class CronSchedule(BaseModel):
    """When a periodic task runs, as in arq's `arq.cron.cron`.

    A field left unset matches every value; ``second`` defaults to 0 so a
    task does not run every second by accident.
    """

    hour: set[int] | None = Field(None, title="Hours (0-23)")
    """Hours at which the task runs; every hour if unset."""

    minute: set[int] | None = Field(None, title="Minutes (0-59)")
    """Minutes at which the task runs; every minute if unset."""

    second: set[int] | None = Field({0}, title="Seconds (0-59)")
    """Seconds at which the task runs; ``null`` means every second."""


REDIS_WORKER_RETRIES = 30
"""Retries of one worker command while Redis is unreachable: with backoff
capped at one second, the worker rides out an outage of at least 28 seconds
and then exits (an idle worker was measured to exit after about 60 s).
"""


class Config(BaseSettings):
    """Settings for both the API and the worker."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, case_sensitive=False
    )

    name: str = Field(
        "{{ cookiecutter.name }}",
        title="Application name",
    )
    """Name of the application, used in logs and the metadata route."""

    path_prefix: str = Field(
        "/{{ cookiecutter.name }}",
        pattern=r"^/[A-Za-z0-9/_.-]*[A-Za-z0-9_.-]$",
        title="URL prefix of the job API",
    )
    """URL path prefix under which the external routes are served."""

    log_profile: Profile = Field(Profile.production, title="Log profile")
    """``production`` logs JSON lines, ``development`` readable lines."""

    log_level: LogLevel = Field(LogLevel.INFO, title="Log level")
    """Lowest level of log message that is written."""

    arq_mode: ArqMode = Field(ArqMode.production, title="arq queue mode")
    """``production`` uses Redis; ``test`` uses Safir's in-memory mock."""

    arq_queue_url: RedisUrl = Field(
        Url("redis://localhost:6379/0"), title="Redis URL of the arq queue"
    )
    """Redis URL (``redis[s]://[user@]host:port/db``) of queue and results."""

    arq_queue_password: SecretStr | None = Field(None, title="Password")
    """Password for Redis, kept out of the URL so it is never logged."""

    arq_queue_sentinels: list[SentinelAddress] = Field(
        default_factory=list, title="Redis Sentinels to ask for the master"
    )
    """Sentinels (JSON, such as ``["s1:26379", "s2:26379"]``) that name the
    current master; when set, the host and port of ``ARQ_QUEUE_URL`` are
    ignored and its user and database are used on the master.
    """

    arq_queue_sentinel_master: str = Field(
        "mymaster", min_length=1, title="Name the Sentinels monitor"
    )
    """Name of the master in the Sentinels' ``sentinel monitor`` line."""

    arq_queue_tls_ca: Path | None = Field(None, title="CA bundle for TLS")
    """CA certificates that sign Redis's certificate, for ``rediss://``;
    the system's by default. The host name is always checked.
    """

    serializer: SerializerName = Field(
        SerializerName.signed_json, title="Format of jobs in Redis"
    )
    """``signed-json`` (default) or ``pickle`` (explicit opt-in)."""

    signing_key: SecretStr | None = Field(
        None,
        min_length=32,
        validate_default=True,
        title="Key that signs jobs and results",
    )
    """Secret shared by the API and the worker; required for signed JSON."""

    queue_name: str = Field(
        "arq:queue", min_length=1, title="Name of the arq queue"
    )
    """Redis key of the queue; the API and worker must agree on it."""

    worker_job_timeout: HumanTimedelta = Field(
        timedelta(minutes=5), title="Longest time one job may run"
    )
    """Jobs running longer are cancelled and recorded as failed."""

    worker_max_jobs: int = Field(
        50, ge=1, title="Jobs one worker runs at the same time"
    )
    """Concurrency of one worker process (and how many job ids it reads
    from the queue per poll: five times this)."""

    worker_poll_delay: HumanTimedelta = Field(
        timedelta(milliseconds=30), title="Pause between polls of the queue"
    )
    """How long an idle worker waits before it looks at the queue again:
    the floor of a job's start latency (arq's default is 0.5 s)."""

    worker_log_jobs: bool = Field(
        False, title="Log each job's start and end at INFO"
    )
    """arq logs two INFO lines per job; off by default, as they cost about
    a quarter of a fast worker's throughput. Failures are logged either way.
    """

    worker_max_tries: int = Field(
        3, ge=1, title="Tries of a job that asks to be retried"
    )
    """How many times a task that raises ``arq.Retry`` is tried in all."""

    worker_completion_wait: HumanTimedelta = Field(
        timedelta(seconds=20), title="How long SIGTERM waits for jobs"
    )
    """After SIGTERM the worker takes no new jobs and waits this long (whole
    seconds, rounded up) for its running jobs; then it cancels the rest,
    which run again on another worker. Keep it below the time the platform
    allows before SIGKILL (Kubernetes' terminationGracePeriodSeconds, 60 s
    in ``deploy/``), so that the worker can still requeue what it cancels.
    """

    worker_health_check_interval: HumanTimedelta = Field(
        timedelta(seconds=60), title="How often the worker records health"
    )
    """How often the worker refreshes the key that ``arq --check`` reads.

    The key lives one second longer than this, so the check fails at most
    that long after the worker died, hung, or lost Redis. A shorter interval
    notices sooner, for one more Redis write per interval; a probe should
    tolerate a single miss, since a worker whose event loop is busy for a
    second at the wrong moment also misses one.
    """

    worker_name: str | None = Field(
        None, min_length=1, title="Name of this worker for its health check"
    )
    """Gives this worker its own health-check key, which only ``arq --check``
    run with the same name reads. In Kubernetes, set it to the pod's name
    (the downward API's ``metadata.name``) so that each pod's probe checks
    its own worker. Unset, all workers of a queue share arq's one key: any
    live worker makes every check pass, and a worker that stops cleanly
    deletes the key until another rewrites it, within one interval.
    """

    fetch_timeout: HumanTimedelta = Field(
        timedelta(seconds=30), title="Time limit of one fetch_status try"
    )
    """Per-task time limit of ``fetch_status``, below the worker's."""

    fetch_retry_delay: HumanTimedelta = Field(
        timedelta(seconds=5), title="Delay before fetch_status tries again"
    )
    """Delay before the second try; later tries wait proportionally longer."""

    queue_report_schedule: CronSchedule = Field(
        CronSchedule(minute={0, 15, 30, 45}),
        title="When the queue_report cron task runs",
    )
    """Schedule of the periodic ``queue_report`` task, as JSON such as
    ``{"minute": [0, 30]}``.
    """

    digest_threads: int = Field(
        2, ge=1, title="Threads for blocking work in one worker"
    )
    """Size of the worker's thread pool for blocking tasks like ``digest``."""

    max_body_bytes: int = Field(
        256 * 1024, ge=1024, title="Largest request body the API accepts"
    )
    """Larger bodies get 413 before any handler reads them."""

    abort_timeout: HumanTimedelta = Field(
        timedelta(seconds=2), title="How long DELETE waits for a worker"
    )
    """How long an abort waits for a worker to confirm it before answering."""

    fetch_allowed_hosts: list[str] = Field(
        default_factory=list, title="Hosts the fetch_status task may call"
    )
    """Host names that the example ``fetch_status`` task may request.

    Set as JSON, for example ``["example.com"]``. Empty by default so that the
    worker cannot be made to call arbitrary internal addresses.
    """

    @field_validator("signing_key")
    @classmethod
    def _require_key(
        cls, value: SecretStr | None, info: ValidationInfo
    ) -> SecretStr | None:
        if value is None and (
            info.data.get("serializer") == SerializerName.signed_json
        ):
            raise ValueError(
                "required (unless SERIALIZER=pickle): 32 or more random"
                " characters, the same for the API and the worker, e.g. from"
                " python -c 'import secrets; print(secrets.token_urlsafe())'"
            )
        return value

    @property
    def arq_redis_settings(self) -> RedisSettings:
        """Redis settings for the API: fail fast while Redis is down."""
        return self._redis_settings(retries=2)

    @property
    def worker_redis_settings(self) -> RedisSettings:
        """Redis settings for the worker: ride out a short Redis outage."""
        return self._redis_settings(retries=REDIS_WORKER_RETRIES)

    @property
    def worker_health_check_key(self) -> str | None:
        """Redis key of this worker's health check; `None` for arq's own."""
        if self.worker_name is None:
            return None
        suffix = health_check_key_suffix
        return f"{self.queue_name}{suffix}:{self.worker_name}"

    @property
    def arq_serializers(self) -> Serializers:
        """Serializer and deserializer of jobs and results, for arq."""
        if self.serializer == SerializerName.pickle:
            return pickle_serializers()
        if self.signing_key is None:
            raise RuntimeError("signing_key is validated to be set")
        key = self.signing_key.get_secret_value().encode()
        return SignedJsonSerializer(key).pair

    def _redis_settings(self, *, retries: int) -> RedisSettings:
        url = self.arq_queue_url
        settings = build_arq_redis_settings(url, self.arq_queue_password)
        tls = url.scheme == "rediss"
        if self.arq_queue_sentinels:
            hosts = [a.rpartition(":") for a in self.arq_queue_sentinels]
            settings = dataclasses.replace(
                settings,
                host=[(host, int(port)) for host, _, port in hosts],
                sentinel=True,
                sentinel_master=self.arq_queue_sentinel_master,
            )
        return dataclasses.replace(
            settings,
            username=url.username,
            ssl=tls,
            ssl_ca_certs=str(self.arq_queue_tls_ca)
            if self.arq_queue_tls_ca
            else None,
            ssl_check_hostname=tls,
            retry_on_timeout=True,
            # OSError: a refused or reset connection while Redis restarts,
            # which redis-py retries only when it is in this list.
            retry_on_error=[RedisConnectionError, RedisTimeoutError, OSError],
            retry=Retry(
                ExponentialBackoff(cap=1.0, base=0.1), retries=retries
            ),
        )


class ConfigError(SystemExit):
    """The environment holds a missing or invalid setting.

    A subclass of `SystemExit` so that ``uvicorn`` and ``arq`` stop with the
    message alone rather than a traceback.
    """


def load_config() -> Config:
    """Read the configuration, naming the variable behind any error.

    Raises
    ------
    ConfigError
        Raised with one line per bad setting.
    """
    try:
        return Config()
    except ValidationError as exc:
        lines = [
            f"  {ENV_PREFIX}{str(err['loc'][0]).upper()}: {err['msg']}"
            for err in exc.errors()
        ]
        message = "Invalid configuration:\n" + "\n".join(lines)
        raise ConfigError(message) from None


config = load_config()
"""The configuration of this process."""
