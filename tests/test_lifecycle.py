"""A generated project after day one: its answers, updates and lock.

- ``.cookiecutter.json`` records the answers and the template, and nothing
  that depends on the machine or the run that generated the project.
- A project follows the template with ``cruft update``: rendered from one
  commit of a throw-away git copy of this template, edited by its user and
  committed, then updated to a later commit of the template, it has both the
  template's change and the user's edit. Both ways of starting are covered:
  ``cruft create``, and plain ``cookiecutter`` then ``cruft link`` with the
  answers from ``.cookiecutter.json``, as the generated README says.
- ``uv lock`` locks a rendered project, which then installs from the lock
  with the network turned off once a first install has filled uv's cache
  (a cache private to the test, so the first install downloads from PyPI).
"""

from __future__ import annotations

import json
import shutil
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cookiecutter.main import cookiecutter

from .support.commands import CommandResult, clean_env, run
from .support.deploy import venv_tool
from .support.template import (
    Renderer,
    default_combination,
    load_questions,
)
from .support.template_repo import Git, copy_template
from .support.tools import find_python, find_uv, python_hint

ANSWERS = {"name": "my-app", "summary": "Updated from the template."}
"""Answers of the updated project: not the defaults, so that a render that
forgot them would show."""

TEMPLATE_NOTE = "This line came with an update of the template."
"""Added to the generated README by the template's second commit."""

USER_SECTION = "## Our notes\n\nThe user wrote this after generating.\n"
"""Added to the end of the generated README by the project's user."""

LOCK_TIMEOUT = 900
"""Seconds for ``uv lock`` or ``uv sync`` with an empty cache."""


