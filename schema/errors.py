"""Every GraphQL error leaves with an `extensions.code`.

OrgGraph's own errors (graph.errors) carry their code (BAD_USER_INPUT,
NOT_FOUND, CONFLICT, SERVICE_UNAVAILABLE); query-language mistakes get
GRAPHQL_VALIDATION_FAILED; operations over a limit get the limit's code
(schema/limits.py); anything unexpected is masked as INTERNAL_SERVER_ERROR
with an error id and the request id, and logged in full under both.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from contextvars import ContextVar

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from graph.errors import BadInput, OrgGraphError
from schema.limits import limit_code

log = logging.getLogger("orggraph.errors")

# The id of the HTTP request being served (service/limits.py takes it from the
# X-Request-Id header or makes one), for the log and for masked errors.
request_id: ContextVar[str | None] = ContextVar("orggraph_request_id", default=None)

# graphql-core's hints at names the schema has (" Did you mean 'node'?").
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def with_code(error: GraphQLError, *, suggestions: bool = True) -> GraphQLError:
    original = error.original_error
    extensions = dict(error.extensions or {})
    message = error.message if suggestions else _SUGGESTION.sub("", error.message)
    if original is None:
        # No resolver raised it: the query itself is malformed or invalid, or over a limit.
        extensions.setdefault("code", limit_code(error) or "GRAPHQL_VALIDATION_FAILED")
        return _copy(error, message, extensions)
    if isinstance(original, OrgGraphError) and type(original) is not OrgGraphError:
        extensions["code"] = original.code
        if isinstance(original, BadInput) and original.argument:
            extensions["argument"] = original.argument
        return _copy(error, error.message, extensions)
    if isinstance(original, GraphQLError):
        # e.g. a variable of the wrong type, raised while coercing arguments
        extensions.setdefault("code", "BAD_USER_INPUT")
        return _copy(error, message, extensions)
    error_id = uuid.uuid4().hex[:12]
    request = request_id.get()
    log.error("internal error %s (request %s) at %s", error_id, request, error.path, exc_info=original)
    masked: dict[str, object] = {"code": "INTERNAL_SERVER_ERROR", "errorId": error_id}
    if request is not None:
        masked["requestId"] = request
    return _copy(error, f"internal error (id {error_id})", masked)


def _copy(error: GraphQLError, message: str, extensions: dict[str, object]) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions=extensions,
    )


class ErrorCodes(SchemaExtension):
    def __init__(self, *, suggestions: bool = True) -> None:
        # suggestions=False strips "Did you mean ...?" (production: no schema hints).
        self.suggestions = suggestions

    def on_operation(self) -> Iterator[None]:
        try:
            yield
        except GraphQLError as error:
            # A syntax error (or a document over the token limit) is raised by
            # ParserCache's hook and leaves the operation as an exception.
            raise with_code(error, suggestions=self.suggestions) from None
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [with_code(e, suggestions=self.suggestions) for e in result.errors]
