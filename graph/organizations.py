"""Organizations and the territorial tree they form (PART_OF), plus what hangs
below an organization's subtree: grids and households.

Every batch function takes keys (organization ids) and returns one result per
key, in key order. Lists are keyset-paginated on `code`.

Reads are confined to the caller's scope (graph.access): a lookup of an
organization outside it finds nothing, the way up (parent, ancestors) stops at
the scope root, and searches list only the scope. What hangs below an
organization (children, descendants, grids, households) needs no test: the
organization was reached in scope, and its subtree is too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import LiteralString

from graph import rows
from graph.access import CARE_TAG_LIST, household_map, org_in_scope
from graph.driver import Database
from graph.model import Grid, Household, HouseholdTag, Level, Organization, OrgKind, Page, PageArgs

ORGANIZATIONS_BY_ID: LiteralString = (
    """
UNWIND $keys AS key
MATCH (o:Organization {id: key})
WHERE """
    + org_in_scope("o")
    + """
RETURN key, o {.id, .code, .name, .kind, .level} AS value
"""
)

ORGANIZATIONS_BY_CODE: LiteralString = (
    """
UNWIND $keys AS key
MATCH (o:Organization {code: key})
WHERE """
    + org_in_scope("o")
    + """
RETURN key, o {.id, .code, .name, .kind, .level} AS value
"""
)

# The scope root's parent is outside the scope: null for its caller.
PARENT_BY_ORGANIZATION: LiteralString = (
    """
UNWIND $keys AS key
MATCH (:Organization {id: key})-[:PART_OF]->(p:Organization)
WHERE """
    + org_in_scope("p")
    + """
RETURN key, p {.id, .code, .name, .kind, .level} AS value
"""
)

ANCESTORS_BY_ORGANIZATION: LiteralString = (
    """
UNWIND $keys AS key
MATCH (o:Organization {id: key})
RETURN key, COLLECT {
  MATCH path = (o)-[:PART_OF*1..12]->(a:Organization)
  WHERE """
    + org_in_scope("a")
    + """
  WITH a ORDER BY length(path)
  RETURN a {.id, .code, .name, .kind, .level}
} AS values
"""
)

# Children (depth 1) and descendants (any depth) differ only in the hop range.
# Downward from an organization reached in scope, so no scope test (nor below).
CHILDREN_BY_ORGANIZATION: LiteralString = """
UNWIND $keys AS key
MATCH (o:Organization {id: key})
RETURN key,
  COLLECT {
    MATCH (o)<-[:PART_OF]-(c:Organization)
    WHERE ($kind IS NULL OR c.kind = $kind) AND ($level IS NULL OR c.level = $level)
      AND c.code > coalesce($after, '')
    WITH c ORDER BY c.code LIMIT $limit
    RETURN {sortKey: c.code, value: c {.id, .code, .name, .kind, .level}}
  } AS items,
  CASE WHEN $total THEN COUNT {
    MATCH (o)<-[:PART_OF]-(c:Organization)
    WHERE ($kind IS NULL OR c.kind = $kind) AND ($level IS NULL OR c.level = $level)
  } END AS total
"""

DESCENDANTS_BY_ORGANIZATION: LiteralString = """
UNWIND $keys AS key
MATCH (o:Organization {id: key})
RETURN key,
  COLLECT {
    MATCH (o)<-[:PART_OF*1..12]-(c:Organization)
    WHERE ($kind IS NULL OR c.kind = $kind) AND ($level IS NULL OR c.level = $level)
      AND c.code > coalesce($after, '')
    WITH DISTINCT c ORDER BY c.code LIMIT $limit
    RETURN {sortKey: c.code, value: c {.id, .code, .name, .kind, .level}}
  } AS items,
  CASE WHEN $total THEN COUNT {
    MATCH (o)<-[:PART_OF*1..12]-(c:Organization)
    WHERE ($kind IS NULL OR c.kind = $kind) AND ($level IS NULL OR c.level = $level)
    RETURN DISTINCT c
  } END AS total
"""

_FILTERS: LiteralString = """($kind IS NULL OR o.kind = $kind) AND ($level IS NULL OR o.level = $level)
  AND ($nameContains IS NULL OR o.name CONTAINS $nameContains)"""

# The whole graph, for a caller without a scope and without `under`: walk
# organizations in code order (the code index) and stop at the page. Under a
# scope these find nothing (fail closed); the search uses the WITHIN queries.
SEARCH_ORGANIZATIONS: LiteralString = (
    """
