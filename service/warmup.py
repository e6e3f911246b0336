"""Warming Neo4j's plan cache at start-up with the trusted documents.

Neo4j plans a query the first time it sees its text, and a nested view the
compiled read path (schema/compiled.py) composes is planned in 0.6–1.1 s; the
first user to open a screen would wait for it. So at start-up every trusted
query the compiled path covers is compiled (its variables given placeholder
values) and read once for an organization or person code that does not exist,
as a scoped caller: the same Cypher text and parameter types as a real
request, no rows, and the plan is cached. A document the compiled path
declines, or a failure, is skipped: warming is an optimization, never a reason
not to start.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable, Iterator
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    parse,
    type_from_ast,
)

from graph.access import Access, Grant
from graph.audit import Trail
from graph.driver import Database
from loaders import Loaders
from schema.compiled import answer, compile_operation
from schema.context import Context
from schema.relay import to_global_id

log = logging.getLogger("orggraph.warmup")

# A code no organization or person has: every warm-up read finds nothing.
NOWHERE = "\u0000warm-up"
WARMER = Access("warm-up", NOWHERE, frozenset({Grant.VIEWER}))


async def warm_plan_cache(
    db: Database, schema: GraphQLSchema, texts: Iterable[str], today: dt.date, page: tuple[int, int]
) -> int:
    """Read each covered trusted query once; the number of operations read."""
    started = time.monotonic()
    warmed = 0
    for text in dict.fromkeys(texts):
        try:
            document = parse(text, no_location=True)
        except GraphQLError:
            continue
        for operation in document.definitions:
            if (
                not isinstance(operation, OperationDefinitionNode)
                or operation.operation != OperationType.QUERY
            ):
                continue
            name = operation.name.value if operation.name else None
            for variables in _placeholders(schema, operation):
                context = _context(db, today, page)
                if compile_operation(schema, document, name, variables, context) is None:
                    continue
                try:
                    await answer(schema, document, name, variables, context)
                except Exception as e:  # warming must never stop the service
                    log.warning("warming the plan of %s failed: %s", name or "an operation", e)
                    break
                warmed += 1
                break
    log.info(
        "warmed Neo4j's plan cache with %d trusted queries in %.1f s", warmed, time.monotonic() - started
    )
    return warmed


def _context(db: Database, today: dt.date, page: tuple[int, int]) -> Context:
    trail = Trail(WARMER)
    return Context(
        loaders=Loaders(db.for_caller(WARMER, trail)),
        today=today,
        access=WARMER,
        trail=trail,
        default_page_size=page[0],
        max_page_size=page[1],
    )


def _placeholders(schema: GraphQLSchema, operation: OperationDefinitionNode) -> Iterator[dict[str, Any]]:
    """Variables for an operation: a placeholder for each required one without
    a default; an ID is tried as an organization's, then as a person's."""
    for type_name in ("Organization", "Person"):
        variables: dict[str, Any] = {}
        for definition in operation.variable_definitions or ():
            kind = type_from_ast(schema, definition.type)
            if not isinstance(kind, GraphQLNonNull) or definition.default_value is not None:
                continue
            value = _placeholder(kind.of_type, type_name)
            if value is None:
                return
            variables[definition.variable.name.value] = value
        yield variables


def _placeholder(kind: Any, type_name: str) -> Any:
    if isinstance(kind, GraphQLEnumType):
        return next(iter(kind.values))
    if not isinstance(kind, GraphQLScalarType):
        return None
    return {
        "ID": to_global_id(type_name, NOWHERE),
        "String": NOWHERE,
        "Int": 1,
        "Float": 1.0,
        "Boolean": False,
        "Date": "2000-01-01",
    }.get(kind.name)
