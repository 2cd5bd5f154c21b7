"""The processes each scenario compares, and how to start them."""

from __future__ import annotations

import dataclasses
import json
import secrets
import sys
from dataclasses import dataclass, field
from typing import Any, Literal

from .plan import DEFAULTS, Profile
from .project import BENCH_DIR, Project, child_env

__all__ = [
    "ApiVariant",
    "WorkerVariant",
    "api_variants",
    "scale_out_workers",
    "worker_variants",
]

ARQ_DEFAULT_MAX_JOBS = 10
"""arq's own default for ``max_jobs``."""

STREAQ_CONCURRENCY = 16
"""streaQ's own default concurrency, which its worker keeps."""


@dataclass(frozen=True)
class WorkerVariant:
    """A worker that S1, S2, S4 and S5 measure."""

    key: str
    """Short name used in the JSON and in ratios."""

    label: str
    """Name in the table and the chart."""

    system: Literal["arq", "streaq"]
    command: list[str]
    env: dict[str, str]
    queue_name: str
    concurrency: int
    """Jobs it runs at once (``max_jobs``); S2's ideal is this / 10 ms."""

    probe: dict[str, Any] = field(default_factory=dict)
    """What `targets.probe` reported (arq workers)."""


@dataclass(frozen=True)
class ApiVariant:
    """An HTTP API that S3 measures."""

    key: str
    label: str
    app: str
    """``module:attribute`` for uvicorn."""

    path: str
    """Path of the enqueue route."""

    body: str
    """JSON body of each request."""

    env: dict[str, str]
    args: tuple[str, ...] = ()


SIGNING_KEY = secrets.token_urlsafe(32)
"""Key for the project's ``SIGNING_KEY`` setting.

The project signs the jobs it stores with a key it requires; one random key
per invocation serves its API, its worker and the harness's client.
"""


def _base_env(project: Project, redis_url: str) -> dict[str, str]:
    """What every measured process gets.

    The Redis, and for the project's processes the settings it requires (a
    process that has no such setting ignores the variable).
    """
    return child_env(
        {
            "PYTHONPATH": str(BENCH_DIR),
            "BENCH_REDIS_URL": redis_url,
            "BENCH_MODULE": project.module,
            **project.settings_env(
                {"ARQ_QUEUE_URL": redis_url, "SIGNING_KEY": SIGNING_KEY}
            ),
        }
    )


def _template_worker(  # noqa: PLR0913 - one variant, spelled out
    project: Project,
    base: dict[str, str],
    profile: Profile,
    *,
    key: str,
    label: str,
    settings: dict[str, str] | None = None,
) -> WorkerVariant:
    """The project's worker with one profile, and project ``settings``.

    Its settings are probed from the project as the environment configures
    it.
    """
    env = {
        **base,
        **project.settings_env(
            {**profile.worker_settings, **(settings or {})}
        ),
        **profile.worker_env(),
        "BENCH_OVERRIDES": json.dumps(profile.worker_overrides),
    }
    target = "targets.template_worker.WorkerSettings"
    probe = project.probe(target, env)
    return WorkerVariant(
        key=key,
        label=label,
        system="arq",
        command=[project.bin("arq"), target],
        env=env,
        queue_name=probe["settings"].get("queue_name", "arq:queue"),
        concurrency=probe["settings"].get("max_jobs", ARQ_DEFAULT_MAX_JOBS),
        probe=probe,
    )


def scale_out_workers(
    project: Project, redis_url: str, count: int
) -> list[WorkerVariant]:
    """``count`` workers of the project with its defaults, on one queue (S7).

    Each has its own ``WORKER_NAME``, so its own health-check key: the
    harness knows when each one polls.
    """
    base = _base_env(project, redis_url)
    return [
        _template_worker(
            project,
            base,
            DEFAULTS,
            key=f"template-{n}",
            label=f"template worker {n}",
            settings={"WORKER_NAME": f"bench-{n}"},
        )
        for n in range(1, count + 1)
    ]


def worker_variants(
    project: Project, redis_url: str, profiles: list[Profile]
) -> list[WorkerVariant]:
    """Every worker variant, in the order of the tables.

    Raw arq first, then per profile the project's worker and its raw-arq
    twin, then streaQ.

    Parameters
    ----------
    project
        The installed project.
    redis_url
        The harness's Redis.
    profiles
        Settings to run the project's worker with; `DEFAULTS` first.
    """
    base = _base_env(project, redis_url)
    arq = project.bin("arq")
    variants = [
        WorkerVariant(
            key="arq-defaults",
            label="raw arq, defaults",
            system="arq",
            command=[arq, "targets.arq_default.WorkerSettings"],
            env=base,
            queue_name="arq:queue",
            concurrency=ARQ_DEFAULT_MAX_JOBS,
        )
    ]
    for profile in profiles:
        suffix = f"+{profile.key}" if profile.key else ""
        label = "" if profile is DEFAULTS else f", {profile.label}"
        template = _template_worker(
            project,
            base,
            profile,
            key=f"template{suffix}",
            label=f"template{label}",
        )
        variants.append(
            dataclasses.replace(
                template,
                key=f"arq-same{suffix}",
                label=f"raw arq, template's settings{label}",
                command=[arq, "targets.arq_same.WorkerSettings"],
                env={**base, "BENCH_ARQ_SETTINGS": json.dumps(template.probe)},
            )
        )
        variants.append(template)
    variants.append(
        WorkerVariant(
            key="streaq",
            label="streaQ (uvloop)",
            system="streaq",
            command=[
                sys.executable,
                "-m",
                "streaq",
                "run",
                "targets.streaq_worker:worker",
            ],
            env=base,
            queue_name="default",
            concurrency=STREAQ_CONCURRENCY,
        )
    )
    return variants


def api_variants(
    project: Project, redis_url: str, profiles: list[Profile]
) -> list[ApiVariant]:
    """The project's API per profile, and the minimal arq endpoint."""
    base = _base_env(project, redis_url)
    text = "to be or not to be"
    variants = [
        ApiVariant(
            key="minimal-api",
            label="minimal FastAPI + enqueue_job",
            app="targets.minimal_api:app",
            path="/jobs",
            body=json.dumps({"text": text}),
            env=base,
        )
    ]
    for profile in profiles:
        suffix = f"+{profile.key}" if profile.key else ""
        label = "" if profile is DEFAULTS else f", {profile.label}"
        env = {**base, **project.settings_env(profile.api_settings)}
        app = f"{project.module}.main:app"
        if profile.api_async_dependencies:
            app = "targets.template_api:app"
            env["BENCH_ASYNC_DEPENDENCIES"] = "1"
        variants.append(
            ApiVariant(
                key=f"template-api{suffix}",
                label=f"template API{label}",
                app=app,
                path=f"/{project.name}/jobs",
                body=json.dumps({"task": "word_count", "text": text}),
                env=env,
                args=profile.api_args,
            )
        )
    return variants
