"""Coverage (联系户, 划片包干): who covers which grids and households.

A household is covered on a date by every person with a COVERS relationship
active on that date either to the household itself (DIRECT) or to its grid
(GRID). The coverage report answers "which committee members cover which grid
households" for an organization's whole subtree, and which households nobody
covers.

Reads are confined to the caller's scope (graph.access): a person's coverage
lists only grids and households in the scope, and only coverers in the scope
are seen, counted or listed. A household covered only by someone outside the
scope is therefore reported uncovered, as if that coverage did not exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import LiteralString

from graph import rows
from graph.access import household_map, node_in_scope, org_in_scope, person_in_scope, person_map
from graph.aggregates import owners_of, reader_params
from graph.driver import Database
from graph.model import Coverage, Grid, Household, Page, PageArgs, Person

COVERAGE_BY_PERSON: LiteralString = (
    """
UNWIND $keys AS key
MATCH (p:Person {id: key})
RETURN key, COLLECT {
  MATCH (p)-[c:COVERS]->(t)
  WHERE ($history OR (c.since <= $on AND (c.until IS NULL OR c.until > $on))) AND """
    + node_in_scope("t")
    + """
  WITH c, t ORDER BY t.code, c.since
  RETURN c {.id, .role, .since, .until, personId: p.id,
            gridId: CASE WHEN t:Grid THEN t.id END,
            householdId: CASE WHEN t:Household THEN t.id END}
} AS values
"""
)

# Active coverage on $on by a person in the scope.
_ACTIVE_IN_SCOPE: LiteralString = (
    "c.since <= $on AND (c.until IS NULL OR c.until > $on) AND " + person_in_scope("p")
)

COVERED_BY_GRID: LiteralString = (
    """
UNWIND $keys AS key
MATCH (g:Grid {id: key})
RETURN key, COLLECT {
  MATCH (g)<-[c:COVERS]-(p:Person)
  WHERE """
    + _ACTIVE_IN_SCOPE
    + """
  WITH c, p ORDER BY c.role DESC, p.code
  RETURN c {.id, .role, .since, .until, personId: p.id, gridId: g.id}
} AS values
"""
)

# Direct coverage first, then coverage through the household's grid.
COVERED_BY_HOUSEHOLD: LiteralString = (
    """
UNWIND $keys AS key
MATCH (h:Household {id: key})
OPTIONAL MATCH (h)-[:IN_GRID]->(g:Grid)
RETURN key, COLLECT {
  MATCH (h)<-[c:COVERS]-(p:Person)
  WHERE """
    + _ACTIVE_IN_SCOPE
    + """
  RETURN c {.id, .role, .since, .until, personId: p.id, householdId: h.id} AS cov
  UNION ALL
  MATCH (g)<-[c:COVERS]-(p:Person)
  WHERE """
    + _ACTIVE_IN_SCOPE
    + """
  RETURN c {.id, .role, .since, .until, personId: p.id, gridId: g.id} AS cov
} AS values
"""
)

# The report's root, an organization of the scope (outside it: no row, as for
# one that does not exist), and everyone with an active COVERS to a grid or
# household of its subtree, found in one expansion and each tested once:
# `outside`, those not in the caller's scope (none without a scope), and
# `coverers`, the others by code, each with the places she covers there. The
# counts below then only exclude the (short) `outside` list.
_ROOT: LiteralString = (
    "MATCH (root:Organization {id: $id}) WHERE "
    + org_in_scope("root")
    + """
CALL (root) {
  MATCH (root)<-[:PART_OF*0..12]-(:Organization)<-[:PART_OF]-(:Grid)<-[:IN_GRID*0..1]-(place)
        <-[c:COVERS]-(p:Person)
  WHERE c.since <= $on AND (c.until IS NULL OR c.until > $on)
  WITH p, collect(DISTINCT place) AS covered
  WITH p, covered, """
    + person_in_scope("p")
    + """ AS seen
  ORDER BY p.code
  RETURN collect(CASE WHEN seen THEN null ELSE p END) AS outside,
         collect(CASE WHEN seen THEN {p: p, covered: covered} END) AS coverers
}
"""
)

_ACTIVE_SEEN: LiteralString = "c.since <= $on AND (c.until IS NULL OR c.until > $on) AND NOT p IN outside"

# The households of the subtree of `root` with the number of distinct people
# covering each. A grid's coverers are found once per grid, not once per household.
_HOUSEHOLDS_WITH_COVERERS: LiteralString = (
    """MATCH (root)<-[:PART_OF*0..12]-(:Organization)<-[:PART_OF]-(g:Grid)
