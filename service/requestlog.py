"""The request log: what the server log says about each request to /graphql
(logger `orggraph.requests`), and the JSON form of every log record.

- ORGGRAPH_LOG_FORMAT=text (the default): one line per request that ended with
  an error code, `request error NOT_FOUND (request <id>, operation 'Name')`, at
  INFO (WARNING for SERVICE_UNAVAILABLE, INTERNAL_SERVER_ERROR or an HTTP 5xx).
  Requests without errors are not logged.
- ORGGRAPH_LOG_FORMAT=json: one JSON object per request, on one line, with the
  fields of `Fields` below; `orggraph serve` formats every other record
  (uvicorn's, the Neo4j driver's, OrgGraph's own) as JSON too (`JsonFormatter`).

Never logged: variables, the document, messages (a client's input, and may
quote it), names, phone numbers, addresses. The caller is her token's `sub`.
An operation name is logged only when it is a GraphQL name (a client may send
any string as `operationName`), cut to 64 characters. An unexpected error's
traceback is logged once by schema/errors.py under its error id.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import orjson
import uvicorn
from opentelemetry import trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.types import ExecutionResult

from schema.errors import request_id

log = logging.getLogger("orggraph.requests")

NAME_SHOWN = 64
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")
# Codes that are the service's fault, not the client's (also a failed span, service/tracing.py).
SERVER_FAULTS = frozenset({"INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE"})
# How much of a refusal's body (HTTP 4xx/5xx, always small JSON) is read for its code.
_REFUSAL_BODY = 16_384
GRAPHQL_PATH = "/graphql"


@dataclass
class _Request:
    """What the layers of one request note for its log record."""

    subject: str | None = None
    kinds: list[str] = field(default_factory=list)
    names: list[str | None] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)


_current: ContextVar[_Request | None] = ContextVar("orggraph_request_log", default=None)


def note_subject(subject: str) -> None:
    """The caller (her token's `sub`)."""
    noted = _current.get()
    if noted is not None:
        noted.subject = subject


def note_operation(kind: str, name: str | None, path: str) -> None:
    """An operation of the request: query/mutation, its name, compiled/standard."""
    noted = _current.get()
    if noted is not None:
        noted.kinds.append(kind)
        noted.names.append(shown_name(name))
        noted.paths.append(path)


def note_result(result: ExecutionResult) -> None:
    """The error codes of an operation's answer."""
    noted = _current.get()
    if noted is not None and result.errors:
        noted.codes += [str((e.extensions or {}).get("code", "")) for e in result.errors]


def shown_name(name: str | None) -> str | None:
    if name is None:
        return None
    return name[:NAME_SHOWN] if _NAME.fullmatch(name) else "(not a name)"


def error_line(codes: list[str], operations: list[str | None]) -> str:
    """The text line of a request's errors with a code."""
    counted: dict[str, int] = {}
    for code in codes:
        counted[code] = counted.get(code, 0) + 1
    listed = ", ".join(code if n == 1 else f"{code} x{n}" for code, n in sorted(counted.items()))
    names = ", ".join(repr(name) if name else "-" for name in operations) or "-"
    return f"request error {listed} (request {request_id.get() or '-'}, operation {names})"


class RequestLog:
    """ASGI middleware: the log record of every request to /graphql (module
    docstring); `every` (json) logs requests without errors too."""

    def __init__(self, app: ASGIApp, *, every: bool) -> None:
        self.app = app
        self.every = every

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/") != GRAPHQL_PATH:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        noted = _Request()
        token = _current.set(noted)
        status = 500
        refusal: list[bytes] | None = None

        async def watched(message: Message) -> None:
            nonlocal status, refusal
            if message["type"] == "http.response.start":
                status = int(message["status"])
                refusal = [] if status >= 400 else None
            elif refusal is not None and sum(map(len, refusal)) < _REFUSAL_BODY:
                refusal.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, watched)
        finally:
            _current.reset(token)
            if not noted.codes and refusal:
                noted.codes = _codes_of(b"".join(refusal))
            if noted.codes or self.every:
                self._log(scope, noted, status, time.perf_counter() - started)

    def _log(self, scope: Scope, noted: _Request, status: int, seconds: float) -> None:
        faulty = status >= 500 or bool(SERVER_FAULTS.intersection(noted.codes))
        level = logging.WARNING if faulty else logging.INFO
        span = trace.get_current_span().get_span_context()
        fields: dict[str, Any] = {
            "request_id": request_id.get(),
            "trace_id": format(span.trace_id, "032x") if span.is_valid else None,
            "subject": noted.subject,
            "method": scope["method"],
            "operation": ",".join(name or "-" for name in noted.names) if noted.names else None,
            "operation_type": ",".join(noted.kinds) if noted.kinds else None,
            "path": ",".join(noted.paths) if noted.paths else None,
            "duration_ms": round(seconds * 1000, 1),
            "outcome": "error" if noted.codes or status >= 400 else "ok",
            "error_codes": noted.codes,
            "status": status,
        }
        message = error_line(noted.codes, noted.names) if noted.codes else f"request {fields['outcome']}"
        log.log(level, message, extra={"request": fields})


def _codes_of(body: bytes) -> list[str]:
    """The `extensions.code`s of a refusal's JSON body (service/protocol.py)."""
    try:
        errors = orjson.loads(body).get("errors") or []
        return [str(e["extensions"]["code"]) for e in errors]
    except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError):
        return []


class JsonFormatter(logging.Formatter):
    """A log record as one JSON object on one line: time (UTC), level, logger,
    message, the request's fields (request records) or its request and trace
    ids (any other record made while serving a request), and a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "request", None)
        if isinstance(fields, dict):
            out.update(fields)
        else:
            rid = request_id.get()
            if rid is not None:
                out["request_id"] = rid
            span = trace.get_current_span().get_span_context()
            if span.is_valid:
                out["trace_id"] = format(span.trace_id, "032x")
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(out, default=str).decode()


def log_config(log_format: str) -> dict[str, Any]:
    """uvicorn's logging configuration: its own, with OrgGraph's INFO lines
    (drain, warm-up, Neo4j trouble, requests) in every worker too; in `json`
    every record through `JsonFormatter`."""
    config: dict[str, Any] = {
        **uvicorn.config.LOGGING_CONFIG,
        "formatters": dict(uvicorn.config.LOGGING_CONFIG["formatters"]),
        "handlers": dict(uvicorn.config.LOGGING_CONFIG["handlers"]),
    }
    config["root"] = {"handlers": ["default"], "level": "INFO"}
    if log_format == "json":
        config["formatters"] = {"json": {"()": f"{__name__}.JsonFormatter"}}
        config["handlers"] = {
            name: {**handler, "formatter": "json"} for name, handler in config["handlers"].items()
        }
    return config
