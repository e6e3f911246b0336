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

from graph.errors import OrgGraphError
from schema.limits import limit_code

log = logging.getLogger("orggraph.errors")

# The id of the HTTP request being served (service/limits.py takes it from the
# X-Request-Id header or makes one), for the log and for masked errors.
request_id: ContextVar[str | None] = ContextVar("orggraph_request_id", default=None)

# graphql-core's hints at names the schema has (" Did you mean 'node'?").
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def code_of(error: GraphQLError) -> str | None:
    """The `extensions.code` an error leaves with; None for an unexpected
    (internal) error, which is masked."""
    original = error.original_error
    given = (error.extensions or {}).get("code")
    if original is None:
        # No resolver raised it: the query itself is malformed or invalid, or over a limit.
        return str(given) if given else limit_code(error) or "GRAPHQL_VALIDATION_FAILED"
    if isinstance(original, OrgGraphError) and type(original) is not OrgGraphError:
        return original.code
    if isinstance(original, GraphQLError):
        # e.g. a variable of the wrong type, raised while coercing arguments
        return str(given) if given else "BAD_USER_INPUT"
    return None


def with_code(error: GraphQLError, *, suggestions: bool = True) -> GraphQLError:
    original = error.original_error
    extensions = dict(error.extensions or {})
    message = error.message if suggestions else _SUGGESTION.sub("", error.message)
    code = code_of(error)
    if code is not None:
        extensions["code"] = code
        if isinstance(original, OrgGraphError):
            extensions.update(original.extensions())
            message = error.message  # OrgGraph's own messages name no schema element
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
