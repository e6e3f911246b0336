"""Connection limits: uvicorn's HTTP protocol (httptools) with the bounds it lacks.

uvicorn holds a connection that sends nothing, or half a request head, for
ever (its keep-alive timeout only starts after a first answer), and it accepts
connections until the process runs out of file descriptors: with a limit of
1,024 about 1,100 silent connections locked every new client out, and nothing
was logged. `GuardedHttpTools` (passed to uvicorn as its `http` class by
`orggraph serve`) adds, per worker:

- a **head timeout** (ORGGRAPH_HEADER_TIMEOUT, 10 s): a connection whose
  request head (request line and headers) is not complete this long after the
  connection opened, or after the head's first byte on a kept-alive
  connection, is closed (with 408 if it had started one); a head larger than
  HEAD_BYTES is answered 431 and closed;
- a **connection limit** (ORGGRAPH_MAX_CONNECTIONS, 1,000): at the limit a new
  connection makes room by closing the connection that has waited longest
  without a request in progress (a silent one, half a head, or an idle
  keep-alive one); when every connection has a request in progress the new
  one is answered 503 OVERLOADED with `Retry-After` and closed;
- **requests per connection** (ORGGRAPH_MAX_REQUESTS_PER_CONNECTION, 100; 0:
  no limit): after that many the answer carries `Connection: close`, so a
  keep-alive client opens a new connection, which the kernel hands to whichever
  worker accepts first, usually an idle one. Without it the worker that
  accepted a burst of connections keeps all their requests (with 2 workers,
  16 keep-alive clients: 160 requests to one, 0 to the other).

Each hit is logged (at most a line per 10 s per limit) and counted in
`orggraph_limit_hits_total{limit="header_timeout"|"head_size"|"connections"}`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import resource
from typing import Any

import orjson
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from graph.driver import POOL_SIZE
from service.admission import RETRY_AFTER_SECONDS
from service.limit_log import LimitLog
from service.settings import Settings

log = logging.getLogger("orggraph.limits")

HEAD_BYTES = 65_536
# Descriptors a worker needs besides its clients: the Neo4j pool, the listening
# socket, the event loop, logs, the metrics files, imports.
OTHER_DESCRIPTORS = POOL_SIZE + 128

HEAD_TIMEOUTS = LimitLog("header_timeout")
HEAD_SIZES = LimitLog("head_size")
CONNECTIONS = LimitLog("connections")


@functools.cache
def _settings() -> Settings:
    """The worker's settings (`orggraph serve` passes its flags on as variables)."""
    return Settings()


def raw_answer(status: bytes, body: dict[str, Any], *headers: bytes) -> bytes:
    """A whole HTTP/1.1 answer that closes the connection, for refusals made
    before a request reached the app."""
    content = orjson.dumps(body)
    head = [b"HTTP/1.1 " + status, b"content-type: application/json", b"connection: close", *headers]
    head.append(b"content-length: " + str(len(content)).encode())
    return b"\r\n".join(head) + b"\r\n\r\n" + content


def _error(message: str, code: str, **extensions: Any) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}


class GuardedHttpTools(HttpToolsProtocol):
    """One client connection (see the module docstring)."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        settings = _settings()
        self.header_timeout = settings.header_timeout
        self.max_connections = settings.max_connections
        self.max_requests = settings.max_requests_per_connection
        self.head_timer: asyncio.TimerHandle | None = None
        self.head_started = False  # a byte of the current head has arrived
        self.head_bytes = 0
        self.requests = 0
        # Since when the connection has had no request in progress; None while it has.
        self.waiting_since: float | None = None

    # --- the connection -----------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.waiting_since = self.loop.time()
        self._await_head()
        if self.max_connections > 0 and len(self.connections) > self.max_connections:
            self._make_room()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def _make_room(self) -> None:
        waiting = [
            c
            for c in self.connections
            if isinstance(c, GuardedHttpTools) and c is not self and c.waiting_since is not None
        ]
        if waiting:
            oldest = min(waiting, key=lambda c: c.waiting_since or 0.0)
            CONNECTIONS.hit(
                "%d connections open; closed one idle for %.1fs to admit a new one",
                len(self.connections) - 1,
                self.loop.time() - (oldest.waiting_since or 0.0),
            )
            oldest.transport.close()
            return
        CONNECTIONS.hit("%d connections open, all busy; a new one refused (503)", len(self.connections) - 1)
        body = _error(
            "the service has too many connections; try again in a moment",
            "OVERLOADED",
            retryAfter=RETRY_AFTER_SECONDS,
        )
        self.transport.write(
            raw_answer(b"503 Service Unavailable", body, b"retry-after: %d" % RETRY_AFTER_SECONDS)
        )
        self.transport.close()

    # --- the request head ---------------------------------------------------------------

    def _await_head(self) -> None:
        self.head_started = False
        self.head_bytes = 0
        if self.head_timer is None and self.header_timeout > 0:
            self.head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _stop_head_timer(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _head_timed_out(self) -> None:
        self.head_timer = None
        if self.transport.is_closing():
            return
        HEAD_TIMEOUTS.hit(
            "a connection from %s sent %s within %gs; closed",
            f"{self.client[0]}:{self.client[1]}" if self.client else "?",
            "half a request head" if self.head_started else "nothing",
            self.header_timeout,
        )
        if self.head_started:
            body = _error("the request head did not arrive in time", "REQUEST_TIMEOUT")
            self.transport.write(raw_answer(b"408 Request Timeout", body))
        self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self.head_timer is None and self.waiting_since is not None:
            # Bytes between requests (uvicorn stops its keep-alive clock at any
            # byte, even a bare CRLF that starts no head): the head's clock starts.
            self._await_head()
        super().data_received(data)
        if self.head_started and not self.transport.is_closing():
            self.head_bytes += len(data)
            if self.head_bytes > HEAD_BYTES:
                HEAD_SIZES.hit("a request head over %d bytes; answered 431", HEAD_BYTES)
                body = _error(f"the request head is larger than {HEAD_BYTES} bytes", "BAD_REQUEST")
                self.transport.write(raw_answer(b"431 Request Header Fields Too Large", body))
                self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._await_head()  # a kept-alive connection's next head: the clock starts now
        self.head_started = True

    def on_headers_complete(self) -> None:
        self._stop_head_timer()
        self.head_started = False
        self.waiting_since = None
        super().on_headers_complete()
        self.requests += 1
        if self.max_requests > 0 and self.requests >= self.max_requests and self.cycle is not None:
            self.cycle.keep_alive = False  # the answer says Connection: close

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and not self.pipeline:
            self.waiting_since = self.loop.time()


def fit_descriptors(max_connections: int) -> int:
    """Raise this process's soft file-descriptor limit (its workers inherit it)
    so that `max_connections` clients fit beside OTHER_DESCRIPTORS, as far as
    the hard limit allows; the connection limit that fits."""
    if max_connections <= 0:
        return max_connections
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = max_connections + OTHER_DESCRIPTORS
    if soft != resource.RLIM_INFINITY and soft < needed:
        raised = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
        soft = raised
    if soft != resource.RLIM_INFINITY and soft < needed:
        fitting = max(1, soft - OTHER_DESCRIPTORS)
        log.warning(
            "ORGGRAPH_MAX_CONNECTIONS=%d does not fit a file-descriptor limit of %d; using %d",
            max_connections,
            soft,
            fitting,
        )
        return fitting
    return max_connections
