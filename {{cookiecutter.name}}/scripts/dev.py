"""Run the API with reload and the worker with --watch, against Redis.

Usage: ``uv run python scripts/dev.py [--port 8000]``. Uses the Redis in the
``ARQ_QUEUE_URL`` setting if it is set; otherwise starts a private
``redis-server`` on a free port for as long as this runs. Both read the
signing key from the project's ``.env``. Ctrl-C stops everything it started.
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PACKAGE = "{{ cookiecutter.module_name }}"
"""The application's package."""

PREFIX = "{{ cookiecutter.__env_prefix }}"
"""Prefix of the application's environment variables."""

ROOT = Path(__file__).resolve().parent.parent
"""The project's directory."""

STOP_TIMEOUT = 10.0
"""Seconds a process gets to exit after SIGTERM before it is killed."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_redis(data_dir: str) -> tuple[subprocess.Popen[bytes], str]:
    """Start a private ``redis-server`` and wait until it accepts clients."""
    executable = shutil.which("redis-server")
    if executable is None:
        sys.exit(
            f"No Redis: set {PREFIX}ARQ_QUEUE_URL, or install redis-server"
            " (Debian/Ubuntu: apt-get install redis-server; macOS: brew"
            " install redis)."
        )
    port = free_port()
    process = subprocess.Popen(
        [executable, "--port", str(port), "--bind", "127.0.0.1",
         "--dir", data_dir, "--appendonly", "yes"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    stop(process)
    sys.exit("redis-server did not start within 10 seconds")


def stop(*processes: subprocess.Popen[bytes]) -> None:
    """Stop children by their pids: SIGTERM to all, SIGKILL to laggards.

    The API and the worker stop together, then Redis, so that they do not
    lose Redis while shutting down; each group gets `STOP_TIMEOUT`.
    """
    running = [process for process in processes if process.poll() is None]
    for process in running:
        process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT
    for process in running:
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def commands(port: int) -> dict[str, list[str]]:
    """Return the API's and the worker's command lines, by name."""
    bin_dir = Path(sys.executable).parent
    src = str(ROOT / "src")
    return {
        "api": [
            str(bin_dir / "uvicorn"), f"{PACKAGE}.main:app",
            "--reload", "--reload-dir", src,
            "--host", "127.0.0.1", "--port", str(port),
        ],
        "worker": [
            str(bin_dir / "arq"), f"{PACKAGE}.worker.main.WorkerSettings",
            "--watch", src,
        ],
    }  # fmt: skip


def main() -> int:
    """Run Redis (if needed), the API and the worker until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8000, help="API port")
    args = parser.parse_args()

    env = {
        f"{PREFIX}LOG_PROFILE": "development",
        # Restart a reloaded worker at once rather than after the default
        # wait for its running jobs.
        f"{PREFIX}WORKER_COMPLETION_WAIT": "1s",
        **os.environ,
    }
    children: dict[str, subprocess.Popen[bytes]] = {}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with tempfile.TemporaryDirectory(prefix="redis-") as data_dir:
        try:
            if f"{PREFIX}ARQ_QUEUE_URL" not in env:
                redis, env[f"{PREFIX}ARQ_QUEUE_URL"] = start_redis(data_dir)
                children["redis-server"] = redis
            print(f"Redis: {env[f'{PREFIX}ARQ_QUEUE_URL']}", flush=True)
            prefix = env.get(
                f"{PREFIX}PATH_PREFIX",
                "/{{ cookiecutter.name }}",
            )
            base = f"http://127.0.0.1:{args.port}{prefix}"
            print(f"API: {base}/docs", flush=True)
            print(
                f"Dashboard: {base}/dashboard"
                f" (with {PREFIX}DASHBOARD_ENABLED=true)",
                flush=True,
            )
            for name, command in commands(args.port).items():
                # In the project's directory, where its .env is.
                children[name] = subprocess.Popen(command, env=env, cwd=ROOT)
            exited: list[str] = []
            while not exited:
                time.sleep(0.2)
                exited = [
                    n for n, c in children.items() if c.poll() is not None
                ]
        except KeyboardInterrupt:
            return 0
        finally:
            # A second Ctrl-C (one reaches the whole process group) must
            # not cut the stopping short and leave Redis running.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            stop(*(c for n, c in children.items() if n != "redis-server"))
            stop(*children.values())
    print(f"{exited[0]} exited; stopped the others", file=sys.stderr)
    return children[exited[0]].returncode or 1


if __name__ == "__main__":
    sys.exit(main())
