"""Mentoring lineages (传帮带): a person's mentors, their mentors and so on
upward, and her mentees, theirs and so on downward, to a depth.

The lineage is walked a generation at a time, breadth first: each query
expands only the previous generation's mentoring links, and each person is
taken once (at her nearest generation, under her mentor or mentee with the
lowest code), so the work is linear in the people returned, never in the
number of mentoring paths (a dense network of a few dozen people has millions).

Scope: the person must be in the caller's scope (else there is no lineage), and
the tree stops at the scope's boundary: a chain is followed only while every
person on it is in scope, so nobody beyond an outside mentor or mentee appears
either."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, LiteralString

from graph import rows
from graph.access import person_in_scope, person_map
from graph.driver import Database
from graph.model import Person

MAX_DEPTH = 10

LINEAGE_ROOT: LiteralString = (
    "MATCH (p:Person {id: $id}) WHERE " + person_in_scope("p") + " RETURN " + person_map("p") + " AS person"
)


def _generation(pattern: LiteralString, frontier: LiteralString, seen: LiteralString) -> LiteralString:
    """The people one mentoring link beyond `frontier` (ids) not in `seen` (ids),
    each tested for scope once, with her links to the frontier."""
    return (
        "CALL () {\n  UNWIND "
        + frontier
        + " AS fid\n  MATCH "
        + pattern
        + "\n  WHERE NOT m.id IN "
        + seen
        + """
  WITH m, collect({to: fid, since: r.since, until: r.until}) AS links
  WHERE """
        + person_in_scope("m")
        + "\n  RETURN collect({person: "
        + person_map("m")
        + ", links: links}) AS found\n}\n"
    )


# One generation each way: mentors of the upward frontier, mentees of the downward one.
LINEAGE_GENERATION: LiteralString = (
    _generation("(:Person {id: fid})<-[r:MENTORS]-(m:Person)", "$up", "$seenUp")
    + "WITH found AS up\n"
    + _generation("(:Person {id: fid})-[r:MENTORS]->(m:Person)", "$down", "$seenDown")
    + "RETURN up, found AS down"
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


Link = tuple[str, dt.date | None, dt.date | None]  # the other person's id, since, until


class _Side:
    """One direction of the walk: who has been taken, the last generation, and
    for each person taken the person she hangs under with the link's dates."""

    def __init__(self, root: str) -> None:
        self.seen = [root]
        self.frontier = [root]
        self.parent: dict[str, Link] = {}

    def take(self, found: list[dict[str, Any]], people: dict[str, Person]) -> None:
        self.frontier = []
        for entry in found:
            person = rows.person(entry["person"])
            people[person.id] = person
            # Under the linked person of the previous generation with the lowest code.
            link = min(entry["links"], key=lambda k: people[k["to"]].code)
            self.parent[person.id] = (link["to"], rows.date(link["since"]), rows.date(link["until"]))
            self.frontier.append(person.id)
        self.seen.extend(self.frontier)

    def tree(self, root: str, people: dict[str, Person]) -> tuple[LineageNode, ...]:
        below: dict[str, list[str]] = {}
        for child, (parent, _, _) in self.parent.items():
            below.setdefault(parent, []).append(child)

        def branches(of: str, depth: int) -> tuple[LineageNode, ...]:
            children = sorted(below.get(of, []), key=lambda c: people[c].code)
            return tuple(
                LineageNode(people[c], self.parent[c][1], self.parent[c][2], depth, branches(c, depth + 1))
                for c in children
            )

        return branches(root, 1)


async def mentor_lineage(db: Database, person_id: str, depth: int) -> Lineage | None:
    """The lineage to `depth` generations each way: one query for the person,
    then one per generation until both directions run out."""
    found = await db.read(LINEAGE_ROOT, id=person_id)
    if not found:
        return None
    root = rows.person(found[0]["person"])
    people: dict[str, Person] = {root.id: root}
    up, down = _Side(root.id), _Side(root.id)
    for _ in range(depth):
        if not up.frontier and not down.frontier:
            break
        [generation] = await db.read(
            LINEAGE_GENERATION, up=up.frontier, seenUp=up.seen, down=down.frontier, seenDown=down.seen
        )
        up.take(generation["up"], people)
        down.take(generation["down"], people)
    return Lineage(person=root, mentors=up.tree(root.id, people), mentees=down.tree(root.id, people))