WITH DISTINCT g, outside
WITH g, outside, COLLECT {
  MATCH (g)<-[c:COVERS]-(p:Person) WHERE """
    + _ACTIVE_SEEN
    + """
  RETURN DISTINCT p
} AS viaGrid
MATCH (g)<-[:IN_GRID]-(h:Household)
WITH h, size(viaGrid) + COUNT {
  MATCH (h)<-[c:COVERS]-(p:Person)
  WHERE """
    + _ACTIVE_SEEN
    + """ AND NOT p IN viaGrid
  RETURN DISTINCT p
} AS coverers
"""
)

# A member of a report: person `mp` and `places`, the grids and households she covers there.
_MEMBER: LiteralString = (
    """    RETURN {sortKey: mp.code, value: {
      person: """
    + person_map("mp")
    + """,
      grids: [x IN places WHERE x:Grid | x {.id, .code, .name}],
      households: [x IN places WHERE x:Household | """
    + household_map("x")
    + """],
      reached: COUNT { UNWIND places AS x MATCH (x)<-[:IN_GRID*0..1]-(h:Household) RETURN DISTINCT h }
    }}
"""
)

# The report in one query: the counts, and for each of `$asks` ({min, max,
# after, limit}) a page of the households with between min and max coverers.
# The households' coverers are counted once for all of them (and the scope's
# outside coverers found once), however many of the report's fields are asked.
COVERAGE_REPORT: LiteralString = (
    _ROOT
    + """CALL (root, outside) {
"""
    + _HOUSEHOLDS_WITH_COVERERS
    + """  WITH h, coverers ORDER BY h.code
  WITH count(h) AS households,
       count(CASE WHEN coverers > 0 THEN 1 END) AS covered,
       count(CASE WHEN coverers > 1 THEN 1 END) AS multiply,
       collect({h: h, c: coverers, k: h.code}) AS counted
  RETURN households, covered, multiply, [ask IN $asks |
    [hh IN [x IN counted WHERE x.c >= ask.min AND x.c <= ask.max AND x.k > coalesce(ask.after, '') | x.h]
           [..ask.limit] | {sortKey: hh.code, value: """
    + household_map("hh")
    + """}]] AS pages
}
RETURN households, covered, multiply, size(coverers) AS members, pages,
  [ask IN $memberAsks | COLLECT {
    UNWIND [x IN coverers WHERE x.p.code > coalesce(ask.after, '')][..ask.limit] AS m
    WITH m.p AS mp, m.covered AS places
"""
    + _MEMBER
    + """  }] AS memberPages
"""
)


# The same report from the villages' tallies (graph.aggregates): no row when
# the root is missing or outside the scope, a tally does not hold on $on, or
# someone covering in the subtree is outside the caller's scope (then the
# live COVERAGE_REPORT answers). The pages of households are read from the
# villages' lists of households covered by nobody or by several (so only pages
# that leave out the singly covered: `TALLIED_ASKS`), members from the tallied
# codes; only the members listed have their coverage walked, and what each
# covers is kept when it is (in) one of the subtree's grids: `grids`, found once
# from the owners' side (their child organizations come along, unlabelled: never
# a household's grid), as a grid's own way up to its owner would scan every
# relationship of a grid of ~30 households (~40 db hits a place, ~47k for the
# first hundred members of a township; ~10k this way).
def _tallied(root_id: LiteralString, key: LiteralString) -> LiteralString:
    """The tallied report of organization `root_id` (an expression), each row
    led by the columns `key` (e.g. "root.id AS id, ")."""
    return (
        "MATCH (root:Organization {id: "
        + root_id
        + "}) WHERE "
        + org_in_scope("root")
        + "\n"
        + owners_of("root")
        + """WITH root, owners, coverCodes WHERE fresh AND outside = 0
RETURN """
        + key
        + """reduce(n = 0, o IN owners | n + o.tallyHouseholds) AS households,
  reduce(n = 0, o IN owners | n + o.tallyCovered) AS covered,
  reduce(n = 0, o IN owners | n + o.tallyMultiply) AS multiply,
  size(coverCodes) AS members,
  [ask IN $asks | [code IN COLLECT {
      UNWIND owners AS o
      WITH o.tallyOddCodes AS codes, o.tallyOddCounts AS counts
      UNWIND range(0, size(codes) - 1) AS i
      WITH codes[i] AS code, counts[i] AS n
      WHERE n >= ask.min AND n <= ask.max AND code > coalesce(ask.after, '')
      RETURN code ORDER BY code
    }[..ask.limit] | head(COLLECT { MATCH (hh:Household {code: code})
      RETURN {sortKey: hh.code, value: """
        + household_map("hh")
        + """} })]] AS pages,
  [ask IN $memberAsks | COLLECT {
    WITH owners, coverCodes, COLLECT { UNWIND owners AS o MATCH (o)<-[:PART_OF]-(g) RETURN g } AS grids
    UNWIND [x IN coverCodes WHERE x > coalesce(ask.after, '')][..ask.limit] AS code
    MATCH (mp:Person {code: code})
    WITH mp, COLLECT {
      MATCH (mp)-[c:COVERS]->(x)
      WHERE c.since <= $on AND (c.until IS NULL OR c.until > $on)
        AND coalesce(head([(x)-[:IN_GRID]->(g) | g]), x) IN grids
      RETURN DISTINCT x
    } AS places
"""
        + _MEMBER
        + """  }] AS memberPages
