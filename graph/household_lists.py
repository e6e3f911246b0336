"""Households filtered on their tags, their coverage on a date, their grid and
village; by code. Assembled from fixed fragments like `graph.filters`.

Where they come from: a grid (`grid`), a village (`village`), an organization's
subtree (`under`, or the organization whose `households` field is asked), or
the caller's scope. At the top of the tree the household code index is walked
in order, each household tested upward, and the walk stops at the page.

Coverage status on $on counts the distinct people in the caller's scope
covering a household, directly or through its whole grid (as the coverage
report does): UNCOVERED 0, COVERED_ONCE 1, MULTIPLY_COVERED 2 or more. A care
tag is personal data: the API refuses filters on one to VIEWER and ANALYST.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, LiteralString

from graph import rows
from graph.access import grid_in_scope, household_in_scope, household_map, person_in_scope
from graph.aggregates import households_under
from graph.driver import Database
from graph.errors import BadInput
from graph.filters import Source, list_root
from graph.model import Household, Page, PageArgs
from graph.person_filter import ACTIVE_C

# The people covering something in the caller's scope who are not in it
# themselves (none without a scope), found once per query that counts coverers
# over a whole subtree (a total, a group-by, organizations' coverage): one
# expansion of the scope's coverage and one test per coverer, after which a
# coverer is tested by a list lookup. $outsideScope is the scope when the query
# counts coverers, else null (then nothing is expanded).
OUTSIDE_COVERERS: LiteralString = (
    """CALL () {
  OPTIONAL MATCH (:Organization {code: $outsideScope})<-[:PART_OF*0..12]-(:Organization)<-[:PART_OF]-(:Grid)
        <-[:IN_GRID*0..1]-(place)<-[c:COVERS]-(p:Person)
  WHERE """
    + ACTIVE_C
    + """
  WITH DISTINCT p WHERE p IS NOT NULL AND NOT """
    + person_in_scope("p")
    + """
  RETURN collect(p) AS outside
}
"""
)
COVERER_LISTED: LiteralString = "NOT p IN outside"


def _coverers(seen: LiteralString) -> LiteralString:
    """The number of distinct people covering household `hh` on $on, directly or
    through its grid, who pass `seen`."""
    # One pattern for both ways and `seen` after DISTINCT: a COUNT of a UNION with
    # `seen` in each branch took Neo4j's planner 6-11 s to plan (under load), this
    # ~1 s, with the same answers.
    return (
        """COUNT {
  MATCH (hh)-[:IN_GRID*0..1]->(:Grid|Household)<-[c:COVERS]-(p:Person) WHERE """
        + ACTIVE_C
        + """
  WITH DISTINCT p WHERE """
        + seen
        + """ RETURN p
}"""
    )


def coverage_status(seen: LiteralString) -> LiteralString:
    """UNCOVERED, COVERED_ONCE or MULTIPLY_COVERED (the coverers counted once)."""
    return (
        "(CASE "
        + _coverers(seen)
        + " WHEN 0 THEN 'UNCOVERED' WHEN 1 THEN 'COVERED_ONCE' ELSE 'MULTIPLY_COVERED' END)"
    )


# A page tests each coverer upward (it stops early); a whole list uses `outside`.
_TAGS: LiteralString = "all(t IN $tags WHERE t IN hh.tags)"
_STATUS_ON_PAGE: LiteralString = coverage_status(person_in_scope("p")) + " = $coverage"
_STATUS_WHOLE: LiteralString = coverage_status(COVERER_LISTED) + " = $coverage"

_PAGE_SOURCES: dict[Source, LiteralString] = {
    Source.EVERYONE: "MATCH (hh:Household)\nWHERE hh.code > coalesce($after, '')",
    # The root is the scope root (or `under`, in the scope): under it is in scope.
    Source.TOP: "MATCH (root:Organization {id: $root})\nMATCH (hh:Household)\n"
    "WHERE hh.code > coalesce($after, '')"
    " AND " + household_in_scope("hh").replace("$scope", "root.code"),
    Source.SUBTREE: "MATCH (:Organization {id: $root})<-[:PART_OF*0..12]-(:Organization)"
    "<-[:PART_OF]-(:Grid)<-[:IN_GRID]-(hh:Household)\nWITH DISTINCT hh\n"
    "WHERE hh.code > coalesce($after, '')",
}
# A whole list (a total, a group-by) at the top of the tree is expanded from the
# root rather than tested upward household by household.
WHOLE_SOURCES: dict[Source, LiteralString] = {
    Source.EVERYONE: OUTSIDE_COVERERS + "MATCH (hh:Household)\nWHERE true",
    Source.TOP: OUTSIDE_COVERERS + "MATCH (:Organization {id: $root})<-[:PART_OF*0..12]-(:Organization)"
    "<-[:PART_OF]-(:Grid)<-[:IN_GRID]-(hh:Household)\nWITH DISTINCT hh, outside\nWHERE true",
    Source.SUBTREE: OUTSIDE_COVERERS + "MATCH (:Organization {id: $root})<-[:PART_OF*0..12]-(:Organization)"
    "<-[:PART_OF]-(:Grid)<-[:IN_GRID]-(hh:Household)\nWITH DISTINCT hh, outside\nWHERE true",
}
# A single grid (in scope, and under the root when there is one).
_IN_GRID: LiteralString = (
    "MATCH (g:Grid {id: $grid})<-[:IN_GRID]-(hh:Household)\nWHERE "
    + grid_in_scope("g")
    + " AND ($root IS NULL OR $root IN [(g)-[:PART_OF]->(:Organization)-[:PART_OF*0..12]"
    "->(up_:Organization) | up_.id]) AND hh.code > coalesce($after, '')"
)
_PAGE_GRID: LiteralString = _IN_GRID
_WHOLE_GRID: LiteralString = OUTSIDE_COVERERS + _IN_GRID


@dataclass(frozen=True, slots=True)
class HouseholdFilter:
    on: dt.date
    tags: tuple[str, ...] | None = None
    coverage: str | None = None
    grid: str | None = None
    village: str | None = None
    under: str | None = None

    def params(self) -> dict[str, Any]:
        return {"on": self.on, "tags": list(self.tags or ()), "coverage": self.coverage, "grid": self.grid}

    def source(self, source: Source, *, whole: bool) -> LiteralString:
        """Where the households come from: a grid, or the root's subtree or scope."""
        if self.grid is not None:
            return _WHOLE_GRID if whole else _PAGE_GRID
        if source is Source.TOP and (self.village or self.under):
            source = Source.SUBTREE
        return WHOLE_SOURCES[source] if whole else _PAGE_SOURCES[source]