def load_json(path: Path) -> dict[str, Any]:
    """Read a JSON object from a file."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def recorded_keys() -> set[str]:
    """The keys that ``.cookiecutter.json`` must hold, no more, no less.

    The questions, the values derived from them (``__`` keys) and
    ``_template``; not cookiecutter's other ``_`` settings, nor the
    ``__prompts__`` that only label the questions.
    """
    keys = {key for key in load_questions() if key != "__prompts__"}
    return {
        key for key in keys if not key.startswith("_") or key.startswith("__")
    } | {"_template"}


# The answers file.


def test_answers_file_holds_answers_only(
    tmp_path: Path, cookiecutter_config: Path
) -> None:
    """The file is the same wherever and whenever it is generated."""
    rendered = []
    for output in ("first", "second"):
        project = cookiecutter(
            str(copy_template(tmp_path / f"template-{output}")),
            no_input=True,
            extra_context=ANSWERS,
            output_dir=str(tmp_path / output),
            config_file=str(cookiecutter_config),
        )
        rendered.append(Path(project) / ".cookiecutter.json")
    first = load_json(rendered[0])
    assert set(first) == recorded_keys()
    for key, value in ANSWERS.items():
        assert first[key] == value
    assert first["module_name"] == "my_app"
    assert first["__env_prefix"] == "MY_APP_"
    # Only _template names the template's copy, which differs here.
    second = load_json(rendered[1])
    assert second.pop("_template") != first.pop("_template")
    assert first == second


# Updates with cruft.


class Scenario:
    """A template copy in git, and a project made from its first commit.

    Parameters
    ----------
    tmp_path
        Directory for the template, the project and git's configuration.
    cookiecutter_config
        Cookiecutter config for every command.
    """

    def __init__(self, tmp_path: Path, cookiecutter_config: Path) -> None:
        self.git = Git(tmp_path, cookiecutter_config)
        self.config = cookiecutter_config
        self.template = copy_template(tmp_path / "template")
        self.first_commit = self.git.init(self.template, "Template")
        self.output = tmp_path / "projects"
        self.output.mkdir()
        self.project = self.output / ANSWERS["name"]

    def run(self, *args: str, cwd: Path | None = None) -> CommandResult:
        """Run a command with the scenario's environment; it must pass."""
        result = run(
            list(args), cwd=cwd or self.output, env=self.git.env, timeout=300
        )
        result.assert_ok()
        return result

    def cruft(self, *args: str) -> CommandResult:
        """Run cruft in the project."""
        return self.run(venv_tool("cruft"), *args, cwd=self.project)

    def create_with_cruft(self) -> None:
        """``cruft create`` from the template's first commit."""
        self.run(
            venv_tool("cruft"), "create", str(self.template),
            "--no-input", "--checkout", self.first_commit,
            "--config-file", str(self.config),
            "--output-dir", str(self.output),
            "--extra-context", json.dumps(ANSWERS),
        )  # fmt: skip
        self.git.init(self.project, "Generated with cruft")

    def create_then_link(self) -> None:
        """Plain cookiecutter, then ``cruft link`` as the README says."""
        answers = [f"{key}={value}" for key, value in ANSWERS.items()]
        self.run(
            sys.executable, "-m", "cookiecutter", str(self.template),
            "--no-input", "--config-file", str(self.config),
            "--output-dir", str(self.output), *answers,
        )  # fmt: skip
        self.git.init(self.project, "Generated with cookiecutter")
        recorded = (self.project / ".cookiecutter.json").read_text()
        self.cruft(
            "link", str(self.template), "--checkout", self.first_commit,
            "--no-input", "--extra-context", recorded,
        )  # fmt: skip
        linked = load_json(self.project / ".cruft.json")
        assert linked["commit"] == self.first_commit
        for key, value in ANSWERS.items():
            assert linked["context"]["cookiecutter"][key] == value
        self.git.commit_all(self.project, "Link to the template")

    def edit_project(self) -> None:
        """The user's own changes, committed in the project."""
        readme = self.project / "README.md"
        readme.write_text(
            readme.read_text(encoding="utf-8") + "\n" + USER_SECTION,
            encoding="utf-8",
        )
        notes = self.project / "docs" / "notes.md"
        notes.parent.mkdir(exist_ok=True)
        notes.write_text("# Notes\n", encoding="utf-8")
        self.git.commit_all(self.project, "User edits")

    def change_template(self) -> str:
        """A later template commit: an edited file and a new one."""
        base = self.template / "{{cookiecutter.name}}"
        readme = base / "README.md"
        title, rest = readme.read_text(encoding="utf-8").split("\n", 1)
        assert title == "# {{ cookiecutter.name }}", title
        readme.write_text(
            f"{title}\n\n{TEMPLATE_NOTE}\n{rest}", encoding="utf-8"
        )
        (base / "CHANGES.md").write_text(
            "# Changes to {{ cookiecutter.name }}\n", encoding="utf-8"
        )
        return self.git.commit_all(self.template, "Template update")


@pytest.mark.parametrize(
    "start",
    [Scenario.create_with_cruft, Scenario.create_then_link],
    ids=["cruft-create", "cookiecutter-then-cruft-link"],
)
def test_cruft_update_keeps_user_edits(
    tmp_path: Path,
    cookiecutter_config: Path,
    start: Callable[[Scenario], None],
) -> None:
    scenario = Scenario(tmp_path, cookiecutter_config)
    start(scenario)
    project = scenario.project
    answers_before = load_json(project / ".cookiecutter.json")
    scenario.edit_project()
    check = run(
        [venv_tool("cruft"), "check"], cwd=project, env=scenario.git.env
    )
    assert check.returncode == 0, check.describe()
    latest = scenario.change_template()
    check = run(
        [venv_tool("cruft"), "check"], cwd=project, env=scenario.git.env
    )
    assert check.returncode != 0, "cruft check missed the template change"

    env_file = (project / ".env").read_text(encoding="utf-8")
    update = scenario.cruft("update", "-y")
    # Each render makes its own key; the project's stays as it was.
    assert (project / ".env").read_text(encoding="utf-8") == env_file

    readme = (project / "README.md").read_text(encoding="utf-8")
    assert TEMPLATE_NOTE in readme, update.describe()
    assert readme.endswith(USER_SECTION), "the user's edit was lost"
    changes = (project / "CHANGES.md").read_text(encoding="utf-8")
    assert changes == f"# Changes to {ANSWERS['name']}\n"
    assert (project / "docs" / "notes.md").is_file()
    assert load_json(project / ".cruft.json")["commit"] == latest
    rejects = [p.name for p in project.rglob("*.rej")]
    assert not rejects, f"rejected hunks: {rejects}\n{update.describe()}"
    assert "<<<<<<<" not in readme
    # The update changes what the template changed, and only that: the
    # recorded answers stay as they were.
    assert scenario.git.changed(project) == {
        ".cruft.json",
        "CHANGES.md",
        "README.md",
    }
    assert load_json(project / ".cookiecutter.json") == answers_before


