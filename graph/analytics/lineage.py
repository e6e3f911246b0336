"""Mentoring lineages (传帮带): a person's mentors, their mentors and so on
upward, and her mentees, theirs and so on downward, to a depth.

Scope: the person must be in the caller's scope (else there is no lineage), and
the tree stops at the scope's boundary: a chain is followed only while every
person on it is in scope, so nobody beyond an outside mentor or mentee appears
either."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import LiteralString

from graph import rows
from graph.access import person_in_scope, person_map
from graph.driver import Database
from graph.model import Person

MAX_DEPTH = 10

# The hop bound must be a literal; paths longer than $depth are dropped. Both
# chains are written from p outwards so that the scope test on every node is
# applied while the chain is expanded (a branch stops at its first outsider).
LINEAGE: LiteralString = (
    """
MATCH (p:Person {id: $id})
WHERE """
    + person_in_scope("p")
    + """
CALL (p) {
  OPTIONAL MATCH path = (p)<-[:MENTORS*1..10]-(:Person)
  WHERE length(path) <= $depth AND all(x IN nodes(path) WHERE """
    + (person_in_scope("x"))
    + """)
  UNWIND coalesce(relationships(path), []) AS r
  RETURN collect(DISTINCT r) AS up
}
CALL (p) {
  OPTIONAL MATCH path = (p)-[:MENTORS*1..10]->(:Person)
  WHERE length(path) <= $depth AND all(x IN nodes(path) WHERE """
    + (person_in_scope("x"))
    + """)
  UNWIND coalesce(relationships(path), []) AS r
  RETURN collect(DISTINCT r) AS down
}
CALL (up, down) {
  UNWIND up + down AS r
  WITH r, startNode(r) AS mentor, endNode(r) AS mentee
  RETURN collect({
    mentor: """
    + person_map("mentor")
    + """,
    mentee: """
    + person_map("mentee")
    + """,
    since: r.since, until: r.until, upward: r IN up}) AS links
}
RETURN """
    + person_map("p")
    + """ AS person, links
"""
)


@dataclass(frozen=True, slots=True)
class LineageNode:
    """A person in a lineage tree, with the dates of the mentorship linking her to
    her parent in the tree (none for the root) and her own branches."""

    person: Person
    since: dt.date | None
    until: dt.date | None
    depth: int
    branches: tuple[LineageNode, ...]


@dataclass(frozen=True, slots=True)
class Lineage:
    person: Person
    mentors: tuple[LineageNode, ...]  # upward: each node's branches are her mentors
    mentees: tuple[LineageNode, ...]  # downward: each node's branches are her mentees


async def mentor_lineage(db: Database, person_id: str, depth: int) -> Lineage | None:
    found = await db.read(LINEAGE, id=person_id, depth=depth)
    if not found:
        return None
    root = rows.person(found[0]["person"])
    people: dict[str, Person] = {root.id: root}
    up: dict[str, list[tuple[str, dt.date | None, dt.date | None]]] = {}
    down: dict[str, list[tuple[str, dt.date | None, dt.date | None]]] = {}
    for link in found[0]["links"]:
        mentor, mentee = rows.person(link["mentor"]), rows.person(link["mentee"])
        people[mentor.id], people[mentee.id] = mentor, mentee
        since, until = rows.date(link["since"]), rows.date(link["until"])
        if link["upward"]:
            up.setdefault(mentee.id, []).append((mentor.id, since, until))
        else:
            down.setdefault(mentor.id, []).append((mentee.id, since, until))
    return Lineage(
        person=root,
        mentors=_branches(root.id, up, people, 1, depth, {root.id}),
        mentees=_branches(root.id, down, people, 1, depth, {root.id}),
    )


def _branches(
    of: str,
    edges: dict[str, list[tuple[str, dt.date | None, dt.date | None]]],
    people: dict[str, Person],
    depth: int,
    max_depth: int,
    seen: set[str],
) -> tuple[LineageNode, ...]:
    if depth > max_depth:
        return ()
    nodes = []
    for other, since, until in sorted(edges.get(of, []), key=lambda e: people[e[0]].code):
        if other in seen:  # imported data may hold a cycle; never loop on it
            continue
        below = _branches(other, edges, people, depth + 1, max_depth, seen | {other})
        nodes.append(LineageNode(people[other], since, until, depth, below))
    return tuple(nodes)