"""
    )


TALLIED_REPORT: LiteralString = _tallied("$id", "")
# The tallied reports of several organizations ($ids) asked the same pages, a
# row for each that the tallies answer: the children of a coverage view in one
# query rather than one each.
TALLIED_REPORTS: LiteralString = "UNWIND $ids AS id\n" + _tallied("id", "root.id AS id, ")


@dataclass(frozen=True, slots=True)
class CoverageSummary:
    """Household counts of a subtree on a date."""

    households: int
    covered: int
    multiply_covered: int
    members: int


@dataclass(frozen=True, slots=True)
class CoverageMember:
    """A person who covers grids and/or households in a subtree, with what she
    covers there; `reached` counts the households reached either way."""

    person: Person
    grids: tuple[Grid, ...]
    households: tuple[Household, ...]
    reached: int


async def load_coverage_by_person(
    db: Database, ids: Sequence[str], *, on: dt.date, history: bool
) -> list[list[Coverage]]:
    found = await db.read(COVERAGE_BY_PERSON, keys=list(ids), on=on, history=history)
    return rows.lists_in_key_order(ids, found, rows.coverage)


async def load_covered_by_grid(db: Database, ids: Sequence[str], *, on: dt.date) -> list[list[Coverage]]:
    found = await db.read(COVERED_BY_GRID, keys=list(ids), on=on)
    return rows.lists_in_key_order(ids, found, rows.coverage)


async def load_covered_by_household(db: Database, ids: Sequence[str], *, on: dt.date) -> list[list[Coverage]]:
    found = await db.read(COVERED_BY_HOUSEHOLD, keys=list(ids), on=on)
    return rows.lists_in_key_order(ids, found, rows.coverage)


@dataclass(frozen=True, slots=True)
class HouseholdsAsked:
    """A page of the households covered by between `at_least` and `at_most`
    people: (0, 0) are the uncovered ones, (2, large) the multiply covered."""

    at_least: int
    at_most: int
    page: PageArgs


@dataclass(frozen=True, slots=True)
class Report:
    """What one query of a coverage report found: the counts, a page of
    households for each HouseholdsAsked and a page of members for each page
    of members asked, in the order asked."""

    summary: CoverageSummary
    households: list[Page[Household]]
    members: list[Page[CoverageMember]]


async def coverage_report(
    db: Database,
    organization_id: str,
    on: dt.date,
    asks: Sequence[HouseholdsAsked] = (),
    members: Sequence[PageArgs] = (),
) -> Report:
    """The counts of the subtree of `organization_id` on `on`, a page of
    households for each of `asks` and a page of members for each of `members`,
    in one query (outside the caller's scope or missing: zeros, empty pages):
    from the villages' tallies when they hold on `on` and the caller's scope
    leaves out nobody covering there, else live."""
    [report] = await coverage_reports(db, [organization_id], on, asks, members)
    return report


async def coverage_reports(
    db: Database,
    organization_ids: Sequence[str],
    on: dt.date,
    asks: Sequence[HouseholdsAsked] = (),
    members: Sequence[PageArgs] = (),
) -> list[Report]:
    """`coverage_report` of each of `organization_ids` (the same pages asked of
    each), in their order: those the tallies answer in one query, the others
    live, one query each."""
    params = {
        "on": on,
        "asks": [
            {"min": a.at_least, "max": a.at_most, "after": a.page.after, "limit": a.page.first + 1}
            for a in asks
        ],
        "memberAsks": [{"after": m.after, "limit": m.first + 1} for m in members],
    }
    found: dict[str, rows.Row] = {}
    if all(a.at_most == 0 or a.at_least >= 2 for a in asks):
        ids = list(dict.fromkeys(organization_ids))
        tallied = await db.read(TALLIED_REPORTS, ids=ids, **params, **reader_params())
        found = {row["id"]: row for row in tallied}
    for organization_id in organization_ids:
        if organization_id not in found:
            for row in await db.read(COVERAGE_REPORT, id=organization_id, **params):
                found[organization_id] = row
    return [_report(found.get(i), asks, members) for i in organization_ids]


def _report(row: rows.Row | None, asks: Sequence[HouseholdsAsked], members: Sequence[PageArgs]) -> Report:
    if row is None:
        return Report(
            CoverageSummary(0, 0, 0, 0),
            [Page([], False, None) for _ in asks],
            [Page([], False, None) for _ in members],
        )
    return Report(
        CoverageSummary(row["households"], row["covered"], row["multiply"], row["members"]),
        [
            rows.page_of(listed, rows.household, a.page, None)
            for a, listed in zip(asks, row["pages"], strict=True)
        ],
        [
            rows.page_of(listed, _member, m, None)
            for m, listed in zip(members, row["memberPages"], strict=True)
        ],
    )


def _member(row: rows.Row) -> CoverageMember:
    return CoverageMember(
        person=rows.person(row["person"]),
        # collect() keeps no order: list what she covers by code.
        grids=tuple(sorted((rows.grid(g) for g in row["grids"]), key=lambda g: g.code)),
        households=tuple(sorted((rows.household(h) for h in row["households"]), key=lambda h: h.code)),
        reached=row["reached"],
    )
