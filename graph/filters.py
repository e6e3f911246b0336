"""People filtered on what analysts filter on, sorted on what matters to them.

A query is assembled from the fixed fragments below: which ones are included
depends on which filters are given and on the sort, never on the values, which
are parameters. Filters combine with AND.

Where the people come from (`Source`):
- WHOLE: every person (a caller without scope and without `under`), or every
  person tested upward when the root is the top of the tree: the code or pinyin
  index is walked in sort order and the walk stops at the page, so the first
  page costs the same at 1k and at 1M people when the sort is indexed
  (CODE: person_code, NAME: person_pinyin).
- SUBTREE: the people of a root below the top, expanded downward (positions
  and households of its subtree): cost proportional to the subtree.

Indexes behind filters: an age range is a birth-date range (person_birth_date),
a role a HOLDS role (holds_role); gender, education and political status have
too few values for an index to help. Sorts on BIRTH_DATE and STAGE_REACHED_ON
are computed over every person the filters let through (cost: one row per
such person, plus one milestone lookup each for STAGE_REACHED_ON).

Masking: a caller who sees birth dates masked filters ages at birth-year
granularity (age = year of `on` − birth year: the bounds become 1 January
dates, so the answer depends on the birth year only) and may not sort by birth
date (the API refuses it); care-tag filters are refused to her by the API.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import Enum
from typing import Any, LiteralString

from graph import rows
from graph.access import person_in_scope, person_map
from graph.driver import Database
from graph.errors import BadInput
from graph.model import Page, PageArgs, Person
from graph.organizations import SEARCH_ROOT
from graph.people import SUBTREE_PEOPLE
from graph.person_filter import CURRENT_MILESTONE, PERSON_FILTERS, PersonFilter


class PersonSort(Enum):
    """A sort of people: (key expression, kind of key)."""

    CODE = ("p.code", "str")
    NAME = ("p.pinyin", "str")
    BIRTH_DATE = ("p.birthDate", "date")
    STAGE_REACHED_ON = (CURRENT_MILESTONE + ".on", "date")


# People without the key (no birth date, no milestone) come last either way.
_NULLS_LAST: dict[tuple[str, bool], LiteralString] = {
    ("date", False): "date('9999-12-31')",
    ("date", True): "date('0001-01-01')",
    ("str", False): "'\uffff'",
    ("str", True): "''",
}
_AFTER: dict[bool, LiteralString] = {
    False: "($afterCode IS NULL OR k > $afterKey OR (k = $afterKey AND p.code > $afterCode))",
    True: "($afterCode IS NULL OR k < $afterKey OR (k = $afterKey AND p.code > $afterCode))",
}
_ORDER: dict[bool, LiteralString] = {False: "ORDER BY k, p.code", True: "ORDER BY k DESC, p.code"}


# The root (the scope's or `under`) and whether it is the top of the tree.
ROOT_OF_LIST: LiteralString = (
    SEARCH_ROOT + "RETURN root.id AS id, NOT EXISTS { (root)-[:PART_OF]->(:Organization) } AS top\n"
)


class Source(Enum):
    EVERYONE = "everyone"  # no scope, no under
    TOP = "top"  # the root is the top of the tree: walk everyone, test each
    SUBTREE = "subtree"


async def list_root(db: Database, under: str | None) -> tuple[Source, str | None] | None:
    """Where a list's rows come from; None when `under` is outside the scope
    (or does not exist): the list is empty."""
    if under is None and db.access.scope is None:
        return Source.EVERYONE, None
    found = await db.read(ROOT_OF_LIST, under=under)
    if not found:
        return None
    return (Source.TOP if found[0]["top"] else Source.SUBTREE), found[0]["id"]


# Whether the tree is whole: one organization at the top, every household in
# a grid and every grid in an organization (the writes keep one grid to a
# household, one organization to a grid, and placement keeps the tree a few
# levels deep). Then the top's subtree holds every organization, grid and
# household, and "the people under the top" are everyone who lives in a
# household or holds a position anywhere: found from the relationship type
# index in one db hit a row instead of walking the tree (a county's 200k
# people: 0.43M db hits instead of 0.86M). The counts but the first come from
# the count store (one db hit each); the tops are ~2 db hits an organization
# (its degree: an organization's PART_OF leads only to an organization).
WHOLE_TREE: LiteralString = """CALL () {
  MATCH (o:Organization) WHERE NOT EXISTS { (o)-[:PART_OF]->() } RETURN count(o) AS tops
}
CALL () { MATCH (h:Household) RETURN count(h) AS households }
CALL () { MATCH (:Household)-[r:IN_GRID]->() RETURN count(r) AS gridded }
CALL () { MATCH (g:Grid) RETURN count(g) AS grids }
CALL () { MATCH (:Grid)-[r:PART_OF]->() RETURN count(r) AS owned }
RETURN tops = 1 AND households = gridded AND grids = owned AS whole
"""


async def whole_tree(db: Database, source: Source) -> bool:
    """Whether a whole list from `source` may take everyone placed in the
    graph for the people (or every household) under its root: the root is
    the top of a whole tree (`WHOLE_TREE`). The root is in the caller's scope,
    so at the top her scope is the whole tree and nothing needs a scope test."""
    if source is not Source.TOP:
        return False
    return bool((await db.read(WHOLE_TREE))[0]["whole"])


# Everyone living in a household or holding a position (on any day): the people
# under the top of a whole tree, each once.
PLACED_PEOPLE: LiteralString = """CALL () {
  MATCH (p)-[:LIVES_IN]->() RETURN p
  UNION ALL
  MATCH (p)-[:HOLDS]->() WHERE NOT EXISTS { (p)-[:LIVES_IN]->() } RETURN DISTINCT p
}
WITH p WHERE true"""


# Under the root, tested upward from the person (the scope test with the root
# for the scope root): a few hops, never an expansion of the root's subtree.
PERSON_UNDER_ROOT: LiteralString = person_in_scope("p").replace("$scope", "root.code")
_UNDER_TOP: LiteralString = "MATCH (root:Organization {id: $root})\nWITH p, root WHERE " + PERSON_UNDER_ROOT
_PEOPLE_SOURCES: dict[Source, LiteralString] = {
    Source.EVERYONE: "MATCH (p:Person)\nWHERE true",
    # The root is the scope root or `under` (in the scope): under it is in scope.
    Source.TOP: "MATCH (root:Organization {id: $root})\nMATCH (p:Person)\nWHERE " + PERSON_UNDER_ROOT,
    Source.SUBTREE: "MATCH (root:Organization {id: $root})" + SUBTREE_PEOPLE + "WITH DISTINCT p\nWHERE true",
}
# Selective filters start from what they name instead of walking everyone (the
# filter's own fragment still applies): the holders of a role (holds_role index),
# or the people who reached the stages named (each person's current stage is one
# she reached). The holders are found with the role filter's every condition, so
# its fragment is left out; a position is in scope when its organization is in
# the scope's organizations, listed once (a test upward per position costs a
# dozen db hits: 64k for a county's executives), and needs no test when the
# scope is the top of a whole tree ($holdersScope null: `holders_scope`; the
# list costs 13.5k db hits on a county). "Active" is written with coalesce so
# that one index seek serves it (as an OR the planner seeks the role twice).
_HOLDERS: LiteralString = """CALL () {
  OPTIONAL MATCH (:Organization {code: $holdersScope})<-[:PART_OF*0..12]-(o:Organization)
  RETURN collect(o) AS scopeOrgs_
}
MATCH (p:Person)-[h:HOLDS]->(o:Organization)
WHERE h.role IN $roles AND h.since <= $on AND coalesce(h.until, date('9999-12-31')) > $on
  AND ($holdersScope IS NULL OR o IN scopeOrgs_)
  AND ($roleLevel IS NULL OR o.level = $roleLevel) AND ($roleKind IS NULL OR o.kind = $roleKind)
