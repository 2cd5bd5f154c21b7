"""Refuse answers that cannot give a working project, before rendering."""

import keyword
import re
import sys

NAME = {{ cookiecutter.name | tojson }}
MODULE = {{ cookiecutter.module_name | tojson }}
SUMMARY = {{ cookiecutter.summary | tojson }}
PYTHON = "{{ cookiecutter.python_version }}"

MAX_LENGTH = 30
"""Longest name or module: generated lines must stay within 79 columns."""

PYTHONS = ("3.12", "3.13")

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
MODULE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")

# Top-level modules that the generated project imports or installs; a package
# with one of these names would shadow it.
TAKEN = {
    "anyio", "arq", "asgi_lifespan", "click", "fastapi", "hiredis", "httpx",
    "mypy", "pydantic", "pydantic_settings", "pytest", "redis", "ruff",
    "safir", "starlette", "structlog", "test", "tests", "uvicorn", "uvloop",
}  # fmt: skip


def problem() -> str | None:
    """Return why the answers cannot work, or `None` when they can."""
    for label, value in (("project name", NAME), ("module name", MODULE)):
        if len(value) > MAX_LENGTH:
            return (
                f"{label} {value!r} has {len(value)} characters: at most"
                f" {MAX_LENGTH} are allowed"
            )
    if not NAME_PATTERN.match(NAME):
        return (
            f"project name {NAME!r} is not allowed: use lower-case letters,"
            " digits and single hyphens, starting with a letter"
            " (for example 'image-service')"
        )
    if not MODULE_PATTERN.match(MODULE):
        return (
            f"module name {MODULE!r} is not allowed: use lower-case letters,"
            " digits and underscores, starting with a letter"
        )
    if keyword.iskeyword(MODULE):
        return f"module name {MODULE!r} is a Python keyword: choose another"
    if MODULE in sys.stdlib_module_names:
        return (
            f"module name {MODULE!r} would shadow the standard library's"
            f" {MODULE!r} module: choose another name"
        )
    if MODULE in TAKEN:
        return (
            f"module name {MODULE!r} would shadow the {MODULE!r} package that"
            " the project uses: choose another name"
        )
    if not SUMMARY.isprintable() or '"' in SUMMARY or "\\" in SUMMARY:
        return (
            "summary must be one line of printable text without double"
            " quotes or backslashes"
        )
    if PYTHON not in PYTHONS:
        return f"python_version must be one of {', '.join(PYTHONS)}"
    return None


if __name__ == "__main__":
    if reason := problem():
        print(f"ERROR: {reason}.", file=sys.stderr)
        sys.exit(1)
