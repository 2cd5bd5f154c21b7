"""The generated project: rendered with the defaults and installed with uv."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from cookiecutter.main import cookiecutter

__all__ = [
    "BENCH_DIR",
    "TEMPLATE_DIR",
    "Project",
    "clean_env",
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


def clean_env(extra: dict[str, str]) -> dict[str, str]:
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


_LEAKY = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "UV_PROJECT_ENVIRONMENT")
"""Variables of the harness's own environment that uv must not see."""


def install_env() -> dict[str, str]:
    """The caller's environment, less what belongs to the harness's venv.

    uv needs what the caller has for the package index: certificates,
    proxies, its cache.
    """
    env = {k: v for k, v in os.environ.items() if k not in _LEAKY}
    env.update({"UV_PYTHON_DOWNLOADS": "never", "UV_NO_PROGRESS": "1"})
    return env


def _uv() -> list[str]:
    """The uv that runs the harness (``uv run`` sets ``UV``), or uv on PATH."""
    if found := os.environ.get("UV"):
        return [found]
    if found := shutil.which("uv"):
        return [found]
    return [sys.executable, "-m", "uv"]


def _python_version(python: str) -> tuple[int, int] | None:
    try:
        result = subprocess.run(  # noqa: S603 - probing an interpreter
            [python, "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError:
        return None
    if result.returncode != 0:
        return None
    major, minor = result.stdout.split()
    return int(major), int(minor)


def find_python(minimum: tuple[int, int]) -> str:
    """An interpreter of at least ``minimum``, for the project's venv.

    Looks at ``$PYTHON``, the harness's own interpreter, ``python3.13`` on
    ``PATH`` and pyenv's versions, in that order.
    """
    candidates = [
        os.environ.get("PYTHON"),
        getattr(sys, "_base_executable", sys.executable),
        shutil.which("python3.13"),
        shutil.which("python3.14"),
    ]
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += [
        str(p / "bin" / "python")
        for p in sorted((root / "versions").glob("3.1[3-9]*"), reverse=True)
    ]
    for candidate in candidates:
        version = _python_version(candidate) if candidate else None
        if candidate and version and version >= minimum:
            return candidate
    wanted = ".".join(map(str, minimum))
    raise SystemExit(
        f"The generated project needs Python {wanted} or later and none was"
        f" found: set PYTHON=/path/to/python{wanted} and run again."
    )


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
class Project:
    """The default project, rendered and installed in ``path``."""

    path: Path
    answers: dict[str, str]

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
        config = state / "config.yaml"
        config.write_text(
            yaml.safe_dump(
                {
                    "cookiecutters_dir": str(state / "cookiecutters"),
                    "replay_dir": str(state / "replay"),
                    "default_context": {},
                }
            ),
            encoding="utf-8",
        )
        path = Path(
            cookiecutter(
                str(template),
                no_input=True,
                output_dir=str(work),
                config_file=str(config),
            )
        )
        answers = json.loads((path / ".cookiecutter.json").read_text())
        project = cls(path, answers)
        project.install()
        return project

    def install(self) -> None:
        """``uv sync --no-dev``: the runtime dependencies, as in the images."""
        wanted = tuple(
            int(p) for p in self.answers["python_version"].split(".")
        )
        python = find_python((wanted[0], wanted[1]))
        result = subprocess.run(  # noqa: S603 - uv, on our own project
            [*_uv(), "sync", "--no-dev", "--python", python],
            cwd=self.path,
            env=install_env(),
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

    @property
    def name(self) -> str:
        """Distribution name, also the URL prefix."""
        return self.answers["name"]

    @property
    def module(self) -> str:
        """Importable package."""
        return self.answers["module_name"]

    @property
    def env_prefix(self) -> str:
        """Prefix of its settings' environment variables."""
        return self.answers["__env_prefix"]

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
