"""`GET /metrics`: Prometheus metrics, for a scraper holding ORGGRAPH_METRICS_TOKEN.

Names follow OpenTelemetry's semantic conventions where they have one (HTTP
server, database client; GraphQL has span attributes only, whose names the
labels reuse), in Prometheus form (dots become underscores, units suffixed):

    http_server_request_duration_seconds    histogram  method, route, status code
    http_server_active_requests             gauge      requests in flight
    graphql_server_operations_total         counter    type, name, outcome, error code, path
    graphql_server_operation_duration_seconds histogram type, name, path
    db_client_operation_duration_seconds    histogram  Neo4j transactions: read/write, outcome
    db_client_connection_count              gauge      connections in use (state="used")
    db_client_connection_max                gauge      the pool's size
    orggraph_audit_read_group_size          histogram  READ audit events per grouped commit
    orggraph_limit_hits_total               counter    overload and connection limits hit, by limit

`path` is `compiled` when the compiled read path answered (schema/compiled.py),
else `standard`. Operation names are a bounded label: the first
MAX_OPERATION_NAMES distinct names of *valid* operations a worker sees keep
their name, anything later (and any name of an invalid document not seen
before) is `other`; an unnamed operation is `anonymous`.

With several uvicorn workers `orggraph serve` sets PROMETHEUS_MULTIPROC_DIR
(prometheus-client's multiprocess mode): every worker writes its values to
files there and a scrape, answered by any worker, sums them all.
"""

from __future__ import annotations

import copy
import hmac
import os
import re
import time
from collections.abc import Iterator
from typing import TypeVar

from graphql import GraphQLError
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from graph.driver import POOL_SIZE
from service.requestlog import note_operation

S = TypeVar("S")
MAX_OPERATION_NAMES = 100
ROUTES = frozenset({"/", "/graphql", "/health/live", "/health/ready", "/metrics"})
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,99}")

REGISTRY = CollectorRegistry(auto_describe=True)
_LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

HTTP_DURATION = Histogram(
    "http_server_request_duration_seconds",
    "Duration of HTTP requests.",
    ["http_request_method", "http_route", "http_response_status_code"],
    buckets=_LATENCY,
    registry=REGISTRY,
)
HTTP_ACTIVE = Gauge(
    "http_server_active_requests",
    "HTTP requests in flight.",
    registry=REGISTRY,
    multiprocess_mode="livesum",
)
OPERATIONS = Counter(
    "graphql_server_operations",
    "GraphQL operations by type, name, outcome, error code and the path that answered.",
    ["graphql_operation_type", "graphql_operation_name", "outcome", "error_code", "path"],
    registry=REGISTRY,
)
OPERATION_DURATION = Histogram(
    "graphql_server_operation_duration_seconds",
    "Duration of GraphQL operations (parse, validate, execute).",
    ["graphql_operation_type", "graphql_operation_name", "path"],
    buckets=_LATENCY,
    registry=REGISTRY,
)
DB_DURATION = Histogram(
    "db_client_operation_duration_seconds",
    "Duration of Neo4j transactions, connection included.",
    ["db_system_name", "db_operation_name", "outcome"],
    buckets=_LATENCY,
    registry=REGISTRY,
)
DB_CONNECTIONS = Gauge(
    "db_client_connection_count",
    "Neo4j connections of the pool in use.",
    ["state"],
    registry=REGISTRY,
    multiprocess_mode="livesum",
)
DB_CONNECTION_MAX = Gauge(
    "db_client_connection_max",
    "The Neo4j connection pool's size.",
    registry=REGISTRY,
    multiprocess_mode="livesum",
)
AUDIT_GROUP = Histogram(
    "orggraph_audit_read_group_size",
    "READ audit events written together in one grouped commit.",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
    registry=REGISTRY,
)
LIMIT_HITS = Counter(
    "orggraph_limit_hits",
    "Requests refused or connections closed because a limit was hit (service/limit_log.py).",
    ["limit"],
    registry=REGISTRY,
)
DB_CONNECTION_MAX.set(POOL_SIZE)
SUBSCRIPTIONS = Gauge(
    "orggraph_subscriptions",
    "Open change-feed subscriptions (WebSocket and SSE; service/feed.py).",
    registry=REGISTRY,
    multiprocess_mode="livesum",
)


class Neo4jProbe:
    """graph.probe.Probe reporting to the metrics above."""

    def query(self, kind: str, seconds: float, outcome: str) -> None:
        DB_DURATION.labels("neo4j", kind, outcome).observe(seconds)

    def connections(self, delta: int) -> None:
        DB_CONNECTIONS.labels("used").inc(delta)

    def audit_group(self, size: int) -> None:
        AUDIT_GROUP.observe(size)


