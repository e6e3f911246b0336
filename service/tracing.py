"""OpenTelemetry traces: off unless OTEL_EXPORTER_OTLP_ENDPOINT (or
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set; then each worker exports its spans
over OTLP/HTTP in batches, as `service.name` "orggraph" (OTEL_SERVICE_NAME and
OTEL_RESOURCE_ATTRIBUTES override it; the SDK's other OTEL_* variables apply).

A traced request to /graphql is one trace, continuing the caller's: its
`traceparent` header (W3C Trace Context, or what OTEL_PROPAGATORS names) is the
parent of the SERVER span `TracedRequests` makes, which `OperationSpans` names
after the operation (`query Lineage`) and gives children for parse, validate and
execute; under execute (or under a mutation's execute) each Cypher statement is
a CLIENT span (graph/tracing.py). The compiled read path runs inside execute, so
its one statement is there too. No span per resolver. A batch's operations are
one INTERNAL span each under the request's.

What a span may carry: the operation's type and name, `graphql.document` only
for a trusted document (service/persisted.py: our own text; a client's text may
hold literal names or phone numbers), the error codes, never variables.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from importlib.metadata import PackageNotFoundError, version
from typing import TypeVar

from graphql import GraphQLError
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from schema.errors import request_id
from service.metrics import answered_by, error_codes, operation_kind
from service.requestlog import GRAPHQL_PATH, SERVER_FAULTS

S = TypeVar("S")
_tracer = trace.get_tracer("orggraph.service")

_installed = False
_exporting: TracerProvider | None = None  # the provider `setup` made: flushed at shutdown


def install(provider: TracerProvider) -> None:
    """Make `provider` the process's (tests install one with an in-memory exporter)."""
    global _installed
    trace.set_tracer_provider(provider)
    _installed = True


def setup(enabled: bool) -> None:
    """When tracing is on and no provider is installed yet, install one that
    exports over OTLP/HTTP in batches (a background thread per worker)."""
    global _exporting
    if not enabled or _installed:
        return
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": "orggraph", **_version()}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    install(provider)
    _exporting = provider


def shutdown() -> None:
    """Send the spans still waiting (a worker stopping)."""
    global _exporting
    if _exporting is not None:
        _exporting.shutdown()
        _exporting = None


def _version() -> dict[str, str]:
    try:
        return {"service.version": version("orggraph")}
    except PackageNotFoundError:
        return {}


class TracedRequests:
    """ASGI middleware: the SERVER span of every request to /graphql."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/") != GRAPHQL_PATH:
            await self.app(scope, receive, send)
            return
        parent = propagate.extract(Headers(scope=scope))
        method = scope["method"]
        attributes = {
            "http.request.method": method,
            "http.route": GRAPHQL_PATH,
            "url.path": scope["path"],
            "url.scheme": scope.get("scheme", "http"),
            "orggraph.request_id": request_id.get() or "",
        }
        with _tracer.start_as_current_span(
            f"{method} {GRAPHQL_PATH}",
            context=parent,
            kind=SpanKind.SERVER,
            attributes=attributes,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:

            async def watched(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                    span.set_attribute("http.response.status_code", status)
                    if status >= 500:
                        span.set_status(Status(StatusCode.ERROR))
                await send(message)

            try:
                await self.app(scope, receive, watched)
            except BaseException as e:
                _failed(span, type(e).__qualname__)
                raise


def _failed(span: Span, error_type: str) -> None:
    span.set_attribute("error.type", error_type)
    span.set_status(Status(StatusCode.ERROR, error_type))


@contextmanager
def _phase(name: str) -> Iterator[None]:
    """A child span of the operation for one of its steps."""
    with _tracer.start_as_current_span(name, record_exception=False, set_status_on_exception=False) as span:
        try:
            yield
        except BaseException as e:
            code = (e.extensions or {}).get("code") if isinstance(e, GraphQLError) else None
            _failed(span, str(code or type(e).__qualname__))
            raise


class OperationSpans(SchemaExtension):
    """Names the current (request or batch operation) span after the operation
    and adds its parse, validate and execute spans; nothing when no span records."""

    def on_operation(self) -> Iterator[None]:
        span = trace.get_current_span()
        if not span.is_recording():
            yield
            return
        raised: GraphQLError | None = None
        try:
            yield
        except GraphQLError as e:  # a syntax error, or a document over a limit
            raised = e
            raise
        finally:
            ec = self.execution_context
            codes = error_codes(ec, raised)
            kind = operation_kind(ec)
            name = ec.operation_name if ec.graphql_document is not None else None
            if kind != "unknown":
                span.set_attribute("graphql.operation.type", kind)
                span.update_name(f"{kind} {name}" if name else kind)
            else:
                span.update_name("GraphQL Operation")
            if name:
                span.set_attribute("graphql.operation.name", name)
            span.set_attribute("orggraph.graphql.path", answered_by(ec))
            if codes:  # a client's mistake is named, but only the service's fault fails the span
                span.set_attribute("orggraph.graphql.error_codes", codes)
                span.set_attribute("error.type", codes[0])
                if SERVER_FAULTS.intersection(codes):
                    span.set_status(Status(StatusCode.ERROR, codes[0]))

    def on_parse(self) -> Iterator[None]:
        with self._step("graphql.parse"):
            yield

    def on_validate(self) -> Iterator[None]:
        with self._step("graphql.validate"):
            yield

    def on_execute(self) -> Iterator[None]:
        with self._step("graphql.execute"):
            yield

    def _step(self, name: str) -> AbstractContextManager[None]:
        return _phase(name) if trace.get_current_span().is_recording() else nullcontext()


def traced(schema: S) -> S:
    """`schema` (a Strawberry schema) with OperationSpans first among its
    extensions: before ErrorCodes, so it sees the final error codes, and
    around CompiledReads, so the compiled path runs inside execute."""
    served = copy.copy(schema)
    served.extensions = (OperationSpans, *served.extensions)  # type: ignore[attr-defined]
    return served


def operation() -> AbstractContextManager[object]:
    """The INTERNAL span of one operation of a batch (when the request is traced)."""
    if not trace.get_current_span().is_recording():
        return nullcontext()
    return _tracer.start_as_current_span(
        "GraphQL Operation", record_exception=False, set_status_on_exception=False
    )


def describe_document(text: str, trusted: Callable[[str], bool]) -> None:
    """Record the document's text on the current span when it is a trusted one."""
    span = trace.get_current_span()
    if span.is_recording() and trusted(text):
        span.set_attribute("graphql.document", text)
