"""Redis with an ACL user and password, and Redis over TLS."""

from pathlib import Path

import pytest
import trustme
from asgi_lifespan import LifespanManager
from pydantic import SecretStr
from pydantic_core import Url
from redis.exceptions import AuthenticationError
from redis.exceptions import ConnectionError as RedisConnectionError

from {{cookiecutter.module_name}} import main
from {{cookiecutter.module_name}}.config import (
    config,
)
from {{cookiecutter.module_name}}.redis import API_RETRIES, settings_for
from {{cookiecutter.module_name}}.tasks import (
    TaskName,
)

from .support.jobs import JOBS, post_job, running_app
from .support.redis import free_port, run_redis_server
from .support.worker import run_worker_burst

PASSWORD = "app-password-0123456789"


def acl_rule(queue_name: str) -> list[str]:
    """Return the least-privilege ACL rule of the README, for ``--user``."""
    return [
        "app", "on", f">{PASSWORD}", "~arq:*", f"~{queue_name}*", "&*",
        "-@all", "+@read", "+@write", "+@transaction", "+@connection",
        "-@dangerous", "+info", "+dbsize", "+evalsha", "+script|load",
    ]  # fmt: skip


async def run_job_through_api() -> dict[str, object]:
    """Queue, run, list and read back a job with the configured Redis."""
    async with running_app() as client:
        assert (await client.get("/health/ready")).status_code == 200
        location = await post_job(
            client, {"task": TaskName.word_count, "text": "a b"}
        )
        listed = await client.get(JOBS, params={"status": "queued"})
        assert len(listed.json()) == 1
        await run_worker_burst()
        response = await client.get(location)
        assert response.status_code == 200
        data: dict[str, object] = response.json()
        return data


async def fail_a_job_with_progress(
    monkeypatch: pytest.MonkeyPatch,
) -> list[dict[str, object]]:
    """Run a job that reports progress and one that fails; list failures."""
    monkeypatch.setattr(config, "fetch_allowed_hosts", ["127.0.0.1"])
    monkeypatch.setattr(config, "worker_max_tries", 1)
    async with running_app() as client:
        await post_job(client, {"task": TaskName.digest, "text": "a"})
        await post_job(
            client,
            {"task": TaskName.fetch_status, "url": "http://127.0.0.1:1/"},
        )
        await run_worker_burst()
        listed = await client.get(JOBS, params={"status": "failed"})
        assert listed.status_code == 200, listed.text
        failed: list[dict[str, object]] = listed.json()
        return failed


@pytest.mark.asyncio
async def test_acl_user_with_least_privilege(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with run_redis_server("--user", *acl_rule(config.queue_name)) as server:
        url = f"redis://app@127.0.0.1:{server.port}/0"
        monkeypatch.setattr(config, "arq_queue_url", Url(url))
        monkeypatch.setattr(config, "arq_queue_password", SecretStr(PASSWORD))
        data = await run_job_through_api()
        failed = await fail_a_job_with_progress(monkeypatch)
    assert data["result"] == {"words": 2, "characters": 3}
    assert [job["task"] for job in failed] == [TaskName.fetch_status]
    assert PASSWORD not in repr(config)
    assert PASSWORD not in capsys.readouterr().out


@pytest.mark.asyncio
async def test_wrong_password_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with run_redis_server("--user", *acl_rule(config.queue_name)) as server:
        url = f"redis://app@127.0.0.1:{server.port}/0"
        monkeypatch.setattr(config, "arq_queue_url", Url(url))
        monkeypatch.setattr(config, "arq_queue_password", SecretStr("wrong"))
        with pytest.raises(AuthenticationError):
            async with LifespanManager(main.app, startup_timeout=30):
                pass


@pytest.fixture
def tls_files(tmp_path: Path) -> dict[str, Path]:
    """Write a new CA, and a certificate it signs for ``localhost``."""
    authority = trustme.CA()
    certificate = authority.issue_cert("localhost")
    paths = {
        "ca": tmp_path / "ca.pem",
        "cert": tmp_path / "cert.pem",
        "key": tmp_path / "key.pem",
    }
    authority.cert_pem.write_to_path(paths["ca"])
    certificate.cert_chain_pems[0].write_to_path(paths["cert"])
    certificate.private_key_pem.write_to_path(paths["key"])
    return paths


def tls_args(port: int, files: dict[str, Path]) -> list[str]:
    return [
        "--tls-port", str(port),
        "--tls-cert-file", str(files["cert"]),
        "--tls-key-file", str(files["key"]),
        "--tls-ca-cert-file", str(files["ca"]),
        "--tls-auth-clients", "no",
    ]  # fmt: skip


@pytest.mark.asyncio
async def test_rediss_checks_the_certificate_and_host(
    monkeypatch: pytest.MonkeyPatch, tls_files: dict[str, Path]
) -> None:
    tls_port = free_port()
    with run_redis_server(*tls_args(tls_port, tls_files)):
        monkeypatch.setattr(config, "arq_queue_tls_ca", tls_files["ca"])
        url = f"rediss://localhost:{tls_port}/0"
        monkeypatch.setattr(config, "arq_queue_url", Url(url))
        data = await run_job_through_api()
        assert data["success"] is True

        # The certificate names localhost, not 127.0.0.1.
        url = f"rediss://127.0.0.1:{tls_port}/0"
        monkeypatch.setattr(config, "arq_queue_url", Url(url))
        with pytest.raises(RedisConnectionError) as excinfo:
            async with LifespanManager(main.app, startup_timeout=30):
                pass
        assert "CERTIFICATE_VERIFY_FAILED" in str(excinfo.value)


def test_tls_settings_verify_by_default() -> None:
    settings = settings_for(
        config.model_copy(
            update={"arq_queue_url": Url("rediss://redis.example:6380/1")}
        ),
        retries=API_RETRIES,
    )
    assert settings.ssl is True
    assert settings.ssl_check_hostname is True
    assert settings.ssl_cert_reqs == "required"
