"""GraphQL over HTTP as clients speak it: what a request may look like, which
media type and status the answer has, and how a refusal is written.

- Requests: `GET /graphql?query=…&variables=…&operationName=…&extensions=…`
  (queries only), or `POST` with `Content-Type: application/json` and a JSON
  object `{query, variables, operationName, extensions, documentId}`, or a JSON
  array of such objects (a batch, service/batch.py).
- Answers: `application/graphql-response+json` when the `Accept` header prefers
  it (Apollo Client 4 and graphql-http send it), else `application/json`. With
  the new media type a request that fails before execution (a syntax or
  validation error, variables that do not coerce, an operation over a limit, an
  unknown persisted document) has no `data` entry and a 4xx status (400;
  FORBIDDEN 403, PERSISTED_QUERY_NOT_FOUND 404); with `application/json` such
  an answer keeps `"data": null` and the status of a GraphQL answer is 200, as
  the spec asks for older clients.
- Refusals of the HTTP request itself (a body that is not JSON, an unsupported
  content type, a parameter of the wrong type, a mutation over GET, a batch too
  large) are JSON in the negotiated media type with `extensions.code`
  (`BAD_REQUEST`, `UNSUPPORTED_MEDIA_TYPE`, `METHOD_NOT_ALLOWED`, …) and a 4xx
  status; anything unexpected is a JSON 500 with the request id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import GraphQLError
from strawberry.types import ExecutionResult

from schema.errors import request_id

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"

# The status of a request error under the new media type, by its code (else 400).
_REQUEST_ERROR_STATUS = {
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "TRUSTED_DOCUMENT_REQUIRED": 403,
    "PERSISTED_QUERY_NOT_FOUND": 404,
    "SERVICE_UNAVAILABLE": 503,
    "INTERNAL_SERVER_ERROR": 500,
}


class Refusal(Exception):
    """An HTTP request refused before any operation runs."""

    def __init__(self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return refusal_body(self.code, self.message)


def refusal_body(code: str, message: str, **extensions: object) -> dict[str, Any]:
    """A GraphQL-shaped error answer: `{"errors": [{message, extensions: {code}}]}`."""
    error: dict[str, Any] = {"message": message, "extensions": {"code": code, **extensions}}
    return {"errors": [error]}


def bad_request(message: str) -> Refusal:
    return Refusal(400, "BAD_REQUEST", message)


def media_type(accept: str | None) -> str:
    """The answer's media type for an `Accept` header: the GraphQL response type
    when it is accepted at least as much as JSON, else JSON (also for a missing
    header, `*/*`, or a header naming neither)."""
    graphql_q = json_q = 0.0
    for entry in (accept or "").split(","):
        kind, *params = (part.strip() for part in entry.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        kind = kind.lower()
        if kind == GRAPHQL_RESPONSE:
            graphql_q = max(graphql_q, q)
        elif kind in (JSON, "application/*", "*/*"):
            json_q = max(json_q, q)
    return GRAPHQL_RESPONSE if graphql_q > 0 and graphql_q >= json_q else JSON


def wants_event_stream(accept: str | None) -> bool:
    """Whether a request asks for Server-Sent Events (a subscription's stream,
    service/subscriptions.py)."""
    return any(
        part.split(";", 1)[0].strip().lower() == "text/event-stream" for part in (accept or "").split(",")
    )


def content_type(media: str) -> str:
    return f"{media}; charset=utf-8"


@dataclass
class Params:
    """One GraphQL request's parameters, as sent."""

    query: str | None = None
    variables: dict[str, Any] | None = None
    operation_name: str | None = None
    extensions: dict[str, Any] | None = None
    document_id: str | None = None

    @property
    def asks_for_a_document(self) -> bool:
        return self.query is not None or self.document_id is not None or self.extensions is not None


_FIELDS: dict[str, tuple[str, type]] = {
    "query": ("query", str),
    "variables": ("variables", dict),
    "operationName": ("operation_name", str),
    "extensions": ("extensions", dict),
    "documentId": ("document_id", str),
}


def params_of(data: object) -> Params:
    """The parameters of one request object; BAD_REQUEST when one has the wrong type."""
    if not isinstance(data, dict):
        raise bad_request('a GraphQL request must be a JSON object ({"query": ...}) or an array of them')
    params = Params()
    for key, (attribute, kind) in _FIELDS.items():
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, kind):
            expected = "a string" if kind is str else "an object"
            raise bad_request(f"the request's `{key}` must be {expected} or null")
        setattr(params, attribute, value)
    return params


def query_params(arguments: Mapping[str, str]) -> Params:
    """The parameters of a GET request; `variables` and `extensions` are JSON text."""
    data: dict[str, object] = {}
    for key in _FIELDS:
        raw = arguments.get(key)
        if raw is None:
            continue
        if key in ("variables", "extensions"):
            try:
                data[key] = orjson.loads(raw)
            except orjson.JSONDecodeError as e:
                raise bad_request(f"the `{key}` parameter is not valid JSON: {e}") from None
        else:
            data[key] = raw
    return params_of(data)


def json_body(body: bytes, declared: str | None) -> object:
    """The decoded body of a POST; UNSUPPORTED_MEDIA_TYPE or BAD_REQUEST when it is not JSON."""
    kind = (declared or "").split(";")[0].strip().lower()
    if kind not in (JSON, GRAPHQL_RESPONSE):
        shown = kind or "none"
        raise Refusal(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            f"a POST must have Content-Type: application/json (this one has {shown})",
        )
    if not body.strip():
        raise bad_request('the request body is empty: send {"query": ...}')
    try:
        # orjson refuses nesting deeper than 1,024 levels instead of recursing.
        return orjson.loads(body)
    except orjson.JSONDecodeError as e:
        raise bad_request(f"the request body is not valid JSON: {e}") from None


def is_request_error(result: ExecutionResult) -> bool:
    """Whether the operation failed before it ran: no data and only errors that
    belong to no field (a field's error has a path)."""
    errors = result.errors or []
    return result.data is None and bool(errors) and all(e.path is None for e in errors)


def answer(result: ExecutionResult, media: str) -> tuple[dict[str, Any], int]:
    """The body and status of one operation's answer in `media`."""
    body: dict[str, Any] = {}
    failed_early = is_request_error(result)
    # application/json keeps the `data: null` older clients read.
    if not (failed_early and media == GRAPHQL_RESPONSE):
        body["data"] = result.data
    if result.errors:
        body["errors"] = [e.formatted for e in result.errors]
    if result.extensions:
        body["extensions"] = result.extensions
    if failed_early and media == GRAPHQL_RESPONSE:
        return body, _REQUEST_ERROR_STATUS.get(_code(result.errors or []), 400)
    return body, 200


def _code(errors: list[GraphQLError]) -> str:
    code = (errors[0].extensions or {}).get("code") if errors else None
    return code if isinstance(code, str) else ""


def request_error(code: str, message: str) -> ExecutionResult:
    """An operation's answer that it failed before running (no data, one error)."""
    return ExecutionResult(data=None, errors=[GraphQLError(message, extensions={"code": code})])


def internal_error_body() -> dict[str, Any]:
    """A 500's body: the request id lets an operator find the logged traceback."""
    extensions: dict[str, object] = {}
    rid = request_id.get()
    if rid is not None:
        extensions["requestId"] = rid
    return refusal_body("INTERNAL_SERVER_ERROR", "internal error", **extensions)
