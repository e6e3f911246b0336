"""People and what they hold: positions (HOLDS), guidance and mentoring links,
pipeline milestones (REACHED), and the household they live in.

"Active on a date" means since <= date < until (until null: still running).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import Enum
from typing import LiteralString

from graph import rows
from graph.access import household_map, person_map
from graph.driver import Database
from graph.model import Household, Link, Milestone, Page, PageArgs, Person, Position, Role, Stage

PEOPLE_BY_ID: LiteralString = (
    """
UNWIND $keys AS key
MATCH (p:Person {id: key})
RETURN key, """
    + person_map("p")
    + """ AS value
"""
)

PEOPLE_BY_CODE: LiteralString = (
    """
UNWIND $keys AS key
MATCH (p:Person {code: key})
RETURN key, """
    + person_map("p")
    + """ AS value
"""
)

# Without `under`: walk people in code order (the code index) and stop at the page.
SEARCH_PEOPLE: LiteralString = (
    """
MATCH (p:Person)
WHERE p.code > coalesce($after, '')
  AND ($nameContains IS NULL OR p.name CONTAINS $nameContains)
  AND ($role IS NULL OR EXISTS {
        MATCH (p)-[h:HOLDS {role: $role}]->(:Organization)
        WHERE h.since <= $on AND (h.until IS NULL OR h.until > $on) })
WITH p ORDER BY p.code LIMIT $limit
RETURN p.code AS sortKey,
       """
    + person_map("p")
    + """ AS value
"""
)

COUNT_PEOPLE: LiteralString = """
MATCH (p:Person)
WHERE ($nameContains IS NULL OR p.name CONTAINS $nameContains)
  AND ($role IS NULL OR EXISTS {
        MATCH (p)-[h:HOLDS {role: $role}]->(:Organization)
        WHERE h.since <= $on AND (h.until IS NULL OR h.until > $on) })
RETURN count(p) AS total
"""

# With `under`: people holding a position in the subtree of `root` (with `role`:
# holding that role there on $on) or, without `role`, living in one of its
# households. Expanding down from the root visits only the subtree. Analytics
# reuse it with $role null: "the people under an organization".
SUBTREE_PEOPLE: LiteralString = """
CALL (root) {
  MATCH (root)<-[:PART_OF*0..12]-(:Organization)<-[h:HOLDS]-(p:Person)
  WHERE $role IS NULL OR (h.role = $role AND h.since <= $on AND (h.until IS NULL OR h.until > $on))
  RETURN p
  UNION
  MATCH (root)<-[:PART_OF*0..12]-(:Organization)<-[:PART_OF]-(:Grid)
        <-[:IN_GRID]-(:Household)<-[:LIVES_IN]-(p:Person)
  WHERE $role IS NULL
  RETURN p
}
"""

# The same membership tested from the person's side, for queries that start from
# a few people (e.g. those at a pipeline stage) rather than from a whole subtree:
# a handful of upward hops per person, whatever the subtree's size.
PERSON_IS_UNDER_ROOT: LiteralString = """(
  EXISTS { (p)-[:HOLDS]->(:Organization)-[:PART_OF*0..12]->(root) }
  OR EXISTS { (p)-[:LIVES_IN]->(:Household)-[:IN_GRID]->(:Grid)-[:PART_OF]->(:Organization)
              -[:PART_OF*0..12]->(root) })"""

# Each child of `root` whose subtree person `p` is under (as `child`).
CHILDREN_OF_ROOT_ABOVE_PERSON: LiteralString = """
CALL (p, root) {
  MATCH (p)-[:HOLDS]->(:Organization)-[:PART_OF*0..12]->(child:Organization)-[:PART_OF]->(root)
  RETURN child
  UNION
  MATCH (p)-[:LIVES_IN]->(:Household)-[:IN_GRID]->(:Grid)-[:PART_OF]->(:Organization)
        -[:PART_OF*0..12]->(child:Organization)-[:PART_OF]->(root)
  RETURN child
}
"""

PEOPLE_UNDER: LiteralString = (
    "MATCH (root:Organization {id: $under})\n"
    + SUBTREE_PEOPLE
    + "WITH root, p WHERE $nameContains IS NULL OR p.name CONTAINS $nameContains\n"
)

SEARCH_PEOPLE_UNDER: LiteralString = (
    PEOPLE_UNDER
    + """
