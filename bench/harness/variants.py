"""The processes each scenario compares, and how to start them."""

from __future__ import annotations

import json
import os
import secrets
import sys
from dataclasses import dataclass, field
from typing import Any, Literal

from .plan import DEFAULTS, Profile
from .project import BENCH_DIR, Project

__all__ = ["ApiVariant", "Variants", "WorkerVariant", "child_env"]

ARQ_DEFAULT_MAX_JOBS = 10  # arq's own default for max_jobs
STREAQ_CONCURRENCY = 16  # streaQ's own default, which its worker keeps
SAQ_CONCURRENCY = 10  # SAQ's, likewise
TASKIQ_CONCURRENCY = 100  # taskiq's max_async_tasks, likewise
CLIENT = "targets.queue_client"  # every queue's client process

_PASSED_THROUGH = ("HOME", "LANG", "LC_ALL", "PATH", "TMPDIR", "UV_CACHE_DIR")
"""The only variables of the caller's that measured processes get: no
proxies, no virtual environment, no project settings of the caller's."""


def child_env(extra: dict[str, str]) -> dict[str, str]:
    """A few basics of this environment, unbuffered output, and ``extra``."""
    env = {k: os.environ[k] for k in _PASSED_THROUGH if k in os.environ}
    env |= {"PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    return env | extra


@dataclass(frozen=True)
class WorkerVariant:
    """A worker that S1, S2, S4, S5 or S7 measures."""

    key: str  # in the JSON and in ratios
    label: str  # in the table and the chart
    system: Literal["arq", "saq", "streaq", "taskiq"]
    command: list[str]
    client: list[str]  # its queue's client (targets.queue_client)
    env: dict[str, str]
    queue_name: str
    concurrency: int  # jobs at once; S2's ideal is this / 10 ms
    probe: dict[str, Any] = field(default_factory=dict)  # targets.probe's


@dataclass(frozen=True)
class ApiVariant:
    """An HTTP API that S3 measures."""

    key: str
    label: str
    app: str  # module:attribute for uvicorn
    path: str  # of the enqueue route
    body: str  # JSON of each request
    env: dict[str, str]
    args: tuple[str, ...] = ()


class Variants:
    """Builds the variants of one project against one Redis."""

    def __init__(self, project: Project, redis_url: str) -> None:
        self.project = project
        # Processes that have no such settings ignore the project's.
        settings = {
            "ARQ_QUEUE_URL": redis_url,
            "SIGNING_KEY": secrets.token_urlsafe(32),
            # Any free port: S7 starts several workers at once.
            "WORKER_METRICS_PORT": "0",
        }
        self.env = child_env(
            {
                "PYTHONPATH": str(BENCH_DIR),
                "BENCH_REDIS_URL": redis_url,
                "BENCH_MODULE": project.module,
                **project.settings_env(settings),
            }
        )

    def _arq(
        self,
        settings: str,
        key: str,
        label: str,
        env: dict[str, str] | None = None,
        probe: dict[str, Any] | None = None,
    ) -> WorkerVariant:
        """``arq`` on the ``WorkerSettings`` at ``settings``."""
        probe = probe or {}
        values = probe.get("settings", {})
        return WorkerVariant(
            key=key,
            label=label,
            system="arq",
            command=[self.project.bin("arq"), settings],
            client=[self.project.bin("python"), "-m", CLIENT, "arq", settings],
            env=env or self.env,
            queue_name=values.get("queue_name", "arq:queue"),
            concurrency=values.get("max_jobs", ARQ_DEFAULT_MAX_JOBS),
            probe=probe,
        )

    def _template(
        self,
        profile: Profile,
        key: str,
        label: str,
        settings: dict[str, str] | None = None,
    ) -> WorkerVariant:
        """The project's worker with a profile and more project settings."""
        env = {
            **self.env,
            **self.project.settings_env(
                {**profile.worker_settings, **(settings or {})}
            ),
            "BENCH_OVERRIDES": json.dumps(profile.worker_overrides),
        }
        target = "targets.template_worker.WorkerSettings"
        probe = self.project.probe(target, env)
        return self._arq(target, key, label, env, probe)

    def workers(self, profiles: list[Profile]) -> list[WorkerVariant]:
        """Raw arq, per profile the project's worker (and its twin), peers."""
        found = [
            self._arq(
                "targets.arq_default.WorkerSettings",
                "arq-defaults",
                "raw arq, defaults",
            )
        ]
        for p in profiles:
            key, label = f"template{p.suffix}", f"template{p.note}"
            template = self._template(p, key, label)
            if p.twin:
                found.append(self._arq(
                    "targets.arq_same.WorkerSettings",
                    f"arq-same{p.suffix}",
                    f"raw arq, template's settings{p.note}",
                    {
                        **self.env,
                        "BENCH_ARQ_SETTINGS": json.dumps(template.probe),
                    },
                    template.probe,
                ))  # fmt: skip
            found.append(template)
        python = [sys.executable, "-m"]
        peers = [
            ("streaq", "streaQ (uvloop)", "default", STREAQ_CONCURRENCY,
             ["streaq", "run", "targets.streaq_worker:worker"]),
            ("saq", "SAQ", "default", SAQ_CONCURRENCY,
             ["saq", "targets.saq_worker.settings"]),
            ("taskiq", "taskiq-redis (uvloop)", "taskiq", TASKIQ_CONCURRENCY,
             ["targets.taskiq_worker"]),
        ]  # fmt: skip
        found += [
            WorkerVariant(
                key=system,
                label=label,
                system=system,
                command=[*python, *command],
                client=[*python, CLIENT, system],
                env=self.env,
                queue_name=queue,
                concurrency=concurrency,
            )
            for system, label, queue, concurrency, command in peers
        ]
        return found

    def scale_out(self, count: int) -> list[WorkerVariant]:
        """``count`` workers of the project as rendered, on one queue (S7).

        Each has its own ``WORKER_NAME``, so its own health-check key: the
        harness knows when each one polls.
        """
        return [
            self._template(
                DEFAULTS,
                f"template-{n}",
                f"template worker {n}",
                {"WORKER_NAME": f"bench-{n}"},
            )
            for n in range(1, count + 1)
        ]

    def apis(self, profiles: list[Profile]) -> list[ApiVariant]:
        """The minimal arq endpoint, then the project's API per profile."""
        text = "to be or not to be"
        found = [
            ApiVariant(
                key="minimal-api",
                label="minimal FastAPI + enqueue_job",
                app="targets.minimal_api:app",
                path="/jobs",
                body=json.dumps({"text": text}),
                env=self.env,
            )
        ]
        found += [
            ApiVariant(
                key=f"template-api{p.suffix}",
                label=f"template API{p.note}",
                app=f"{self.project.module}.main:app",
                path=f"/{self.project.name}/jobs",
                body=json.dumps({"task": "word_count", "text": text}),
                env={**self.env, **self.project.settings_env(p.api_settings)},
                args=p.api_args,
            )
            for p in profiles
        ]
        return found
