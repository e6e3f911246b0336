"""Batched requests: a POST of a JSON array of GraphQL requests (Apollo's
BatchHttpLink, gql's `execute_batch`, graphql-request's `batchRequests`).

A batch holds at most ORGGRAPH_MAX_BATCH operations (10; 1 or 0 turns batching
off: BATCHING_NOT_SUPPORTED). Each operation keeps every limit on its own, and
the batch as a whole keeps the cost limit: the costs of its operations, each
measured as schema/limits.py measures one, added up, must not exceed
ORGGRAPH_MAX_COST (else BATCH_TOO_COSTLY, nothing runs). The operations run one
after the other in the order sent, each with its own context, so mutations
keep their order; the answer is the array of their answers in that order.
"""

from __future__ import annotations

from collections.abc import Sequence

from graphql import GraphQLError, GraphQLSchema, get_operation_ast, parse
from strawberry.types import ExecutionResult

from schema.limits import Limits, coerced_variables, measure
from service.persisted import Document
from service.protocol import Params, Refusal


def check_batch(
    schema: GraphQLSchema,
    operations: Sequence[Params],
    documents: Sequence[Document | ExecutionResult],
    limits: Limits,
) -> None:
    """BATCH_TOO_COSTLY when the operations together could return more objects than the cost limit."""
    total = sum(
        _cost(schema, params, document.text, limits)
        for params, document in zip(operations, documents, strict=True)
        if isinstance(document, Document)
    )
    if total > limits.max_cost:
        raise Refusal(
            400,
            "BATCH_TOO_COSTLY",
            f"the batch's operations could return up to {total:,} objects together; "
            f"the limit is {limits.max_cost:,}: send fewer or smaller operations",
        )


def _cost(schema: GraphQLSchema, params: Params, text: str, limits: Limits) -> int:
    """One operation's cost; 0 when it does not parse or name an operation
    (it is then refused on its own when it runs)."""
    try:
        document = parse(text, no_location=True, max_tokens=limits.max_tokens)
    except GraphQLError:
        return 0
    operation = get_operation_ast(document, params.operation_name)
    if operation is None:
        return 0
    variables = coerced_variables(schema, operation, params.variables)
    found = measure(
        schema,
        document,
        operation,
        variables,
        default_page_size=limits.default_page_size,
        max_page_size=limits.max_page_size,
    )
    return found.cost
