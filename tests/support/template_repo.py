"""A throw-away git copy of the template, for updates with cruft."""

from __future__ import annotations

import shutil
from pathlib import Path

from .commands import CommandResult, clean_env, run
from .template import REPO_ROOT

__all__ = ["TEMPLATE_PARTS", "Git", "copy_template"]

TEMPLATE_PARTS = ("cookiecutter.json", "hooks", "{{cookiecutter.name}}")
"""What makes up the template, relative to the repository root."""

_IGNORED = shutil.ignore_patterns(
    "__pycache__", "*.py[cod]", ".venv", ".*_cache", "uv.lock"
)
"""What a working tree may hold that is not part of the template."""


class Git:
    """Runs git with an identity and configuration of its own.

    Neither the user's nor the system's git configuration is read, so
    commits work on a machine without ``user.name`` and hooks or signing
    set up elsewhere do not interfere.

    Parameters
    ----------
    home
        Directory for the configuration file.
    cookiecutter_config
        Cookiecutter config file that cruft and cookiecutter read (cruft
        has no option for it in every command, only the variable).
    """

    def __init__(self, home: Path, cookiecutter_config: Path) -> None:
        config = home / "gitconfig"
        config.write_text(
            "[user]\n"
            "\tname = Template Tests\n"
            "\temail = template-tests@example.invalid\n"
            "[init]\n"
            "\tdefaultBranch = main\n"
            "[commit]\n"
            "\tgpgsign = false\n",
            encoding="utf-8",
        )
        self.env = clean_env(
            {
                "GIT_CONFIG_GLOBAL": str(config),
                "GIT_CONFIG_NOSYSTEM": "1",
                "COOKIECUTTER_CONFIG": str(cookiecutter_config),
            }
        )

    def __call__(self, repo: Path, *args: str) -> CommandResult:
        """Run a git command in a repository; it must succeed."""
        result = run(["git", *args], cwd=repo, env=self.env, timeout=120)
        result.assert_ok()
        return result

    def commit_all(self, repo: Path, message: str) -> str:
        """Commit every change of a working tree; return the commit id."""
        self(repo, "add", "--all")
        self(repo, "commit", "--quiet", "--message", message)
        return self.head(repo)

    def head(self, repo: Path) -> str:
        """The commit id of ``HEAD``."""
        return self(repo, "rev-parse", "HEAD").output.strip()

    def init(self, repo: Path, message: str) -> str:
        """Make a directory a repository with one commit of its files."""
        self(repo, "init", "--quiet")
        return self.commit_all(repo, message)

    def changed(self, repo: Path) -> set[str]:
        """Paths that differ from ``HEAD``, untracked ones included."""
        result = self(repo, "status", "--porcelain", "--untracked-files=all")
        return {line[3:] for line in result.output.splitlines()}


def copy_template(target: Path) -> Path:
    """Copy the template as it is in this working tree to a new directory.

    Parameters
    ----------
    target
        Directory to create.

    Returns
    -------
    Path
        The copy, holding ``cookiecutter.json`` at its root.
    """
    target.mkdir(parents=True)
    for part in TEMPLATE_PARTS:
        source = REPO_ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part, ignore=_IGNORED)
        else:
            shutil.copy2(source, target / part)
    return target
