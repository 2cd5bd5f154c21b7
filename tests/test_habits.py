"""The generated project's everyday habits, tried as a new user would.

Each combination is rendered afresh, made a git repository and set up with
``make init`` (``uv sync`` and prek's git hook); then the commit hooks run
with prek (``make lint``) and with pre-commit, the ``make`` targets run,
``scriv`` writes and collects a fragment, and the lock is read for the
versions that the README's word on arq states. The changelog workflow's
check runs against a real git history, and the template README's first
commands run with nothing but uv.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tomllib
from pathlib import Path

import httpx
import pytest

from .support.commands import CommandResult, clean_env, run
from .support.deploy import load_yaml, venv_tool
from .support.processes import free_port, wait_for
from .support.project import GeneratedProject, read_junit
from .support.template import (
    REPO_ROOT,
    Combination,
    Renderer,
    checked_combinations,
    default_combination,
)
from .support.tools import find_python, find_uv, python_hint

COMBINATIONS = checked_combinations()

TARGETS = ("init", "lint", "typing", "test", "run", "update-deps")
"""The Makefile's targets, which the README and CI call."""

CHANGELOG_WORKFLOW = Path(".github/workflows/changelog.yaml")
SKIP_LABEL = "no changelog"

TIMEOUT = 900
"""Seconds that one command of the generated project may take."""

STOP_TIMEOUT = 20
"""Seconds that ``make run`` gets to stop everything after Ctrl-C."""


def make(
    project: GeneratedProject, *args: str, timeout: float = TIMEOUT
) -> CommandResult:
    """Run ``make`` in the project, with uv pinned to its interpreter."""
    return run(
        ["make", *args], cwd=project.path, env=project.env(), timeout=timeout
    )


def fresh_copy(
    renderer: Renderer, combination: Combination, destination: Path
) -> GeneratedProject:
    """A copy of the combination's pristine render, with no ``.venv``."""
    version = combination["python_version"]
    python = find_python(version)
    if python is None:
        pytest.fail(python_hint(version), pytrace=False)
    path = destination / "project"
    shutil.copytree(renderer.render(combination.context), path)
    return GeneratedProject(path, python)


class FreshProjects:
    """Fresh renders set up as a new user would, one per combination."""

    def __init__(
        self, renderer: Renderer, factory: pytest.TempPathFactory
    ) -> None:
        self._renderer = renderer
        self._factory = factory
        self._projects: dict[Combination, GeneratedProject] = {}

    def get(self, combination: Combination) -> GeneratedProject:
        """The render in git, after ``make init``, every file staged."""
        if combination not in self._projects:
            project = fresh_copy(
                self._renderer, combination, self._factory.mktemp("fresh")
            )
            run(["git", "init", "-q"], cwd=project.path).assert_ok()
            make(project, "init").assert_ok()
            hook = project.path / ".git" / "hooks" / "pre-commit"
            assert hook.is_file(), "make init installed no git hook"
            run(["git", "add", "-A"], cwd=project.path).assert_ok()
            self._projects[combination] = project
        return self._projects[combination]


@pytest.fixture(scope="module")
def fresh_projects(
    renderer: Renderer, tmp_path_factory: pytest.TempPathFactory
) -> FreshProjects:
    """The fresh renders of this module's tests."""
    return FreshProjects(renderer, tmp_path_factory)


@pytest.fixture(params=COMBINATIONS, ids=lambda c: c.id)
def fresh(
    request: pytest.FixtureRequest, fresh_projects: FreshProjects
) -> GeneratedProject:
    """The fresh render of one combination."""
    return fresh_projects.get(request.param)


@pytest.fixture
def fresh_default(fresh_projects: FreshProjects) -> GeneratedProject:
    """The fresh render of the default combination."""
    return fresh_projects.get(default_combination())


def hook_names(project: Path) -> list[str]:
    """The names of the hooks in ``.pre-commit-config.yaml``."""
    config = load_yaml(project / ".pre-commit-config.yaml")
    return [hook["name"] for repo in config["repos"] for hook in repo["hooks"]]


def assert_every_hook_passed(project: Path, result: CommandResult) -> None:
    """Each hook ran on some file and passed (none skipped)."""
    result.assert_ok()
    for name in hook_names(project):
        pattern = rf"^{re.escape(name)}\.+(\S+)$"
        line = re.search(pattern, result.output, re.MULTILINE)
        assert line, f"hook {name!r} did not run\n{result.describe()}"
        assert line.group(1) == "Passed", result.describe()


# Commit hooks.


