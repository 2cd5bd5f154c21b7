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
    message = str(excinfo.value)
    assert f"{ENV_PREFIX}{variable}:" in message
    assert "Traceback" not in message
