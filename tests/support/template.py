"""The template's questions, their combinations, and rendering."""

from __future__ import annotations

import itertools
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from cookiecutter.main import cookiecutter

__all__ = [
    "REPO_ROOT",
    "Combination",
    "RenderedProject",
    "Renderer",
    "checked_combinations",
    "default_combination",
    "extra_combinations",
    "load_questions",
    "option_combinations",
    "write_cookiecutter_config",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
"""Root of the template repository (holds ``cookiecutter.json``)."""


@dataclass(frozen=True)
class RenderedProject:
    """A generated project's directory, and the answers it recorded.

    Parameters
    ----------
    path
        The project's directory.
    """

    path: Path

    @property
    def answers(self) -> dict[str, str]:
        """The answers recorded in its ``.cookiecutter.json``."""
        text = (self.path / ".cookiecutter.json").read_text(encoding="utf-8")
        answers: dict[str, str] = json.loads(text)
        return answers

    @property
    def name(self) -> str:
        """Project (distribution) name, also the default URL prefix."""
        return self.answers["name"]

    @property
    def module(self) -> str:
        """Importable package name."""
        return self.answers["module_name"]

    @property
    def env_prefix(self) -> str:
        """Prefix of its configuration's environment variables."""
        return self.answers["__env_prefix"]


def load_questions() -> dict[str, Any]:
    """Read ``cookiecutter.json`` as written, defaults unrendered."""
    text = (REPO_ROOT / "cookiecutter.json").read_text(encoding="utf-8")
    questions: dict[str, Any] = json.loads(text)
    return questions


FREE_TEXT_CHOICES: dict[str, list[str]] = {"python_version": ["3.13", "3.12"]}
"""Free-text questions whose allowed answers the pre-gen hook enforces.

``python_version`` is free text, not a cookiecutter choice, so that a wrong
answer gets the hook's one-line message instead of cookiecutter's traceback.
The first value is the default.
"""

LONGEST_NAME = "abcdefghij-abcdefghij-abcdefgh"
"""A project name of the longest length the hook allows (30)."""


def choice_options() -> dict[str, list[str]]:
    """Questions whose answer is picked from a list, with their choices.

    Every key of ``cookiecutter.json`` whose value is a list is a choice
    (cookiecutter's own rule), except private keys (``_...``), which are
    settings such as ``_copy_without_render`` rather than questions; plus
    the free-text questions of `FREE_TEXT_CHOICES`.
    """
    questions = load_questions()
    options = {
        key: [str(value) for value in values]
        for key, values in questions.items()
        if isinstance(values, list) and not key.startswith("_")
    }
    for key, values in FREE_TEXT_CHOICES.items():
        assert questions[key] == values[0], f"{key} default is not first"
        options[key] = values
    return options


@dataclass(frozen=True)
class Combination:
    """One answer to every choice question; free-text questions default."""

    options: tuple[tuple[str, str], ...]
    """Pairs of question and chosen value, in ``cookiecutter.json`` order."""

    is_default: bool = field(default=False, compare=False)
    """Whether every answer is the question's default (its first choice)."""

    @property
    def context(self) -> dict[str, str]:
        """The answers as cookiecutter's ``extra_context``."""
        return dict(self.options)

    @property
    def id(self) -> str:
        """Short name for test ids, such as ``python_version=3.13``."""
        return ",".join(f"{key}={value}" for key, value in self.options)

    def __getitem__(self, key: str) -> str:
        """The answer to one choice question."""
        return self.context[key]


def option_combinations() -> list[Combination]:
    """Every combination of the choice questions' answers, default first."""
    options = choice_options()
    keys = list(options)
    combinations = []
    for values in itertools.product(*(options[key] for key in keys)):
        is_default = all(
            value == options[key][0]
            for key, value in zip(keys, values, strict=True)
        )
        pairs = tuple(zip(keys, values, strict=True))
        combinations.append(Combination(pairs, is_default=is_default))
    return combinations


SPOT_CHECKED = ("tracing",)
"""Options whose code is all in optional files and the wiring: the slow
checks (install, lint, tests) run them once, with every other option on,
rather than across the whole matrix."""


def checked_combinations() -> list[Combination]:
    """The combinations whose projects the slow checks install and run.

    Every combination with the `SPOT_CHECKED` options at their defaults,
    and one with every choice at its last value (free-text questions at
    their defaults).
    """
    options = choice_options()
    combinations = option_combinations()
    matrix = [
        c
        for c in combinations
        if all(c[key] == options[key][0] for key in SPOT_CHECKED)
    ]
    everything = next(
        c
        for c in combinations
        if all(
            c[key] == values[0 if key in FREE_TEXT_CHOICES else -1]
            for key, values in options.items()
        )
    )
    return [*matrix, everything]


def extra_combinations() -> list[Combination]:
    """Renders beyond the choice matrix: free-text answers at their limits.

    The longest allowed name makes every generated line that holds the
    name or package as long as it gets, for the line-length checks.
    """
    default = default_combination()
    return [Combination((*default.options, ("name", LONGEST_NAME)))]


def default_combination() -> Combination:
    """The combination a user gets with ``--no-input``."""
    return next(c for c in option_combinations() if c.is_default)


def write_cookiecutter_config(directory: Path) -> Path:
    """Write a cookiecutter config that keeps its state inside a directory.

    With it, neither the tests nor a subprocess they start read the user's
    ``~/.cookiecutterrc`` or write replay files to the home directory.

    Parameters
    ----------
    directory
        Directory for the config file and cookiecutter's own state.

    Returns
    -------
    Path
        The config file, for ``config_file=`` or ``--config-file``.
    """
    config = {
        "cookiecutters_dir": str(directory / "cookiecutters"),
        "replay_dir": str(directory / "replay"),
        "default_context": {},
    }
    path = directory / "cookiecutter-config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


class Renderer:
    """Renders the template, each distinct set of answers only once.

    Parameters
    ----------
    base
        Directory under which every render gets a directory of its own.
    config_file
        Cookiecutter config from `write_cookiecutter_config`.
    """

    def __init__(self, base: Path, config_file: Path) -> None:
        self._base = base
        self._config_file = config_file
        self._rendered: dict[tuple[tuple[str, str], ...], Path] = {}
        self._working: dict[tuple[tuple[str, str], ...], Path] = {}

    def render(self, context: dict[str, str]) -> Path:
        """Render the template with some answers; the rest default.

        The result is shared by every test that asks for the same answers,
        so tests must not change it: use `working_copy` for that.

        Parameters
        ----------
        context
            Answers, as cookiecutter's ``extra_context``.

        Returns
        -------
        Path
            The generated project's directory.
        """
        key = tuple(sorted(context.items()))
        if key not in self._rendered:
            output = self._base / f"render-{len(self._rendered)}"
            output.mkdir(parents=True)
            project = cookiecutter(
                str(REPO_ROOT),
                no_input=True,
                extra_context=dict(context),
                output_dir=str(output),
                config_file=str(self._config_file),
            )
            self._rendered[key] = Path(project)
        return self._rendered[key]

    def working_copy(self, context: dict[str, str]) -> Path:
        """A copy of a render that tests may change, one per set of answers.

        Installing and running the project writes ``.venv``, ``uv.lock`` and
        caches into it; the pristine render stays as generated.

        Parameters
        ----------
        context
            Answers, as cookiecutter's ``extra_context``.

        Returns
        -------
        Path
            The copy's directory, named like the project.
        """
        key = tuple(sorted(context.items()))
        if key not in self._working:
            source = self.render(context)
            target = self._base / f"work-{len(self._working)}" / source.name
            shutil.copytree(source, target, symlinks=True)
            self._working[key] = target
        return self._working[key]
