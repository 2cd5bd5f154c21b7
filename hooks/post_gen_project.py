"""Delete unchosen options' files, record the answers, make the local key."""

import json
import secrets
import shutil
from pathlib import Path

MODULE = "{{ cookiecutter.module_name }}"
ENV_PREFIX = "{{ cookiecutter.__env_prefix }}"
ENV_FILE = Path(".env")
METRICS_SETTINGS = (
    "# Safir's metrics, off for local runs.\n"
    "METRICS_APPLICATION={{ cookiecutter.name }}\nMETRICS_ENABLED=false\n"
    if "{{ cookiecutter.metrics }}" == "yes"
    else ""
)

ANSWERS_FILE = Path(".cookiecutter.json")
"""Where the project records its answers, for updates from the template."""

RECORDED_SETTINGS = ("_template",)
"""Cookiecutter's own ``_`` keys that the answers file keeps; the others
(``_output_dir``, ``_repo_dir``, ``_checkout``, cruft's ``_commit``, ...)
describe one machine or one run and would change at every update."""

# Option name -> value chosen -> paths (relative to the project) that exist
# only for that option. Paths of an option whose value was not chosen are
# deleted; this is the only place optional files are listed.
OPTIONAL_PATHS: dict[str, tuple[str, dict[str, list[str]]]] = {
    "metrics": (
        "{{ cookiecutter.metrics }}",
        {
            "yes": [
                f"src/{MODULE}/metrics.py",
                "docs/metrics.md",
                "tests/test_metrics.py",
                "deploy/kubernetes/components/metrics",
            ],
            # Safir's Kafka metrics load FastAPI into the worker (through
            # safir.sentry), so only a worker without them is free of it.
            "no": ["tests/worker/test_imports.py"],
        },
    ),
    "tracing": (
        "{{ cookiecutter.tracing }}",
        {
            "yes": [
                f"src/{MODULE}/tracing.py",
                f"src/{MODULE}/worker/tracing.py",
                "docs/tracing.md",
                "tests/test_tracing.py",
            ],
        },
    ),
}


def remove_unchosen() -> None:
    """Delete every optional path whose option value was not chosen."""
    for chosen, paths_by_value in OPTIONAL_PATHS.values():
        for value, paths in paths_by_value.items():
            if value == chosen:
                continue
            for relative in paths:
                path = Path(relative)
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink()


def record_answers() -> None:
    """Keep only the answers, derived ``__`` values and the template."""
    context = json.loads(ANSWERS_FILE.read_text(encoding="utf-8"))
    answers = {
        key: value
        for key, value in context.items()
        if not key.startswith("_")
        or key.startswith("__")
        or key in RECORDED_SETTINGS
    }
    text = json.dumps(answers, indent=4, sort_keys=True) + "\n"
    ANSWERS_FILE.write_text(text, encoding="utf-8")


def write_env_file() -> None:
    """Give this project its own signing key for local runs, once."""
    if ENV_FILE.exists():  # a re-render (cruft update) keeps the key
        return
    ENV_FILE.write_text(
        "# Local settings, made at generation; git and docker ignore this\n"
        "# file. Production takes the key from its environment.\n"
        f"{ENV_PREFIX}SIGNING_KEY={secrets.token_urlsafe(32)}\n"
        + METRICS_SETTINGS,
        encoding="utf-8",
    )
    ENV_FILE.chmod(0o600)


def print_next_steps() -> None:
    """Tell the user how to start working on the new project."""
    print(
        "\nCreated {{ cookiecutter.name }}. Next steps:\n"
        "  cd {{ cookiecutter.name }}\n"
        "  uv sync                      # install with the dev tools\n"
        "  uv run pytest                # tests (needs redis-server)\n"
        "  uv run python scripts/dev.py # API, worker and a private Redis\n"
        "The signing key for local runs is in .env. See README.md.\n"
    )


if __name__ == "__main__":
    remove_unchosen()
    record_answers()
    write_env_file()
    print_next_steps()