class OperationNames:
    """The bounded set of operation names used as a label (module docstring)."""

    def __init__(self, limit: int = MAX_OPERATION_NAMES) -> None:
        self.limit = limit
        self.known: set[str] = set()

    def label(self, name: str | None, *, valid: bool) -> str:
        if name is None:
            return "anonymous"
        if name in self.known:
            return name
        if valid and len(self.known) < self.limit and _NAME.fullmatch(name):
            self.known.add(name)
            return name
        return "other"


NAMES = OperationNames()
_COMPILED = "orggraph_compiled"


class OperationMetrics(SchemaExtension):
    """Counts and times every operation, and tells the request log
    (service/requestlog.py) its type, name and path; first among the schema's
    extensions, so it sees the error codes ErrorCodes gives and the whole
    operation's time."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        raised: GraphQLError | None = None
        try:
            yield
        except GraphQLError as e:  # a syntax error, or a document over a limit
            raised = e
            raise
        finally:
            ec = self.execution_context
            result = ec.result
            codes = error_codes(ec, raised)
            executed = ec.graphql_document is not None and not ec.pre_execution_errors and not codes
            kind = operation_kind(ec)
            name = NAMES.label(ec.operation_name, valid=executed or bool(result and result.data))
            path = answered_by(ec)
            outcome = "error" if codes else "ok"
            note_operation(kind, ec.operation_name if ec.graphql_document is not None else None, path)
            OPERATIONS.labels(kind, name, outcome, codes[0] if codes else "", path).inc()
            OPERATION_DURATION.labels(kind, name, path).observe(time.perf_counter() - started)


def error_codes(ec: ExecutionContext, raised: GraphQLError | None) -> list[str]:
    """The error codes of an operation that has ended: of the error it raised
    before executing (a syntax error, a document over a limit), then of its result's."""
    codes = [str((raised.extensions or {}).get("code", "GRAPHQL_PARSE_FAILED"))] if raised else []
    result = ec.result
    if result is not None and result.errors:
        codes += [str((e.extensions or {}).get("code", "")) for e in result.errors]
    return codes


def operation_kind(ec: ExecutionContext) -> str:
    """query or mutation; `unknown` before (or without) a parsed operation."""
    try:
        return ec.operation_type.value if ec.graphql_document is not None else "unknown"
    except RuntimeError:  # no operation of that name in the document
        return "unknown"


def answered_by(ec: ExecutionContext) -> str:
    """`compiled` when the compiled read path answered (schema/compiled.py), else `standard`."""
    return "compiled" if ec.__dict__.get(_COMPILED) else "standard"


class CompiledMarker(SchemaExtension):
    """Placed after schema.compiled.CompiledReads: notes when it answered."""

    def on_execute(self) -> Iterator[None]:
        ec = self.execution_context
        ec.__dict__[_COMPILED] = ec.result is not None
        yield


class HttpMetrics:
    """Times every HTTP request and counts those in flight."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        HTTP_ACTIVE.inc()
        try:
            await self.app(scope, receive, watched)
        finally:
            HTTP_ACTIVE.dec()
            path = scope["path"].rstrip("/") or "/"
            route = path if path in ROUTES else "other"
            HTTP_DURATION.labels(scope["method"], route, str(status)).observe(time.perf_counter() - started)


def metrics_route(token: str | None) -> Route | None:
    """The `/metrics` route, or None (no endpoint) when no token is configured."""
    if not token:
        return None
    expected = f"Bearer {token}".encode()

    async def metrics(request: Request) -> Response:
        offered = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(offered, expected):
            error = {"message": "metrics need the metrics token", "extensions": {"code": "UNAUTHENTICATED"}}
            return JSONResponse(
                {"errors": [error]},
                status_code=401,
                headers={"www-authenticate": 'Bearer realm="orggraph-metrics"'},
            )
        return Response(scrape(), media_type=CONTENT_TYPE_LATEST)

    return Route("/metrics", metrics)


def scrape() -> bytes:
    """All workers' metrics in multiprocess mode, else this process's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def measured(schema: S) -> S:
    """`schema` (a Strawberry schema) with OperationMetrics first among its
    extensions and CompiledMarker last (after schema.compiled.CompiledReads)."""
    served = copy.copy(schema)
    served.extensions = (OperationMetrics, *served.extensions, CompiledMarker)  # type: ignore[attr-defined]
    return served


def worker_exit() -> None:
    """Drop this worker's live gauges from the multiprocess files when it stops."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
