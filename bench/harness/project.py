"""The generated project: rendered with the defaults and installed with uv."""

from __future__ import annotations

import json
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cookiecutter.main import cookiecutter
from tests.support.commands import run
from tests.support.project import GeneratedProject
from tests.support.template import (
    REPO_ROOT,
    RenderedProject,
    write_cookiecutter_config,
)
from tests.support.template_repo import TEMPLATE_PARTS
from tests.support.tools import find_python, python_hint

__all__ = ["BENCH_DIR", "Project", "template_source"]

BENCH_DIR = REPO_ROOT / "bench"  # holds the measured processes' targets
INSTALL_TIMEOUT = 900  # seconds for uv sync: a cold cache downloads it all
PACKAGES = ("arq", "redis", "fastapi", "uvicorn", "safir", "uvloop")


def _git(*args: str) -> str:
    result = run(["git", *args], cwd=REPO_ROOT, timeout=120)
    result.assert_ok()
    return result.output.strip()


def template_source(ref: str | None) -> dict[str, Any]:
    """Which template was rendered: commit, and local changes if any."""
    if ref is not None:
        return {"ref": ref, "commit": _git("rev-parse", ref)}
    changed = _git("status", "--porcelain", "--", *TEMPLATE_PARTS)
    return {
        "ref": "working tree",
        "commit": _git("rev-parse", "HEAD"),
        "uncommitted_changes": len(changed.splitlines()),
    }


@dataclass(frozen=True)
class Project(GeneratedProject):
    """The default project, with its runtime dependencies installed."""

    @classmethod
    def create(cls, work: Path, ref: str | None = None) -> Project:
        """Render the working tree (or ``ref``) in ``work`` and install it."""
        template = REPO_ROOT
        if ref is not None:
            template, tar = work / "template", work / "template.tar"
            _git("archive", "-o", str(tar), ref, *TEMPLATE_PARTS)
            with tarfile.open(tar) as archive:
                archive.extractall(template, filter="data")
        state = work / "cookiecutter"
        state.mkdir()
        path = cookiecutter(
            str(template),
            no_input=True,
            output_dir=str(work),
            config_file=str(write_cookiecutter_config(state)),
        )
        version = RenderedProject(Path(path)).answers["python_version"]
        python = find_python(version)
        if python is None:
            raise SystemExit(python_hint(version))
        project = cls(Path(path), python)
        # The runtime dependencies only, as in the images.
        project.uv(
            "sync",
            "--no-dev",
            "--python",
            str(python),
            timeout=INSTALL_TIMEOUT,
        ).assert_ok()
        return project

    def bin(self, name: str) -> str:
        """A command of the project's ``.venv``."""
        return str(self.venv_bin(name))

    def settings_env(self, settings: dict[str, str]) -> dict[str, str]:
        """Environment variables for settings named without the prefix."""
        return {f"{self.env_prefix}{k}": v for k, v in settings.items()}

    def versions(self) -> dict[str, str]:
        """Versions of Python and of `PACKAGES` in the project's venv."""
        site = next((self.path / ".venv/lib").glob("python*/site-packages"))
        found = {"project python": site.parent.name.removeprefix("python")}
        for name in PACKAGES:
            for info in site.glob(f"{name}-*.dist-info"):
                found[name] = info.name[len(name) + 1 :].removesuffix(
                    ".dist-info"
                )
        return found

    def probe(self, target: str, env: dict[str, str]) -> dict[str, Any]:
        """What `targets.probe` says of a ``WorkerSettings`` with ``env``."""
        out = self.path.parent / "probe.json"
        run(
            [self.bin("python"), "-m", "targets.probe", target, str(out)],
            cwd=self.path,
            env=env,
            timeout=120,
        ).assert_ok()
        probed: dict[str, Any] = json.loads(out.read_text())
        out.unlink()
        return probed