WITH p WHERE p.code > coalesce($after, '')
WITH p ORDER BY p.code LIMIT $limit
RETURN p.code AS sortKey,
       """
    + person_map("p")
    + """ AS value
"""
)

COUNT_PEOPLE_UNDER: LiteralString = PEOPLE_UNDER + "RETURN count(p) AS total\n"

# Positions sort by role rank (chair first), then person code, then id.
POSITIONS_BY_ORGANIZATION: LiteralString = """
UNWIND $keys AS key
MATCH (o:Organization {id: key})
RETURN key,
  COLLECT {
    MATCH (o)<-[h:HOLDS]-(p:Person)
    WHERE ($role IS NULL OR h.role = $role)
      AND ($history OR (h.since <= $on AND (h.until IS NULL OR h.until > $on)))
    WITH h, p, $rank[h.role] + '|' + p.code + '|' + h.id AS sortKey
    WHERE sortKey > coalesce($after, '')
    WITH h, p, sortKey ORDER BY sortKey LIMIT $limit
    RETURN {sortKey: sortKey, value: h {.id, .role, .since, .until, personId: p.id, organizationId: o.id}}
  } AS items,
  CASE WHEN $total THEN COUNT {
    MATCH (o)<-[h:HOLDS]-(:Person)
    WHERE ($role IS NULL OR h.role = $role)
      AND ($history OR (h.since <= $on AND (h.until IS NULL OR h.until > $on)))
  } END AS total
"""

POSITIONS_BY_PERSON: LiteralString = """
UNWIND $keys AS key
MATCH (p:Person {id: key})
RETURN key, COLLECT {
  MATCH (p)-[h:HOLDS]->(o:Organization)
  WHERE $history OR (h.since <= $on AND (h.until IS NULL OR h.until > $on))
  WITH h, o ORDER BY h.since DESC, o.code
  RETURN h {.id, .role, .since, .until, personId: p.id, organizationId: o.id}
} AS values
"""

HOUSEHOLD_BY_PERSON: LiteralString = (
    """
UNWIND $keys AS key
MATCH (:Person {id: key})-[:LIVES_IN]->(h:Household)
RETURN key, """
    + household_map("h")
    + """ AS value
