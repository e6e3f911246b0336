"""Group-by counts, the cross-tables of a county's annual report: people of a
subtree (filtered as `graph.filters` filters them) counted by age band,
education, political status, role, level, pipeline stage and child
organization; households by tag, coverage status and child organization.

Each dimension is a fixed fragment giving every person (household) her key:
one for age band, education, political status, stage and (a row per child
she is under) child organization; a list for roles and levels, one per role
or level she holds (a person holding two roles counts in both rows, so rows
of those dimensions may add up to more than the people). The query includes
the fragments of the dimensions asked, in the order asked, unwinds the lists
and counts the rows per combination (each person's rows are distinct:
households are counted distinct). At the top of a whole tree the people come
from `graph.filters.PLACED_PEOPLE` or WHOLE_PEOPLE_BY_CHILD; householdStats by
coverage status and child organization from the coverage tallies when they
answer (`graph.analytics.tallied_groups`).

Groups smaller than the minimum group size are withheld from callers who see
personal data masked (ANALYST): a count of 1 or 2 in a cross-table of a village
points at a person. Ages are by birth year for them (as in `graph.filters`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, LiteralString

from graph.analytics.tallied_groups import tallied_household_groups
from graph.driver import Database
from graph.errors import BadInput
from graph.filters import (
    Source,
    holders_scope,
    list_root,
    people_matching,
    whole_people_source,
    whole_tree,
)
from graph.household_lists import COVERER_LISTED, HouseholdFilter, coverage_status, households_matching
from graph.person_filter import AGE, CURRENT_MILESTONE, PersonFilter

# A position active on $on in the root's subtree: at the top of a whole tree
# (graph.filters.whole_tree) every position is, and $heldUnder is null. (As a
# CASE the walk up is not planned for every row when $heldUnder is null: 160k
# db hits on a county.)
ACTIVE_HERE: LiteralString = (
    "h.since <= $on AND (h.until IS NULL OR h.until > $on) AND "
    "(CASE WHEN $heldUnder IS NULL THEN true "
    "ELSE $heldUnder IN [(o)-[:PART_OF*0..12]->(up_:Organization) | up_.id] END)"
)


def _held(dim: LiteralString, key: LiteralString) -> LiteralString:
    """The distinct `key`s of her positions active here, ['NONE'] without any.
    Only people holding some position (one db hit to know) have theirs read: a
    county's 190k residents holding none cost 0.5M db hits more otherwise. A
    list comprehension made distinct by `reduce` costs half the time of a
    subquery per person (COLLECT or CALL) for the same db hits."""
    return (
        "WITH *, CASE WHEN EXISTS { (p)-[:HOLDS]->() } THEN reduce(acc_ = [], key_ IN "
        + "[(p)-[h:HOLDS]->(o:Organization) WHERE "
        + ACTIVE_HERE
        + " | "
        + key
        + "] | CASE WHEN key_ IN acc_ THEN acc_ ELSE acc_ + key_ END) ELSE [] END AS held_"
        + dim
        + "\nWITH *, CASE WHEN held_"
        + dim
        + " = [] THEN ['NONE'] ELSE held_"
        + dim
        + " END AS d_"
        + dim
        + "\n"
    )


AGE_BANDS: dict[str, str] = {
    "AGE_35_OR_UNDER": "35岁及以下",
    "AGE_36_TO_45": "36–45岁",
    "AGE_46_TO_55": "46–55岁",
    "AGE_56_OR_OVER": "56岁及以上",
}

PEOPLE_DIMENSIONS: dict[str, LiteralString] = {
    "AGE_BAND": "WITH *, CASE WHEN "
    + AGE
    + " IS NULL THEN 'UNKNOWN' WHEN "
    + AGE
    + " <= 35 THEN 'AGE_35_OR_UNDER' WHEN "
    + AGE
    + " <= 45 THEN 'AGE_36_TO_45' WHEN "
    + AGE
    + " <= 55 THEN 'AGE_46_TO_55' ELSE 'AGE_56_OR_OVER' END AS k_AGE_BAND\n",
    "EDUCATION": "WITH *, coalesce(p.education, 'UNKNOWN') AS k_EDUCATION\n",
    "POLITICAL_STATUS": "WITH *, coalesce(p.politicalStatus, 'UNKNOWN') AS k_POLITICAL_STATUS\n",
    "ROLE": _held("ROLE", "h.role"),
    "LEVEL": _held("LEVEL", "o.level"),
    "STAGE": "WITH *, coalesce(" + CURRENT_MILESTONE + ".stage, 'NONE') AS k_STAGE\n",
    # Bound by PEOPLE_BY_CHILD, which gives a person one row per child she is under.
    "CHILD_ORGANIZATION": "WITH *, childKey AS k_CHILD_ORGANIZATION\n",
}
# The people's dimensions giving a list of keys (unwound); the others give one
# key (k_) each. A person's row is distinct (and her lists hold distinct keys),
# so the rows are counted without a DISTINCT (per row, which costs as much
# time again as the rest on a county's 200k people).
PEOPLE_LISTS = frozenset({"ROLE", "LEVEL"})

# The people of the root's subtree, one row per child of the root whose subtree
# she holds a position (on any day) or lives in, keyed [code, name]; a person
# under none of them (attached to the root itself only) has the key ['', ''].
# Walking down from each child once costs one visit per person; asking each
# person for her child walks up through grids and villages with hundreds of
# relationships each (36M db hits for a county's 200k people). The depths keep
# the subtree of SUBTREE_PEOPLE (the root and 12 levels below it), and its
# patterns (graph.people: no label tests at the ends, the path named). The
# outer UNION makes each (person, child) one row: the inner one keeps them all
# (one DISTINCT over a county's 200k rows, not two).
PEOPLE_BY_CHILD: LiteralString = """MATCH (root:Organization {id: $root})
CALL (root) {
  MATCH (root)<-[:PART_OF]-(child:Organization)
  WITH child, [child.code, child.name] AS childKey
  CALL (child) {
    MATCH (child)<-[sub_:PART_OF*0..11]-(:Organization)<-[:HOLDS]-(p)
    WHERE size(sub_) <= 11
    RETURN p
    UNION ALL
    MATCH (child)<-[:PART_OF*0..11]-(:Organization)<-[:PART_OF]-(:Grid)<-[:IN_GRID]-()<-[:LIVES_IN]-(p)
    RETURN p
  }
  RETURN p, childKey
  UNION
  MATCH (root)<-[:HOLDS]-(p:Person)
  WHERE NOT EXISTS { (p)-[:HOLDS]->(:Organization)-[:PART_OF*1..12]->(root) }
    AND NOT EXISTS { (p)-[:LIVES_IN]->(:Household)-[:IN_GRID]->(:Grid)-[:PART_OF]->(:Organization)
                     -[:PART_OF*1..12]->(root) }
  RETURN p, ['', ''] AS childKey
  UNION
  MATCH (root)<-[:PART_OF]-(:Grid)<-[:IN_GRID]-(:Household)<-[:LIVES_IN]-(p:Person)
  WHERE NOT EXISTS { (p)-[:HOLDS]->(:Organization)-[:PART_OF*1..12]->(root) }
    AND NOT EXISTS { (p)-[:LIVES_IN]->(:Household)-[:IN_GRID]->(:Grid)-[:PART_OF]->(:Organization)
                     -[:PART_OF*1..12]->(root) }
  RETURN p, ['', ''] AS childKey
}
WITH p, childKey
WHERE true"""

# The same rows at the top of a whole tree (graph.filters.whole_tree), without
# the UNIONs' DISTINCT over every row that costs most of the time on a county:
# each child's residents found from its grids, listed once (distinct within
# the child), and its position holders who live in none of them. 0.2M db hits
# more (the holders' homes), a third of the time (county: ~0.4 s → ~0.15 s for
# the rows alone).
WHOLE_PEOPLE_BY_CHILD: LiteralString = """MATCH (root:Organization {id: $root})
CALL (root) {
  MATCH (root)<-[:PART_OF]-(child:Organization)
  WITH child, [child.code, child.name] AS childKey
  CALL (child) {
    MATCH (child)<-[:PART_OF*0..11]-(:Organization)<-[:PART_OF]-(g:Grid)
    RETURN collect(g) AS grids_
  }
  CALL (child, grids_) {
    UNWIND grids_ AS g
    MATCH (g)<-[:IN_GRID]-()<-[:LIVES_IN]-(p)
    RETURN DISTINCT p
    UNION ALL
    MATCH (child)<-[sub_:PART_OF*0..11]-(:Organization)<-[:HOLDS]-(p)
    WHERE size(sub_) <= 11
      AND NOT any(home_ IN [(p)-[:LIVES_IN]->()-[:IN_GRID]->(g_) | g_] WHERE home_ IN grids_)
    WITH DISTINCT p
    RETURN p
  }
  RETURN p, childKey
  UNION ALL
  CALL (root) {
    MATCH (root)<-[:HOLDS]-(p:Person)
    RETURN p
    UNION
    MATCH (root)<-[:PART_OF]-(:Grid)<-[:IN_GRID]-(:Household)<-[:LIVES_IN]-(p:Person)
    RETURN p
  }
  WITH p WHERE NOT EXISTS { (p)-[:HOLDS]->(:Organization)-[:PART_OF*1..12]->(root) }
    AND NOT EXISTS { (p)-[:LIVES_IN]->(:Household)-[:IN_GRID]->(:Grid)-[:PART_OF]->(:Organization)
                     -[:PART_OF*1..12]->(root) }
  RETURN p, ['', ''] AS childKey
}
WITH p, childKey
WHERE true"""

HOUSEHOLD_DIMENSIONS: dict[str, LiteralString] = {
    "TAG": "WITH *, CASE WHEN coalesce(hh.tags, []) = [] THEN ['NONE'] ELSE hh.tags END AS d_TAG\n",
    "COVERAGE_STATUS": "WITH *, [" + coverage_status(COVERER_LISTED) + "] AS d_COVERAGE_STATUS\n",
    "CHILD_ORGANIZATION": """WITH *, COLLECT {
  UNWIND [(hh)-[:IN_GRID]->(:Grid)-[:PART_OF]->(:Organization)-[:PART_OF*0..12]->(child:Organization)
          -[:PART_OF]->(up_:Organization) WHERE up_.id = $root | [child.code, child.name]] AS childKey
  RETURN DISTINCT childKey
} AS d_CHILD_ORGANIZATION
WITH *, CASE WHEN d_CHILD_ORGANIZATION = [] THEN [['', '']] ELSE d_CHILD_ORGANIZATION END
  AS d_CHILD_ORGANIZATION
