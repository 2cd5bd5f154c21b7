"""The API process does not load the worker's code."""

from {{cookiecutter.module_name}} import main

from .support.imports import loaded_by


def test_api_does_not_import_worker_functions() -> None:
    package = main.__package__
    loaded = loaded_by(f"{package}.main")
    assert f"{package}.main" in loaded
    assert not [m for m in loaded if m.startswith(f"{package}.worker")]
