"""Stopping without dropping requests: drain, then a bounded shutdown.

On SIGTERM a worker first *drains* for `ORGGRAPH_DRAIN_SECONDS`: it keeps
serving, `/health/ready` answers 503 `draining` so the load balancer takes the
replica out, and every answer carries `Connection: close`, so clients open
their next request on another connection instead of sending it on one that is
about to close. Then uvicorn's own shutdown runs: it stops accepting, waits up
to `ORGGRAPH_SHUTDOWN_TIMEOUT` for requests still running (change-feed
subscriptions are completed first: docs/changes.md) (each is bounded by
the query timeout anyway), and the driver is closed within CLOSE_WITHIN.
SIGINT (Ctrl-C) stops at once, as before.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("orggraph.shutdown")

CLOSE_WITHIN = 2.0


class Drain:
    """Whether this process is draining (one per process: signals are per process)."""

    def __init__(self) -> None:
        self.draining = False
        # Called when the drain ends, before uvicorn's shutdown: the change feed
        # completes its subscriptions there (their clients resume elsewhere from
        # their cursors), so no stream holds the shutdown up.
        self.on_stop: Callable[[], object] | None = None

    def install(self, seconds: float) -> None:
        """Put the drain in front of the server's own SIGTERM handler (uvicorn's,
        which starts its shutdown). Called at start-up in the main thread."""
        if seconds <= 0 or threading.current_thread() is not threading.main_thread():
            return
        stop = signal.getsignal(signal.SIGTERM)
        if not callable(stop):
            return
        loop = asyncio.get_running_loop()

        def on_term(sig: int, frame: FrameType | None) -> None:
            if self.draining:
                return
            self.draining = True
            log.info("SIGTERM: draining for %gs before shutting down", seconds)
            loop.call_soon_threadsafe(loop.call_later, seconds, self._stop, stop, sig, frame)

        signal.signal(signal.SIGTERM, on_term)

    def _stop(
        self, stop: Callable[[int, FrameType | None], object], sig: int, frame: FrameType | None
    ) -> None:
        if self.on_stop is not None:
            self.on_stop()
        stop(sig, frame)


DRAIN = Drain()


class CloseWhileDraining:
    """Adds `Connection: close` to every answer while the process drains."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def closing(message: Message) -> None:
            if DRAIN.draining and message["type"] == "http.response.start":
                MutableHeaders(scope=message)["connection"] = "close"
            await send(message)

        await self.app(scope, receive, closing)


async def close_within(closing: Any) -> None:
    """Await `closing` (the driver's close), but not longer than CLOSE_WITHIN."""
    try:
        async with asyncio.timeout(CLOSE_WITHIN):
            await closing
    except TimeoutError:
        log.warning("the Neo4j driver did not close within %gs; leaving it", CLOSE_WITHIN)
