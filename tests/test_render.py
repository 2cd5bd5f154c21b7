"""Rendering the template: every combination of answers, and bad names."""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from cookiecutter.environment import StrictEnvironment
from cookiecutter.main import cookiecutter

from .support.commands import clean_env, run
from .support.template import (
    REPO_ROOT,
    Combination,
    Renderer,
    checked_combinations,
    choice_options,
    load_questions,
    option_combinations,
)
from .support.tools import find_uv

COMBINATIONS = option_combinations()

JINJA_MARKERS = ("{{", "{%", "{#")
"""Jinja syntax that must not survive rendering."""

GITHUB_EXPRESSION = re.compile(rb"\$\{\{ [^{}]+ \}\}")
"""A GitHub Actions expression, ``${{ ... }}``, which GitHub evaluates.

The only ``{{`` allowed after rendering, and only in files under
``.github/``; the template writes each inside ``{% raw %}``.
"""


def without_allowed(relative: Path, line: bytes) -> bytes:
    """A line of a rendered file without the syntax that the file may hold."""
    if relative.parts[:1] == (".github",):
        return GITHUB_EXPRESSION.sub(b"", line)
    if relative.suffix == ".html" and relative.parent.name == "templates":
        return b""  # the dashboard's own Jinja, copied without rendering
    return line


def leftovers(project: Path) -> list[str]:
    """Files of a project whose name or text still holds Jinja syntax."""
    found = []
    for path in sorted(project.rglob("*")):
        relative = path.relative_to(project)
        found.extend(
            f"{relative}: {marker} in the name"
            for marker in JINJA_MARKERS
            if marker in str(relative)
        )
        if path.is_file():
            data = path.read_bytes()
            for number, line in enumerate(data.splitlines(), start=1):
                checked = without_allowed(relative, line)
                for marker in JINJA_MARKERS:
                    if marker.encode() in checked:
                        text = line.decode(errors="replace").strip()
                        found.append(f"{relative}:{number}: {text}")
    return found


def optional_paths(
    answers: dict[str, Any],
) -> dict[str, tuple[str, dict[str, list[str]]]]:
    """The post-generation hook's table of optional paths, for some answers.

    The hook is rendered with the answers, as cookiecutter renders it, and
    its module-level code is run to read ``OPTIONAL_PATHS``; its
    ``__main__`` block (which deletes files) is not.
    """
    source = (REPO_ROOT / "hooks" / "post_gen_project.py").read_text(
        encoding="utf-8"
    )
    env = StrictEnvironment(context={"cookiecutter": answers})
    rendered = env.from_string(source).render(cookiecutter=answers)
    namespace: dict[str, Any] = {"__name__": "post_gen_project"}
    exec(compile(rendered, "post_gen_project.py", "exec"), namespace)  # noqa: S102
    table: dict[str, tuple[str, dict[str, list[str]]]]
    table = namespace["OPTIONAL_PATHS"]
    return table


def test_combinations_come_from_cookiecutter_json() -> None:
    options = choice_options()
    assert "python_version" in options
    assert options["python_version"][0] == "3.13"
    assert len(COMBINATIONS) == len(set(COMBINATIONS))
    expected = 1
    for choices in options.values():
        expected *= len(choices)
    assert len(COMBINATIONS) == expected
    assert sum(c.is_default for c in COMBINATIONS) == 1


def test_checked_combinations_cover_every_answer() -> None:
    """The slow checks install every answer of every question at least once."""
    checked = checked_combinations()
    assert sum(c.is_default for c in checked) == 1
    for key, values in choice_options().items():
        assert {c[key] for c in checked} == set(values), key
    assert checked[-1]["metrics"] == checked[-1]["tracing"] == "yes"


def test_no_jinja_left(project: Path) -> None:
    found = leftovers(project)
    assert not found, "Jinja syntax left after rendering:\n" + "\n".join(found)


def test_github_expressions_allowed_only_there(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "ci.yaml").write_text(
        "group: ${{ github.workflow }}-${{ github.ref }}\n"
        "name: {{ cookiecutter.name }}\n"
        "also: ${{ github.ref }} {% endraw %}\n",
        encoding="utf-8",
    )
    (tmp_path / "README.md").write_text(
        "${{ github.ref }}\n", encoding="utf-8"
    )
    assert leftovers(tmp_path) == [
        ".github/workflows/ci.yaml:2: name: {{ cookiecutter.name }}",
        ".github/workflows/ci.yaml:3: also: ${{ github.ref }} {% endraw %}",
        "README.md:1: ${{ github.ref }}",
    ]


