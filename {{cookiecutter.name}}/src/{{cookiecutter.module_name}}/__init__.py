"""The {{ cookiecutter.name }} service: API and arq worker."""

from importlib.metadata import PackageNotFoundError, version

__all__ = ["DISTRIBUTION_NAME", "__version__"]

DISTRIBUTION_NAME = "{{ cookiecutter.name }}"
"""Name of the installed distribution, for its metadata."""

try:
    __version__ = version(DISTRIBUTION_NAME)
except PackageNotFoundError:  # pragma: no cover - only when not installed
    __version__ = "0.0.0"
"""The installed version of the application."""
