"""What the server log says about a request's errors.

A client's mistake (NOT_FOUND, BAD_USER_INPUT, a validation error, a refused
limit, ...) is the client's business: it is logged as one line per request
naming the request id, the operation name and the codes, never the message or
the document (either can be as large as the request, and is the client's
input). SERVICE_UNAVAILABLE (Neo4j down, a timeout, the request deadline) gets
the same line as a warning. Only an unexpected error gets a traceback, logged
once by schema/errors.py under its error id. Strawberry's own logging (every error,
each with its traceback) is replaced by this.
"""

from __future__ import annotations

import logging
from collections import Counter

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from schema.errors import code_of, request_id

log = logging.getLogger("orggraph.requests")

# An operation name is the client's input too: shown cut to this length.
NAME_SHOWN = 64


def error_line(codes: Counter[str], operation: str | None) -> str:
    """The one log line for a request's errors with a code."""
    listed = ", ".join(code if n == 1 else f"{code} x{n}" for code, n in sorted(codes.items()))
    name = repr(operation[:NAME_SHOWN]) if operation else "-"
    return f"request error {listed} (request {request_id.get() or '-'}, operation {name})"


class LoggingSchema(strawberry.federation.Schema):
    """The federation schema, logging errors as the module docstring says."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        codes = Counter(code for code in map(code_of, errors) if code is not None)
        if codes:
            operation = execution_context.operation_name if execution_context is not None else None
            level = logging.WARNING if "SERVICE_UNAVAILABLE" in codes else logging.INFO
            log.log(level, error_line(codes, operation))
