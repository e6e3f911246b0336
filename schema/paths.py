"""A shortest path between two nodes of the graph (people, organizations, grids,
households) and its hops, as the `connection` root field answers it."""

from __future__ import annotations

import datetime as dt
from typing import Self

import strawberry

from graph import model
from graph.analytics import paths
from schema.enums import RelationshipKind
from schema.organization import Organization
from schema.person import Person
from schema.place import Grid, Household
from schema.relay import Node


@strawberry.type(description="One hop of a path: the relationship's type, direction and dates.")
class PathRelationship:
    type: RelationshipKind = strawberry.field(description="The kind of relationship, e.g. MENTORS 传帮带.")
    from_id: strawberry.ID = strawberry.field(description="The global id of the node it starts from.")
    to_id: strawberry.ID = strawberry.field(description="The global id of the node it points to.")
    role: str | None = strawberry.field(description="The role of a HOLDS (职务) or COVERS hop; else null.")
    since: dt.date | None = strawberry.field(description="The first day of a dated relationship; else null.")
    until: dt.date | None = strawberry.field(
        description="The day a dated relationship ended (exclusive); null while it runs or when undated."
    )
    on: dt.date | None = strawberry.field(description="The day of a one-day relationship; else null.")


@strawberry.type(description="A shortest path: relationships[i] joins nodes[i] and nodes[i + 1].")
class Path:
    length: int = strawberry.field(description="How many hops (relationships) the path has.")
    nodes: list[Node] = strawberry.field(description="The people, organizations, grids and households on it.")
    relationships: list[PathRelationship] = strawberry.field(description="The hops, in order.")

    @classmethod
    def of(cls, p: paths.Path) -> Self:
        nodes: list[Node] = [_node(n) for n in p.nodes]
        global_ids = {raw.id: node.id for raw, node in zip(p.nodes, nodes, strict=True)}
        rels = [
            PathRelationship(
                type=r.type,
                from_id=global_ids[r.from_id],
                to_id=global_ids[r.to_id],
                role=r.role,
                since=r.since,
                until=r.until,
                on=r.on,
            )
            for r in p.relationships
        ]
        return cls(length=len(rels), nodes=nodes, relationships=rels)


def _node(n: paths.PathNode) -> Node:
    if isinstance(n, model.Organization):
        return Organization.of(n)
    if isinstance(n, model.Person):
        return Person.of(n)
    if isinstance(n, model.Grid):
        return Grid.of(n)
    return Household.of(n)
