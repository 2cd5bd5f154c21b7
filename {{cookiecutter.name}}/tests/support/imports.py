"""What a fresh interpreter loads when it imports one of the modules."""

import subprocess
import sys


def loaded_by(module: str) -> list[str]:
    """Return every module loaded by importing ``module``, in a new process."""
    code = f"import sys, {module}\nprint('\\n'.join(sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout.split()
