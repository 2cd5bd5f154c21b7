"""Refuse project and package names that cannot work before rendering."""

import keyword
import re
import sys

NAME = "{{ cookiecutter.name }}"
MODULE = "{{ cookiecutter.module_name }}"

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
MODULE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")

# Top-level modules that the generated project imports or installs; a package
# with one of these names would shadow it.
TAKEN = {
    "anyio", "arq", "asgi_lifespan", "click", "fastapi", "hiredis", "httpx",
    "mypy", "pydantic", "pydantic_settings", "pytest", "redis", "ruff",
    "safir", "starlette", "structlog", "tests", "uvicorn", "uvloop",
}  # fmt: skip


def problem() -> str | None:
    """Return why the answers cannot work, or `None` when they can."""
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
    if MODULE in sys.stdlib_module_names or MODULE in TAKEN:
        return (
            f"module name {MODULE!r} would shadow the {MODULE!r} module that"
            " the project depends on: choose another name"
        )
    return None


if __name__ == "__main__":
    if reason := problem():
        print(f"ERROR: {reason}.", file=sys.stderr)
        sys.exit(1)
