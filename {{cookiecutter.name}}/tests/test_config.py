"""Tests of reading the configuration from the environment."""

import pytest
from pydantic import SecretStr
from safir.arq import ArqMode

from {{ cookiecutter.module_name }}.config import (
    ENV_PREFIX,
    ConfigError,
    load_config,
)
from {{ cookiecutter.module_name }}.redis import API_RETRIES, settings_for


def test_reads_prefixed_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}ARQ_QUEUE_URL", "redis://cache:6380/2")
    monkeypatch.setenv(f"{ENV_PREFIX}ARQ_QUEUE_PASSWORD", "s3cret")
    monkeypatch.setenv(f"{ENV_PREFIX}ARQ_MODE", "test")
    monkeypatch.setenv(f"{ENV_PREFIX}WORKER_JOB_TIMEOUT", "90s")
    config = load_config()
    assert config.arq_mode == ArqMode.test
    settings = settings_for(config, retries=API_RETRIES)
    assert (settings.host, settings.port) == ("cache", 6380)
    assert settings.database == 2
    assert settings.password == "s3cret"
    assert config.arq_queue_password == SecretStr("s3cret")
    assert "s3cret" not in repr(config)
    assert config.worker_job_timeout.total_seconds() == 90


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ARQ_QUEUE_URL", "http://localhost:6379/0"),
        ("ARQ_QUEUE_URL", "redis://localhost:6379/abc"),
        ("ARQ_QUEUE_URL", "redis://localhost:6379/0/x"),
        ("ARQ_QUEUE_URL", "redis://localhost:99999/0"),
        ("ARQ_QUEUE_URL", "redis://:s3cret@localhost:6379/0"),
        ("SIGNING_KEY", "short"),
        ("ACCEPTED_SIGNING_KEYS", '["short"]'),
        ("ARQ_MODE", "fast"),
        ("WORKER_MAX_JOBS", "0"),
        ("PATH_PREFIX", "no-slash"),
        ("LOG_LEVEL", "LOUD"),
    ],
)
def test_invalid_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}{variable}", value)
    with pytest.raises(ConfigError) as excinfo:
        load_config()
    lines = str(excinfo.value).splitlines()
    assert lines[0] == "Invalid configuration:"
    assert len(lines) == 2, lines
    assert lines[1].startswith(f"  {ENV_PREFIX}{variable}: "), lines
    assert "Value error" not in lines[1]
    assert "s3cret" not in lines[1]


def test_short_key_is_measured_in_characters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}SIGNING_KEY", "x" * 31)
    with pytest.raises(ConfigError, match="at least 32 random characters"):
        load_config()


def test_missing_key_says_how_to_make_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(f"{ENV_PREFIX}SIGNING_KEY")
    with pytest.raises(ConfigError) as excinfo:
        load_config()
    message = str(excinfo.value)
    assert f"{ENV_PREFIX}SIGNING_KEY: required" in message
    assert ".env" in message


def test_safir_redis_variables_override_host_and_port(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Safir's EnvRedisDsn, as tox-docker sets them.
    monkeypatch.setenv("REDIS_HOST", "redis.test")
    monkeypatch.setenv("REDIS_6379_TCP_PORT", "51234")
    settings = settings_for(load_config(), retries=API_RETRIES)
    assert (settings.host, settings.port) == ("redis.test", 51234)


def test_rediss_keeps_user_and_checks_the_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = "rediss://app@redis.example:6380/3"
    monkeypatch.setenv(f"{ENV_PREFIX}ARQ_QUEUE_URL", url)
    settings = settings_for(load_config(), retries=API_RETRIES)
    assert (settings.host, settings.port) == ("redis.example", 6380)
    assert (settings.username, settings.database) == ("app", 3)
    assert settings.ssl is True
    assert settings.ssl_check_hostname is True
