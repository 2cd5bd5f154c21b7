"""HTTP load generator for S3, run as its own process.

``python -m harness.loadgen '{"url": U, "body": B, "requests": N,
"concurrency": C, "max_seconds": T}'`` sends up to N identical JSON
``POST`` requests over C keep-alive connections to 127.0.0.1 within T
seconds, and prints a JSON summary: requests, statuses, requests/s,
latency percentiles and its own CPU time. It imports nothing but the
standard library and uvloop, whose start-up is in its CPU time.

It speaks just enough HTTP/1.1 (a fixed request, responses with a
``Content-Length``) on uvloop that a request costs it tens of microseconds
of CPU: on a 2-core machine a heavier client (httpx) would take CPU from
the server it measures.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from collections import Counter
from urllib.parse import urlsplit

import uvloop


def _request(url: str, body: bytes) -> tuple[str, int, bytes]:
    parts = urlsplit(url)
    if parts.hostname not in {"127.0.0.1", "localhost"}:
        raise SystemExit("the load generator only sends to 127.0.0.1")
    head = (
        f"POST {parts.path or '/'} HTTP/1.1\r\n"
        f"Host: {parts.netloc}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "\r\n"
    )
    return parts.hostname, parts.port or 80, head.encode() + body


class _Load:
    def __init__(self, requests: int, deadline: float) -> None:
        self.left = requests
        self.deadline = deadline
        self.latencies: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.errors: list[str] = []

    def take(self) -> bool:
        if self.left <= 0 or time.monotonic() > self.deadline:
            return False
        self.left -= 1
        return True


async def _connection(
    host: str, port: int, request: bytes, load: _Load
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while load.take():
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            load.latencies.append(time.perf_counter() - started)
            load.statuses[int(head[9:12])] += 1
    except (OSError, asyncio.IncompleteReadError) as exc:
        load.errors.append(repr(exc))
    finally:
        writer.close()


def percentile(values: list[float], fraction: float) -> float:
    """The value at ``fraction`` (0 to 1) of the sorted values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def _run(
    url: str, body: str, requests: int, concurrency: int, max_seconds: float
) -> dict[str, object]:
    host, port, request = _request(url, body.encode())
    load = _Load(requests, time.monotonic() + max_seconds)
    started = time.perf_counter()
    await asyncio.gather(
        *(_connection(host, port, request, load) for _ in range(concurrency))
    )
    elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    done = len(load.latencies)
    return {
        "requests": done,
        "statuses": {str(k): v for k, v in load.statuses.items()},
        "errors": load.errors[:5],
        "error_count": len(load.errors),
        "elapsed_s": elapsed,
        "rps": done / elapsed if elapsed else 0.0,
        "p50_ms": percentile(load.latencies, 0.50) * 1000 if done else None,
        "p99_ms": percentile(load.latencies, 0.99) * 1000 if done else None,
        "cpu_s": usage.ru_utime + usage.ru_stime,
    }


if __name__ == "__main__":
    json.dump(uvloop.run(_run(**json.loads(sys.argv[1]))), sys.stdout)
