"""Traces and request logs (docs/operations.md "Traces" and "Logs").

Traces go to the SDK's in-memory exporter, installed once for this process as
the global provider (what `service.tracing.setup` installs in production with
an OTLP exporter instead); apps built with tracing off must add nothing to it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from graph.driver import Connection
from schema.relay import to_global_id
from service import tracing
from service.app import create_app
from service.requestlog import JsonFormatter
from service.settings import Settings
from tests.browser import free_port
from tests.graphs import TODAY
from tests.helpers import RolledBackDatabase

EXPORTER = InMemorySpanExporter()


@pytest.fixture(scope="module")
def exporter() -> Iterator[InMemorySpanExporter]:
    if not tracing._installed:
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
        tracing.install(provider)
    EXPORTER.clear()
    yield EXPORTER
    EXPORTER.clear()


async def client(world: RolledBackDatabase, **settings: Any) -> httpx.AsyncClient:
    app = create_app(Settings(**settings), db=world, today=lambda: TODAY)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


@pytest.fixture
async def traced(
    world: RolledBackDatabase, exporter: InMemorySpanExporter
) -> AsyncIterator[httpx.AsyncClient]:
    async with await client(world, tracing=True) as http:
        yield http


class Trace:
    """The finished spans of one request, as a tree."""

    def __init__(self, spans: tuple[ReadableSpan, ...]) -> None:
        [self.server] = [s for s in spans if s.kind == SpanKind.SERVER]
        self.spans = spans

    def children(self, span: ReadableSpan) -> list[ReadableSpan]:
        return [s for s in self.spans if s.parent is not None and s.parent.span_id == span.context.span_id]

    def child(self, span: ReadableSpan, name: str) -> ReadableSpan:
        [found] = [s for s in self.children(span) if s.name == name]
        return found

    def cypher(self) -> list[ReadableSpan]:
        return [s for s in self.spans if s.kind == SpanKind.CLIENT]

    def under(self, span: ReadableSpan, ancestor: ReadableSpan) -> bool:
        by_id = {s.context.span_id: s for s in self.spans}
        while span.parent is not None:
            if span.parent.span_id == ancestor.context.span_id:
                return True
            span = by_id[span.parent.span_id]
        return False


async def traced_post(
    http: httpx.AsyncClient, exporter: InMemorySpanExporter, body: object, **headers: str
) -> tuple[dict[str, Any], Trace]:
    exporter.clear()
    response = await http.post("/graphql", json=body, headers=headers)
    assert response.status_code == 200, response.text
    await asyncio.sleep(0)
    return response.json(), Trace(exporter.get_finished_spans())


VILLAGES = "query Villages { organizations(level: VILLAGE, kind: FEDERATION) { nodes { code } } }"


async def test_a_query_is_a_server_span_with_its_steps_and_its_cypher(
    traced: httpx.AsyncClient, exporter: InMemorySpanExporter
) -> None:
    body, t = await traced_post(traced, exporter, {"query": VILLAGES})
    codes = [n["code"] for n in body["data"]["organizations"]["nodes"]]
    assert codes == ["C-T1-V1", "C-T1-V2"]
    assert t.server.name == "query Villages"
    attributes = t.server.attributes or {}
    assert attributes["graphql.operation.type"] == "query"
    assert attributes["graphql.operation.name"] == "Villages"
    assert attributes["orggraph.graphql.path"] == "standard"
    assert attributes["http.response.status_code"] == 200
    assert "graphql.document" not in attributes  # a client's text, not a trusted document
    assert [s.name for s in t.children(t.server)] == ["graphql.parse", "graphql.validate", "graphql.execute"]
    execute = t.child(t.server, "graphql.execute")
    [statement] = t.cypher()
    assert t.children(execute) == [statement]
    a = statement.attributes or {}
    assert a["db.system.name"] == "neo4j"
    assert a["db.response.returned_rows"] == 2
    assert "Organization" in str(a["db.query.text"]) and "$" in str(a["db.query.text"])
    assert statement.name == a["db.query.summary"] == "MATCH Organization"
    assert a["server.address"] == "127.0.0.1" and isinstance(a["server.port"], int)
    assert statement.status.status_code == StatusCode.UNSET
    assert not any("VILLAGE" in str(v) for s in t.spans for v in (s.attributes or {}).values())


NESTED = """query Tree($code: String!) { organization(code: $code) { name
  children { nodes { code children { nodes { code } } } } } }"""


async def test_a_compiled_nested_view_is_traced_like_any_query(
    traced: httpx.AsyncClient, exporter: InMemorySpanExporter
) -> None:
    body, t = await traced_post(traced, exporter, {"query": NESTED, "variables": {"code": "C-T1"}})
    assert [c["code"] for c in body["data"]["organization"]["children"]["nodes"]] == ["C-T1-V1", "C-T1-V2"]
    assert t.server.name == "query Tree"
    assert (t.server.attributes or {})["orggraph.graphql.path"] == "compiled"
    execute = t.child(t.server, "graphql.execute")
    [statement] = t.cypher()  # the one query of the compiled path
    assert t.children(execute) == [statement]
    assert (statement.attributes or {})["db.response.returned_rows"] == 1
    assert (statement.attributes or {})["db.system.name"] == "neo4j"
    assert "C-T1" not in str((statement.attributes or {})["db.query.text"])


async def test_a_caller_s_traceparent_is_continued(
    traced: httpx.AsyncClient, exporter: InMemorySpanExporter
) -> None:
    trace_id, parent_id = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    _, t = await traced_post(
        traced, exporter, {"query": VILLAGES}, traceparent=f"00-{trace_id}-{parent_id}-01"
    )
    assert format(t.server.context.trace_id, "032x") == trace_id
    assert t.server.parent is not None and t.server.parent.is_remote
    assert format(t.server.parent.span_id, "016x") == parent_id
    assert {format(s.context.trace_id, "032x") for s in t.spans} == {trace_id}
    # Without the header the request starts a trace of its own.
    _, fresh = await traced_post(traced, exporter, {"query": VILLAGES})
    assert fresh.server.parent is None and fresh.server.context.trace_id != t.server.context.trace_id


CREATE_ORG = """mutation Found($input: OrganizationInput!) {
  createOrganization(input: $input) { organization { code } } }"""


async def test_a_mutation_s_statements_nest_under_it(
    traced: httpx.AsyncClient, exporter: InMemorySpanExporter
) -> None:
    org = {"code": "C-T2-V9", "name": "新村妇联", "kind": "FEDERATION", "level": "VILLAGE",
           "parentId": to_global_id("Organization", "id-C-T2")}  # fmt: skip
    body, t = await traced_post(traced, exporter, {"query": CREATE_ORG, "variables": {"input": org}})
    assert body == {"data": {"createOrganization": {"organization": {"code": "C-T2-V9"}}}}
    assert t.server.name == "mutation Found"
    execute = t.child(t.server, "graphql.execute")
    statements = t.cypher()
    assert len(statements) >= 2
    assert all(t.under(s, execute) for s in statements)
    summaries = [(s.attributes or {})["db.query.summary"] for s in statements]
    assert "CREATE AuditEvent" in summaries  # the audit event, in the mutation's transaction
    assert not any("新村" in str(v) for s in t.spans for v in (s.attributes or {}).values())


async def test_a_failed_statement_marks_its_span(
    traced: httpx.AsyncClient, exporter: InMemorySpanExporter
) -> None:
    org = {"code": "C-T1", "name": "重复", "kind": "FEDERATION", "level": "TOWNSHIP",
           "parentId": to_global_id("Organization", "id-C")}  # fmt: skip
    body, t = await traced_post(traced, exporter, {"query": CREATE_ORG, "variables": {"input": org}})
    assert body["errors"][0]["extensions"]["code"] == "CONFLICT"
    assert (t.server.attributes or {})["error.type"] == "CONFLICT"
    assert t.server.status.status_code == StatusCode.UNSET  # the client's mistake, not the service's


async def test_a_batch_is_one_span_per_operation(
    traced: httpx.AsyncClient, exporter: InMemorySpanExporter
) -> None:
    batch = [{"query": VILLAGES}, {"query": NESTED, "variables": {"code": "C"}}]
    _, t = await traced_post(traced, exporter, batch)
    assert t.server.name == "POST /graphql"
    operations = t.children(t.server)
    assert [s.name for s in operations] == ["query Villages", "query Tree"]
    assert [(s.attributes or {})["orggraph.graphql.path"] for s in operations] == ["standard", "compiled"]
    assert all(any(t.under(c, op) for op in operations) for c in t.cypher())


async def test_a_trusted_document_is_recorded(
    traced: httpx.AsyncClient, exporter: InMemorySpanExporter
) -> None:
    app = traced._transport.app  # type: ignore[attr-defined]
    view = next(r.endpoint for r in app.routes if getattr(r, "path", None) == "/graphql")
    digest, text = next(iter(view.documents.trusted.items()))
    exporter.clear()
    response = await traced.post("/graphql", json={"documentId": f"sha256:{digest}"})
    assert response.status_code == 200
    [server] = [s for s in exporter.get_finished_spans() if s.kind == SpanKind.SERVER]
    assert (server.attributes or {})["graphql.document"] == text


async def test_no_spans_when_tracing_is_off(
    world: RolledBackDatabase, exporter: InMemorySpanExporter
) -> None:
    async with await client(world, tracing=False) as http:
        exporter.clear()
        response = await http.post(
            "/graphql",
            json={"query": NESTED, "variables": {"code": "C"}},
            headers={"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
        )
        assert response.status_code == 200 and "errors" not in response.json()
        assert (await http.post("/graphql", json={"query": VILLAGES})).status_code == 200
        assert exporter.get_finished_spans() == ()


# --- logs -----------------------------------------------------------------------------------------

FIELDS = {"time", "level", "logger", "message", "request_id", "trace_id", "subject", "method", "operation",
          "operation_type", "path", "duration_ms", "outcome", "error_codes", "status"}  # fmt: skip
SEARCH = """query Find($name: String!) { people(nameContains: $name) { nodes { code } } }"""
CREATE_PERSON = """mutation Enrol($input: PersonInput!) { createPerson(input: $input) { person { code } } }"""


def json_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    """Every record the service logged, formatted as `orggraph serve` does in json mode."""
    formatter = JsonFormatter()
    lines = [formatter.format(r) for r in caplog.records if r.name != "httpx"]
    assert all("\n" not in line for line in lines)
    return [json.loads(line) for line in lines]


async def test_json_logs_one_object_per_request_without_personal_data(
    world: RolledBackDatabase, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    name, phone = "赵淑芬", "13912345678"
    person = {
        "code": "P77",
        "name": name,
        "phone": phone,
        "householdId": to_global_id("Household", "nowhere"),
    }
    async with await client(world, log_format="json") as http:
        caplog.clear()
        found = await http.post(
            "/graphql",
            json={"query": SEARCH, "variables": {"name": name}},
            headers={"X-Request-Id": "req-42"},
        )
        assert found.headers["x-request-id"] == "req-42"
        refused = await http.post(
            "/graphql",
            json={"query": CREATE_PERSON, "variables": {"input": person}},
            headers={"X-Request-Id": "not an id: " + phone},
        )
        assert refused.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        generated = refused.headers["x-request-id"]
        assert len(generated) == 32 and phone not in generated
        malformed = await http.post("/graphql", content=b"{", headers={"content-type": "application/json"})
        assert malformed.status_code == 400
    lines = json_lines(caplog)
    requests = [line for line in lines if line["logger"] == "orggraph.requests"]
    assert len(requests) == 3
    for line in requests:
        assert set(line) == FIELDS, line
        assert line["time"].endswith("+00:00")
        assert isinstance(line["duration_ms"], float)
        assert line["trace_id"] is None  # tracing is off
    first, second, third = requests
    assert first["request_id"] == "req-42" and first["level"] == "INFO"
    assert (first["operation"], first["operation_type"], first["path"]) == ("Find", "query", "standard")
    assert (first["outcome"], first["error_codes"], first["status"]) == ("ok", [], 200)
    assert first["subject"] == "anonymous (ORGGRAPH_AUTH=off)"
    assert second["request_id"] == generated
    assert (second["operation"], second["operation_type"]) == ("Enrol", "mutation")
    assert (second["outcome"], second["error_codes"], second["status"]) == ("error", ["NOT_FOUND"], 200)
    assert (third["outcome"], third["error_codes"], third["status"]) == ("error", ["BAD_REQUEST"], 400)
    everything = json.dumps(lines, ensure_ascii=False)
    assert name not in everything and phone not in everything and "nowhere" not in everything


async def test_json_request_logs_carry_the_trace_id_and_subject(
    world: RolledBackDatabase, exporter: InMemorySpanExporter, caplog: pytest.LogCaptureFixture
) -> None:
    from graph.access import Access, Grant
    from tests.graphs import TODAY as today

    caplog.set_level(logging.INFO)
    app = create_app(
        Settings(tracing=True, log_format="json"),
        db=world,
        today=lambda: today,
        caller=Access("user-0042", "C-T1", frozenset({Grant.VIEWER})),
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        caplog.clear()
        exporter.clear()
        trace_id = "0af7651916cd43dd8448eb211c80319c"
        response = await http.post(
            "/graphql",
            json={"query": NESTED, "variables": {"code": "C-T1"}},
            headers={"traceparent": f"00-{trace_id}-b7ad6b7169203331-01"},
        )
        assert response.status_code == 200
    [line] = [line for line in json_lines(caplog) if line["logger"] == "orggraph.requests"]
    assert line["trace_id"] == trace_id
    assert line["subject"] == "user-0042"
    assert (line["operation"], line["path"], line["outcome"]) == ("Tree", "compiled", "ok")


async def test_text_logs_stay_one_line_per_error(
    world: RolledBackDatabase, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with await client(world) as http:
        caplog.clear()
        await http.post("/graphql", json={"query": VILLAGES})
        assert [r for r in caplog.records if r.name == "orggraph.requests"] == []
        await http.post("/graphql", json={"query": "query Broken { nope }"}, headers={"X-Request-Id": "r-1"})
    [record] = [r for r in caplog.records if r.name == "orggraph.requests"]
    assert record.getMessage() == "request error GRAPHQL_VALIDATION_FAILED (request r-1, operation 'Broken')"


class Collector(ThreadingHTTPServer):
    """A stand-in OpenTelemetry collector: keeps the OTLP/HTTP trace exports it is sent."""

    def __init__(self) -> None:
        self.exports: list[ExportTraceServiceRequest] = []
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                if self.path == "/v1/traces":
                    collector.exports.append(ExportTraceServiceRequest.FromString(body))
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    def spans(self) -> list[Any]:
        return [
            (resource.resource, span)
            for export in self.exports
            for resource in export.resource_spans
            for scope in resource.scope_spans
            for span in scope.spans
        ]


def test_orggraph_serve_logs_json_and_exports_traces(neo4j_connection: Connection) -> None:
    """`orggraph serve` with ORGGRAPH_LOG_FORMAT=json and an OTLP endpoint:
    every line on stderr is JSON, uvicorn's start-up lines too, each request is
    one object, and its spans reach the collector by the time the server stops."""
    collector = Collector()
    threading.Thread(target=collector.serve_forever, daemon=True).start()
    port = free_port()
    env = {**os.environ, "ORGGRAPH_LOG_FORMAT": "json", "ORGGRAPH_PORT": str(port),
           "NEO4J_URI": neo4j_connection.uri, "NEO4J_USER": neo4j_connection.user,
           "NEO4J_PASSWORD": neo4j_connection.password, "ORGGRAPH_AUTH": "off",
           "ORGGRAPH_DRAIN_SECONDS": "0",
           "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{collector.server_address[1]}"}  # fmt: skip
    env.pop("OTEL_SERVICE_NAME", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "service.cli.main", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    trace_id = "5b8aa5a2d2c872e8321cf37308d69df2"
    try:
        deadline = time.monotonic() + 120
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
            while True:
                assert server.poll() is None, "the server stopped"
                try:
                    if http.get("/health/live").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.3)
            answer = http.post(
                "/graphql",
                json={"query": "query Hello { __typename }"},
                headers={"X-Request-Id": "serve-1", "traceparent": f"00-{trace_id}-051581bf3cb55c13-01"},
            )
            assert answer.json() == {"data": {"__typename": "Query"}}
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=60)
        collector.shutdown()
        collector.server_close()
    lines = [json.loads(line) for line in err.decode().splitlines() if line.strip()]
    assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    assert any(line["logger"].startswith("uvicorn") for line in lines)
    [request] = [line for line in lines if line["logger"] == "orggraph.requests"]
    assert request["request_id"] == "serve-1" and request["trace_id"] == trace_id
    assert (request["operation"], request["outcome"], request["status"]) == ("Hello", "ok", 200)
    exported = collector.spans()
    assert {span.trace_id.hex() for _, span in exported} == {trace_id}
    assert sorted(span.name for _, span in exported) == [
        "graphql.execute", "graphql.parse", "graphql.validate", "query Hello"]  # fmt: skip
    resource = exported[0][0]
    assert {a.key: a.value.string_value for a in resource.attributes}["service.name"] == "orggraph"
