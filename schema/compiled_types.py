"""The compiler of the compiled read path (schema.compiled): each covered type
(the Query roots `organization` and `person`, Organization, Position, Person,
PersonLink, Household and their connections) compiled into what
`graph.views` reads (a `View` or `PersonView`) and the builder that turns the
answer into the standard executor's JSON (`schema.builders`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from graphql import GraphQLField, GraphQLObjectType, OperationType
from graphql.execution.collect_fields import FieldDetails, collect_fields

from graph.model import PageArgs
from graph.view_shapes import ChildrenList, LinkList, PersonView, PositionList, View
from schema import builders as b
from schema.compiled_selections import Declined, Fields, Root, Selections, list_slot, lookup, object_type
from schema.relay import encode_cursor, to_global_id

Json = b.Json
Build = b.Build

# A person's link fields and the kind of link each lists (graph.view_shapes.LinkList).
_LINK_KINDS = {"guides": "GUIDES", "guidedBy": "GUIDED_BY", "mentors": "MENTORS", "mentees": "MENTEES"}


class Compiler(Selections):
    """Compiles one operation (already parsed, validated, its variables coerced)."""

    def roots(self) -> list[Root]:
        query = self.schema.query_type
        operation = self.executor.operation
        if query is None or operation.operation != OperationType.QUERY:
            raise Declined
        collected = collect_fields(
            self.schema, self.executor.fragments, self.executor.variable_values, query, operation
        )
        if collected.new_defer_usages or collected.forbidden_directive_instances:
            raise Declined
        roots: list[Root] = []
        for key, details in collected.grouped_field_set.items():
            name, field, args = self._field(query, details)
            if name == "__typename":
                roots.append(Root(key, b.const(query.name)))
            elif name == "organization" and field is not None:
                roots.append(self._organization_root(key, field, details, args))
            elif name == "person" and field is not None:
                roots.append(self._person_root(key, field, details, args))
            else:
                raise Declined
        return roots

    def _person_root(
        self, key: str, field: GraphQLField, details: list[FieldDetails], args: dict[str, Any]
    ) -> Root:
        view = PersonView()
        build = self._person(object_type(field), details, view)
        return Root(key, build, view, *lookup("Person", args))

    def _organization_root(
        self, key: str, field: GraphQLField, details: list[FieldDetails], args: dict[str, Any]
    ) -> Root:
        view = View()
        build = self._organization(object_type(field), details, view, 0)
        return Root(key, build, view, *lookup("Organization", args))

    def _organization(
        self, type_: GraphQLObjectType, details: list[FieldDetails], view: View, depth: int
    ) -> Build:
        """An organization's JSON from its map in the answer (`graph.view_cypher._org`)."""
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
                connection = object_type(field)
                fields = self._subfields(connection, sub)
                page = self._page(args, fields)
                children = ChildrenList(
                    kind=b.enum_value(args.get("kind")),
                    level=b.enum_value(args.get("level")),
                    after=page.after,
                    first=page.first,
                    total=page.total,
                )
                slot = list_slot(view.lists, children)
                items = children.items

                def child(t: GraphQLObjectType, d: list[FieldDetails], v: View = items) -> Build:
                    return self._organization(t, d, v, depth + 1)

                build = self._connection(connection, fields, page, args.get("after"), b.code_key, child)
                getters.append((key, b.in_slot(slot, build)))
            elif name == "positions" and field is not None:
                connection = object_type(field)
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
                slot = list_slot(view.lists, positions)

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
                build_node = node(object_type(field), sub)
                getters.append((key, b.each(build_node)))
            elif name == "edges" and field is not None:
                build_edge = self._edge(object_type(field), sub, sort_key, node)
                getters.append((key, b.each(build_edge)))
            elif name == "pageInfo" and field is not None:
                getters.append((key, self._page_info(object_type(field), sub, after, sort_key)))
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
                getters.append((key, node(object_type(field), sub)))
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
                getters.append((key, self._person(object_type(field), sub, listed.person)))
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
                household = self._household(object_type(field), sub)
                getters.append((key, b.household_of(household)))
            elif name in _LINK_KINDS and field is not None:
                on = args.get("asOf") or self.context.today
                listed = LinkList(_LINK_KINDS[name], on, bool(args.get("history")))
                slot = list_slot(view.lists, listed)
                link = self._link(object_type(field), sub, listed)
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
                getters.append((key, self._person(object_type(field), sub, listed.person)))
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
