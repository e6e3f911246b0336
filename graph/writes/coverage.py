"""Coverage (联系户, 划片包干): a person starts or stops covering a whole grid or a
single household (COVERS).

Rules: nobody covers the same grid or household twice over overlapping days;
coverage ends while it runs and not before it began.
"""

from __future__ import annotations

import datetime as dt
from typing import LiteralString

from neo4j import AsyncManagedTransaction

from graph import rows
from graph.aggregates import retally
from graph.driver import Database
from graph.errors import Conflict, NotFound
from graph.model import Coverage, CoverRole
from graph.writes.common import lock_people, new_id, run

ASSIGN_CONTEXT: LiteralString = """
OPTIONAL MATCH (p:Person {id: $personId})
OPTIONAL MATCH (g:Grid {id: $gridId})
OPTIONAL MATCH (h:Household {id: $householdId})
WITH p, coalesce(g, h) AS target
RETURN p {.code, .name} AS person, target.code AS target,
  COLLECT {
    MATCH (p)-[c:COVERS]->(target) WHERE c.until IS NULL OR c.until > $since
    RETURN c {.role, .since, .until} ORDER BY c.since
  } AS overlapping
"""

ASSIGN: LiteralString = """
MATCH (p:Person {id: $personId})
OPTIONAL MATCH (g:Grid {id: $gridId})
OPTIONAL MATCH (h:Household {id: $householdId})
WITH p, coalesce(g, h) AS target
CREATE (p)-[c:COVERS {id: $id, role: $role, since: $since}]->(target)
RETURN c {.id, .role, .since, .until, personId: p.id,
          gridId: CASE WHEN target:Grid THEN target.id END,
          householdId: CASE WHEN target:Household THEN target.id END} AS coverage
"""

COVERAGE: LiteralString = """
MATCH (p:Person)-[c:COVERS {id: $id}]->(target)
RETURN c {.id, .role, .since, .until, personId: p.id,
          gridId: CASE WHEN target:Grid THEN target.id END,
          householdId: CASE WHEN target:Household THEN target.id END} AS coverage
"""

END_COVERAGE: LiteralString = """
MATCH (p:Person)-[c:COVERS {id: $id}]->(target)
SET c.until = $until
RETURN c {.id, .role, .since, .until, personId: p.id,
          gridId: CASE WHEN target:Grid THEN target.id END,
          householdId: CASE WHEN target:Household THEN target.id END} AS coverage
"""


async def assign_coverage(
    db: Database,
    *,
    person_id: str,
    grid_id: str | None,
    household_id: str | None,
    role: CoverRole,
    since: dt.date,
) -> Coverage:
    """`person_id` covers a grid or (exactly one of them) a household from `since`."""
    argument = "gridId" if grid_id is not None else "householdId"

    async def work(tx: AsyncManagedTransaction) -> Coverage:
        await lock_people(tx, person_id)
        [context] = await run(
            tx, ASSIGN_CONTEXT, personId=person_id, gridId=grid_id, householdId=household_id, since=since
        )
        if context["person"] is None:
            raise NotFound("personId: no person has that id")
        if context["target"] is None:
            raise NotFound(f"{argument}: no {'grid' if grid_id else 'household'} has that id")
        if context["overlapping"]:
            c = context["overlapping"][0]
            span = f"from {c['since']}" + (f" until {c['until']}" if c["until"] else " (running)")
            raise Conflict(
                f"{context['person']['name']} ({context['person']['code']}) already covers "
                f"{context['target']} as {c['role']} {span}"
            )
        [created] = await run(
            tx,
            ASSIGN,
            personId=person_id,
            gridId=grid_id,
            householdId=household_id,
            id=new_id(),
            role=role,
            since=since,
        )
        await retally(
            tx, grids=[grid_id] if grid_id else [], households=[household_id] if household_id else []
        )
        return rows.coverage(created["coverage"])

    return await db.write_transaction(work)


async def end_coverage(db: Database, id: str, until: dt.date) -> Coverage:
    """Stop a running coverage on `until` (the first day it no longer runs)."""

    async def work(tx: AsyncManagedTransaction) -> Coverage:
        found = await run(tx, COVERAGE, id=id)
        if not found:
            raise NotFound("coverageId: no coverage has that id")
        coverage = rows.coverage(found[0]["coverage"])
        if coverage.until is not None:
            raise Conflict(f"the coverage already ended on {coverage.until}")
        if until < coverage.since:
            raise Conflict(f"until ({until}) is before the coverage began ({coverage.since})")
        [ended] = await run(tx, END_COVERAGE, id=id, until=until)
        await retally(
            tx,
            grids=[coverage.grid_id] if coverage.grid_id else [],
            households=[coverage.household_id] if coverage.household_id else [],
        )
        return rows.coverage(ended["coverage"])

    return await db.write_transaction(work)
