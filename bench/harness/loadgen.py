"""HTTP load generator for S3, run as its own process.

``python -m harness.loadgen URL BODY --requests N --concurrency C
--max-seconds T`` sends ``N`` identical ``POST`` requests with a JSON body
over ``C`` keep-alive connections to a server on 127.0.0.1 and prints one
JSON object: requests done, statuses, elapsed seconds, requests per second,
latency percentiles and its own CPU time. It stops after ``N`` requests or
``T`` seconds, whichever comes first.

It speaks just enough HTTP/1.1 for this (a fixed request, responses with a
``Content-Length``) over asyncio streams on uvloop, so that a request costs
the load generator a few tens of microseconds of CPU: on a 2-core machine
a heavier client (httpx) would take CPU from the server it measures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
from collections import Counter
from urllib.parse import urlsplit

import uvloop

__all__ = ["main"]


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


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))
    return ordered[index]


async def _run(args: argparse.Namespace) -> dict[str, object]:
    host, port, request = _request(args.url, args.body.encode())
    load = _Load(args.requests, time.monotonic() + args.max_seconds)
    started = time.perf_counter()
    await asyncio.gather(
        *(
            _connection(host, port, request, load)
            for _ in range(args.concurrency)
        )
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
        "p50_ms": _percentile(load.latencies, 0.50) * 1000 if done else None,
        "p99_ms": _percentile(load.latencies, 0.99) * 1000 if done else None,
        "cpu_s": usage.ru_utime + usage.ru_stime,
    }


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments, run the load, print the JSON summary."""
    parser = argparse.ArgumentParser(prog="python -m harness.loadgen")
    parser.add_argument("url")
    parser.add_argument("body")
    parser.add_argument("--requests", type=int, required=True)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--max-seconds", type=float, default=60.0)
    args = parser.parse_args(argv)
    summary = uvloop.run(_run(args))
    json.dump(summary, sys.stdout)


if __name__ == "__main__":
    main()
