"""Every GraphQL error leaves with an `extensions.code`.

OrgGraph's own errors (graph.errors) carry their code (BAD_USER_INPUT,
NOT_FOUND, CONFLICT, SERVICE_UNAVAILABLE); query-language mistakes get
GRAPHQL_VALIDATION_FAILED; anything unexpected is masked as
INTERNAL_SERVER_ERROR with an error id, and logged in full under that id.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from graph.errors import BadInput, OrgGraphError

log = logging.getLogger("orggraph.errors")


def with_code(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    extensions = dict(error.extensions or {})
    if original is None:
        # No resolver raised it: the query itself is malformed or invalid.
        extensions.setdefault("code", "GRAPHQL_VALIDATION_FAILED")
        return _copy(error, error.message, extensions)
    if isinstance(original, OrgGraphError) and type(original) is not OrgGraphError:
        extensions["code"] = original.code
        if isinstance(original, BadInput) and original.argument:
            extensions["argument"] = original.argument
        return _copy(error, error.message, extensions)
    if isinstance(original, GraphQLError):
        # e.g. a variable of the wrong type, raised while coercing arguments
        extensions.setdefault("code", "BAD_USER_INPUT")
        return _copy(error, error.message, extensions)
    error_id = uuid.uuid4().hex[:12]
    log.error("internal error %s at %s", error_id, error.path, exc_info=original)
    return _copy(
        error, f"internal error (id {error_id})", {"code": "INTERNAL_SERVER_ERROR", "errorId": error_id}
    )


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
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [with_code(e) for e in result.errors]