# Locking.


def test_lock_then_install_offline(renderer: Renderer, tmp_path: Path) -> None:
    combination = default_combination()
    python = find_python(combination["python_version"])
    if python is None:
        pytest.fail(python_hint(combination["python_version"]), pytrace=False)
    project = tmp_path / "project"
    shutil.copytree(renderer.render(combination.context), project)
    env = clean_env(
        {
            "UV_CACHE_DIR": str(tmp_path / "uv-cache"),
            "UV_PYTHON": str(python),
            "UV_PYTHON_DOWNLOADS": "never",
            "UV_NO_PROGRESS": "1",
        }
    )

    def uv(*args: str, venv: str = ".venv") -> CommandResult:
        environment = {**env, "UV_PROJECT_ENVIRONMENT": str(tmp_path / venv)}
        return run(
            [*find_uv(), *args],
            cwd=project,
            env=environment,
            timeout=LOCK_TIMEOUT,
        )

    assert not (project / "uv.lock").exists(), "the template ships a lock"
    uv("lock").assert_ok()
    lock = tomllib.loads((project / "uv.lock").read_text(encoding="utf-8"))
    locked = {p["name"]: p.get("version") for p in lock["package"]}
    assert {"arq", "fastapi", "safir", "pytest", "mypy"} <= set(locked)
    uv("lock", "--locked").assert_ok()
    # The first install downloads into the empty private cache.
    uv("sync", "--locked", venv="first").assert_ok()
    # A fresh environment then comes from the lock and the cache alone.
    uv("sync", "--locked", "--offline", venv="fresh").assert_ok()
    installed = installed_versions(tmp_path / "fresh" / "bin" / "python")
    name = load_json(project / ".cookiecutter.json")["name"]
    del installed[name]  # the project itself, built from its source
    assert installed, "nothing installed"
    different = {
        package: (version, locked.get(package))
        for package, version in installed.items()
        if locked.get(package) != version
    }
    assert not different, (
        f"installed (left) is not locked (right): {different}"
    )

    # A lock that no longer matches pyproject.toml stops the install, as it
    # stops the Docker builds.
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    first = tomllib.loads(text)["project"]["dependencies"][0]
    line = f'    "{first}",\n'
    assert line in text
    pyproject.write_text(text.replace(line, "", 1), encoding="utf-8")
    stale = uv("sync", "--locked", "--offline", venv="stale")
    assert stale.returncode != 0, stale.describe()
    assert "needs to be updated" in stale.output, stale.describe()


def installed_versions(python: Path) -> dict[str, str]:
    """Every distribution installed for an interpreter, by normalised name."""
    script = (
        "import importlib.metadata as m, json, re\n"
        "print(json.dumps({re.sub(r'[-_.]+', '-', d.metadata['Name']).lower():"
        " d.version for d in m.distributions()}))\n"
    )
    result = run([str(python), "-c", script], cwd=python.parent)
    result.assert_ok()
    versions: dict[str, str] = json.loads(result.output)
    return versions
