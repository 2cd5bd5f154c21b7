"""Remove the files of options that were not chosen and print next steps."""

import shutil
from pathlib import Path

MODULE = "{{ cookiecutter.module_name }}"

# Option name -> value chosen -> paths (relative to the project) that exist
# only for that option. Paths of an option whose value was not chosen are
# deleted; this is the only place optional files are listed.
OPTIONAL_PATHS: dict[str, tuple[str, dict[str, list[str]]]] = {
    "metrics": (
        "{{ cookiecutter.metrics }}",
        {
            "yes": [
                f"src/{MODULE}/metrics.py",
                "tests/test_metrics.py",
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


def print_next_steps() -> None:
    """Tell the user how to start working on the new project."""
    print(
        "\nCreated {{ cookiecutter.name }}. Next steps:\n"
        "  cd {{ cookiecutter.name }}\n"
        "  uv sync                      # install with the dev tools\n"
        "  uv run pytest                # tests (needs redis-server)\n"
        "  uv run uvicorn {{ cookiecutter.module_name }}.main:app --reload\n"
        "  uv run arq {{ cookiecutter.module_name }}.worker.main.WorkerSettings\n"
        "See README.md for configuration and Docker.\n"
    )


if __name__ == "__main__":
    remove_unchosen()
    print_next_steps()
