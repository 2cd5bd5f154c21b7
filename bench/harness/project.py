"""The generated project: rendered with the defaults and installed with uv."""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cookiecutter.main import cookiecutter
from tests.support import commands
from tests.support.template import (
    RenderedProject,
    write_cookiecutter_config,
)
from tests.support.tools import find_python, find_uv

__all__ = [
    "BENCH_DIR",
    "TEMPLATE_DIR",
    "Project",
    "child_env",
    "template_source",
]

BENCH_DIR = Path(__file__).resolve().parents[1]
"""``bench/``: holds `targets`, which the measured processes import."""

TEMPLATE_DIR = BENCH_DIR.parent
"""The template repository (holds ``cookiecutter.json``)."""

INSTALL_TIMEOUT = 900
"""Seconds ``uv sync`` may take (a cold cache downloads everything)."""

_PASSED_THROUGH = ("HOME", "LANG", "LC_ALL", "PATH", "TMPDIR", "UV_CACHE_DIR")
"""Variables of the caller's environment that child processes keep."""


def child_env(extra: dict[str, str]) -> dict[str, str]:
    """An environment for a child process: a few basics plus ``extra``.

    Proxy variables and virtual environments of the caller are left out, so
    that every request stays on 127.0.0.1 and each process uses the
    interpreter it is started with. Output is unbuffered, as in the
    generated project's images.
    """
    env = {k: os.environ[k] for k in _PASSED_THROUGH if k in os.environ}
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def _git(*args: str) -> str:
    result = subprocess.run(  # noqa: S603 - git, on the template's repo
        ["git", "-C", str(TEMPLATE_DIR), *args],  # noqa: S607 - git on PATH
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed: {result.stderr}")
    return result.stdout.strip()


def _export(ref: str, work: Path) -> Path:
    """Extract the template at a git revision into ``work/template``."""
    target = work / "template"
    target.mkdir()
    archive = subprocess.run(  # noqa: S603 - git, on the template's repo
        ["git", "-C", str(TEMPLATE_DIR), "archive", "--format=tar", ref],  # noqa: S607
        capture_output=True,
        timeout=120,
        check=False,
    )
    if archive.returncode != 0:
        raise SystemExit(f"git archive {ref} failed: {archive.stderr!r}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")
    return target


def template_source(ref: str | None) -> dict[str, Any]:
    """Which template was rendered: commit, and local changes if any."""
    if ref is not None:
        return {"ref": ref, "commit": _git("rev-parse", ref)}
    changed = _git(
        "status", "--porcelain", "--", "cookiecutter.json", "hooks",
        "{{cookiecutter.name}}",
    )  # fmt: skip
    return {
        "ref": "working tree",
        "commit": _git("rev-parse", "HEAD"),
        "uncommitted_changes": len(changed.splitlines()),
    }


@dataclass(frozen=True)
class Project(RenderedProject):
    """The default project, rendered and installed in ``path``."""

    @classmethod
    def create(cls, work: Path, ref: str | None = None) -> Project:
        """Render the template with its defaults and install the result.

        Parameters
        ----------
        work
            Directory that receives the render and cookiecutter's state.
        ref
            Git revision of the template to render; `None` renders the
            working tree, uncommitted changes included.
        """
        template = TEMPLATE_DIR if ref is None else _export(ref, work)
        state = work / "cookiecutter"
        state.mkdir(parents=True)
        config = write_cookiecutter_config(state)
        path = Path(
            cookiecutter(
                str(template),
                no_input=True,
                output_dir=str(work),
                config_file=str(config),
            )
        )
        project = cls(path)
        project.install()
        return project

    def install(self) -> None:
        """``uv sync --no-dev``: the runtime dependencies, as in the images."""
        version = self.answers["python_version"]
        python = find_python(version)
        if python is None:
            raise SystemExit(
                f"The generated project needs Python {version}, and none was"
                f" found: set PYTHON=/path/to/python{version} and run"
                " bench/run again."
            )
        result = subprocess.run(  # noqa: S603 - uv, on our own project
            [*find_uv(), "sync", "--no-dev", "--python", str(python)],
            cwd=self.path,
            env=commands.clean_env(
                {"UV_PYTHON_DOWNLOADS": "never", "UV_NO_PROGRESS": "1"}
            ),
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
            check=False,
        )
        if result.returncode != 0:
            raise SystemExit(
                f"uv sync failed in {self.path}:\n{result.stdout}"
                f"\n{result.stderr}"
            )

    def bin(self, name: str) -> str:
        """A command of the project's ``.venv``."""
        return str(self.path / ".venv" / "bin" / name)

    def settings_env(self, settings: dict[str, str]) -> dict[str, str]:
        """Environment variables for settings named without the prefix."""
        return {f"{self.env_prefix}{k}": v for k, v in settings.items()}

    def probe(self, target: str, env: dict[str, str]) -> dict[str, Any]:
        """Run `targets.probe` on a ``WorkerSettings`` in the project's venv.

        Parameters
        ----------
        target
            Import path of the settings class.
        env
            The environment the worker would get.
        """
        out = self.path.parent / "probe.json"
        result = subprocess.run(  # noqa: S603 - the project's own python
            [self.bin("python"), "-m", "targets.probe", target, str(out)],
            cwd=self.path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"probing {target} failed:\n{result.stdout}\n{result.stderr}"
            )
        probed: dict[str, Any] = json.loads(out.read_text())
        out.unlink()
        return probed
