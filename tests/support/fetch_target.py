"""An HTTP server that ``fetch_status`` jobs call, counting what they do.

A job's effect is the response it gets; a start that a crash or a
cancellation cuts short gets none. The server counts both for each key, so
a test can tell a job that ran twice from one that took effect twice.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .processes import wait_for

__all__ = ["FetchTarget"]


class FetchTarget:
    """A threaded HTTP server on 127.0.0.1, for ``fetch_status`` jobs.

    ``GET /<key>`` answers 200 at once. With ``?first=hang`` the first
    request for the key is never answered (it is held until the server
    closes, so only the caller's crash, timeout or cancellation ends it);
    with ``?first=<seconds>`` the first is answered after that delay; with
    ``?fail=<n>`` the first n get 503 (a transient failure). Later requests
    for the key are answered at once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.closing = threading.Event()
        """Set when the server closes: held requests end unanswered."""
        self._arrivals: dict[str, list[float]] = defaultdict(list)
        self._answered: dict[str, int] = defaultdict(int)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fetch-target"
        )
        self._thread.start()

    @property
    def port(self) -> int:
        """Port the server listens on."""
        port: int = self._server.server_address[1]
        return port

    def url(self, key: str, first: str | None = None, fail: int = 0) -> str:
        """URL of a key, with how to treat its first requests."""
        query = f"?first={first}" if first else f"?fail={fail}" if fail else ""
        return f"http://127.0.0.1:{self.port}/{key}{query}"

    def requests(self, key: str) -> int:
        """Requests for the key that arrived: the job's starts."""
        with self._lock:
            return len(self._arrivals[key])

    def answered(self, key: str) -> int:
        """Requests for the key that got their answer: the job's effects."""
        with self._lock:
            return self._answered[key]

    def wait_for_request(
        self, key: str, count: int = 1, timeout: float = 30.0
    ) -> float:
        """Wait for the count-th request of a key; return when it came.

        Returns
        -------
        float
            `time.monotonic` at its arrival.
        """

        def arrived() -> float | None:
            with self._lock:
                times = self._arrivals[key]
                return times[count - 1] if len(times) >= count else None

        return wait_for(
            arrived,
            what=f"request {count} for /{key}",
            timeout=timeout,
            interval=0.02,
        )

    def close(self) -> None:
        """Release held requests unanswered and stop the server."""
        self.closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def arrive(self, key: str) -> int:
        """Count a request for a key; return how many have come for it."""
        with self._lock:
            self._arrivals[key].append(time.monotonic())
            return len(self._arrivals[key])

    def answer(self, key: str) -> None:
        """Count a request for a key that got its answer."""
        with self._lock:
            self._answered[key] += 1

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        target = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                key = url.path.strip("/")
                query = parse_qs(url.query)
                first = query.get("first", [""])[0]
                count = target.arrive(key)
                is_first = count == 1
                failures = int(query.get("fail", ["0"])[0])
                status = 503 if count <= failures else HTTPStatus.OK
                if is_first and first == "hang":
                    target.closing.wait()
                    return
                if is_first and first:
                    target.closing.wait(float(first))
                if target.closing.is_set():
                    return
                body = f"fetched {key}\n".encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    self.wfile.flush()
                except OSError:
                    return
                if status == HTTPStatus.OK:
                    target.answer(key)

            def log_message(self, *_args: object) -> None:
                return

        return Handler
