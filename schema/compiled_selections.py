"""What an operation selects, as the compiled read path (schema.compiled) reads it:
the fields grouped as graphql-core's executor collects them (after variables,
fragments, `@skip`/`@include`), each field's coerced arguments, a connection's
page, a root's id or code. Anything the compiler does not cover is `Declined`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from graphql import GraphQLField, GraphQLObjectType, GraphQLSchema, get_named_type
from graphql.execution import Executor
from graphql.execution.collect_fields import FieldDetails, collect_subfields
from graphql.execution.values import get_argument_values

from graph.errors import OrgGraphError
from graph.model import PageArgs
from graph.view_cypher import SLOTS
from graph.view_shapes import PersonView, View
from schema import builders as b
from schema.context import Context
from schema.relay import expect_global_id, page_args

Build = b.Build
Fields = dict[str, list[FieldDetails]]
L = TypeVar("L")

_DIRECTIVES = frozenset({"skip", "include"})  # applied while collecting fields


class Declined(Exception):
    """The operation asks for something the compiler does not cover."""


@dataclass
class Root:
    """One root field: a constant (`__typename`), an organization's view or a
    person's view."""

    key: str
    build: Build
    view: View | PersonView | None = None
    lookup: str = ""  # the organization's or person's raw id or code
    by_id: bool = False


class Selections:
    """Reads the selections of one operation (already parsed, validated, its variables coerced)."""

    def __init__(self, schema: GraphQLSchema, executor: Executor[Any], context: Context) -> None:
        self.schema = schema
        self.executor = executor
        self.context = context

    def _subfields(self, type_: GraphQLObjectType, details: list[FieldDetails]) -> Fields:
        collected = collect_subfields(
            self.schema,
            self.executor.fragments,
            self.executor.variable_values,
            self.executor.operation,
            type_,
            details,
        )
        if collected.new_defer_usages or collected.forbidden_directive_instances:
            raise Declined
        return collected.grouped_field_set

    def _field(
        self, parent: GraphQLObjectType, details: list[FieldDetails]
    ) -> tuple[str, GraphQLField | None, dict[str, Any]]:
        """The field's name, definition and coerced arguments (as the executor takes them)."""
        for d in details:
            if d.defer_usage is not None or d.fragment_variable_values is not None:
                raise Declined
            if any(directive.name.value not in _DIRECTIVES for directive in d.node.directives or ()):
                raise Declined
        node = details[0].node
        name = node.name.value
        if name == "__typename":
            return name, None, {}
        field = parent.fields.get(name)
        if field is None:
            raise Declined
        return name, field, get_argument_values(field, node, self.executor.variable_values)

    def _page(self, args: dict[str, Any], fields: Fields) -> PageArgs:
        total = any(d[0].node.name.value == "totalCount" for d in fields.values())
        try:
            return page_args(
                args.get("first"),
                args.get("after"),
                default=self.context.default_page_size,
                maximum=self.context.max_page_size,
                total=total,
            )
        except OrgGraphError:
            raise Declined from None  # the standard path answers BAD_USER_INPUT


def lookup(type_name: str, args: dict[str, Any]) -> tuple[str, bool]:
    """A root's `id` (a global id of `type_name`) or `code`: the raw id or the
    code, and whether it is an id. Exactly one must be given and valid, else the
    standard path answers (BAD_USER_INPUT)."""
    global_id, code = args.get("id"), args.get("code")
    if (global_id is None) == (code is None):
        raise Declined
    try:
        return (expect_global_id(global_id, type_name), True) if global_id is not None else (str(code), False)
    except OrgGraphError:
        raise Declined from None


def list_slot(lists: list[L], listed: L) -> str:
    """Add `listed` to an organization's or a person's lists: the answer's key
    it will be under (declined when the slots are used up)."""
    if len(lists) >= len(SLOTS):
        raise Declined
    lists.append(listed)
    return SLOTS[len(lists) - 1]


def object_type(field: GraphQLField) -> GraphQLObjectType:
    named = get_named_type(field.type)
    if not isinstance(named, GraphQLObjectType):
        raise Declined
    return named