def test_hooks_are_local(project: Path) -> None:
    """No hook clones a repository: all run tools from the project."""
    config = load_yaml(project / ".pre-commit-config.yaml")
    assert [repo["repo"] for repo in config["repos"]] == ["local"]
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    expected = {
        "ruff-check", "ruff-format", "uv-lock", "check-yaml",
        "end-of-file-fixer", "trailing-whitespace", "actionlint",
    }  # fmt: skip
    assert expected <= {hook["id"] for hook in hooks}
    for hook in hooks:
        assert hook["entry"].startswith("uv "), hook


def test_make_lint_runs_hooks_with_prek(fresh: GeneratedProject) -> None:
    assert_every_hook_passed(fresh.path, make(fresh, "lint"))


def test_pre_commit_runs_same_hooks(fresh_default: GeneratedProject) -> None:
    command = [venv_tool("pre-commit"), "run", "--all-files"]
    env = fresh_default.env(
        {"PRE_COMMIT_HOME": str(fresh_default.path.parent / "pc")}
    )
    result = run(command, cwd=fresh_default.path, env=env, timeout=TIMEOUT)
    assert_every_hook_passed(fresh_default.path, result)


def test_hooks_catch_stale_lock(fresh_default: GeneratedProject) -> None:
    """A dependency added without ``uv lock`` fails ``make lint``."""
    pyproject = fresh_default.path / "pyproject.toml"
    original = pyproject.read_text(encoding="utf-8")
    try:
        pyproject.write_text(
            original.replace(
                "dependencies = [\n", 'dependencies = [\n    "six",\n', 1
            ),
            encoding="utf-8",
        )
        result = make(fresh_default, "lint")
        assert result.returncode != 0, result.describe()
        failed = re.compile(r"^uv lock --check\.+Failed$", re.MULTILINE)
        assert failed.search(result.output), result.describe()
    finally:
        pyproject.write_text(original, encoding="utf-8")


# The Makefile's other targets.


def test_makefile_targets(project: Path) -> None:
    """The Makefile has the targets, and CI and the README call them."""
    dry = run(["make", "-n", *TARGETS], cwd=project)
    dry.assert_ok()
    workflow = (project / ".github/workflows/ci.yaml").read_text("utf-8")
    readme = (project / "README.md").read_text(encoding="utf-8")
    for target in ("lint", "typing", "test"):
        assert f"run: make {target}\n" in workflow, target
    for target in TARGETS:
        assert f"| `make {target}` |" in readme, target


def test_make_typing(fresh_default: GeneratedProject) -> None:
    make(fresh_default, "typing").assert_ok()


def test_make_test(fresh_default: GeneratedProject, tmp_path: Path) -> None:
    """``make test`` runs the generated suite, here one file of it.

    Every combination's whole suite runs in ``test_generated.py``, with the
    same ``uv run pytest`` that the target runs.
    """
    report = tmp_path / "junit.xml"
    args = (
        f"ARGS=-q -p no:cacheprovider --junitxml={report} tests/test_config.py"
    )
    make(fresh_default, "test", args).assert_ok()
    totals = read_junit(report)
    assert totals.tests > 0
    assert totals.failures == totals.errors == totals.skipped == 0