""",
}

# The UNWIND of each dimension giving a list, and the key of each, by name.
_UNWIND: dict[str, LiteralString] = {
    "ROLE": "UNWIND d_ROLE AS k_ROLE\n",
    "LEVEL": "UNWIND d_LEVEL AS k_LEVEL\n",
    "CHILD_ORGANIZATION": "UNWIND d_CHILD_ORGANIZATION AS k_CHILD_ORGANIZATION\n",
    "TAG": "UNWIND d_TAG AS k_TAG\n",
    "COVERAGE_STATUS": "UNWIND d_COVERAGE_STATUS AS k_COVERAGE_STATUS\n",
}
_KEY: dict[str, LiteralString] = {
    "AGE_BAND": "k_AGE_BAND",
    "EDUCATION": "k_EDUCATION",
    "POLITICAL_STATUS": "k_POLITICAL_STATUS",
    "ROLE": "k_ROLE",
    "LEVEL": "k_LEVEL",
    "STAGE": "k_STAGE",
    "CHILD_ORGANIZATION": "k_CHILD_ORGANIZATION",
    "TAG": "k_TAG",
    "COVERAGE_STATUS": "k_COVERAGE_STATUS",
}


@dataclass(frozen=True, slots=True)
class GroupRow:
    """One cell of a cross-table: a key per dimension asked, and the count."""

    keys: tuple[Any, ...]
    count: int


@dataclass(frozen=True, slots=True)
class GroupTable:
    rows: list[GroupRow]
    suppressed: int  # groups withheld for being smaller than the minimum group size
    min_group_size: int


def _group_query(
    base: LiteralString,
    dims: list[str],
    table: dict[str, LiteralString],
    lists: frozenset[str],
    counted: LiteralString,
) -> LiteralString:
    """`base`'s rows keyed by `dims` (those in `lists` unwound) and counted
    with `counted` (e.g. count(*) or count(DISTINCT hh))."""
    text = base
    for d in dims:
        text += table[d]
    for d in dims:
        if d in lists:
            text += _UNWIND[d]
    keys: LiteralString = ", ".join(_KEY[d] for d in dims)
    return text + "RETURN [" + keys + "] AS keys, " + counted + " AS count ORDER BY keys\n"


def _check(dims: list[str], table: dict[str, LiteralString], root: str | None) -> None:
    if not dims:
        raise BadInput("groupBy needs at least one dimension", argument="groupBy")
    if len(set(dims)) != len(dims):
        raise BadInput("groupBy names a dimension twice", argument="groupBy")
    unknown = [d for d in dims if d not in table]
    if unknown:
        raise BadInput(f"cannot group by {unknown[0]}", argument="groupBy")
    if "CHILD_ORGANIZATION" in dims and root is None:
        raise BadInput("grouping by CHILD_ORGANIZATION needs `under`", argument="under")


def _table(found: list[Any], min_size: int, suppress: bool) -> GroupTable:
    kept = [GroupRow(tuple(r["keys"]), r["count"]) for r in found]
    if not suppress:
        return GroupTable(kept, 0, min_size)
    shown = [r for r in kept if r.count >= min_size]
    return GroupTable(shown, len(kept) - len(shown), min_size)


async def people_groups(db: Database, flt: PersonFilter, dims: list[str], min_size: int) -> GroupTable:
    """People matching `flt` under `flt.under` (or in the scope), counted per
    combination of `dims`."""
    root = await list_root(db, flt.under)
    _check(dims, PEOPLE_DIMENSIONS, root[1] if root else "")
    if root is None:
        return GroupTable([], 0, min_size)
    source, root_id = root
    whole = await whole_tree(db, source)
    if "CHILD_ORGANIZATION" in dims:
        base = people_matching(WHOLE_PEOPLE_BY_CHILD if whole else PEOPLE_BY_CHILD, flt.fragments())
    else:
        text, fragments = whole_people_source(source, flt, scoped=db.access.scope is not None, whole=whole)
        base = people_matching(text, fragments) + "WITH DISTINCT p\n"
    found = await db.read(
        _group_query(base, dims, PEOPLE_DIMENSIONS, PEOPLE_LISTS, "count(*)"),
        root=root_id,
        heldUnder=None if whole else root_id,
        holdersScope=holders_scope(db, whole),
        under=flt.under,
        role=None,
        **flt.params(db.access.reveal),
    )
    return _table(found, min_size, not db.access.reveal)


async def household_groups(db: Database, flt: HouseholdFilter, dims: list[str], min_size: int) -> GroupTable:
    """Households matching `flt` under `flt.under` (or in the scope), counted per
    combination of `dims`."""
    root = await list_root(db, flt.village or flt.under)
    _check(dims, HOUSEHOLD_DIMENSIONS, root[1] if root else "")
    if root is None:
        return GroupTable([], 0, min_size)
    source, root_id = root
    tallied = await tallied_household_groups(db, flt, dims, source, root_id)
    if tallied is not None:
        return _table(tallied, min_size, not db.access.reveal)
    if flt.grid is None and await whole_tree(db, source):
        source = Source.EVERYONE  # the top of a whole tree: every household is under it
    base = households_matching(flt, source, whole=True) + "WITH DISTINCT hh, outside\n"
    found = await db.read(
        _group_query(base, dims, HOUSEHOLD_DIMENSIONS, frozenset(HOUSEHOLD_DIMENSIONS), "count(DISTINCT hh)"),
        root=root_id,
        after=None,
        outsideScope=db.access.scope if flt.coverage or "COVERAGE_STATUS" in dims else None,
        **flt.params(),
    )
    return _table(found, min_size, not db.access.reveal)
