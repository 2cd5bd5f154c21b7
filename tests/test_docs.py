"""The template README's guide names every generated file, and only those.

The guide ("Guide to the generated project") is a set of tables whose rows
read ``| path | added | what it is |``. The rule, also stated in the guide:

- A generated file is named when a row's first cell holds its path in
  backticks, or the path of its directory with a trailing ``/``, which
  stands for the files directly in that directory (not in its
  subdirectories). ``<module>`` stands for the package's directory.
- The second cell is ``always`` or an option's value in backticks, such as
  ``metrics=yes``: the path exists in every render, or exactly in the
  renders with that value.
- The third cell says what the file is.

Every combination of the choice questions is rendered, so that the files of
every option are checked. Every question of ``cookiecutter.json`` must also
have a row in the README's "Questions" table.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from .support.template import (
    REPO_ROOT,
    Combination,
    Renderer,
    load_questions,
    option_combinations,
)

GUIDE = "## Guide to the generated project"
QUESTIONS = "## Questions"
COMBINATIONS = option_combinations()
MODULE = "<module>"

CODE = re.compile(r"`([^`]+)`")
"""Text in backticks."""


@dataclass(frozen=True)
class Entry:
    """One row of the guide."""

    paths: tuple[str, ...]
    """Files, or directories ending in ``/``."""

    added: str
    """``always``, or ``option=value``."""

    text: str
    """What the row says the paths are."""


def section(heading: str) -> str:
    """The text of a level-two section of the README, without its heading."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.find(f"\n{heading}\n")
    assert start >= 0, f"README.md has no {heading!r} section"
    body = readme[start + len(heading) + 2 :]
    end = body.find("\n## ")
    return body if end < 0 else body[:end]


def table_rows(text: str) -> list[list[str]]:
    """The cells of every table body row in some Markdown."""
    rows = []
    for line in text.splitlines():
        if not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if set("".join(cells)) <= set("-: "):
            continue  # the line under a header
        rows.append(cells)
    # Each table's header is the row before its separator; headers are
    # recognised by their first cell, which is never in backticks.
    return [row for row in rows if row[0].startswith("`")]


def guide_entries() -> list[Entry]:
    """The rows of the guide's tables."""
    entries = []
    for cells in table_rows(section(GUIDE)):
        assert len(cells) == 3, f"not | path | added | what |: {cells}"
        paths = tuple(CODE.findall(cells[0]))
        assert paths, f"no path in backticks: {cells}"
        added = cells[1].strip("`")
        entries.append(Entry(paths, added, cells[2]))
    assert entries, "the guide has no table rows"
    return entries


def generated_files(project: Path, module: str) -> set[str]:
    """A project's files, relative, with the package as ``<module>``."""
    files = set()
    for path in project.rglob("*"):
        if path.is_file():
            parts = path.relative_to(project).parts
            if parts[:2] == ("src", module):
                parts = ("src", MODULE, *parts[2:])
            files.add("/".join(parts))
    return files


def exists(named: str, files: set[str]) -> bool:
    """Whether a named file, or directory ending in ``/``, is generated."""
    if named.endswith("/"):
        return any(f.startswith(named) for f in files)
    return named in files


def covered(file: str, named: set[str]) -> bool:
    """Whether the guide names a file, or the directory it is directly in."""
    directory = file.rpartition("/")[0]
    return file in named or f"{directory}/" in named


@pytest.fixture(scope="module")
def renders(renderer: Renderer) -> dict[Combination, set[str]]:
    """The files of every combination's project."""
    found = {}
    for combination in COMBINATIONS:
        project = renderer.render(combination.context)
        answers = json.loads(
            (project / ".cookiecutter.json").read_text(encoding="utf-8")
        )
        found[combination] = generated_files(project, answers["module_name"])
    return found


def test_every_generated_file_in_guide(
    renders: dict[Combination, set[str]],
) -> None:
    named = {path for entry in guide_entries() for path in entry.paths}
    missing = {
        f"{file} ({combination.id})"
        for combination, files in renders.items()
        for file in files
        if not covered(file, named)
    }
    assert not missing, "generated but not in the guide:\n" + "\n".join(
        sorted(missing)
    )


def test_guide_names_only_generated_files(
    renders: dict[Combination, set[str]],
) -> None:
    for entry in guide_entries():
        assert entry.text, f"{entry.paths} are not explained"
        for path in entry.paths:
            where = {c for c, files in renders.items() if exists(path, files)}
            if entry.added == "always":
                expected = set(renders)
            else:
                option, _, value = entry.added.partition("=")
                assert option in load_questions(), (
                    f"{path}: {entry.added!r} is not 'always' or option=value"
                )
                expected = {c for c in renders if c[option] == value}
            assert where == expected, (
                f"{path} is said to be added {entry.added!r}, but is in"
                f" {sorted(c.id for c in where)}"
            )


def test_every_question_in_questions_table() -> None:
    rows = table_rows(section(QUESTIONS))
    documented = {CODE.findall(row[0])[0] for row in rows}
    questions = {key for key in load_questions() if not key.startswith("_")}
    assert documented == questions


def test_rule_catches_undocumented_files() -> None:
    """The coverage rule itself: a directory covers only its own files."""
    named = {"src/<module>/handlers/", "README.md"}
    assert covered("README.md", named)
    assert covered("src/<module>/handlers/jobs.py", named)
    assert not covered("src/<module>/handlers/more/deep.py", named)
    assert not covered("src/<module>/main.py", named)
    assert not covered("LICENSE", named)
