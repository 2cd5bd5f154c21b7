"""The API and the worker each load only what they use."""

import subprocess
import sys

from {{cookiecutter.module_name}} import main


def loaded_by(module: str) -> list[str]:
    """Return the top-level packages and this project's modules loaded."""
    code = f"import sys, {module}\nprint('\\n'.join(sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout.split()


def test_api_does_not_import_worker_functions() -> None:
    package = main.__package__
    loaded = loaded_by(f"{package}.main")
    assert f"{package}.main" in loaded
    assert not [m for m in loaded if m.startswith(f"{package}.worker")]


def test_worker_does_not_import_fastapi() -> None:
    loaded = loaded_by(f"{main.__package__}.worker.main")
    assert "arq.worker" in loaded
    assert not [
        m for m in loaded if m.split(".")[0] in {"fastapi", "starlette"}
    ]
