"""People and what they hold: positions (HOLDS), guidance and mentoring links,
pipeline milestones (REACHED), and the household they live in.

"Active on a date" means since <= date < until (until null: still running).

Reads are confined to the caller's scope (graph.access): a person outside it is
not found, searches list only the scope, and her positions, household and links
lead only to what is in the scope. An organization's positions need no test:
the organization was reached in scope, and whoever holds a post there is too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import Enum
from typing import LiteralString

from graph import rows
from graph.access import household_in_scope, household_map, org_in_scope, person_in_scope, person_map
from graph.driver import Database
from graph.model import Household, Level, Link, Milestone, Page, PageArgs, Person, Position, Role, Stage
from graph.organizations import SEARCH_ROOT

PEOPLE_BY_ID: LiteralString = (
    """
UNWIND $keys AS key
MATCH (p:Person {id: key})
WHERE """
    + person_in_scope("p")
    + """
RETURN key, """
    + person_map("p")
    + """ AS value
"""
)

PEOPLE_BY_CODE: LiteralString = (
    """
UNWIND $keys AS key
MATCH (p:Person {code: key})
WHERE """
    + person_in_scope("p")
    + """
RETURN key, """
    + person_map("p")
    + """ AS value
"""
)

# The whole graph, for a caller without a scope and without `under`: walk people
# in code order (the code index) and stop at the page. Under a scope these find
# nothing (fail closed); the search uses the WITHIN queries.
SEARCH_PEOPLE: LiteralString = (
    """
MATCH (p:Person)
WHERE $scope IS NULL AND p.code > coalesce($after, '')
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
WHERE $scope IS NULL AND ($nameContains IS NULL OR p.name CONTAINS $nameContains)
  AND ($role IS NULL OR EXISTS {
        MATCH (p)-[h:HOLDS {role: $role}]->(:Organization)
        WHERE h.since <= $on AND (h.until IS NULL OR h.until > $on) })
RETURN count(p) AS total
"""


def subtree_people(root: LiteralString) -> LiteralString:
    """The people of the subtree of `root` (a bound organization), as `p`, each
    once: holding a position in it (with `$role`: holding that role there on
    `$on`) or, without `$role`, living in one of its households. Expanding down
    from the root visits only the subtree.

    Only people hold positions and live in households, and only households are
    in grids, so those ends carry no label test (one db hit per row each: 300k
    on a county). Naming the organizations' path (`sub_`) keeps the planner from
    a pruning breadth-first expansion that reads every relationship of every
    organization (131k db hits on a county instead of 9k)."""
    return (
        """
CALL ("""
        + root
        + """) {
  MATCH ("""
        + root
        + """)<-[sub_:PART_OF*0..12]-(:Organization)<-[h:HOLDS]-(p)
  WHERE size(sub_) <= 12
    AND ($role IS NULL OR (h.role = $role AND h.since <= $on AND (h.until IS NULL OR h.until > $on)))
  RETURN p
  UNION
  MATCH ("""
        + root
        + """)<-[:PART_OF*0..12]-(:Organization)<-[:PART_OF]-(:Grid)<-[:IN_GRID]-()<-[:LIVES_IN]-(p)
  WHERE $role IS NULL
  RETURN p
}
"""
    )


SUBTREE_PEOPLE: LiteralString = subtree_people("root")

# The same membership tested from the person's side, for queries that start from
# a few people (e.g. those at a pipeline stage) rather than from a whole subtree:
# a handful of upward hops per person, whatever the subtree's size.
PERSON_IS_UNDER_ROOT: LiteralString = """(
  EXISTS { (p)-[:HOLDS]->(:Organization)-[:PART_OF*0..12]->(root) }
  OR EXISTS { (p)-[:LIVES_IN]->(:Household)-[:IN_GRID]->(:Grid)-[:PART_OF]->(:Organization)
              -[:PART_OF*0..12]->(root) })"""

PEOPLE_WITHIN: LiteralString = (
    SEARCH_ROOT
    + SUBTREE_PEOPLE
    + "WITH root, p WHERE $nameContains IS NULL OR p.name CONTAINS $nameContains\n"
)

# The same test as PERSON_IS_UNDER_ROOT, as lists of her organizations'
# ancestors: always an upward walk (~50 db hits a person). As EXISTS, the planner
# may expand a resident's test from the root down instead (~4,800 db hits a
# person on a county inside a city). With `$role`: holding that role under the
# root on `$on`, as SUBTREE_PEOPLE counts her.
PERSON_WALKS_UP_TO_ROOT: LiteralString = """CASE WHEN $role IS NULL THEN (
      root IN [(p)-[:HOLDS]->(:Organization)-[:PART_OF*0..12]->(anc_:Organization) | anc_]
      OR root IN [(p)-[:LIVES_IN]->(:Household)-[:IN_GRID]->(:Grid)-[:PART_OF]->(:Organization)
                  -[:PART_OF*0..12]->(anc_:Organization) | anc_])
    ELSE EXISTS { MATCH (p)-[h:HOLDS {role: $role}]->(o:Organization)
                  WHERE h.since <= $on AND (h.until IS NULL OR h.until > $on)
                    AND root IN [(o)-[:PART_OF*0..12]->(anc_:Organization) | anc_] } END"""

# A page of the subtree's people in code order, two ways:
# 1. the probe, for a federation at county level or above (PROBED_LEVELS: some
#    10^5 people and more, whose expansion costs ~4 db hits each): the next
#    `$probe` people in code order after `$after` (index order, ~1 db hit
#    each), each tested upward (PERSON_WALKS_UP_TO_ROOT) until the page is full.
#    Codes are issued per county and village, so a subtree's people mostly lie
#    together in code order and the probe fills the page after a few dozen
#    tests, whatever the size of the subtree or of the graph (a county's page
#    costs the same in its own store and inside a city);
# 2. any other root (a township, a village: at most some 10^4 people), or when
#    the probe's people do not fill the page and more people follow: the
#    subtree is expanded downward (SUBTREE_PEOPLE) and sorted, at the cost of
#    the subtree's size (a district whose people come after another's in code
#    order pays it for its first page; its next pages are probed).
# Either way the page is exact: the probe's window is a prefix of the code order
# (`window_` people after `from_`, up to the code `ceiling_`: the seeks' bounds,
# null when the root is not probed).
SEARCH_PEOPLE_WITHIN: LiteralString = (
    SEARCH_ROOT
    + """WITH root, CASE WHEN root.kind = 'FEDERATION' AND root.level IN $probedLevels
  THEN coalesce($after, '') END AS from_
