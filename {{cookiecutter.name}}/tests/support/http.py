"""A scripted HTTP server on 127.0.0.1 for tasks to fetch."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["ScriptedServer", "run_http_server"]


@dataclass
class ScriptedServer:
    """What the server answers, and how often it was asked."""

    statuses: list[int] = field(default_factory=list)
    """Statuses of the first requests, in order; later ones get 200."""

    delay: float = 0.0
    """Seconds to wait before each answer."""

    hits: int = 0
    """Requests received so far."""

    url: str = ""
    """Base URL, set once the server listens."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    """Guards ``hits`` and ``statuses`` across the server's threads."""

    def next_status(self) -> int:
        """Count a request and return the status to answer it with."""
        with self.lock:
            self.hits += 1
            return self.statuses.pop(0) if self.statuses else 200


@contextmanager
def run_http_server(
    statuses: list[int] | None = None, delay: float = 0.0
) -> Iterator[ScriptedServer]:
    """Serve scripted answers on a free port of 127.0.0.1.

    Parameters
    ----------
    statuses
        Statuses of the first requests; later ones get 200.
    delay
        Seconds to wait before each answer.

    Yields
    ------
    ScriptedServer
        The script, with the server's URL and a count of requests.
    """
    script = ScriptedServer(statuses=list(statuses or []), delay=delay)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(script.delay)
            status = script.next_status()
            body = b"ok"
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002, ARG002
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    script.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield script
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
