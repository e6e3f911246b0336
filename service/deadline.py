"""The request deadline (ORGGRAPH_REQUEST_TIMEOUT, default 10 s; 0 for none).

It applies to GraphQL requests (the health checks have their own budget: a
readiness check may apply the constraints). When a request arrives its deadline is set for the database layer
(graph/deadline.py): every query it runs carries a Neo4j transaction timeout of
at most the time left, so at the deadline Neo4j stops the request's work and
the fields waiting on it fail with `extensions.code` SERVICE_UNAVAILABLE,
`reason` TIMEOUT. Should the request still be running shortly after the
deadline (Python work between queries), it is cancelled here (3 s later) and answered 503
with the same error.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph.deadline import DeadlinePassed, deadline
from schema.errors import request_id
from service.protocol import wants_event_stream

log = logging.getLogger("orggraph.requests")

# How long after the deadline a request that Neo4j has not stopped is cancelled:
# Neo4j checks transaction timeouts every 2 s (db.transaction.monitor.check.interval).
GRACE_SECONDS = 3.0


class RequestDeadline:
    """Gives every GraphQL request `seconds` to be answered (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, seconds: float, path: str = "/graphql") -> None:
        self.app = app
        self.seconds = seconds
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or self.seconds <= 0
            or scope["path"].rstrip("/") != self.path
            or wants_event_stream(Headers(scope=scope).get("accept"))  # a subscription's stream lasts
        ):
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        token = deadline.set(asyncio.get_running_loop().time() + self.seconds)
        try:
            async with asyncio.timeout(self.seconds + GRACE_SECONDS) as limit:
                await self.app(scope, receive, watched)
        except TimeoutError:
            if not limit.expired():
                raise
            log.warning(
                "request %s cancelled %.1f s after its deadline",
                request_id.get() or "-",
                GRACE_SECONDS,
            )
            if not started:
                error = DeadlinePassed()
                body = {
                    "errors": [
                        {"message": str(error), "extensions": {"code": error.code, **error.extensions()}}
                    ]
                }
                await JSONResponse(body, status_code=503)(scope, receive, send)
        finally:
            deadline.reset(token)
