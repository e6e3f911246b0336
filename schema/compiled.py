"""The compiled read path: a nested view of the organization tree, or of a
person and her links, answered by one Cypher query, without graphql-core
resolving it field by field.

A client screen asks for an organization and walks down from it: children,
their children, positions, the holders and their households. The standard
executor resolves every object through a resolver and a DataLoader; here the
operation's selection (after variables, fragments, `@skip`/`@include`) is
compiled into a `graph.views.View`, answered by `graph.views.read_view` in one
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
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    OperationType,
    get_named_type,
)
from graphql.execution import Executor
from graphql.execution.collect_fields import FieldDetails, collect_fields, collect_subfields
from graphql.execution.values import get_argument_values
from strawberry.extensions import SchemaExtension

from graph.audit import record_reads_early
from graph.driver import Database
from graph.errors import OrgGraphError
from graph.model import PageArgs
from graph.views import (
    SLOTS,
    ChildrenList,
    LinkList,
    PersonView,
    PositionList,
    View,
    ViewTooLarge,
    read_person_view,
    read_view,
)
from schema import builders as b
from schema.context import Context
from schema.relay import encode_cursor, expect_global_id, page_args, to_global_id

log = logging.getLogger("orggraph.compiled")

Json = b.Json
Build = b.Build
Fields = dict[str, list[FieldDetails]]
S = TypeVar("S")
L = TypeVar("L")

_DIRECTIVES = frozenset({"skip", "include"})  # applied while collecting fields
# A person's link fields and the kind of link each lists (graph.views.LinkList).
_LINK_KINDS = {"guides": "GUIDES", "guidedBy": "GUIDED_BY", "mentors": "MENTORS", "mentees": "MENTEES"}


class Declined(Exception):
    """The operation asks for something the compiler does not cover."""


@dataclass
class _Root:
    """One root field: a constant (`__typename`), an organization's view or a
    person's view."""

    key: str
    build: Build
    view: View | PersonView | None = None
    lookup: str = ""  # the organization's or person's raw id or code
    by_id: bool = False


