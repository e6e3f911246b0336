"""Creating grids (网格) and households (户), changing a household's address and
tags, and moving a household to another grid."""

from __future__ import annotations

from collections.abc import Sequence
from typing import LiteralString

from neo4j import AsyncManagedTransaction

from graph import rows
from graph.aggregates import retally
from graph.audit import Ref, check_side_effects
from graph.driver import Database
from graph.errors import Conflict, NotFound
from graph.model import Grid, Household, HouseholdTag, Level, OrgKind
from graph.rules import grid_owner_problem
from graph.writes.common import code_taken, new_id, run

GRID_CONTEXT: LiteralString = """
OPTIONAL MATCH (taken:Grid {code: $code})
OPTIONAL MATCH (o:Organization {id: $organizationId})
RETURN taken IS NOT NULL AS taken, o {.kind, .level} AS organization
"""

CREATE_GRID: LiteralString = """
MATCH (o:Organization {id: $organizationId})
CREATE (g:Grid {id: $id, code: $code, name: $name})-[:PART_OF]->(o)
RETURN g {.id, .code, .name} AS grid
"""

HOUSEHOLD_CONTEXT: LiteralString = """
OPTIONAL MATCH (taken:Household {code: $code})
OPTIONAL MATCH (g:Grid {id: $gridId})
RETURN taken IS NOT NULL AS taken, g IS NOT NULL AS gridFound
"""

CREATE_HOUSEHOLD: LiteralString = """
MATCH (g:Grid {id: $gridId})
CREATE (h:Household {id: $id, code: $code, address: $address, tags: $tags})-[:IN_GRID]->(g)
RETURN h {.id, .code, .address, .tags} AS household
"""

UPDATE_HOUSEHOLD: LiteralString = """
MATCH (h:Household {id: $id})
SET h.address = CASE WHEN $setAddress THEN $address ELSE h.address END,
    h.tags = coalesce($tags, h.tags)
RETURN h {.id, .code, .address, .tags} AS household
"""

MOVE_CONTEXT: LiteralString = """
OPTIONAL MATCH (h:Household {id: $id})
OPTIONAL MATCH (g:Grid {id: $gridId})
RETURN h IS NOT NULL AS householdFound, g IS NOT NULL AS gridFound,
       EXISTS { (h)-[:IN_GRID]->(g) } AS already,
       COLLECT { MATCH (h)-[:IN_GRID]->(old:Grid) RETURN old.id } AS leaving
"""

MOVE_HOUSEHOLD: LiteralString = """
MATCH (h:Household {id: $id})
MATCH (g:Grid {id: $gridId})
CALL (h) {
  MATCH (h)-[old:IN_GRID]->(:Grid)
  DELETE old
}
CREATE (h)-[:IN_GRID]->(g)
RETURN h {.id, .code, .address, .tags} AS household
"""


def canonical_tags(tags: Sequence[HouseholdTag]) -> list[str]:
    """Tags without repeats, in the order HouseholdTag declares them."""
    return [t.name for t in HouseholdTag if t in tags]


async def create_grid(db: Database, *, code: str, name: str, organization_id: str) -> Grid:
    """A new grid of a village federation."""

    async def work(tx: AsyncManagedTransaction) -> Grid:
        [context] = await run(tx, GRID_CONTEXT, code=code, organizationId=organization_id)
        owner = context["organization"]
        if owner is None:
            raise NotFound("input.organizationId: no organization has that id")
        if context["taken"]:
            raise code_taken(code)
        problem = grid_owner_problem(OrgKind[owner["kind"]], Level[owner["level"]])
        if problem:
            raise Conflict(f"input.organizationId: {problem}")
        [created] = await run(
            tx, CREATE_GRID, id=new_id(), code=code, name=name, organizationId=organization_id
        )
        await retally(tx, owners=[organization_id])
        return rows.grid(created["grid"])

    return await db.write_transaction(work)


async def create_household(
    db: Database, *, code: str, grid_id: str, address: str | None, tags: Sequence[HouseholdTag]
) -> Household:
    """A new household in a grid."""

    async def work(tx: AsyncManagedTransaction) -> Household:
        [context] = await run(tx, HOUSEHOLD_CONTEXT, code=code, gridId=grid_id)
        if not context["gridFound"]:
            raise NotFound("input.gridId: no grid has that id")
        if context["taken"]:
            raise code_taken(code)
        [created] = await run(
            tx,
            CREATE_HOUSEHOLD,
            id=new_id(),
            code=code,
            gridId=grid_id,
            address=address,
            tags=canonical_tags(tags),
        )
        await retally(tx, grids=[grid_id])
        return rows.household(created["household"])

    return await db.write_transaction(work)


async def update_household(
    db: Database,
    id: str,
    *,
    set_address: bool,
    address: str | None,
    tags: Sequence[HouseholdTag] | None,
) -> Household:
    """Change a household's address (when `set_address`; None clears it) and
    replace its tags (None: unchanged)."""

    async def work(tx: AsyncManagedTransaction) -> Household:
        found = await run(
            tx,
            UPDATE_HOUSEHOLD,
            id=id,
            setAddress=set_address,
            address=address,
            tags=None if tags is None else canonical_tags(tags),
        )
        if not found:
            raise NotFound("id: no household has that id")
        if tags is not None:
            await retally(tx, households=[id])
        return rows.household(found[0]["household"])

    return await db.write_transaction(work)


async def move_household(db: Database, id: str, grid_id: str) -> Household:
    """Move a household to another grid."""

    async def work(tx: AsyncManagedTransaction) -> Household:
        [context] = await run(tx, MOVE_CONTEXT, id=id, gridId=grid_id)
        if not context["householdFound"]:
            raise NotFound("householdId: no household has that id")
        if not context["gridFound"]:
            raise NotFound("gridId: no grid has that id")
        if context["already"]:
            raise Conflict("gridId: the household is already in that grid")
        # The grid it leaves is in scope when the household is; listed in the audit event.
        leaving = [Ref("Grid", old, "householdId", named="Household") for old in context["leaving"]]
        await check_side_effects(tx, db.trail, leaving)
        [moved] = await run(tx, MOVE_HOUSEHOLD, id=id, gridId=grid_id)
        await retally(tx, grids=[grid_id, *context["leaving"]])
        return rows.household(moved["household"])

    return await db.write_transaction(work)
