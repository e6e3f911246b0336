"""Admission control: at most ORGGRAPH_MAX_IN_FLIGHT GraphQL requests per worker.

A worker answers GraphQL on one event loop, so requests admitted together
share its CPU: with n in flight each takes about n times as long. Without a
bound a burst of 64 clients on the county waited 6.5 s at the
99th percentile, and every new request joined the queue. So the requests to
`/graphql` beyond the limit are answered at once, before anything is parsed,
with HTTP 503, `Retry-After` and a GraphQL-style error body whose
`extensions.code` is OVERLOADED: the client backs off (or the reverse proxy
tries another replica) instead of piling up. Nothing waits in a queue here.

The health checks, `/metrics` and the static pages are never refused, and
neither are CORS preflights (answered earlier) nor subscriptions' event
streams (SSE), which stay open for as long as their client listens and are
capped by the subscription limits instead (service/subscriptions.py). Every refusal is counted in
`orggraph_limit_hits_total{limit="in_flight"}` and logged (service/limit_log.py).
The default, 16, follows from the county benchmark (bench/results/latest.md,
2 workers): 8 clients already keep both workers busy (coverage report 19.7
answers/s, the first page of people 83/s), so more requests in flight add
waiting, not answers. A worker answers ~10 coverage reports or ~40 pages of
people a second, so 16 admitted requests are answered within ~1.6 s and
~0.4 s; and 16 stays well below the worker's 100 Neo4j connections (a request
may hold several; waiting for the pool fails after 5 s).
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from service.limit_log import LimitLog
from service.protocol import wants_event_stream

GRAPHQL_PATH = "/graphql"
# Whole seconds (RFC 9110); a second is about what the admitted requests need.
RETRY_AFTER_SECONDS = 1


class Admission:
    """Refuses GraphQL requests over `max_in_flight` (see the module docstring); 0: no limit."""

    def __init__(self, app: ASGIApp, *, max_in_flight: int) -> None:
        self.app = app
        self.max_in_flight = max_in_flight
        self.in_flight = 0
        self.refusals = LimitLog("in_flight")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or self.max_in_flight <= 0
            or scope["method"] == "OPTIONS"
            or scope["path"].rstrip("/") != GRAPHQL_PATH
            or wants_event_stream(Headers(scope=scope).get("accept"))
        ):
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.max_in_flight:
            self.refusals.hit("%d GraphQL requests in flight, the next refused with 503", self.in_flight)
            await overloaded(self.max_in_flight)(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


def overloaded(limit: int) -> JSONResponse:
    error = {
        "message": "the service is busy; try again in a moment",
        "extensions": {"code": "OVERLOADED", "limit": limit, "retryAfter": RETRY_AFTER_SECONDS},
    }
    return JSONResponse(
        {"errors": [error]}, status_code=503, headers={"retry-after": str(RETRY_AFTER_SECONDS)}
    )