CALL (from_) {
  MATCH (q:Person) WHERE q.code > from_
  WITH q.code AS c ORDER BY c LIMIT $probe
  RETURN count(c) AS window_, max(c) AS ceiling_
}
CALL (root, ceiling_) {
  MATCH (p:Person)
  WHERE p.code > coalesce($after, '') AND p.code <= ceiling_
    AND ($nameContains IS NULL OR p.name CONTAINS $nameContains)
    AND """
    + PERSON_WALKS_UP_TO_ROOT
    + """
  WITH p ORDER BY p.code LIMIT $limit
  RETURN collect(p) AS probed_
}
WITH root, probed_, from_ IS NOT NULL AND (size(probed_) = $limit OR window_ < $probe) AS found_
CALL (root, probed_, found_) {
  WITH probed_ WHERE found_
  UNWIND probed_ AS p
  RETURN p
  UNION
  WITH root WHERE NOT found_
"""
    + SUBTREE_PEOPLE
    + """  WITH p WHERE p.code > coalesce($after, '')
    AND ($nameContains IS NULL OR p.name CONTAINS $nameContains)
  WITH p ORDER BY p.code LIMIT $limit
  RETURN p
}
WITH p ORDER BY p.code LIMIT $limit
RETURN p.code AS sortKey,
       """
    + person_map("p")
    + """ AS value
"""
)

COUNT_PEOPLE_WITHIN: LiteralString = PEOPLE_WITHIN + "RETURN count(p) AS total\n"

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

# Only her positions in organizations of the scope (she may hold others above it).
POSITIONS_BY_PERSON: LiteralString = (
    """
UNWIND $keys AS key
MATCH (p:Person {id: key})
RETURN key, COLLECT {
  MATCH (p)-[h:HOLDS]->(o:Organization)
  WHERE ($history OR (h.since <= $on AND (h.until IS NULL OR h.until > $on))) AND """
    + org_in_scope("o")
    + """
  WITH h, o ORDER BY h.since DESC, o.code
  RETURN h {.id, .role, .since, .until, personId: p.id, organizationId: o.id}
} AS values
"""
)

# An officer of the scope may live outside it: then her household is not shown.
HOUSEHOLD_BY_PERSON: LiteralString = (
    """
UNWIND $keys AS key
MATCH (:Person {id: key})-[:LIVES_IN]->(h:Household)
WHERE """
    + household_in_scope("h")
    + """
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

# One constant per relationship and direction: a relationship type cannot be a
# parameter. A link whose other end is outside the scope is left out.
_LINKS_TAIL: LiteralString = (
    """
  WHERE ($history OR (r.since <= $on AND (r.until IS NULL OR r.until > $on))) AND """
    + person_in_scope("other")
    + """
  WITH r, other ORDER BY other.code
  RETURN {since: r.since, until: r.until, other: """
    + person_map("other")
    + """}
} AS values
"""
)
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


# The probe of SEARCH_PEOPLE_WITHIN: the roots it is tried for, and how many
# people in code order it tests before it expands the subtree (a subtree holding
# a tenth of the people after `after` fills a page of 50 from it). A failed probe
# costs ~50 db hits a person (~25k for a page of 50), a county's expansion ~900k.
PROBED_LEVELS = [Level.PROVINCE.value, Level.CITY.value, Level.COUNTY.value]
PROBE_PAGES, PROBE_MIN = 10, 500

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
    """People by name, subtree and active role, ordered by code: in the subtree of
    `under` or, without it, in the caller's scope (an `under` outside the scope
    finds nothing, like one that does not exist). With `role`, only people
    holding it on `on` there."""
    params = {"nameContains": name_contains or None, "under": under, "role": role, "on": on}
    whole_graph = under is None and db.access.scope is None
    search, count = (
        (SEARCH_PEOPLE, COUNT_PEOPLE) if whole_graph else (SEARCH_PEOPLE_WITHIN, COUNT_PEOPLE_WITHIN)
    )
    if page.first == 0 and page.total and page.after is None:
        # Only the count (a tree node's figures): a next page is there when anyone is.
        total = (await db.read(count, **params))[0]["total"]
        return Page([], total > 0, total)
    limit = page.first + 1
    found = await db.read(
        search,
        after=page.after,
        limit=limit,
        probe=max(PROBE_PAGES * limit, PROBE_MIN),
        probedLevels=PROBED_LEVELS,
        **params,
    )
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
        lambda r: Link(
            other=rows.person(r["other"]), since=r["since"].to_native(), until=rows.date(r["until"])
        ),
    )
