"""ASGI middleware of the API."""

import json
import re
import sys
import time
import uuid

from starlette.routing import NoMatchFound
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .config import Config
from .exceptions import error_body
from .prometheus import ApiMetrics
from .redis import failure_line

REQUEST_ID_HEADER = b"x-request-id"
REQUEST_ID_PATTERN = re.compile(rb"[A-Za-z0-9._:/+=-]{1,128}")
METHODS = {"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}
UNROUTED = "unrouted"


async def send_error(
    send: Send, status: int, message: str, error_type: str
) -> None:
    """Answer a request from middleware with an error in Safir's model."""
    encoded = json.dumps(error_body(message, error_type)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(encoded)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": encoded})


class RequestIdMiddleware:
    """Give every request an id: the client's ``X-Request-ID``, or a new one.

    The id is answered in the same header and kept in the request's state,
    where the job API stores it with the jobs that the request queues.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(
        self, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Serve one request."""
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(REQUEST_ID_HEADER)
        valid = given is None or REQUEST_ID_PATTERN.fullmatch(given)
        request_id = given if given and valid else uuid.uuid4().hex.encode()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", [])]
                headers.append((REQUEST_ID_HEADER, request_id))
                message = {**message, "headers": headers}
            await send(message)

        if not valid:
            await send_error(
                send_with_id,
                400,
                "X-Request-ID must be 1 to 128 letters, digits or ._:/+=-",
                "invalid_request_id",
            )
            return
        scope.setdefault("state", {})["request_id"] = request_id.decode()
        await self._app(scope, receive, send_with_id)


class BodySizeLimitMiddleware:
    """Refuse request bodies over a size with 413, before any handler runs.

    A declared ``Content-Length`` over the limit is refused at once; a
    streamed body is counted as it arrives and refused when it passes the
    limit, so no handler ever sees (or enqueues) an oversized body.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self._app = app
        self._max_bytes = max_bytes

    async def __call__(
        self, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Serve one request."""
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and int(value) > self._max_bytes:
                await self._refuse(send)
                return
        received = 0
        refused = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self._max_bytes and not refused:
                    # Answer now, and tell the app the client went away,
                    # so that it stops reading and its answer is dropped.
                    refused = True
                    await self._refuse(send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not refused:
                await send(message)

        await self._app(scope, counting_receive, guarded_send)

    async def _refuse(self, send: Send) -> None:
        message = (
            f"Request body is larger than the limit of {self._max_bytes} bytes"
        )
        await send_error(send, 413, message, "body_too_large")


class StartupExitMiddleware:
    """Report a start-up that Redis stopped in one line, not a traceback.

    Starlette sends uvicorn the formatted traceback of whatever stopped the
    lifespan; when Redis was unreachable or refused, one line says it all.
    """

    def __init__(self, app: ASGIApp, *, config: Config) -> None:
        self._app = app
        self._config = config

    async def __call__(
        self, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Pass the lifespan on, shortening a failed start's message."""
        if scope["type"] != "lifespan":
            await self._app(scope, receive, send)
            return

        async def send_message_only(message: Message) -> None:
            # Starlette sends this from the except block that caught it.
            failure = failure_line(sys.exc_info()[1], self._config)
            if message["type"] == "lifespan.startup.failed" and failure:
                message = {**message, "message": failure}
            await send(message)

        await self._app(scope, receive, send_message_only)


class MetricsMiddleware:
    """Count requests and their time by route template, for Prometheus.

    The label is the route that matched (``/prefix/jobs/{job_id}``), never
    the path, so that ids do not become series; a request that no route
    took (404, or refused by a middleware first) is ``unrouted``, and an
    unknown method is ``other``.
    """

    def __init__(self, app: ASGIApp, *, metrics: ApiMetrics) -> None:
        self._app = app
        self._metrics = metrics
        self._templates: dict[int, str] = {}
        """Template of each route seen, by the route's id."""

    async def __call__(
        self, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Serve one request, and count it."""
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless a response starts: the app raised

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._app(scope, receive, send_with_status)
        finally:
            route = self._template(scope)
            method = scope["method"] if scope["method"] in METHODS else "other"
            elapsed = time.perf_counter() - started
            self._metrics.requests.labels(method, route, status).inc()
            self._metrics.request_duration.labels(method, route).observe(
                elapsed
            )

    def _template(self, scope: Scope) -> str:
        # The router puts the route into the scope it was given. FastAPI
        # keeps an included router's prefix out of its routes' paths: the
        # app builds the full path, with each parameter as its placeholder.
        route = scope.get("route")
        if route is None:
            return UNROUTED
        if (template := self._templates.get(id(route))) is None:
            placeholders = {
                name: "{" + name + "}" for name in scope["path_params"]
            }
            try:
                template = scope["app"].url_path_for(
                    route.name, **placeholders
                )
            except NoMatchFound:
                template = route.path
            self._templates[id(route)] = template
        return str(template)