WITH DISTINCT p
"""


def holders_scope(db: Database, whole: bool) -> str | None:
    """$holdersScope: the caller's scope, or None when it is the top of a whole
    tree (`whole`: `whole_tree` of a list at the top), which holds every position."""
    return None if whole else db.access.scope


_WITH_MILESTONES: LiteralString = (
    "MATCH (s:Stage)<-[:REACHED]-(p:Person) WHERE s.name IN $seedStages\nWITH DISTINCT p\n"
)
# At the top of the tree with a scope, the root is the scope's root: a position
# in scope puts its holder under the root, so she needs no test upward.
_SEEDED_SOURCES: dict[tuple[str, Source, bool], LiteralString] = {
    ("role", Source.EVERYONE, False): _HOLDERS + "WITH p WHERE true",
    ("role", Source.TOP, False): _HOLDERS + _UNDER_TOP,
    ("role", Source.TOP, True): _HOLDERS + "WITH p WHERE true",
    ("stage", Source.EVERYONE, False): _WITH_MILESTONES + "WITH p WHERE true",
    ("stage", Source.TOP, False): _WITH_MILESTONES + _UNDER_TOP,
    ("stage", Source.TOP, True): _WITH_MILESTONES + _UNDER_TOP,
}


def people_source(
    source: Source, flt: PersonFilter, *, scoped: bool, whole: bool = False
) -> tuple[LiteralString, list[LiteralString]]:
    """Where the people of a filtered list come from (see the module docstring),
    and the filter fragments still to apply to them. `scoped`: the caller has a
    scope. For the `whole` list (a count, a group-by) at the top of the tree,
    the root's subtree is expanded downward: every person is visited once
    either way, and an expansion costs far less than a test upward per person
    (`whole_people_source` takes everyone placed instead when it may)."""
    fragments = flt.fragments()
    if source is not Source.SUBTREE:
        if flt.roles is not None:
            seeded = _SEEDED_SOURCES[("role", source, scoped and source is Source.TOP)]
            return seeded, [f for f in fragments if f is not PERSON_FILTERS["role"]]
        if flt.stages is not None or flt.reached_stage is not None:
            return _SEEDED_SOURCES[("stage", source, scoped and source is Source.TOP)], fragments
    if whole and source is Source.TOP:
        return _PEOPLE_SOURCES[Source.SUBTREE], fragments
    return _PEOPLE_SOURCES[source], fragments


def whole_people_source(
    source: Source, flt: PersonFilter, *, scoped: bool, whole: bool
) -> tuple[LiteralString, list[LiteralString]]:
    """`people_source` of a whole list (a count, a group-by); at the top of a
    whole tree (`whole`) everyone placed (`PLACED_PEOPLE`) in place of the
    expansion."""
    text, fragments = people_source(source, flt, scoped=scoped, whole=True)
    if whole and text is _PEOPLE_SOURCES[Source.SUBTREE]:
        return PLACED_PEOPLE, fragments
    return text, fragments


def people_query(
    source: LiteralString, fragments: list[LiteralString], sort: PersonSort, desc: bool
) -> LiteralString:
    """The page query: source, filters, keyset after the cursor, sorted page."""
    key, kind = sort.value
    where: LiteralString = "".join("\n  AND " + f for f in fragments)
    seek: LiteralString = ""
    if sort in (PersonSort.CODE, PersonSort.NAME):
        # A range predicate on the sort key lets the planner walk its index in order.
        seek = (
            "\n  AND "
            + key
            + (" <= coalesce($afterKey, '\uffff')" if desc else " >= coalesce($afterKey, '')")
        )
        key_expr = key
    else:
        key_expr = "coalesce(" + key + ", " + _NULLS_LAST[(kind, desc)] + ")"
    return (
        source
        + where
        + seek
        + "\nWITH p, "
        + key_expr
        + " AS k\nWHERE "
        + _AFTER[desc]
        + "\nWITH p, k "
        + _ORDER[desc]
        + " LIMIT $limit\nRETURN k AS key, p.code AS code, "
        + person_map("p")
        + " AS value\n"
    )


def people_matching(source: LiteralString, fragments: list[LiteralString]) -> LiteralString:
    """The people of `source` that pass every filter, as rows of `p`."""
    where: LiteralString = "".join("\n  AND " + f for f in fragments)
    return source + where + "\n"


def count_query(source: LiteralString, fragments: list[LiteralString]) -> LiteralString:
    return people_matching(source, fragments) + "RETURN count(DISTINCT p) AS total\n"


def sort_key(key: Any, code: str) -> str:
    """A cursor's sort key: the sort value (ISO text for a date) and the code."""
    value = key.iso_format() if hasattr(key, "iso_format") else key
    return json.dumps([value, code], ensure_ascii=False)