def test_answers_recorded(project: Path, combination: Combination) -> None:
    recorded = load_json(project / ".cookiecutter.json")
    questions = [key for key in load_questions() if not key.startswith("_")]
    missing = [key for key in questions if key not in recorded]
    assert not missing, f".cookiecutter.json lacks {missing}: {recorded}"
    for key, value in combination.options:
        assert recorded[key] == value
    assert recorded["name"] == project.name == "example"
    assert recorded["module_name"] == "example"


def test_package_layout(project: Path) -> None:
    packages = sorted(p.name for p in (project / "src").iterdir())
    assert packages == ["example"]
    package = project / "src" / "example"
    for name in ("py.typed", "__init__.py", "main.py", "worker/main.py"):
        assert (package / name).is_file(), f"missing src/example/{name}"


def test_python_version_applied(
    project: Path, combination: Combination
) -> None:
    version = combination["python_version"]
    pyproject = tomllib.loads(
        (project / "pyproject.toml").read_text(encoding="utf-8")
    )
    assert pyproject["project"]["requires-python"] == f">={version}"
    target = pyproject["tool"]["ruff"]["target-version"]
    assert target == "py" + version.replace(".", "")


def test_python_version_reaches_uv(
    project: Path, combination: Combination
) -> None:
    """``.python-version`` holds the answer, and uv takes it in the project."""
    version = combination["python_version"]
    pinned = (project / ".python-version").read_text(encoding="utf-8")
    assert pinned == f"{version}\n"
    env = clean_env({"UV_PYTHON_DOWNLOADS": "never"})
    env.pop("UV_PYTHON", None)
    found = run([*find_uv(), "python", "find"], cwd=project, env=env)
    found.assert_ok()
    python = found.output.strip().splitlines()[-1]
    check = "import sys; print('%d.%d' % sys.version_info[:2])"
    ran = run([python, "-c", check], cwd=project, env=env)
    assert ran.output.strip() == version, found.describe()


def test_each_project_has_its_own_signing_key(
    renderer: Renderer, tmp_path: Path, cookiecutter_config: Path
) -> None:
    """``.env`` holds a fresh key, which neither git nor docker takes."""
    first = renderer.render({})
    second = Path(
        cookiecutter(
            str(REPO_ROOT),
            no_input=True,
            output_dir=str(tmp_path),
            config_file=str(cookiecutter_config),
        )
    )
    prefix = load_json(first / ".cookiecutter.json")["__env_prefix"]
    keys = []
    for project in (first, second):
        lines = (project / ".env").read_text(encoding="utf-8").splitlines()
        (key,) = [
            line.removeprefix(f"{prefix}SIGNING_KEY=")
            for line in lines
            if line.startswith(f"{prefix}SIGNING_KEY=")
        ]
        assert len(key) >= 32, key
        keys.append(key)
    assert keys[0] != keys[1]
    git = run(["git", "init", "-q", str(second)], cwd=second)
    git.assert_ok()
    ignored = run(["git", "check-ignore", ".env"], cwd=second)
    assert ignored.returncode == 0, "git would commit .env"
    dockerignore = (second / ".dockerignore").read_text(encoding="utf-8")
    assert ".env" in dockerignore.splitlines(), dockerignore


def test_optional_files(project: Path, combination: Combination) -> None:
    options = choice_options()
    answers = load_json(project / ".cookiecutter.json")
    for option, (chosen, paths_by_value) in optional_paths(answers).items():
        assert option in options, f"{option} is not a choice question"
        assert chosen == combination[option]
        unknown = set(paths_by_value) - set(options[option])
        assert not unknown, f"{option} has no choices {unknown}"
        kept = set(paths_by_value.get(chosen, []))
        for relative in kept:
            assert (project / relative).exists(), f"{relative} missing"
        for value, paths in paths_by_value.items():
            for relative in set(paths) - kept:
                assert not (project / relative).exists(), (
                    f"{relative} is only for {option}={value}, not {chosen}"
                )