def test_make_run_serves_and_stops(fresh_default: GeneratedProject) -> None:
    """``make run`` starts the API, worker and Redis; Ctrl-C stops them."""
    fresh = fresh_default
    port = free_port()
    env = fresh.env()
    env.pop(f"{fresh.env_prefix}ARQ_QUEUE_URL", None)
    log_path = fresh.path.parent / "make-run.log"
    with log_path.open("wb") as log:
        # Its own process group, to stop it as a terminal's Ctrl-C does.
        process = subprocess.Popen(
            ["make", "run", f"ARGS=--port {port}"],  # noqa: S607 - as a user
            cwd=fresh.path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    group = process.pid
    try:
        wait_for(
            lambda: answers(f"http://127.0.0.1:{port}/health/ready"),
            what="make run's API to be ready",
            timeout=60,
            interval=0.5,
            diagnostics=lambda: log_path.read_text(errors="replace"),
        )
        os.killpg(group, signal.SIGINT)
        process.wait(timeout=STOP_TIMEOUT)
        wait_for(
            lambda: not group_alive(group),
            what="every process of make run to exit",
            timeout=STOP_TIMEOUT,
            diagnostics=lambda: log_path.read_text(errors="replace"),
        )
    finally:
        if group_alive(group):
            os.killpg(group, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT)


def answers(url: str) -> bool:
    """Whether a URL answers 200."""
    try:
        response = httpx.get(url, timeout=2, trust_env=False)
    except httpx.HTTPError:
        return False
    return response.status_code == httpx.codes.OK


def group_alive(group: int) -> bool:
    """Whether any process of a process group that the test made runs."""
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def test_make_update_deps(renderer: Renderer, tmp_path: Path) -> None:
    """``make update-deps`` locks within ``exclude-newer`` and syncs."""
    project = fresh_copy(renderer, default_combination(), tmp_path)
    make(project, "update-deps").assert_ok()
    lock = tomllib.loads(
        (project.path / "uv.lock").read_text(encoding="utf-8")
    )
    assert lock["options"]["exclude-newer-span"] == "P1W", lock["options"]
    project.uv("lock", "--check").assert_ok()
    assert project.venv_bin("python").exists()


# Changelog.


def test_scriv_create_and_collect(fresh_default: GeneratedProject) -> None:
    changelog = fresh_default.path / "CHANGELOG.md"
    original = changelog.read_text(encoding="utf-8")
    fragments = fresh_default.path / "changelog.d"
    # scriv names the fragment after the user's git e-mail address.
    env = fresh_default.env(
        {
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": "user.email",
            "GIT_CONFIG_VALUE_0": "newcomer@example.org",
        }
    )
    before = set(fragments.iterdir())
    try:
        created = run(
            [*find_uv(), "run", "scriv", "create"],
            cwd=fresh_default.path,
            env=env,
        )
        created.assert_ok()
        (fragment,) = set(fragments.iterdir()) - before
        assert re.fullmatch(r"\d{8}_\d{6}_newcomer\.md", fragment.name)
        assert "### Added" in fragment.read_text(encoding="utf-8")
        fragment.write_text("### Added\n\n- A new task.\n", encoding="utf-8")
        collected = run(
            [*find_uv(), "run", "scriv", "collect"],
            cwd=fresh_default.path,
            env=env,
        )
        collected.assert_ok()
        text = changelog.read_text(encoding="utf-8")
        release = re.compile(r"^## 0\.1\.0 — \d{4}-\d\d-\d\d$", re.MULTILINE)
        assert release.search(text), text
        assert "- A new task." in text
        assert not fragment.exists()
        assert (fragments / "README.md").is_file(), "scriv took the README"
    finally:
        changelog.write_text(original, encoding="utf-8")
        for path in set(fragments.iterdir()) - before:
            path.unlink()


def fragment_check(project: Path) -> tuple[dict[str, object], str]:
    """The changelog workflow's job and the script of its check step."""
    workflow = load_yaml(project / CHANGELOG_WORKFLOW)
    (job,) = workflow["jobs"].values()
    (script,) = [step["run"] for step in job["steps"] if "run" in step]
    return job, script


def test_changelog_workflow_skippable(project: Path) -> None:
    """The label skips the check, and adding it re-runs the workflow."""
    workflow = load_yaml(project / CHANGELOG_WORKFLOW)
    # PyYAML reads the key "on" as True.
    types = workflow[True]["pull_request"]["types"]
    assert {"labeled", "unlabeled"} <= set(types)
    job, _ = fragment_check(project)
    assert f"'{SKIP_LABEL}'" in str(job["if"])
    assert "github.event.pull_request.labels.*.name" in str(job["if"])


def git(repo: Path, *args: str) -> str:
    """Run git in a scratch repository, with a made-up identity."""
    env = clean_env(
        {
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.org",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.org",
        }
    )
    result = run(["git", *args], cwd=repo, env=env)
    result.assert_ok()
    return result.output.strip()


@pytest.mark.parametrize(
    ("changes", "passes"),
    [
        ({"src/app/main.py": "x = 2\n"}, False),
        ({"src/app/main.py": "x = 2\n", "changelog.d/1_t.md": "- x\n"}, True),
        ({"docs/notes.md": "more\n"}, True),
        (
            {"changelog.d/README.md": "edited\n", "src/app/main.py": "y\n"},
            False,
        ),
    ],
    ids=["src-without-fragment", "src-with-fragment", "no-src", "edit-only"],
)
def test_changelog_check(
    project: Path,
    tmp_path: Path,
    changes: dict[str, str],
    passes: bool,  # noqa: FBT001 - a parameter of the test's table
) -> None:
    """The check step's script, on a pull request's real git history."""
    _, script = fragment_check(project)
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for relative, text in {
        "src/app/main.py": "x = 1\n",
        "changelog.d/README.md": "fragments\n",
    }.items():
        (repo / relative).parent.mkdir(parents=True, exist_ok=True)
        (repo / relative).write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    base = git(repo, "rev-parse", "HEAD")
    for relative, text in changes.items():
        (repo / relative).parent.mkdir(parents=True, exist_ok=True)
        (repo / relative).write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "change")
    env = clean_env({"BASE_SHA": base})
    result = run(["bash", "-e", "-c", script], cwd=repo, env=env)
    assert (result.returncode == 0) is passes, result.describe()
    if not passes:
        assert "scriv create" in result.output, result.describe()


