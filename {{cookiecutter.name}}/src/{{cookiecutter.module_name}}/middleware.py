"""ASGI middleware of the API."""

import json
import sys

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .config import Config
from .exceptions import error_body
from .redis import failure_line


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
        body = error_body(
            "Request body is larger than the limit of"
            f" {self._max_bytes} bytes",
            "body_too_large",
        )
        encoded = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(encoded)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": encoded})


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
