"""Settings of the API and the worker, read once from the environment."""

import re
from collections import defaultdict
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from dotenv import load_dotenv
from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    SecretStr,
    UrlConstraints,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
)
from pydantic_core import PydanticCustomError, Url
from pydantic_settings import BaseSettings, SettingsConfigDict
from safir.arq import ArqMode
from safir.logging import LogLevel, Profile
from safir.pydantic import EnvRedisDsn, HumanTimedelta

ENV_PREFIX = "{{cookiecutter.__env_prefix}}"
"""Prefix of every environment variable that configures the application."""

ENV_FILE = Path(".env")
"""Local settings (the signing key made at generation); never in an image."""

# Into the environment, so that Safir's own settings (metrics) read it too;
# a variable that is already set wins.
load_dotenv(ENV_FILE)

MIN_KEY_LENGTH = 32

type TlsRedisDsn = Annotated[
    Url,
    UrlConstraints(
        allowed_schemes=["rediss"],
        default_host="localhost",
        default_port=6379,
        default_path="/0",
    ),
]
"""A ``rediss://`` URL: Safir's `~safir.pydantic.EnvRedisDsn` refuses TLS."""


def _one_error(value: object, handler: ValidatorFunctionWrapHandler) -> Url:
    # A failed union is reported once per member; say it once.
    try:
        url: Url = handler(value)
    except ValidationError as exc:
        errors = exc.errors()
        if all(error["type"] == "url_scheme" for error in errors):
            message = "use redis://host:port/db, or rediss:// for TLS"
        else:
            message = errors[0]["msg"]
        raise PydanticCustomError("redis_url", message) from None
    return url


def _check_url(url: Url) -> Url:
    database = (url.path or "/").removeprefix("/")
    if database and not database.isdigit():
        raise PydanticCustomError(
            "redis_url",
            "the database after the port must be a number, as in /0",
        )
    if url.password:
        raise PydanticCustomError(
            "redis_url", f"put the password in {ENV_PREFIX}ARQ_QUEUE_PASSWORD"
        )
    return url


type RedisUrl = Annotated[
    EnvRedisDsn | TlsRedisDsn,
    WrapValidator(_one_error),
    AfterValidator(_check_url),
]


def _check_key(key: SecretStr) -> SecretStr:
    if len(key.get_secret_value()) < MIN_KEY_LENGTH:
        raise PydanticCustomError(
            "short_key", f"use at least {MIN_KEY_LENGTH} random characters"
        )
    return key


type SigningKey = Annotated[SecretStr, AfterValidator(_check_key)]


