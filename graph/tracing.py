"""A span for every Cypher statement a traced request runs (OpenTelemetry's
database client conventions), made with the OpenTelemetry API alone: graph/
knows nothing of how or whether spans are exported (service/tracing.py sets
that up).

A statement gets a span only inside a span that is recording (a traced
request's); health checks, the warm-up, the CLI and every request while
tracing is off make none, at the cost of one context-variable lookup.

A span carries the statement's text, which is always one of graph/'s Cypher
constants (or a nested view composed of fixed fragments, graph/view_cypher.py):
values are parameters, and parameters are never recorded, so the text is
already free of anything a client sent. A failure is recorded by its type and
Neo4j's status code, never by its message (which may quote a value).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, LiteralString
from urllib.parse import urlsplit

from neo4j import AsyncManagedTransaction, Record
from neo4j.exceptions import Neo4jError
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

_tracer = trace.get_tracer("orggraph.graph")

# Clauses that change the graph, in the order a summary prefers them.
_WRITES = ("CREATE", "MERGE", "DELETE", "SET", "REMOVE")
_CLAUSE = re.compile(r"\b(" + "|".join(_WRITES) + r")\b")
_LABEL = re.compile(r"\(\s*\w*\s*:\s*`?(\w+)")


@dataclass(frozen=True)
class Target:
    """The Neo4j server and database statements go to (span attributes)."""

    address: str | None
    port: int | None
    namespace: str | None  # None: the server's default database

    @classmethod
    def of(cls, uri: str, database: str | None) -> Target:
        parts = urlsplit(uri)
        try:
            port = parts.port or 7687
        except ValueError:
            port = None
        return cls(parts.hostname, port, database)


# The target of the write transaction running in this task (Database.write_transaction).
current_target: ContextVar[Target | None] = ContextVar("orggraph_neo4j_target", default=None)


@lru_cache(maxsize=512)
def summary(cypher: str) -> str:
    """A low-cardinality name for a statement: the writing clause it has (the
    first of _WRITES, else MATCH) and the first label after it, e.g.
    `MATCH Organization`, `CREATE AuditEvent`."""
    found: dict[str, int] = {}
    for m in _CLAUSE.finditer(cypher):
        found.setdefault(m.group(1), m.start())
    operation = next((c for c in _WRITES if c in found), "MATCH")
    label = _LABEL.search(cypher, found.get(operation, 0)) or _LABEL.search(cypher)
    return f"{operation} {label.group(1)}" if label else operation


class Traced:
    """What a statement's span is told once the statement has answered."""

    def __init__(self, span: trace.Span | None) -> None:
        self.span = span

    def rows(self, count: int) -> None:
        if self.span is not None:
            self.span.set_attribute("db.response.returned_rows", count)


_UNTRACED = Traced(None)


_UNTRACED_STATEMENT = nullcontext(_UNTRACED)


def statement(cypher: str, target: Target | None, **attributes: Any) -> AbstractContextManager[Traced]:
    """A CLIENT span around one statement, when a recording span is current."""
    if not trace.get_current_span().is_recording():
        return _UNTRACED_STATEMENT
    return _span(cypher, target, attributes)


@contextmanager
def _span(cypher: str, target: Target | None, attributes: dict[str, Any]) -> Iterator[Traced]:
    name = summary(cypher)
    attrs: dict[str, Any] = {"db.system.name": "neo4j", "db.query.text": cypher, "db.query.summary": name}
    if target is not None:
        if target.namespace:
            attrs["db.namespace"] = target.namespace
        if target.address:
            attrs["server.address"] = target.address
        if target.port:
            attrs["server.port"] = target.port
    attrs.update(attributes)
    with _tracer.start_as_current_span(
        name, kind=SpanKind.CLIENT, attributes=attrs, record_exception=False, set_status_on_exception=False
    ) as span:
        try:
            yield Traced(span)
        except BaseException as e:
            span.set_attribute("error.type", type(e).__qualname__)
            # Neo4j's own error, or the one graph.driver translated into OrgGraph's.
            cause = e if isinstance(e, Neo4jError) else e.__cause__
            if isinstance(cause, Neo4jError) and cause.code:
                span.set_attribute("db.response.status_code", cause.code)
            span.set_status(Status(StatusCode.ERROR, type(e).__qualname__))
            raise


async def run(tx: AsyncManagedTransaction, cypher: LiteralString, params: dict[str, Any]) -> list[Record]:
    """Run one statement in a write transaction and return all its records:
    how graph/ runs a statement inside `Database.write_transaction`."""
    with statement(cypher, current_target.get()) as traced:
        result = await tx.run(cypher, params)
        records = [record async for record in result]
        traced.rows(len(records))
        return records