MATCH (o:Organization)
WHERE $scope IS NULL AND """
    + _FILTERS
    + """ AND o.code > coalesce($after, '')
WITH o ORDER BY o.code LIMIT $limit
RETURN o.code AS sortKey, o {.id, .code, .name, .kind, .level} AS value
"""
)

COUNT_ORGANIZATIONS: LiteralString = (
    """
MATCH (o:Organization)
WHERE $scope IS NULL AND """
    + _FILTERS
    + """
RETURN count(o) AS total
"""
)

# The root of a search within a subtree: `under` (which must be in the scope:
# one outside it is like one that does not exist) or, without `under`, the scope
# root. No row when there is neither.
SEARCH_ROOT: LiteralString = (
    """
CALL () {
  MATCH (root:Organization {id: $under}) RETURN root
  UNION
  MATCH (root:Organization {code: $scope}) WHERE $under IS NULL RETURN root
}
WITH root WHERE """
    + org_in_scope("root")
    + "\n"
)

# Within a subtree. The scope root at the top of the tree holds (nearly) every
# organization: then the code index is walked as for the whole graph, testing
# each one upward. Any other root is expanded downward and its subtree sorted,
# which visits only the subtree. `top` picks the branch before either runs.
SEARCH_ORGANIZATIONS_WITHIN: LiteralString = (
    SEARCH_ROOT
    + """WITH root, $under IS NULL AND NOT EXISTS { (root)-[:PART_OF]->(:Organization) } AS top
CALL (root, top) {
  WITH root WHERE top
  CALL () {
    MATCH (o:Organization)
    WHERE """
    + _FILTERS
    + """ AND o.code > coalesce($after, '') AND """
    + org_in_scope("o")
    + """
    WITH o ORDER BY o.code LIMIT $limit
    RETURN o
  }
  RETURN o
  UNION
  WITH root WHERE NOT top
  MATCH (root)<-[:PART_OF*0..12]-(o:Organization)
  WHERE """
    + _FILTERS
    + """ AND o.code > coalesce($after, '')
  WITH DISTINCT o ORDER BY o.code LIMIT $limit
  RETURN o
}
WITH o ORDER BY o.code LIMIT $limit
RETURN o.code AS sortKey, o {.id, .code, .name, .kind, .level} AS value
"""
)

COUNT_ORGANIZATIONS_WITHIN: LiteralString = (
    SEARCH_ROOT
    + """MATCH (root)<-[:PART_OF*0..12]-(o:Organization)
WHERE """
    + _FILTERS
    + """
RETURN count(DISTINCT o) AS total
"""
)

GRIDS_BY_ORGANIZATION: LiteralString = """
UNWIND $keys AS key
MATCH (o:Organization {id: key})
RETURN key,
  COLLECT {
    MATCH (o)<-[:PART_OF*0..12]-(:Organization)<-[:PART_OF]-(g:Grid)
    WHERE g.code > coalesce($after, '')
    WITH DISTINCT g ORDER BY g.code LIMIT $limit
    RETURN {sortKey: g.code, value: g {.id, .code, .name}}
  } AS items,
  CASE WHEN $total THEN COUNT {
    MATCH (o)<-[:PART_OF*0..12]-(:Organization)<-[:PART_OF]-(g:Grid)
    RETURN DISTINCT g
  } END AS total
"""

# A household matches `$tag` when it carries it; a care tag is personal data, so
# filtering by one matches nothing unless $reveal (the API refuses it earlier).
TAG_MATCHES: LiteralString = (
    "($tag IS NULL OR ($tag IN h.tags AND ($reveal OR NOT $tag IN " + CARE_TAG_LIST + ")))"
)

HOUSEHOLDS_BY_ORGANIZATION: LiteralString = (
    """
UNWIND $keys AS key
MATCH (o:Organization {id: key})
RETURN key,
  COLLECT {
    MATCH (o)<-[:PART_OF*0..12]-(:Organization)<-[:PART_OF]-(:Grid)<-[:IN_GRID]-(h:Household)
    WHERE """
    + TAG_MATCHES
    + """ AND h.code > coalesce($after, '')
    WITH DISTINCT h ORDER BY h.code LIMIT $limit
    RETURN {sortKey: h.code, value: """
    + household_map("h")
    + """}
  } AS items,
  CASE WHEN $total THEN COUNT {
    MATCH (o)<-[:PART_OF*0..12]-(:Organization)<-[:PART_OF]-(:Grid)<-[:IN_GRID]-(h:Household)
    WHERE """
    + TAG_MATCHES
    + """
    RETURN DISTINCT h
  } END AS total
