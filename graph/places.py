"""Grids (网格) and households (户): where they sit and who lives there.

Reads are confined to the caller's scope (graph.access): a grid or household
outside it is not found. A grid's households and a household's residents need
no test: they lie below something reached in scope.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import LiteralString

from graph import rows
from graph.access import grid_in_scope, household_in_scope, household_map, org_in_scope, person_map
from graph.driver import Database
from graph.model import Grid, Household, HouseholdTag, Organization, Page, PageArgs, Person
from graph.organizations import TAG_MATCHES

GRIDS_BY_ID: LiteralString = (
    """
UNWIND $keys AS key
MATCH (g:Grid {id: key})
WHERE """
    + grid_in_scope("g")
    + """
RETURN key, g {.id, .code, .name} AS value
"""
)

GRIDS_BY_CODE: LiteralString = (
    """
UNWIND $keys AS key
MATCH (g:Grid {code: key})
WHERE """
    + grid_in_scope("g")
    + """
RETURN key, g {.id, .code, .name} AS value
"""
)

HOUSEHOLDS_BY_ID: LiteralString = (
    """
UNWIND $keys AS key
MATCH (h:Household {id: key})
WHERE """
    + household_in_scope("h")
    + """
RETURN key, """
    + household_map("h")
    + """ AS value
"""
)

HOUSEHOLDS_BY_CODE: LiteralString = (
    """
UNWIND $keys AS key
MATCH (h:Household {code: key})
WHERE """
    + household_in_scope("h")
    + """
RETURN key, """
    + household_map("h")
    + """ AS value
"""
)

# Upward; in scope whenever the grid (household) was, tested all the same.
ORGANIZATION_BY_GRID: LiteralString = (
    """
UNWIND $keys AS key
MATCH (:Grid {id: key})-[:PART_OF]->(o:Organization)
WHERE """
    + org_in_scope("o")
    + """
RETURN key, o {.id, .code, .name, .kind, .level} AS value
"""
)

GRID_BY_HOUSEHOLD: LiteralString = (
    """
UNWIND $keys AS key
MATCH (:Household {id: key})-[:IN_GRID]->(g:Grid)
WHERE """
    + grid_in_scope("g")
    + """
RETURN key, g {.id, .code, .name} AS value
"""
)

HOUSEHOLDS_BY_GRID: LiteralString = (
    """
UNWIND $keys AS key
MATCH (g:Grid {id: key})
RETURN key,
  COLLECT {
    MATCH (g)<-[:IN_GRID]-(h:Household)
    WHERE """
    + TAG_MATCHES
    + """ AND h.code > coalesce($after, '')
    WITH h ORDER BY h.code LIMIT $limit
    RETURN {sortKey: h.code, value: """
    + household_map("h")
    + """}
  } AS items,
  CASE WHEN $total THEN COUNT {
    MATCH (g)<-[:IN_GRID]-(h:Household) WHERE """
    + TAG_MATCHES
    + """
  } END AS total
"""
)

MEMBERS_BY_HOUSEHOLD: LiteralString = (
    """
UNWIND $keys AS key
MATCH (h:Household {id: key})
RETURN key, COLLECT {
  MATCH (h)<-[:LIVES_IN]-(p:Person)
  WITH p ORDER BY p.code
  RETURN """
    + person_map("p")
    + """
} AS values
"""
)


async def load_grids_by_id(db: Database, ids: Sequence[str]) -> list[Grid | None]:
    return rows.in_key_order(ids, await db.read(GRIDS_BY_ID, keys=list(ids)), rows.grid)


async def load_grids_by_code(db: Database, codes: Sequence[str]) -> list[Grid | None]:
    return rows.in_key_order(codes, await db.read(GRIDS_BY_CODE, keys=list(codes)), rows.grid)


async def load_households_by_id(db: Database, ids: Sequence[str]) -> list[Household | None]:
    return rows.in_key_order(ids, await db.read(HOUSEHOLDS_BY_ID, keys=list(ids)), rows.household)


async def load_households_by_code(db: Database, codes: Sequence[str]) -> list[Household | None]:
    found = await db.read(HOUSEHOLDS_BY_CODE, keys=list(codes))
    return rows.in_key_order(codes, found, rows.household)


async def load_organization_by_grid(db: Database, ids: Sequence[str]) -> list[Organization | None]:
    found = await db.read(ORGANIZATION_BY_GRID, keys=list(ids))
    return rows.in_key_order(ids, found, rows.organization)


async def load_grid_by_household(db: Database, ids: Sequence[str]) -> list[Grid | None]:
    return rows.in_key_order(ids, await db.read(GRID_BY_HOUSEHOLD, keys=list(ids)), rows.grid)


async def load_households_by_grid(
    db: Database, ids: Sequence[str], *, tag: HouseholdTag | None, page: PageArgs
) -> list[Page[Household]]:
    found = await db.read(
        HOUSEHOLDS_BY_GRID, keys=list(ids), tag=tag, after=page.after, limit=page.first + 1, total=page.total
    )
    return rows.pages_in_key_order(ids, found, rows.household, page)


async def load_members_by_household(db: Database, ids: Sequence[str]) -> list[list[Person]]:
    found = await db.read(MEMBERS_BY_HOUSEHOLD, keys=list(ids))
    return rows.lists_in_key_order(ids, found, rows.person)
