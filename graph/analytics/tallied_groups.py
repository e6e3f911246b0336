"""Households counted by coverage status and child organization from the
villages' coverage tallies (graph.aggregates), for `householdStats` when they
answer: a county's table from a few hundred numbers instead of the coverers of
100k households (25M db hits, seconds).

A village's tally holds its households (`tallyHouseholds`), those covered by
anyone (`tallyCovered`) and by several (`tallyMultiply`), so UNCOVERED is
households − covered, COVERED_ONCE covered − multiply, MULTIPLY_COVERED
multiply: the live statuses' counts (graph.household_lists.coverage_status),
each household counted once. A village lies under one child of the root (the
root's own villages are keyed ['', ''], as live). Used only when the tallies
hold for the root's subtree on the day asked and no coverer there is outside
the caller's scope (`TALLIES_ANSWER`), without filters on tags,
coverage or grid, and for the dimensions CHILD_ORGANIZATION and
COVERAGE_STATUS only; anything else is counted live.
"""

from __future__ import annotations

from typing import Any, LiteralString

from graph.aggregates import owners_of, reader_params
from graph.driver import Database
from graph.filters import Source, whole_tree
from graph.household_lists import HouseholdFilter

TALLIED_DIMENSIONS = frozenset({"CHILD_ORGANIZATION", "COVERAGE_STATUS"})

# Whether the tallies answer for the subtree of $root on $on for this caller:
# `outside` of graph.aggregates.owners_of, except that at the top of a whole tree
# ($whole: graph.filters.whole_tree) a coverer is outside the scope only when
# she is placed nowhere (no position, no home): two degrees instead of a walk
# up from each of a county's coverers (250k db hits).
TALLIES_ANSWER: LiteralString = (
    "MATCH (root:Organization {id: $root})\n"
    + owners_of("root")
    + "RETURN fresh AND (CASE WHEN $scope IS NOT NULL AND $whole THEN COUNT {"
    " UNWIND coverCodes AS code MATCH (p:Person {code: code})"
    " WHERE NOT EXISTS { (p)-[:HOLDS]->() } AND NOT EXISTS { (p)-[:LIVES_IN]->() } RETURN p }"
    " ELSE outside END) = 0 AS usable\n"
)

# One row per child and status with households, in no particular order.
TALLIED_STATUSES: LiteralString = """
MATCH path = (:Organization {id: $root})(()<-[:PART_OF]-(:Organization)){0,12}(o:Organization)
WHERE o.tallyVersion = $tallyVersion AND o.tallyHouseholds > 0
WITH CASE WHEN length(path) >= 1 THEN [nodes(path)[1].code, nodes(path)[1].name] ELSE ['', ''] END
       AS childKey, o
WITH childKey, sum(o.tallyHouseholds - o.tallyCovered) AS uncovered,
     sum(o.tallyCovered - o.tallyMultiply) AS once, sum(o.tallyMultiply) AS multiply
UNWIND [['UNCOVERED', uncovered], ['COVERED_ONCE', once], ['MULTIPLY_COVERED', multiply]] AS s
RETURN childKey, s[0] AS status, s[1] AS count
"""


async def tallied_household_groups(
    db: Database, flt: HouseholdFilter, dims: list[str], source: Source, root: str | None
) -> list[dict[str, Any]] | None:
    """Rows of (keys in the order of `dims`, count) sorted by keys, as the live
    group-by gives them; None when the tallies do not answer."""
    unfiltered = flt.tags is None and flt.coverage is None and flt.grid is None
    if root is None or not unfiltered or not set(dims) <= TALLIED_DIMENSIONS:
        return None
    whole = await whole_tree(db, source)
    found = await db.read(TALLIES_ANSWER, root=root, on=flt.on, whole=whole, **reader_params())
    if not (found and found[0]["usable"]):
        return None
    counts: dict[tuple[Any, ...], int] = {}
    for r in await db.read(TALLIED_STATUSES, root=root, **reader_params()):
        named = {"CHILD_ORGANIZATION": tuple(r["childKey"]), "COVERAGE_STATUS": r["status"]}
        keys = tuple(named[d] for d in dims)
        counts[keys] = counts.get(keys, 0) + r["count"]
    return [
        {"keys": [list(k) if isinstance(k, tuple) else k for k in keys], "count": n}
        for keys, n in sorted(counts.items())
        if n > 0
    ]