@pytest.mark.parametrize(
    ("answers", "module", "prefix"),
    [
        ({"name": "my-app"}, "my_app", "MY_APP_"),
        (
            {"name": "image-service", "module_name": "imaging"},
            "imaging",
            "IMAGING_",
        ),
    ],
    ids=["hyphenated-name", "module-name-given"],
)
def test_derived_names(
    renderer: Renderer, answers: dict[str, str], module: str, prefix: str
) -> None:
    project = renderer.render(answers)
    name = answers["name"]
    assert project.name == name
    recorded = load_json(project / ".cookiecutter.json")
    assert recorded["module_name"] == module
    package = project / "src" / module
    assert (package / "py.typed").is_file()
    config = (package / "config.py").read_text(encoding="utf-8")
    assert f'ENV_PREFIX = "{prefix}"' in config
    assert f'"/{name}"' in config, "default path prefix is not /<name>"
    pyproject = tomllib.loads(
        (project / "pyproject.toml").read_text(encoding="utf-8")
    )
    assert pyproject["project"]["name"] == name
    assert not leftovers(project)


def test_metrics_only_when_chosen(
    project: Path, combination: Combination
) -> None:
    """With metrics off, no metrics code, command or dependency is left."""
    texts = {
        path.relative_to(project).as_posix(): path.read_text(encoding="utf-8")
        for path in project.rglob("*")
        if path.is_file() and path.suffix in {".py", ".toml", ".yaml", ".md"}
    }
    pyproject = tomllib.loads(texts["pyproject.toml"])
    safir = next(
        dep for dep in pyproject["project"]["dependencies"] if "safir" in dep
    )
    scripts = pyproject["project"].get("scripts", {})
    importers = sorted(
        name
        for name, text in texts.items()
        if name.endswith(".py") and "safir.metrics" in text
    )
    worker = texts["src/example/worker/main.py"]
    if combination["metrics"] == "yes":
        assert safir.startswith("safir[arq,kafka]"), safir
        assert list(scripts.values()) == [
            "example.metrics:publish_periodic_metrics"
        ]
        assert "on_job_start" in worker
        assert "src/example/metrics.py" in importers
    else:
        assert safir.startswith("safir[arq]"), safir
        assert scripts == {}
        assert "metrics" not in worker
        assert importers == []


def test_tracing_only_when_chosen(
    project: Path, combination: Combination
) -> None:
    """With tracing off, no OpenTelemetry code, wiring or dependency."""
    importers = sorted(
        path.relative_to(project).as_posix()
        for path in project.rglob("*.py")
        if "opentelemetry" in path.read_text(encoding="utf-8")
    )
    pyproject = tomllib.loads(
        (project / "pyproject.toml").read_text(encoding="utf-8")
    )
    dependencies = [
        dep
        for dep in pyproject["project"]["dependencies"]
        if dep.startswith("opentelemetry")
    ]
    package = project / "src" / "example"
    wiring = [
        (package / name).read_text(encoding="utf-8")
        for name in ("main.py", "worker/main.py")
    ]
    if combination["tracing"] == "yes":
        assert importers == [
            "src/example/tracing.py",
            "src/example/worker/tracing.py",
            "tests/test_tracing.py",
        ]
        assert len(dependencies) == 3, dependencies
        assert all("setup_tracing(" in text for text in wiring)
    else:
        assert importers == []
        assert dependencies == []
        assert not any("tracing" in text for text in wiring)


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("name=My App", "lower-case letters"),
        ("name=1abc", "starting with a letter"),
        ("name=arq", "shadow"),
        ("name=redis", "shadow"),
        ("name=fastapi", "shadow"),
        ("name=test", "shadow"),
        ("name=class", "keyword"),
        ("name=a--b", "single hyphens"),
        ("name=-x", "starting with a letter"),
        ("module_name=import", "keyword"),
        ("name=json", "standard library"),
        ("name=abcdefghij-abcdefghij-abcdefghi", "at most 30"),
        ("python_version=3.11", "3.12, 3.13"),
        ('summary=say "hi"', "double quotes"),
    ],
)
def test_bad_name_refused(
    answer: str, reason: str, tmp_path: Path, cookiecutter_config: Path
) -> None:
    output = tmp_path / "out"
    output.mkdir()
    command = [sys.executable, "-m", "cookiecutter", str(REPO_ROOT)]
    command += ["--no-input", "--config-file", str(cookiecutter_config)]
    command += ["--output-dir", str(output), answer]
    result = run(command, cwd=tmp_path)
    assert result.returncode != 0, result.describe()
    errors = [
        line
        for line in result.output.splitlines()
        if "ERROR:" in line and reason in line
    ]
    assert len(errors) == 1, f"no one-line ERROR saying {reason!r}\n" + (
        result.describe()
    )
    assert reason in errors[0], result.describe()
    assert not list(output.iterdir()), "a refused project left files behind"


def load_json(path: Path) -> dict[str, Any]:
    """Read a JSON object from a file."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
