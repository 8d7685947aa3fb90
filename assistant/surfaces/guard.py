"""The server's gate: what every request must get past before any route sees it.

An ASGI middleware around the whole server (the API, /v1 and the page):

- a body larger than ``max_body_bytes`` is refused with 413 before it is parsed
  (by its Content-Length, or by counting when it arrives in chunks);
- Gradio's upload route is closed: the page has no file input, and an upload
  would be written outside ``TIAOLI_HOME``;
- a POST to ``/api/`` or ``/v1/`` must say it is JSON (415 otherwise), so a
  valid body sent as text/plain gets a message that names the fix;
- a 404 or 405 from a route nobody has (which Gradio, mounted at ``/``, answers
  as ``{"detail": "Not Found"}``) is rewritten in the documented error shape:
  ``{"error", "hint"}``, or OpenAI's under ``/v1``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Routes of Gradio's that the page does not use and that write files.
CLOSED = ("/gradio_api/upload", "/upload")
#: Where a POST body must be JSON.
JSON_PREFIXES = ("/api/", "/v1/")


def error_body(path: str, status: int, message: str, hint: str | None) -> bytes:
    """The documented error shape: OpenAI's under /v1, ``{"error", "hint"}`` elsewhere."""
    if path.startswith("/v1/") or path == "/v1":
        code = {404: "not_found", 405: "method_not_allowed", 413: "request_too_large",
                415: "unsupported_media_type"}.get(status)
        if hint:
            message = f"{message} ({hint})"
        data: dict[str, Any] = {"error": {"message": message, "type": "invalid_request_error",
                                          "param": None, "code": code}}
    else:
        data = {"error": message, "hint": hint}
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


async def _respond(send: Send, path: str, status: int, message: str,
                   hint: str | None = None, headers: list[tuple[bytes, bytes]] | None = None
                   ) -> None:
    body = error_body(path, status, message, hint)
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class RequestGuard:
    """The middleware; ``max_body_bytes`` is the largest body read."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Let a request through to the app, or answer it here with an error."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if path.endswith(CLOSED):
            await _respond(send, path, 404, f"there is no route {path}",
                           "the page takes no uploads; the API is described at /docs")
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        method = scope.get("method", "GET")
        if method in ("POST", "PUT", "PATCH") and path.startswith(JSON_PREFIXES):
            kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            if kind != b"application/json" and not kind.endswith(b"+json"):
                shown = kind.decode("latin-1") or "none"
                await _respond(send, path, 415, f"the request body must be JSON (Content-Type "
                               f"was {shown})", "send it with Content-Type: application/json")
                return
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            await self._too_large(send, path)
            return
        if method in ("POST", "PUT", "PATCH"):
            body = await self._read(receive)
            if body is None:
                await self._too_large(send, path)
                return
            receive = _replay(body, receive)
        await self.app(scope, receive, _Rewriter(send, path))

    async def _read(self, receive: Receive) -> bytes | None:
        """The whole body, or None once it passes the limit (the rest is not read)."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b"".join(chunks)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body"):
                return b"".join(chunks)

    async def _too_large(self, send: Send, path: str) -> None:
        await _respond(send, path, 413,
                       f"the request body is larger than {self.max_body_bytes:,} bytes",
                       "send one question at a time (TIAOLI_MAX_BODY_BYTES sets the limit)",
                       [(b"connection", b"close")])


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands on the body already read, then what the client sends."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class _Rewriter:
    """Passes a response on, rewriting a JSON 404/405 of the ``{"detail"}`` kind."""

    def __init__(self, send: Send, path: str) -> None:
        self.send = send
        self.path = path
        self.held: Message | None = None
        self.chunks: list[bytes] = []

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            kind = dict(message.get("headers", [])).get(b"content-type", b"")
            if message["status"] in (404, 405) and kind.startswith(b"application/json"):
                self.held = message
                return
        elif message["type"] == "http.response.body" and self.held is not None:
            self.chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            await self._rewritten()
            return
        await self.send(message)

    async def _rewritten(self) -> None:
        assert self.held is not None
        raw = b"".join(self.chunks)
        status = int(self.held["status"])
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if not (isinstance(data, dict) and set(data) == {"detail"}):
            await self.send(self.held)
            await self.send({"type": "http.response.body", "body": raw})
            return
        message = (f"there is no route {self.path}" if status == 404
                   else f"{self.path} does not take this method")
        body = error_body(self.path, status, message, "the API's routes are described at /docs")
        headers = [(k, v) for k, v in self.held.get("headers", [])
                   if k.lower() != b"content-length"]
        await self.send({**self.held, "headers": [*headers,
                                                  (b"content-length", str(len(body)).encode())]})
        await self.send({"type": "http.response.body", "body": body})