def parse_after(after: str | None, kind: str) -> tuple[Any, str | None]:
    """(sort value, code) of a cursor of this sort; BadInput for another one."""
    if after is None:
        return None, None
    try:
        value, code = json.loads(after)
        if kind == "date":
            value = dt.date.fromisoformat(value)
        elif kind == "str" and not isinstance(value, str):
            raise ValueError(value)
        elif kind == "num":
            value = float(value)
        return value, str(code)
    except (ValueError, TypeError) as e:
        raise BadInput("the cursor belongs to another order or list", argument="after") from e


async def filter_people(
    db: Database, flt: PersonFilter, sort: PersonSort, desc: bool, page: PageArgs
) -> Page[Person]:
    """One page of the people matching `flt` in the caller's scope (or under
    `flt.under`), in `sort` order then by code."""
    root = await list_root(db, flt.under)
    if root is None:
        return Page([], False, 0 if page.total else None)
    where, root_id = root
    scoped = db.access.scope is not None
    source, fragments = people_source(where, flt, scoped=scoped)
    whole = (page.total or flt.roles is not None) and await whole_tree(db, where)
    params = flt.params(db.access.reveal) | {
        "root": root_id,
        "under": flt.under,
        "role": None,
        "holdersScope": holders_scope(db, whole),
    }
    after_key, after_code = parse_after(page.after, sort.value[1])
    found = await db.read(
        people_query(source, fragments, sort, desc),
        afterKey=after_key,
        afterCode=after_code,
        limit=page.first + 1,
        **params,
    )
    total = None
    if page.total:
        counted, counted_fragments = whole_people_source(where, flt, scoped=scoped, whole=whole)
        total = (await db.read(count_query(counted, counted_fragments), **params))[0]["total"]
    items = [(sort_key(r["key"], r["code"]), rows.person(r["value"])) for r in found[: page.first]]
    return Page(items, len(found) > page.first, total)