def _check_hash(value: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{64}", value):
        raise PydanticCustomError(
            "token_hash",
            "each must be a token's SHA-256 hex digest, never the token",
        )
    return value


type TokenHash = Annotated[str, AfterValidator(_check_hash)]

type SentinelAddress = Annotated[
    str, Field(pattern=r"^[^\s:/]+:[0-9]{1,5}$", examples=["sentinel:26379"])
]


class SerializerName(StrEnum):
    """How jobs and results are stored in Redis."""

    signed_json = "signed-json"
    pickle = "pickle"


class CronSchedule(BaseModel, use_attribute_docstrings=True):
    """When a periodic task runs; an unset field matches every value."""

    hour: set[int] | None = None
    minute: set[int] | None = None
    second: set[int] | None = {0}
    """Defaults to 0, so that a task does not run every second by accident."""


class Config(BaseSettings):
    """Settings for both the API and the worker (see the README's table)."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        case_sensitive=False,
        use_attribute_docstrings=True,
    )

    name: str = "{{cookiecutter.name}}"
    """Name of the application, in logs and the metadata route."""

    path_prefix: str = Field(
        "/{{cookiecutter.name}}",
        pattern=r"^/[A-Za-z0-9/_.-]*[A-Za-z0-9_.-]$",
    )
    """URL path prefix of the job API."""

    log_profile: Profile = Profile.production
    """``production`` logs JSON lines, ``development`` readable lines."""

    log_level: LogLevel = LogLevel.INFO
    """Lowest level of log message that is written."""

    arq_mode: ArqMode = ArqMode.production
    """``production`` uses Redis; ``test`` uses Safir's in-memory mock."""

    arq_queue_url: RedisUrl = Url("redis://localhost:6379/0")
    """Redis of the queue and results: ``redis[s]://[user@]host:port/db``."""

    arq_queue_password: SecretStr | None = None
    """Password for Redis, kept out of the URL so that it is never logged."""

    arq_queue_sentinels: list[SentinelAddress] = []
    """Sentinels (``["s1:26379", ...]``) that name the master; the URL then
    gives only the user and database."""

    arq_queue_sentinel_master: str = Field("mymaster", min_length=1)
    """Name of the master in the Sentinels' ``sentinel monitor`` line."""

    arq_queue_tls_ca: Path | None = None
    """CA bundle that signs Redis's certificate, for ``rediss://``."""

    serializer: SerializerName = SerializerName.signed_json
    """``signed-json``, or ``pickle`` for a Redis that nobody else writes."""

    signing_key: SigningKey | None = Field(None, validate_default=True)
    """Signs every job and result; the same for the API and the worker."""

    accepted_signing_keys: list[SigningKey] = []
    """Further keys whose signatures are read, never used to sign: the
    previous key during a rotation."""

    queue_name: str = Field("arq:queue", min_length=1)
    """Redis key of the queue; the API and the worker must agree on it."""

    worker_job_timeout: HumanTimedelta = timedelta(minutes=1)
    """Longest a job may run; also how long a job lost with its worker
    waits (plus 11 s) before it runs again."""

    worker_max_jobs: int = Field(50, ge=1)
    """Jobs that one worker process runs at the same time."""

    worker_poll_delay: HumanTimedelta = timedelta(milliseconds=500)
    """Longest an idle worker waits between looks at the queue; a job
    queued through the API wakes it at once."""

    worker_log_jobs: bool = False
    """Log arq's two INFO lines (start and end) for every job."""

    worker_max_tries: int = Field(3, ge=1)
    """Runs of a job that asks to be retried, in all."""

    worker_retry_delay: HumanTimedelta = timedelta(seconds=5)
    """Delay after a task's first `RetryLater`, doubled each try."""

    worker_retry_max_delay: HumanTimedelta = timedelta(minutes=5)
    """Cap on the delay between tries."""

    worker_completion_wait: HumanTimedelta = timedelta(seconds=20)
    """After SIGTERM, how long running jobs may finish before they are
    cancelled (and run again on another worker)."""

    worker_health_check_interval: HumanTimedelta = timedelta(seconds=60)
    """How often the worker refreshes the key that ``arq --check`` reads."""

    worker_name: str | None = Field(None, min_length=1)
    """Gives this worker a health-check key of its own (the pod's name)."""

    prometheus_enabled: bool = True
    """Count requests and jobs for Prometheus: the API's ``/metrics`` and
    the worker's port; false counts and serves nothing."""

    worker_metrics_port: int = Field(9090, ge=0, le=65535)
    """Port of the worker's metrics (0: any free port, which it logs)."""

    worker_queue_sample_interval: HumanTimedelta = timedelta(seconds=15)
    """How often one worker samples the queue's depth for its metrics."""

    fetch_timeout: HumanTimedelta = timedelta(seconds=30)
    """Time limit of one try of ``fetch_status``."""

    fetch_allowed_hosts: list[str] = []
    """Hosts that ``fetch_status`` may request (JSON list)."""

    queue_report_schedule: CronSchedule = CronSchedule(minute={0, 15, 30, 45})
    """When the ``queue_report`` cron task runs (JSON)."""

    digest_threads: int = Field(2, ge=1)
    """Threads for blocking work in one worker."""

    max_body_bytes: int = Field(256 * 1024, ge=1024)
    """Larger request bodies get 413 before any handler reads them."""

    failed_job_retention: HumanTimedelta = timedelta(days=7)
    """How long a job that failed for good stays listed and can be
    requeued."""

    failed_job_limit: int = Field(10_000, ge=1)
    """Most failed jobs kept; the oldest are dropped first."""

    api_tokens: list[TokenHash] = []
    """SHA-256 hex digests of the bearer tokens the job API accepts (JSON
    list); empty, it accepts every request."""

    dashboard_enabled: bool = False
    """Serve the queue dashboard under the path prefix (``/dashboard``)."""

    abort_timeout: HumanTimedelta = timedelta(seconds=2)
    """How long ``DELETE`` waits for a worker to confirm an abort."""

    @field_validator("signing_key")
    @classmethod
    def _require_key(
        cls, key: SecretStr | None, info: ValidationInfo
    ) -> SecretStr | None:
        if key is None and info.data.get("serializer") != "pickle":
            message = (
                "required (unless SERIALIZER=pickle), the same for the API"
                f" and the worker: set it, or add it to {ENV_FILE} with"
                " python -c 'import secrets; print(\""
                f"{ENV_PREFIX}SIGNING_KEY=\" + secrets.token_urlsafe())'"
                f" >> {ENV_FILE}"
            )
            raise PydanticCustomError("missing_key", message)
        return key


class ConfigError(SystemExit):
    """A missing or invalid setting: ``uvicorn`` and ``arq`` print just it."""


def load_config() -> Config:
    """Read the configuration, raising `ConfigError` naming each variable."""
    try:
        return Config()
    except ValidationError as exc:
        messages: defaultdict[str, list[str]] = defaultdict(list)
        for error in exc.errors():
            variable = f"{ENV_PREFIX}{str(error['loc'][0]).upper()}"
            messages[variable].append(error["msg"])
        lines = [f"  {name}: {'; '.join(m)}" for name, m in messages.items()]
        raise ConfigError(
            "Invalid configuration:\n" + "\n".join(lines)
        ) from None


config = load_config()
"""The configuration of this process."""
