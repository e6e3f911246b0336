"""The shortest connection between two things in the graph (people,
organizations, grids, households) through chosen relationship kinds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, LiteralString

from graph import rows
from graph.driver import Database
from graph.model import Grid, Household, Organization, Person, RelationshipKind
from graph.rows import Row

MAX_HOPS = 15

# The endpoints are found by id under each label (each an index seek); the hop
# bound must be a literal, so longer paths are refused afterwards.
SHORTEST_PATH: LiteralString = """
CALL () {
  MATCH (n:Person {id: $from}) RETURN n UNION MATCH (n:Organization {id: $from}) RETURN n
  UNION MATCH (n:Household {id: $from}) RETURN n UNION MATCH (n:Grid {id: $from}) RETURN n
}
WITH n AS a
CALL () {
  MATCH (n:Person {id: $to}) RETURN n UNION MATCH (n:Organization {id: $to}) RETURN n
  UNION MATCH (n:Household {id: $to}) RETURN n UNION MATCH (n:Grid {id: $to}) RETURN n
}
WITH a, n AS b
MATCH path = shortestPath((a)-[rels*..15]-(b))
WHERE all(r IN rels WHERE type(r) IN $types)
RETURN [x IN nodes(path) | {label: labels(x)[0], value: x {.*}}] AS nodes,
       [r IN rels | {type: type(r), from: startNode(r).id, to: endNode(r).id, props: properties(r)}] AS rels
"""

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
    found = await db.read(SHORTEST_PATH, **{"from": from_id, "to": to_id}, types=list(kinds))
    if not found or len(found[0]["rels"]) > max_hops:
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
