"""uvicorn's HTTP/1.1 protocol with a deadline for a request's line and headers.

uvicorn times out an idle keep-alive connection, but not one that is sending its
headers: a client that connects and then sends a byte every few seconds (slowloris)
holds its socket, and a worker's attention, for as long as it likes. Here a client
has ``timeout`` seconds, from connecting or from the end of the previous response,
until its request's headers are complete; then it gets 408 and the connection is
closed. The body is not covered: RequestGuard caps its size, and the routes read it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

_TIMED_OUT = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
              b"connection: close\r\ncontent-length: %d\r\n\r\n%s")


def head_deadline_protocol(timeout: float) -> type[H11Protocol]:
    """An H11Protocol class whose clients have ``timeout`` seconds to send their headers."""

    class HeadDeadlineProtocol(H11Protocol):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.head_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.conn.their_state is not h11.IDLE:  # the headers are in
                self._disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()  # the next request on this connection gets its own deadline

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._disarm()
            self.head_timer = self.loop.call_later(timeout, self._expire)

        def _disarm(self) -> None:
            if self.head_timer is not None:
                self.head_timer.cancel()
                self.head_timer = None

        def _expire(self) -> None:
            self.head_timer = None
            if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
                return
            body = (b'{"error": "the request headers did not arrive within %g s", "hint": '
                    b'"send the request line and headers at once"}' % timeout)
            self.transport.write(_TIMED_OUT % (len(body), body))
            self.transport.close()

    return HeadDeadlineProtocol
