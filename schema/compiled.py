"""The compiled read path: a nested view of the organization tree, or of a
person and her links, answered by one Cypher query, without graphql-core
resolving it field by field.

A client screen asks for an organization and walks down from it: children,
their children, positions, the holders and their households. The standard
executor resolves every object through a resolver and a DataLoader; here the
operation's selection (after variables, fragments, `@skip`/`@include`) is
compiled into a `graph.view_shapes.View`, answered by `graph.views.read_view` in one
round trip, and the answer is turned into exactly the JSON the standard
executor would return: the same keys (aliases) in the same order, `__typename`,
global ids, cursors, page info, dates and enums serialized the same way.

The compiler covers `organization(id | code)` and `person(id | code)` at the
root and below them Organization {id code name kind level children positions},
Position {id role since until active(on) person}, Person {id code name gender
birthDate birthYear education politicalStatus phone age household guides
guidedBy mentors mentees}, PersonLink {since until person}, Household {id code
address tags} and their connections; the JSON is built by `schema.builders`.
Anything else (another field, an argument the standard path would reject, a
mutation, `@defer`) is declined and the standard executor answers; so does any
failure while reading, so errors are always the standard path's.
`tests/test_compiled.py` runs queries through both paths and compares the JSON.

It runs as a schema extension (`CompiledReads`) in the execute step: parsing,
validation and every validation rule of the schema have run before it, and it
reads through the request's caller database (`context.loaders.db`), so the
caller's scope and masking apply and the audit trail sees what was read.

Its parts: `schema.compiled_selections` reads what the operation selects,
`schema.compiled_types` compiles each covered type into a view and its builder;
this module runs them and answers.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import AsyncIterator
from typing import Any, TypeVar

from graphql import DocumentNode, ExecutionResult, GraphQLSchema
from graphql.execution import Executor
from strawberry.extensions import SchemaExtension

from graph.audit import record_reads_early
from graph.driver import Database
from graph.errors import OrgGraphError
from graph.view_cypher import ViewTooLarge
from graph.view_shapes import PersonView, View
from graph.views import read_person_view, read_view
from schema import builders as b
from schema.compiled_selections import Declined, Root
from schema.compiled_types import Compiler
from schema.context import Context

log = logging.getLogger("orggraph.compiled")

Json = b.Json
S = TypeVar("S")


def compile_operation(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    context: Context,
) -> list[Root] | None:
    """The root fields of a covered query with what each needs, or None."""
    executor = Executor.build(
        schema, document, context_value=context, raw_variable_values=variables, operation_name=operation_name
    )
    if isinstance(executor, list):
        return None  # the standard path reports the operation's or variables' errors
    try:
        return Compiler(schema, executor, context).roots()
    except (Declined, ViewTooLarge):
        return None


async def answer(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    context: Context,
) -> dict[str, Json] | None:
    """The `data` of a covered query, read through the caller's database, or
    None when the compiler declines (the standard executor then answers)."""
    roots = compile_operation(schema, document, operation_name, variables, context)
    if roots is None:
        return None
    db = context.loaders.db
    found = [await _read(db, root) for root in roots]
    # Everything is read: its audit event is written while the answer is built.
    record_reads_early(db, context.trail)
    data: dict[str, Json] = {}
    for root, answer_ in zip(roots, found, strict=True):
        data[root.key] = None if root.view is not None and answer_ is None else root.build(answer_)
    return data


async def _read(db: Database, root: Root) -> Any:
    if isinstance(root.view, View):
        return await read_view(db, root.view, root.lookup, by_id=root.by_id)
    if isinstance(root.view, PersonView):
        return await read_person_view(db, root.view, root.lookup, by_id=root.by_id)
    return None


class CompiledReads(SchemaExtension):
    """Answers a covered query in the execute step (after parsing and every
    validation rule); anything else, and any failure, goes to the standard
    executor, which then produces the answer or the errors."""

    async def on_execute(self) -> AsyncIterator[None]:
        ec = self.execution_context
        if ec.result is None and ec.graphql_document is not None and isinstance(ec.context, Context):
            try:
                data = await answer(
                    ec.schema._schema, ec.graphql_document, ec.operation_name, ec.variables, ec.context
                )
            except OrgGraphError:
                data = None  # e.g. Neo4j unavailable: the standard path reports it
            except Exception:
                log.exception("the compiled read path failed; answering with the standard executor")
                data = None
            if data is not None:
                ec.result = ExecutionResult(data=data)
        yield


def serving_compiled_reads(schema: S) -> S:
    """`schema` (a Strawberry schema) with `CompiledReads` after its own
    extensions: the same types, validation rules and extensions, sharing
    everything but the list of extensions."""
    served = copy.copy(schema)
    served.extensions = (*served.extensions, CompiledReads)  # type: ignore[attr-defined]
    return served