def households_matching(flt: HouseholdFilter, source: Source, *, whole: bool) -> LiteralString:
    """The households that pass every filter, as rows of `hh` (with `outside`
    when `whole`)."""
    return flt.source(source, whole=whole) + _filters(flt, whole=whole) + "\n"


def _filters(flt: HouseholdFilter, *, whole: bool) -> LiteralString:
    text: LiteralString = ""
    if flt.tags is not None:
        text += "\n  AND " + _TAGS
    if flt.coverage is not None:
        text += "\n  AND " + (_STATUS_WHOLE if whole else _STATUS_ON_PAGE)
    return text


def household_page_query(flt: HouseholdFilter, source: Source) -> LiteralString:
    # The index walk at the top of the tree is in code order already and stops
    # at the page. A subtree or a grid is expanded: sorted first, then filtered
    # lazily, so a coverage status is counted only until the page is full (a
    # township VIEWER's multiply covered households: ~6x fewer db hits).
    if flt.grid is None and source is not Source.SUBTREE and not (flt.village or flt.under):
        text = households_matching(flt, source, whole=False) + "WITH hh ORDER BY hh.code LIMIT $limit\n"
    else:
        text = (
            flt.source(source, whole=False)
            + "\nWITH hh ORDER BY hh.code\nWITH hh WHERE true"
            + _filters(flt, whole=False)
            + "\nWITH hh LIMIT $limit\n"
        )
    return text + "RETURN hh.code AS sortKey, " + household_map("hh") + " AS value\n"


async def filter_households(db: Database, flt: HouseholdFilter, page: PageArgs) -> Page[Household]:
    """One page of the households matching `flt` in the caller's scope, by code."""
    if flt.village is not None and flt.under is not None and flt.village != flt.under:
        raise BadInput("give the subtree once: filter.village or under", argument="filter.village")
    root = await list_root(db, flt.village or flt.under)
    if root is None:
        return Page([], False, 0 if page.total else None)
    source, root_id = root
    if flt.grid is not None and not (flt.village or flt.under):
        root_id = None
    params = flt.params() | {"root": root_id}
    found = await db.read(household_page_query(flt, source), after=page.after, limit=page.first + 1, **params)
    total = None
    unfiltered = flt.tags is None and flt.coverage is None and flt.grid is None
    if page.total and unfiltered and root_id is not None:
        total = await households_under(db, root_id)
    if page.total and total is None:
        outside_scope = db.access.scope if flt.coverage else None
        whole = households_matching(flt, source, whole=True) + "RETURN count(hh) AS total\n"
        total = (await db.read(whole, after=None, outsideScope=outside_scope, **params))[0]["total"]
    return rows.page_of(found, rows.household, page, total)