class _Compiler:
    """Compiles one operation (already parsed, validated, its variables coerced)."""

    def __init__(self, schema: GraphQLSchema, executor: Executor[Any], context: Context) -> None:
        self.schema = schema
        self.executor = executor
        self.context = context

    # --- selections

    def roots(self) -> list[_Root]:
        query = self.schema.query_type
        operation = self.executor.operation
        if query is None or operation.operation != OperationType.QUERY:
            raise Declined
        collected = collect_fields(
            self.schema, self.executor.fragments, self.executor.variable_values, query, operation
        )
        if collected.new_defer_usages or collected.forbidden_directive_instances:
            raise Declined
        roots: list[_Root] = []
        for key, details in collected.grouped_field_set.items():
            name, field, args = self._field(query, details)
            if name == "__typename":
                roots.append(_Root(key, b.const(query.name)))
            elif name == "organization" and field is not None:
                roots.append(self._organization_root(key, field, details, args))
            elif name == "person" and field is not None:
                roots.append(self._person_root(key, field, details, args))
            else:
                raise Declined
        return roots

    def _person_root(
        self, key: str, field: GraphQLField, details: list[FieldDetails], args: dict[str, Any]
    ) -> _Root:
        view = PersonView()
        build = self._person(_object_type(field), details, view)
        return _Root(key, build, view, *_lookup("Person", args))

    def _organization_root(
        self, key: str, field: GraphQLField, details: list[FieldDetails], args: dict[str, Any]
    ) -> _Root:
        view = View()
        build = self._organization(_object_type(field), details, view, 0)
        return _Root(key, build, view, *_lookup("Organization", args))

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

    # --- types

    def _organization(
        self, type_: GraphQLObjectType, details: list[FieldDetails], view: View, depth: int
    ) -> Build:
        """An organization's JSON from its map in the answer (`graph.views._org`)."""
        getters: list[tuple[str, Build]] = []
        for key, sub in self._subfields(type_, details).items():
            name, field, args = self._field(type_, sub)
            if name == "__typename":
                getters.append((key, b.const(type_.name)))
            elif name == "id":
                view.fields.add(name)
                getters.append((key, b.global_id("Organization")))
            elif name in ("code", "name", "kind", "level"):
                view.fields.add(name)
                getters.append((key, b.of_node(name)))
            elif name == "children" and field is not None:
                connection = _object_type(field)
                fields = self._subfields(connection, sub)
                page = self._page(args, fields)
                children = ChildrenList(
                    kind=b.enum_value(args.get("kind")),
                    level=b.enum_value(args.get("level")),
                    after=page.after,
                    first=page.first,
                    total=page.total,
                )
                slot = _slot(view.lists, children)
                items = children.items

                def child(t: GraphQLObjectType, d: list[FieldDetails], v: View = items) -> Build:
                    return self._organization(t, d, v, depth + 1)

                build = self._connection(connection, fields, page, args.get("after"), b.code_key, child)
                getters.append((key, b.in_slot(slot, build)))
            elif name == "positions" and field is not None:
                connection = _object_type(field)
                fields = self._subfields(connection, sub)
                page = self._page(args, fields)
                on: dt.date = args.get("activeOn") or self.context.today
                positions = PositionList(
                    role=b.enum_value(args.get("role")),
                    on=on,
                    history=bool(args.get("history")),
                    after=page.after,
                    first=page.first,
                    total=page.total,
                    # Cursors (edges, page info) are made of the sort keys.
                    keys=any(d[0].node.name.value in ("edges", "pageInfo") for d in fields.values()),
                )
                slot = _slot(view.lists, positions)

                def position(
                    t: GraphQLObjectType, d: list[FieldDetails], p: PositionList = positions
                ) -> Build:
                    return self._position(t, d, p)

                build = self._connection(connection, fields, page, args.get("after"), b.sort_key, position)
                getters.append((key, b.in_slot(slot, build)))
            else:
                raise Declined
        return b.json_object(getters)

    def _connection(
        self,
        type_: GraphQLObjectType,
        fields: Fields,
        page: PageArgs,
        after: str | None,
        sort_key: Callable[[Any], str],
        node: Callable[[GraphQLObjectType, list[FieldDetails]], Build],
    ) -> Build:
        """A connection's JSON from `{i: first + 1 items, t: total}` (`Connection`
        and `connection()` of schema.relay)."""
        first = page.first
        getters: list[tuple[str, Callable[[list[Any], bool, Any], Json]]] = []
        for key, sub in fields.items():
            name, field, _ = self._field(type_, sub)
            if name == "__typename":
                getters.append((key, b.const3(type_.name)))
            elif name == "totalCount":
                getters.append((key, lambda items, more, total: -1 if total is None else total))
            elif name == "nodes" and field is not None:
                build_node = node(_object_type(field), sub)
                getters.append((key, b.each(build_node)))
            elif name == "edges" and field is not None:
                build_edge = self._edge(_object_type(field), sub, sort_key, node)
                getters.append((key, b.each(build_edge)))
            elif name == "pageInfo" and field is not None:
                getters.append((key, self._page_info(_object_type(field), sub, after, sort_key)))
            else:
                raise Declined

        def build(answer: Any) -> Json:
            found = answer["i"]
            items, more, total = found[:first], len(found) > first, answer["t"]
            return {key: get(items, more, total) for key, get in getters}

        return build

    def _edge(
        self,
        type_: GraphQLObjectType,
        details: list[FieldDetails],
        sort_key: Callable[[Any], str],
        node: Callable[[GraphQLObjectType, list[FieldDetails]], Build],
    ) -> Build:
        getters: list[tuple[str, Build]] = []
        for key, sub in self._subfields(type_, details).items():
            name, field, _ = self._field(type_, sub)
            if name == "__typename":
                getters.append((key, b.const(type_.name)))
            elif name == "cursor":
                getters.append((key, lambda item: encode_cursor(sort_key(item))))
            elif name == "node" and field is not None:
                getters.append((key, node(_object_type(field), sub)))
            else:
                raise Declined
        return b.json_object(getters)

    def _page_info(
        self,
        type_: GraphQLObjectType,
        details: list[FieldDetails],
        after: str | None,
        sort_key: Callable[[Any], str],
    ) -> Callable[[list[Any], bool, Any], Json]:
        getters: list[tuple[str, Callable[[list[Any], bool], Json]]] = []
        for key, sub in self._subfields(type_, details).items():
            name, _, _ = self._field(type_, sub)
            if name == "__typename":
                getters.append((key, b.const2(type_.name)))
            elif name == "hasNextPage":
                getters.append((key, lambda items, more: more))
            elif name == "hasPreviousPage":
                getters.append((key, b.const2(after is not None)))
            elif name == "startCursor":
                getters.append((key, lambda items, more: b.cursor(sort_key, items, 0)))
            elif name == "endCursor":
                getters.append((key, lambda items, more: b.cursor(sort_key, items, -1)))
            else:
                raise Declined
        return lambda items, more, total: {key: get(items, more) for key, get in getters}

    def _position(self, type_: GraphQLObjectType, details: list[FieldDetails], listed: PositionList) -> Build:
        """A position's JSON from `{k, n: {id, role, since, until}, p: person_map, x: household}`."""
        getters: list[tuple[str, Build]] = []
        for key, sub in self._subfields(type_, details).items():
            name, field, args = self._field(type_, sub)
            if name == "__typename":
                getters.append((key, b.const(type_.name)))
            elif name == "id":
                listed.ids = True
                getters.append((key, b.global_id("Position")))
            elif name in ("role", "since", "until"):
                getters.append((key, b.of_node(name)))
            elif name == "active":
                on: dt.date = args.get("on") or self.context.today
                getters.append((key, b.active_on(on)))
            elif name == "person" and field is not None:
                if listed.person is None:
                    listed.person = PersonView()
                getters.append((key, self._person(_object_type(field), sub, listed.person)))
            else:
                raise Declined
        return b.json_object(getters)

    def _person(self, type_: GraphQLObjectType, details: list[FieldDetails], view: PersonView) -> Build:
        """A holder's JSON from the position's map: `p` her `person_map`, `x` her household."""
        getters: list[tuple[str, Build]] = []
        for key, sub in self._subfields(type_, details).items():
            name, field, args = self._field(type_, sub)
            if name == "__typename":
                getters.append((key, b.const(type_.name)))
            elif name == "id":
                getters.append((key, lambda m: to_global_id("Person", m["p"]["id"])))
            elif name in ("code", "name", "gender", "education", "politicalStatus", "phone", "birthDate"):
                view.fields.add(name)
                getters.append((key, b.of_person(name)))
            elif name == "birthYear":
                view.fields.add(name)
                getters.append((key, lambda m: b.birth_year(m["p"])))
            elif name == "age":
                view.fields.add("birthDate")
                on: dt.date = args.get("asOf") or self.context.today
                getters.append((key, b.age_on(on)))
            elif name == "household" and field is not None:
                view.household = True
                household = self._household(_object_type(field), sub)
                getters.append((key, b.household_of(household)))
            elif name in _LINK_KINDS and field is not None:
                on = args.get("asOf") or self.context.today
                listed = LinkList(_LINK_KINDS[name], on, bool(args.get("history")))
                slot = _slot(view.lists, listed)
                link = self._link(_object_type(field), sub, listed)
                self._audited(listed.person)  # read even when her link shows no field of hers
                getters.append((key, b.in_slot(slot, b.each_of(link))))
            else:
                raise Declined
        self._audited(view)
        return b.json_object(getters)

    def _audited(self, view: PersonView) -> None:
        """When the request's unmasked reads are audited, a person's phone and
        birth date are read whatever the answer shows, so the READ event lists
        the people the standard path's loaders would list (graph.views._revealed)."""
        if self.context.trail.watch_reads:
            view.fields.update(("phone", "birthDate"))

    def _link(self, type_: GraphQLObjectType, details: list[FieldDetails], listed: LinkList) -> Build:
        """A link's JSON from `{n: {since, until}, p: the other person, ...}`."""
        getters: list[tuple[str, Build]] = []
        for key, sub in self._subfields(type_, details).items():
            name, field, _ = self._field(type_, sub)
            if name == "__typename":
                getters.append((key, b.const(type_.name)))
            elif name in ("since", "until"):
                getters.append((key, b.of_node(name)))
            elif name == "person" and field is not None:
                getters.append((key, self._person(_object_type(field), sub, listed.person)))
            else:
                raise Declined
        return b.json_object(getters)

    def _household(self, type_: GraphQLObjectType, details: list[FieldDetails]) -> Build:
        """A household's JSON from its `household_map`."""
        getters: list[tuple[str, Build]] = []
        for key, sub in self._subfields(type_, details).items():
            name, _, _ = self._field(type_, sub)
            if name == "__typename":
                getters.append((key, b.const(type_.name)))
            elif name == "id":
                getters.append((key, lambda m: to_global_id("Household", m["id"])))
            elif name in ("code", "address"):
                getters.append((key, b.of(name)))
            elif name == "tags":
                getters.append((key, lambda m: list(m["tags"] or ())))
            else:
                raise Declined
        return b.json_object(getters)


def _lookup(type_name: str, args: dict[str, Any]) -> tuple[str, bool]:
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


def _slot(lists: list[L], listed: L) -> str:
    """Add `listed` to an organization's or a person's lists: the answer's key
    it will be under (declined when the slots are used up)."""
    if len(lists) >= len(SLOTS):
        raise Declined
    lists.append(listed)
    return SLOTS[len(lists) - 1]


def _object_type(field: GraphQLField) -> GraphQLObjectType:
    named = get_named_type(field.type)
    if not isinstance(named, GraphQLObjectType):
        raise Declined
    return named


# --- running


def compile_operation(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    context: Context,
) -> list[_Root] | None:
    """The root fields of a covered query with what each needs, or None."""
    executor = Executor.build(
        schema, document, context_value=context, raw_variable_values=variables, operation_name=operation_name
    )
    if isinstance(executor, list):
        return None  # the standard path reports the operation's or variables' errors
    try:
        return _Compiler(schema, executor, context).roots()
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


async def _read(db: Database, root: _Root) -> Any:
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
