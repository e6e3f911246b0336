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
from graph.driver import Database
from graph.errors import BadInput
from graph.filters import ACTIVE_C, Source, list_root
from graph.model import Household, Page, PageArgs

# The people covering something in the caller's scope who are not in it
# themselves (none without a scope), found once per query: one expansion of the
# scope's coverage and one test per coverer, after which a coverer is tested by
# a list lookup. $outsideScope is the scope when the query counts coverers, else
# null (then nothing is expanded).
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
# Without that list (a page, which stops early: $outsideScope null) each coverer
# is tested upward instead.
COVERER_SEEN: LiteralString = (
    "(CASE WHEN $outsideScope IS NOT NULL THEN NOT p IN outside ELSE " + person_in_scope("p") + " END)"
)
COVERERS: LiteralString = (
    """COUNT {
  MATCH (hh)-[:IN_GRID]->(:Grid)<-[c:COVERS]-(p:Person) WHERE """
    + ACTIVE_C
    + " AND "
    + COVERER_SEEN
    + """ RETURN p
  UNION
  MATCH (hh)<-[c:COVERS]-(p:Person) WHERE """
    + ACTIVE_C
    + " AND "
    + COVERER_SEEN
    + """ RETURN p
}"""
)

# (minimum, maximum) coverers of each coverage status.
COVERAGE_STATUSES: dict[str, tuple[int, int]] = {
    "UNCOVERED": (0, 0),
    "COVERED_ONCE": (1, 1),
    "MULTIPLY_COVERED": (2, 1_000_000),
}

HOUSEHOLD_FILTERS: dict[str, LiteralString] = {
    "tags": "all(t IN $tags WHERE t IN hh.tags)",
    "coverage": "$coverersMin <= " + COVERERS + " <= $coverersMax",
}

HOUSEHOLD_SOURCES: dict[Source, LiteralString] = {
    Source.EVERYONE: OUTSIDE_COVERERS + "MATCH (hh:Household)\nWHERE hh.code > coalesce($after, '')",
    # The root is the scope root (or `under`, in the scope): under it is in scope.
    Source.TOP: OUTSIDE_COVERERS + "MATCH (root:Organization {id: $root})\nMATCH (hh:Household)\n"
    "WHERE hh.code > coalesce($after, '')"
    " AND " + household_in_scope("hh").replace("$scope", "root.code"),
    Source.SUBTREE: OUTSIDE_COVERERS + "MATCH (:Organization {id: $root})<-[:PART_OF*0..12]-(:Organization)"
    "<-[:PART_OF]-(:Grid)<-[:IN_GRID]-(hh:Household)\nWITH DISTINCT hh, outside\n"
    "WHERE hh.code > coalesce($after, '')",
}
# A single grid (in scope, and under the root when there is one).
_GRID_SOURCE: LiteralString = (
    OUTSIDE_COVERERS
    + "MATCH (g:Grid {id: $grid})<-[:IN_GRID]-(hh:Household)\nWHERE "
    + grid_in_scope("g")
    + " AND ($root IS NULL OR $root IN [(g)-[:PART_OF]->(:Organization)-[:PART_OF*0..12]"
    "->(up_:Organization) | up_.id]) AND hh.code > coalesce($after, '')"
)


@dataclass(frozen=True, slots=True)
class HouseholdFilter:
    on: dt.date
    tags: tuple[str, ...] | None = None
    coverage: str | None = None
    grid: str | None = None
    village: str | None = None
    under: str | None = None

    def params(self) -> dict[str, Any]:
        low, high = COVERAGE_STATUSES[self.coverage] if self.coverage else (0, 0)
        return {
            "on": self.on,
            "tags": list(self.tags or ()),
            "coverersMin": low,
            "coverersMax": high,
            "grid": self.grid,
        }


def households_matching(base: LiteralString, flt: HouseholdFilter) -> LiteralString:
    """The households of `base` that pass every filter, as rows of `hh`."""
    text = base
    if flt.tags is not None:
        text += "\n  AND " + HOUSEHOLD_FILTERS["tags"]
    if flt.coverage is not None:
        text += "\n  AND " + HOUSEHOLD_FILTERS["coverage"]
    return text


def household_query(base: LiteralString, flt: HouseholdFilter, *, count: bool) -> LiteralString:
    text = households_matching(base, flt)
    if count:
        return text + "\nRETURN count(hh) AS total\n"
    return (
        text
        + "\nWITH hh ORDER BY hh.code LIMIT $limit\nRETURN hh.code AS sortKey, "
        + household_map("hh")
        + " AS value\n"
    )


async def filter_households(db: Database, flt: HouseholdFilter, page: PageArgs) -> Page[Household]:
    """One page of the households matching `flt` in the caller's scope, by code."""
    if flt.village is not None and flt.under is not None and flt.village != flt.under:
        raise BadInput("give the subtree once: filter.village or under", argument="filter.village")
    root = await list_root(db, flt.village or flt.under)
    if root is None:
        return Page([], False, 0 if page.total else None)
    source, root_id = root
    if flt.grid is not None:
        base = _GRID_SOURCE
        root_id = root_id if (flt.village or flt.under) else None
    else:
        base = HOUSEHOLD_SOURCES[
            Source.SUBTREE if source is Source.TOP and (flt.village or flt.under) else source
        ]
    params = flt.params() | {"root": root_id, "outsideScope": None}
    found = await db.read(
        household_query(base, flt, count=False), after=page.after, limit=page.first + 1, **params
    )
    total = None
    if page.total:
        # The whole list at the top of the tree: expanding the subtree costs less
        # than testing every household upward.
        whole = HOUSEHOLD_SOURCES[Source.SUBTREE] if base == HOUSEHOLD_SOURCES[Source.TOP] else base
        params["outsideScope"] = db.access.scope if flt.coverage else None
        total = (await db.read(household_query(whole, flt, count=True), after=None, **params))[0]["total"]
    return rows.page_of(found, rows.household, page, total)