"""
)

MILESTONES_BY_PERSON: LiteralString = """
UNWIND $keys AS key
MATCH (p:Person {id: key})
RETURN key, COLLECT {
  MATCH (p)-[r:REACHED]->(s:Stage)
  WITH r, s ORDER BY r.on, s.order
  RETURN {stage: s.name, on: r.on}
} AS values
"""

# One constant per relationship and direction: a relationship type cannot be a parameter.
_LINKS_TAIL: LiteralString = """
  WHERE $history OR (r.since <= $on AND (r.until IS NULL OR r.until > $on))
  WITH r, other ORDER BY other.code
  RETURN {otherId: other.id, since: r.since, until: r.until}
} AS values
"""
GUIDES_BY_PERSON: LiteralString = (
    "UNWIND $keys AS key MATCH (p:Person {id: key}) RETURN key, COLLECT {\n"
    "  MATCH (p)-[r:GUIDES]->(other:Person)" + _LINKS_TAIL
)
GUIDED_BY_BY_PERSON: LiteralString = (
    "UNWIND $keys AS key MATCH (p:Person {id: key}) RETURN key, COLLECT {\n"
    "  MATCH (p)<-[r:GUIDES]-(other:Person)" + _LINKS_TAIL
)
MENTEES_BY_PERSON: LiteralString = (
    "UNWIND $keys AS key MATCH (p:Person {id: key}) RETURN key, COLLECT {\n"
    "  MATCH (p)-[r:MENTORS]->(other:Person)" + _LINKS_TAIL
)
MENTORS_BY_PERSON: LiteralString = (
    "UNWIND $keys AS key MATCH (p:Person {id: key}) RETURN key, COLLECT {\n"
    "  MATCH (p)<-[r:MENTORS]-(other:Person)" + _LINKS_TAIL
)


class LinkKind(Enum):
    """A person-to-person relationship seen from one end."""

    GUIDES = GUIDES_BY_PERSON  # the executives this person guides
    GUIDED_BY = GUIDED_BY_BY_PERSON  # the chairs guiding this person
    MENTEES = MENTEES_BY_PERSON  # the people this person mentors (传帮带)
    MENTORS = MENTORS_BY_PERSON  # the people mentoring this person


ROLE_RANK = {role.value: f"{i:02d}" for i, role in enumerate(Role)}


async def load_people_by_id(db: Database, ids: Sequence[str]) -> list[Person | None]:
    found = await db.read(PEOPLE_BY_ID, keys=list(ids))
    return rows.in_key_order(ids, found, rows.person)


async def load_people_by_code(db: Database, codes: Sequence[str]) -> list[Person | None]:
    found = await db.read(PEOPLE_BY_CODE, keys=list(codes))
    return rows.in_key_order(codes, found, rows.person)


async def search_people(
    db: Database,
    *,
    name_contains: str | None,
    under: str | None,
    role: Role | None,
    on: dt.date,
    page: PageArgs,
) -> Page[Person]:
    """People by name, subtree and active role, ordered by code. With `role`, only
    people holding it on `on` (in the subtree, when `under` is given)."""
    params = {"nameContains": name_contains or None, "under": under, "role": role, "on": on}
    search, count = (SEARCH_PEOPLE_UNDER, COUNT_PEOPLE_UNDER) if under else (SEARCH_PEOPLE, COUNT_PEOPLE)
    found = await db.read(search, after=page.after, limit=page.first + 1, **params)
    total = (await db.read(count, **params))[0]["total"] if page.total else None
    return rows.page_of(found, rows.person, page, total)


async def load_positions_by_organization(
    db: Database,
    ids: Sequence[str],
    *,
    role: Role | None,
    on: dt.date,
    history: bool,
    page: PageArgs,
) -> list[Page[Position]]:
    """Terms held in each organization: those active on `on`, or every term with
    `history`. Chairs first, then by role and person code."""
    found = await db.read(
        POSITIONS_BY_ORGANIZATION,
        keys=list(ids),
        role=role,
        on=on,
        history=history,
        rank=ROLE_RANK,
        after=page.after,
        limit=page.first + 1,
        total=page.total,
    )
    return rows.pages_in_key_order(ids, found, rows.position, page)


async def load_positions_by_person(
    db: Database, ids: Sequence[str], *, on: dt.date, history: bool
) -> list[list[Position]]:
    found = await db.read(POSITIONS_BY_PERSON, keys=list(ids), on=on, history=history)
    return rows.lists_in_key_order(ids, found, rows.position)


async def load_household_by_person(db: Database, ids: Sequence[str]) -> list[Household | None]:
    found = await db.read(HOUSEHOLD_BY_PERSON, keys=list(ids))
    return rows.in_key_order(ids, found, rows.household)


async def load_milestones_by_person(db: Database, ids: Sequence[str]) -> list[list[Milestone]]:
    found = await db.read(MILESTONES_BY_PERSON, keys=list(ids))
    return rows.lists_in_key_order(
        ids, found, lambda r: Milestone(stage=Stage[r["stage"]], on=r["on"].to_native())
    )


async def load_links_by_person(
    db: Database, ids: Sequence[str], *, kind: LinkKind, on: dt.date, history: bool
) -> list[list[Link]]:
    found = await db.read(kind.value, keys=list(ids), on=on, history=history)
    return rows.lists_in_key_order(
        ids,
        found,
        lambda r: Link(other_id=r["otherId"], since=r["since"].to_native(), until=rows.date(r["until"])),
    )
