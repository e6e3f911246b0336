"""Dashboard figures of an organization on a date, for its subtree and for each
child organization's subtree: people per active role, households per tag, and
coverage. Each query walks the subtree once and files every row under its
child and under the total ('*').

Scope: the organization must lie in the caller's scope (else every figure is
zero and there are no children); a household counts as covered only by someone
in scope, as a coverer outside it does not exist for the caller."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, LiteralString

from graph import rows
from graph.access import CARE_TAG_LIST, org_in_scope, person_in_scope
from graph.aggregates import owners_of, reader_params
from graph.driver import Database
from graph.model import HouseholdTag, Organization, Role

_ROOT: LiteralString = (
    """
MATCH (root:Organization {id: $id})
WHERE """
    + org_in_scope("root")
    + "\n"
)

# The child of root that a row belongs to is the second node of its PART_OF path.
# Households are first counted per organization owning their grids (`own`),
# then per group. Care tags are masked for a caller without $reveal: a count
# over fewer than $minGroupSize households would point at them, so a care
# tag's count is withheld (null) from a group in which any organization holds
# fewer. Every count given then covers whole organizations of at least
# $minGroupSize households each, and so does any difference of two counts (a
# township's total minus its other villages is still its whole small village's
# count, and is withheld). Honor tags, public, are always counted.
HOUSEHOLD_FIGURES: LiteralString = (
    _ROOT
    + """MATCH path = (root)<-[:PART_OF*0..12]-(o:Organization)<-[:PART_OF]-(g:Grid)
WITH DISTINCT g, o, CASE WHEN length(path) >= 2 THEN nodes(path)[1].id END AS child
WITH g, o, child, EXISTS {
  MATCH (g)<-[c:COVERS]-(p:Person) WHERE c.since <= $on AND (c.until IS NULL OR c.until > $on)
    AND """
    + (person_in_scope("p"))
    + """
} AS gridCovered
MATCH (g)<-[:IN_GRID]-(h:Household)
WITH child, o, h, gridCovered OR EXISTS {
  MATCH (h)<-[c:COVERS]-(p:Person) WHERE c.since <= $on AND (c.until IS NULL OR c.until > $on)
    AND """
    + (person_in_scope("p"))
    + """
} AS covered
WITH child, o, count(h) AS own, count(CASE WHEN covered THEN 1 END) AS covered, collect(h.tags) AS tagLists
WITH child, own, covered, [t IN $tags | size([l IN tagLists WHERE t IN l])] AS tagCounts
UNWIND CASE WHEN child IS NULL THEN ['*'] ELSE [child, '*'] END AS groupKey
WITH groupKey, sum(own) AS households, sum(covered) AS covered, min(own) AS smallest,
     collect(tagCounts) AS tagCounts
RETURN groupKey, households, covered,
       [i IN range(0, size($tags) - 1) | {tag: $tags[i],
         count: CASE WHEN NOT $reveal AND smallest < $minGroupSize AND $tags[i] IN """
    + CARE_TAG_LIST
    + """ THEN null ELSE reduce(n = 0, c IN tagCounts | n + c[i]) END}] AS tags
"""
)

# The same rows from the villages' tallies (graph.aggregates), in one row:
# `usable` false (tallies not holding on $on, or a coverer outside the caller's
# scope) sends the question to HOUSEHOLD_FIGURES. Only villages with
# households count, as a village without any has no row above.
TALLIED_HOUSEHOLD_FIGURES: LiteralString = (
    _ROOT
    + owners_of("root")
    + """WITH root, owners, fresh AND outside = 0 AS usable
CALL (root, usable) {
  MATCH path = (root)(()<-[:PART_OF]-(:Organization)){0,12}(o:Organization)
  WHERE usable AND o.tallyHouseholds > 0
  WITH CASE WHEN length(path) >= 1 THEN nodes(path)[1].id END AS child, o.tallyHouseholds AS own,
       o.tallyCovered AS covered, o.tallyTags AS tagCounts
  UNWIND CASE WHEN child IS NULL THEN ['*'] ELSE [child, '*'] END AS groupKey
  WITH groupKey, sum(own) AS households, sum(covered) AS covered, min(own) AS smallest,
       collect(tagCounts) AS tagCounts
  RETURN collect({groupKey: groupKey, households: households, covered: covered,
       tags: [i IN range(0, size($tags) - 1) | {tag: $tags[i],
         count: CASE WHEN NOT $reveal AND smallest < $minGroupSize AND $tags[i] IN """
    + CARE_TAG_LIST
    + """ THEN null ELSE reduce(n = 0, c IN tagCounts | n + c[i]) END}]}) AS groups
}
RETURN usable, groups
"""
)

ROLE_FIGURES: LiteralString = (
    _ROOT
    + """MATCH path = (root)<-[:PART_OF*0..12]-(o:Organization)<-[h:HOLDS]-(p:Person)
WHERE h.since <= $on AND (h.until IS NULL OR h.until > $on)
WITH p, h.role AS role, CASE WHEN length(path) >= 2 THEN nodes(path)[1].id END AS child
UNWIND CASE WHEN child IS NULL THEN ['*'] ELSE [child, '*'] END AS groupKey
RETURN groupKey, role, count(DISTINCT p) AS people
"""
)

CHILDREN: LiteralString = (
    _ROOT
    + """MATCH (root)<-[:PART_OF]-(c:Organization)
RETURN c {.id, .code, .name, .kind, .level} AS child ORDER BY child.code
"""
)


@dataclass(frozen=True, slots=True)
class Figures:
    """Figures of one subtree (an organization's, or one of its children's)."""

    households: int = 0
    covered: int = 0
    # None: withheld, the group being too small for the caller (see HOUSEHOLD_FIGURES).
    by_tag: dict[HouseholdTag, int | None] = field(default_factory=dict)
    by_role: dict[Role, int] = field(default_factory=dict)


async def organization_figures(
    db: Database, organization_id: str, on: dt.date, *, min_group_size: int
) -> tuple[Figures, list[tuple[Organization, Figures]]]:
    """(the whole subtree's figures, each child's figures); care-tag counts of
    fewer than `min_group_size` households withheld from a caller who may not
    see care tags."""
    params = {"id": organization_id, "on": on}
    tags = [t.value for t in HouseholdTag]
    tallied = await db.read(
        TALLIED_HOUSEHOLD_FIGURES, **params, tags=tags, minGroupSize=min_group_size, **reader_params()
    )
    if tallied and tallied[0]["usable"]:
        household_rows: list[Any] = tallied[0]["groups"]
    else:
        household_rows = await db.read(HOUSEHOLD_FIGURES, **params, tags=tags, minGroupSize=min_group_size)
    role_rows = await db.read(ROLE_FIGURES, **params)
    children = [rows.organization(r["child"]) for r in await db.read(CHILDREN, **params)]
    groups: dict[str, Figures] = {}
    for r in household_rows:
        by_tag = {HouseholdTag[t["tag"]]: t["count"] for t in r["tags"]}
        groups[r["groupKey"]] = Figures(r["households"], r["covered"], by_tag, {})
    for r in role_rows:
        figures = groups.setdefault(r["groupKey"], Figures())
        figures.by_role[Role[r["role"]]] = r["people"]
    return groups.get("*", Figures()), [(c, groups.get(c.id, Figures())) for c in children]
