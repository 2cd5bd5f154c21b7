"""The API process does not load the worker's code."""

import subprocess
import sys

from {{ cookiecutter.module_name }} import main


def test_api_does_not_import_worker_functions() -> None:
    package = main.__package__
    code = (
        f"import sys, {package}.main\n"
        f"print(sorted(m for m in sys.modules if m.startswith('{package}.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    loaded = result.stdout.strip()
    assert f"'{package}.main'" in loaded
    assert f"'{package}.worker" not in loaded