# Supply-chain cooldown.


def test_cooldown_matches_exclude_newer(project: Path) -> None:
    """Dependabot and uv both wait a week for a release."""
    pyproject = tomllib.loads(
        (project / "pyproject.toml").read_text(encoding="utf-8")
    )
    assert pyproject["tool"]["uv"]["exclude-newer"] == "1 week"
    config = load_yaml(project / ".github/dependabot.yml")
    for update in config["updates"]:
        assert update["cooldown"] == {"default-days": 7}, update


def test_relative_exclude_newer_in_lock(fresh: GeneratedProject) -> None:
    """The lock records the relative ``exclude-newer``, and holds."""
    lock = tomllib.loads((fresh.path / "uv.lock").read_text(encoding="utf-8"))
    assert lock["options"]["exclude-newer-span"] == "P1W", lock["options"]
    fresh.uv("lock", "--check").assert_ok()


# The word on arq.


ARQ_PARAGRAPH = re.compile(
    r'"in maintenance only mode" \(python-arq/arq#510\), and its latest'
    r" release, (?P<arq>[0-9.]+), requires `(?P<requirement>redis[^`]+)`"
)
"""What the generated README states of arq's status and pins."""


def readme_text(project: Path) -> str:
    """The generated README with its lines joined by single spaces."""
    text = (project / "README.md").read_text(encoding="utf-8")
    return " ".join(text.split())


def test_arq_versions_match_lock(fresh: GeneratedProject) -> None:
    stated = ARQ_PARAGRAPH.search(readme_text(fresh.path))
    assert stated, "the README's paragraph on arq has changed its wording"
    lock = tomllib.loads((fresh.path / "uv.lock").read_text(encoding="utf-8"))
    versions = {
        package["name"]: package["version"] for package in lock["package"]
    }
    assert versions["arq"] == stated["arq"]
    assert int(versions["redis"].split(".")[0]) < 6, versions["redis"]
    # arq's own metadata, as installed from the lock: its README (the
    # description) and its requirement of redis-py.
    script = (
        "import importlib.metadata as m, json\n"
        "arq = m.metadata('arq').get_payload(), m.requires('arq')\n"
        "print(json.dumps(arq))"
    )
    result = run(
        [str(fresh.venv_bin("python")), "-c", script],
        cwd=fresh.path,
        env=fresh.env(),
    )
    result.assert_ok()
    description, requires = json.loads(result.output.strip().splitlines()[-1])
    assert "In maintenance only mode" in description
    redis = [r for r in requires if r.startswith("redis")]
    assert [requirement(r) for r in redis] == [
        requirement(stated["requirement"])
    ]


def requirement(text: str) -> tuple[str, frozenset[str]]:
    """A requirement's name (with extras) and its set of specifiers."""
    match = re.fullmatch(r"([\w.\[\]-]+)\s*([^;]*)", text.strip())
    assert match, text
    specifiers = frozenset(s.strip() for s in match[2].split(",") if s)
    return match[1], specifiers


def test_arq_seams_exist(project: Path) -> None:
    """The files that the paragraph names as seams are the project's."""
    answers = json.loads(
        (project / ".cookiecutter.json").read_text(encoding="utf-8")
    )
    module = project / "src" / answers["module_name"]
    for seam in (
        "queue.py",
        "worker/main.py",
        "redis.py",
        "worker/context.py",
    ):
        assert (module / seam).is_file(), seam


# The template README's first command.


def first_block(readme: str) -> list[str]:
    """The commands of the first ``sh`` block of a README."""
    block = readme.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.split("#", 1)[0].strip() for line in block.splitlines()]


def test_first_commands_need_only_uv(
    tmp_path: Path, cookiecutter_config: Path
) -> None:
    """``uvx cookiecutter`` and ``uvx cruft create`` make a project."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    commands = [c for c in first_block(readme) if c.startswith("uvx ")]
    assert [c.split(" gh:")[0] for c in commands] == [
        "uvx cookiecutter",
        "uvx cruft create",
    ]
    for number, command in enumerate(commands):
        output = tmp_path / str(number)
        output.mkdir()
        # This checkout stands for the GitHub repository.
        words = command.replace(
            "gh:example-org/fastapi-arq-template", str(REPO_ROOT)
        ).split()
        words = [*find_uv(), "tool", "run", *words[1:]]
        words += ["--output-dir", str(output)]
        words += ["--config-file", str(cookiecutter_config)]
        run(words, cwd=tmp_path, timeout=TIMEOUT).assert_ok()
        assert (output / "example" / "pyproject.toml").is_file()
    assert (tmp_path / "1" / "example" / ".cruft.json").is_file()