"""
)


async def load_organizations_by_id(db: Database, ids: Sequence[str]) -> list[Organization | None]:
    found = await db.read(ORGANIZATIONS_BY_ID, keys=list(ids))
    return rows.in_key_order(ids, found, rows.organization)


async def load_organizations_by_code(db: Database, codes: Sequence[str]) -> list[Organization | None]:
    found = await db.read(ORGANIZATIONS_BY_CODE, keys=list(codes))
    return rows.in_key_order(codes, found, rows.organization)


async def load_parent_by_organization(db: Database, ids: Sequence[str]) -> list[Organization | None]:
    found = await db.read(PARENT_BY_ORGANIZATION, keys=list(ids))
    return rows.in_key_order(ids, found, rows.organization)


async def load_ancestors_by_organization(db: Database, ids: Sequence[str]) -> list[list[Organization]]:
    """Each organization's ancestors, nearest (the parent) first."""
    found = await db.read(ANCESTORS_BY_ORGANIZATION, keys=list(ids))
    return rows.lists_in_key_order(ids, found, rows.organization)


async def load_children_by_organization(
    db: Database, ids: Sequence[str], *, kind: OrgKind | None, level: Level | None, page: PageArgs
) -> list[Page[Organization]]:
    found = await db.read(CHILDREN_BY_ORGANIZATION, keys=list(ids), **_filters(kind, level, page))
    return rows.pages_in_key_order(ids, found, rows.organization, page)


async def load_descendants_by_organization(
    db: Database, ids: Sequence[str], *, kind: OrgKind | None, level: Level | None, page: PageArgs
) -> list[Page[Organization]]:
    found = await db.read(DESCENDANTS_BY_ORGANIZATION, keys=list(ids), **_filters(kind, level, page))
    return rows.pages_in_key_order(ids, found, rows.organization, page)


async def search_organizations(
    db: Database,
    *,
    kind: OrgKind | None,
    level: Level | None,
    name_contains: str | None,
    under: str | None,
    page: PageArgs,
) -> Page[Organization]:
    """Organizations by kind, level and part of the name, in the subtree of `under`
    (itself included) or, without it, in the caller's scope; by code. An `under`
    outside the scope finds nothing, like one that does not exist."""
    params = {"kind": kind, "level": level, "nameContains": name_contains or None, "under": under}
    whole_graph = under is None and db.access.scope is None
    search, count = (
        (SEARCH_ORGANIZATIONS, COUNT_ORGANIZATIONS)
        if whole_graph
        else (SEARCH_ORGANIZATIONS_WITHIN, COUNT_ORGANIZATIONS_WITHIN)
    )
    found = await db.read(search, after=page.after, limit=page.first + 1, **params)
    total = (await db.read(count, **params))[0]["total"] if page.total else None
    return rows.page_of(found, rows.organization, page, total)


async def load_grids_by_organization(db: Database, ids: Sequence[str], *, page: PageArgs) -> list[Page[Grid]]:
    """The grids in each organization's whole subtree."""
    found = await db.read(
        GRIDS_BY_ORGANIZATION, keys=list(ids), after=page.after, limit=page.first + 1, total=page.total
    )
    return rows.pages_in_key_order(ids, found, rows.grid, page)


async def load_households_by_organization(
    db: Database, ids: Sequence[str], *, tag: HouseholdTag | None, page: PageArgs
) -> list[Page[Household]]:
    """The households in each organization's whole subtree, optionally with a tag."""
    found = await db.read(
        HOUSEHOLDS_BY_ORGANIZATION,
        keys=list(ids),
        tag=tag,
        after=page.after,
        limit=page.first + 1,
        total=page.total,
    )
    return rows.pages_in_key_order(ids, found, rows.household, page)


def _filters(kind: OrgKind | None, level: Level | None, page: PageArgs) -> dict[str, object]:
    return {"kind": kind, "level": level, "after": page.after, "limit": page.first + 1, "total": page.total}
