"""The shortest connection between two things in the graph (people,
organizations, grids, households) through chosen relationship kinds.

Scope: both ends and every node between them must be in the caller's scope.
The test is part of the shortest-path search itself, so a connection that
would cross the boundary is not found, while a longer one that stays inside
is. People and households leave through their masked projections."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, LiteralString

from graph import rows
from graph.access import household_map, node_in_scope, person_map
from graph.driver import Database
from graph.model import Grid, Household, Organization, Person, RelationshipKind
from graph.rows import Row

MAX_HOPS = 15


# The endpoints are found by id under each label (each an index seek). The
# predicates on all relationships and all nodes are evaluated during the
# breadth-first search (the plan stays a single ShortestPath operator), which
# reaches each node once; its hop bound must be a literal, so there is one
# statement per bound and a short `maxHops` searches only that far. The ends
# are not called `a`/`b`: the scope fragments use `a` inside their subqueries.
def _shortest_path(hops: LiteralString) -> LiteralString:
    return (
        """
CALL () {
  MATCH (n:Person {id: $from}) RETURN n UNION MATCH (n:Organization {id: $from}) RETURN n
  UNION MATCH (n:Household {id: $from}) RETURN n UNION MATCH (n:Grid {id: $from}) RETURN n
}
WITH n AS source
WHERE """
        + node_in_scope("source")
        + """
CALL () {
  MATCH (n:Person {id: $to}) RETURN n UNION MATCH (n:Organization {id: $to}) RETURN n
  UNION MATCH (n:Household {id: $to}) RETURN n UNION MATCH (n:Grid {id: $to}) RETURN n
}
WITH source, n AS target
WHERE """
        + node_in_scope("target")
        + """
MATCH path = shortestPath((source)-[rels*.."""
        + hops
        + """]-(target))
WHERE all(r IN rels WHERE type(r) IN $types) AND all(x IN nodes(path) WHERE """
        + node_in_scope("x")
        + """)
RETURN [x IN nodes(path) | {label: labels(x)[0], value: CASE
         WHEN x:Person THEN """
        + person_map("x")
        + """
         WHEN x:Household THEN """
        + household_map("x")
        + """
         WHEN x:Organization THEN x {.id, .code, .name, .kind, .level}
         ELSE x {.id, .code, .name} END}] AS nodes,
       [r IN rels | {type: type(r), from: startNode(r).id, to: endNode(r).id,
                     props: {role: r.role, since: r.since, until: r.until, on: r.on}}] AS rels
"""
    )


_HOPS: tuple[LiteralString, ...] = (
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "9",
    "10",
    "11",
    "12",
    "13",
    "14",
    "15",
)
# SHORTEST_PATH[h]: the search of at most h hops (1..MAX_HOPS).
SHORTEST_PATH: dict[int, LiteralString] = {int(h): _shortest_path(h) for h in _HOPS[:MAX_HOPS]}

PathNode = Organization | Person | Grid | Household


@dataclass(frozen=True, slots=True)
class PathRelationship:
    """One hop of a path: its type, which way it points, and its dates."""

    type: RelationshipKind
    from_id: str
    to_id: str
    role: str | None
    since: dt.date | None
    until: dt.date | None
    on: dt.date | None


@dataclass(frozen=True, slots=True)
class Path:
    """Nodes and relationships alternating: relationships[i] joins nodes[i] and nodes[i+1]."""

    nodes: tuple[PathNode, ...]
    relationships: tuple[PathRelationship, ...]


_BUILDERS: dict[str, Any] = {
    "Organization": rows.organization,
    "Person": rows.person,
    "Grid": rows.grid,
    "Household": rows.household,
}


async def shortest_path(
    db: Database, from_id: str, to_id: str, *, kinds: Sequence[RelationshipKind], max_hops: int
) -> Path | None:
    """The shortest path of at most `max_hops` hops through relationships of
    `kinds`, or None."""
    if from_id == to_id:
        return None
    found = await db.read(SHORTEST_PATH[max_hops], **{"from": from_id, "to": to_id}, types=list(kinds))
    if not found:
        return None
    row = found[0]
    return Path(
        nodes=tuple(_node(n) for n in row["nodes"]),
        relationships=tuple(_relationship(r) for r in row["rels"]),
    )


def _node(row: Row) -> PathNode:
    node: PathNode = _BUILDERS[row["label"]](row["value"])
    return node


def _relationship(row: Row) -> PathRelationship:
    props = row["props"]
    return PathRelationship(
        type=RelationshipKind[row["type"]],
        from_id=row["from"],
        to_id=row["to"],
        role=props.get("role"),
        since=rows.date(props.get("since")),
        until=rows.date(props.get("until")),
        on=rows.date(props.get("on")),
    )
