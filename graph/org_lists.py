"""Organizations filtered and sorted on their own figures: board size, coverage
of their subtree's households, chairs aged 45 or under.

Assembled like `graph.filters`: fixed fragments chosen by which filters and
which sort are asked, values as parameters. A figure is computed (one CALL per
organization) only when a filter or the sort needs it:

- `households` (households of the subtree), `covered` (covered on $on by
  someone in the caller's scope, directly or through the grid), `uncoveredCare`
  (uncovered households with a care tag): one walk of the organization's
  subtree down to its households. Sorting or filtering on these costs one such
  walk per organization listed (the county's ~1,100 organizations: a few
  hundred thousand rows). When the villages' coverage tallies hold for the
  list (graph.aggregates.tallies_hold) they are summed instead: one walk of
  the organization tree per organization listed, no household read.
- `people` (people holding an active position in the subtree) and `chairs` /
  `youngChairs` (active chairs in the subtree, those aged 45 or under): one walk
  down to the positions.
- `board` (distinct active CHAIR, VICE_CHAIR and EXECUTIVE holders of the
  organization itself) and "its chair is 45 or under": a few rows each.

Sorting by CODE and NAME (pinyin) with no figure needed walks the code or
pinyin index in order, as `graph.filters` does for people.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from typing import Any, LiteralString

from graph import rows
from graph.access import CARE_TAG_LIST, org_in_scope
from graph.aggregates import tallies_hold
from graph.driver import Database
from graph.errors import BadInput
from graph.filters import Source, list_root, parse_after, sort_key
from graph.household_lists import COVERER_LISTED, OUTSIDE_COVERERS
from graph.model import Organization, Page, PageArgs
from graph.person_filter import ACTIVE_C, ACTIVE_H, AGE

_HOUSEHOLD_FIGURES: LiteralString = (
    """CALL (o, outside) {
  MATCH (o)<-[:PART_OF*0..12]-(:Organization)<-[:PART_OF]-(g:Grid)
  WITH DISTINCT g
  WITH g, EXISTS { MATCH (g)<-[c:COVERS]-(p:Person) WHERE """
    + ACTIVE_C
    + " AND "
    + COVERER_LISTED
    + """ } AS gridCovered
  MATCH (g)<-[:IN_GRID]-(hh:Household)
  WITH hh, gridCovered OR EXISTS { MATCH (hh)<-[c:COVERS]-(p:Person) WHERE """
    + ACTIVE_C
    + " AND "
    + COVERER_LISTED
    + """ } AS covered
  RETURN count(hh) AS households, count(CASE WHEN covered THEN 1 END) AS covered,
    count(CASE WHEN NOT covered AND any(t IN coalesce(hh.tags, []) WHERE t IN """
    + CARE_TAG_LIST
    + """) THEN 1 END) AS uncoveredCare
}
"""
)

# The same figures summed from the tallies of the villages under `o` (graph.aggregates),
# when `tallies_hold` for the list: a few hundred numbers instead of every household.
_TALLIED_HOUSEHOLD_FIGURES: LiteralString = """CALL (o) {
  MATCH (o)(()<-[:PART_OF]-(:Organization)){0,12}(w:Organization) WHERE w.tallyVersion IS NOT NULL
  RETURN sum(w.tallyHouseholds) AS households, sum(w.tallyCovered) AS covered,
    sum(w.tallyUncoveredCare) AS uncoveredCare
}
"""

_POSITION_FIGURES: LiteralString = (
    """CALL (o) {
  MATCH (o)<-[:PART_OF*0..12]-(:Organization)<-[h:HOLDS]-(p:Person) WHERE """
    + ACTIVE_H
    + """
  WITH DISTINCT p, h.role = 'CHAIR' AS chair
  WITH p, any(x IN collect(chair) WHERE x) AS chair
  RETURN count(p) AS people, count(CASE WHEN chair THEN 1 END) AS chairs,
    count(CASE WHEN chair AND """
    + AGE
    + """ <= 45 THEN 1 END) AS youngChairs
}
"""
)

_BOARD: LiteralString = (
    "WITH *, COUNT { MATCH (o)<-[h:HOLDS]-(p:Person)"
    " WHERE h.role IN ['CHAIR', 'VICE_CHAIR', 'EXECUTIVE'] AND "
    + ACTIVE_H
    + " RETURN DISTINCT p } AS board\n"
)

ORG_FILTERS: dict[str, LiteralString] = {
    "kind": "o.kind = $kind",
    "level": "o.level = $level",
    "boardMin": "board >= $boardMin",
    "boardMax": "board <= $boardMax",
    "coverageBelow": "households > 0 AND toFloat(covered) / households < $coverageBelow",
    "coverageAbove": "households > 0 AND toFloat(covered) / households > $coverageAbove",
    "uncoveredCare": "(uncoveredCare > 0) = $uncoveredCare",
    "youngChair": "EXISTS { MATCH (o)<-[h:HOLDS {role: 'CHAIR'}]-(p:Person) WHERE "
    + ACTIVE_H
    + " AND "
    + AGE
    + " <= 45 } = $youngChair",
}
# Which figure (CALL) each filter needs.
_NEEDS: dict[str, str] = {
    "boardMin": "board",
    "boardMax": "board",
    "coverageBelow": "households",
    "coverageAbove": "households",
    "uncoveredCare": "households",
}


class OrgSort(Enum):
    """A sort of organizations: (key expression, kind, figure needed)."""

    CODE = ("o.code", "str", "")
    NAME = ("o.pinyin", "str", "")
    HOUSEHOLDS = ("households", "num", "households")
    PEOPLE = ("people", "num", "positions")
    COVERAGE_RATIO = (
        "CASE WHEN households = 0 THEN null ELSE toFloat(covered) / households END",
        "num",
        "households",
    )
    UNCOVERED_HOUSEHOLDS = ("households - covered", "num", "households")
    YOUNG_CHAIR_SHARE = (
        "CASE WHEN chairs = 0 THEN null ELSE toFloat(youngChairs) / chairs END",
        "num",
        "positions",
    )


_COVERAGE_SORTS = frozenset({OrgSort.HOUSEHOLDS, OrgSort.COVERAGE_RATIO, OrgSort.UNCOVERED_HOUSEHOLDS})
_NULL_NUM: dict[bool, LiteralString] = {False: "1.0e300", True: "-1.0e300"}
_AFTER: dict[bool, LiteralString] = {
    False: "($afterCode IS NULL OR k > $afterKey OR (k = $afterKey AND o.code > $afterCode))",
    True: "($afterCode IS NULL OR k < $afterKey OR (k = $afterKey AND o.code > $afterCode))",
}
_ORDER: dict[bool, LiteralString] = {False: "ORDER BY k, o.code", True: "ORDER BY k DESC, o.code"}
_SOURCES: dict[Source, LiteralString] = {
    Source.EVERYONE: OUTSIDE_COVERERS + "MATCH (o:Organization)\nWHERE true",
    # The root is the scope root: under it is in scope.
    Source.TOP: OUTSIDE_COVERERS + "MATCH (root:Organization {id: $root})\nMATCH (o:Organization)\n"
    "WHERE " + org_in_scope("o").replace("$scope", "root.code"),
    Source.SUBTREE: OUTSIDE_COVERERS
    + "MATCH (:Organization {id: $root})<-[:PART_OF*0..12]-(o:Organization)\n"
    "WITH DISTINCT o, outside\nWHERE true",
}
_FIGURES: dict[str, LiteralString] = {
    "households": _HOUSEHOLD_FIGURES,
    "positions": _POSITION_FIGURES,
    "board": _BOARD,
}


@dataclass(frozen=True, slots=True)
class OrgFilter:
    on: dt.date
    kind: str | None = None
    level: str | None = None
    under: str | None = None
    board_min: int | None = None
    board_max: int | None = None
    coverage_below: float | None = None
    coverage_above: float | None = None
    uncovered_care: bool | None = None
    young_chair: bool | None = None

    def given(self) -> list[str]:
        values = self.params()
        return [name for name in ORG_FILTERS if values[name] is not None]

    def check(self) -> None:
        for name, value in (("boardSizeMin", self.board_min), ("boardSizeMax", self.board_max)):
            if value is not None and value < 0:
                raise BadInput(f"filter.{name} must not be negative", argument=f"filter.{name}")
        if self.board_min is not None and self.board_max is not None and self.board_min > self.board_max:
            raise BadInput(
                "filter.boardSizeMin must not exceed filter.boardSizeMax", argument="filter.boardSizeMin"
            )
        for name, ratio in (("coverageBelow", self.coverage_below), ("coverageAbove", self.coverage_above)):
            if ratio is not None and not 0 <= ratio <= 1:
                raise BadInput(f"filter.{name} must be between 0 and 1", argument=f"filter.{name}")
        below, above = self.coverage_below, self.coverage_above
        if below is not None and above is not None and above >= below:
            raise BadInput(
                "filter.coverageAbove must be below filter.coverageBelow", argument="filter.coverageAbove"
            )

    def params(self) -> dict[str, Any]:
        return {
            "on": self.on,
            "kind": self.kind,
            "level": self.level,
            "boardMin": self.board_min,
            "boardMax": self.board_max,
            "coverageBelow": self.coverage_below,
            "coverageAbove": self.coverage_above,
            "uncoveredCare": self.uncovered_care,
            "youngChair": self.young_chair,
        }


def _body(source: Source, flt: OrgFilter, sort: OrgSort | None, tallied: bool = False) -> LiteralString:
    given = flt.given()
    needed = {_NEEDS[g] for g in given if g in _NEEDS} | ({sort.value[2]} - {""} if sort else set())
    text: LiteralString = _SOURCES[source]
    for g in given:
        if g not in _NEEDS:
            text += "\n  AND " + ORG_FILTERS[g]
    text += "\n"
    for figure in ("households", "positions", "board"):
        if figure in needed:
            text += _TALLIED_HOUSEHOLD_FIGURES if tallied and figure == "households" else _FIGURES[figure]
    late: list[LiteralString] = [ORG_FILTERS[g] for g in given if g in _NEEDS]
    if late:
        text += "WITH * WHERE " + " AND ".join(late) + "\n"
    return text


def org_query(
    source: Source, flt: OrgFilter, sort: OrgSort, desc: bool, tallied: bool = False
) -> LiteralString:
    key, _, figure = sort.value
    text = _body(source, flt, sort, tallied)
    if not figure:
        seek: LiteralString = " <= coalesce($afterKey, '\uffff')" if desc else " >= coalesce($afterKey, '')"
        text += "WITH * WHERE " + key + seek + "\nWITH o, " + key + " AS k\n"
    else:
        text += "WITH o, coalesce(" + key + ", " + _NULL_NUM[desc] + ") AS k\n"
    return (
        text
        + "WITH o, k WHERE "
        + _AFTER[desc]
        + "\nWITH o, k "
        + _ORDER[desc]
        + " LIMIT $limit\nRETURN k AS key, o.code AS code, o {.id, .code, .name, .kind, .level} AS value\n"
    )


async def filter_organizations(
    db: Database, flt: OrgFilter, sort: OrgSort, desc: bool, page: PageArgs
) -> Page[Organization]:
    """One page of the organizations matching `flt` in the caller's scope (or
    under `flt.under`, itself included), in `sort` order then by code."""
    flt.check()
    root = await list_root(db, flt.under)
    if root is None:
        return Page([], False, 0 if page.total else None)
    source, root_id = root
    if source is Source.TOP and flt.under is not None:
        source = Source.SUBTREE
    counts_coverage = any(_NEEDS.get(g) == "households" for g in flt.given()) or sort in _COVERAGE_SORTS
    # Coverage figures from the villages' tallies when they hold (no outside coverers to find then).
    tallied = counts_coverage and await tallies_hold(db, root_id, flt.on)
    live_coverage = counts_coverage and not tallied
    params = flt.params() | {"root": root_id, "outsideScope": db.access.scope if live_coverage else None}
    after_key, after_code = parse_after(page.after, sort.value[1])
    found = await db.read(
        org_query(source, flt, sort, desc, tallied),
        afterKey=after_key,
        afterCode=after_code,
        limit=page.first + 1,
        **params,
    )
    total = None
    if page.total:
        total = (await db.read(_body(source, flt, None, tallied) + "RETURN count(o) AS total\n", **params))[
            0
        ]["total"]
    items = [(sort_key(r["key"], r["code"]), rows.organization(r["value"])) for r in found[: page.first]]
    return Page(items, len(found) > page.first, total)
