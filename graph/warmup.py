"""Warming Neo4j's page cache after a (re)start, before the service says it is ready.

Right after Neo4j starts its page cache is cold: the first real queries read
every page from disk (3-7 s alone, 20-30 s under load for a county). These
statements read every node's and relationship's properties and walk the
lookup indexes once, so the pages the API reads are in memory when
`/health/ready` first answers 200.
"""

from __future__ import annotations

from typing import LiteralString

from graph.driver import Database

WARM: tuple[LiteralString, ...] = (
    "MATCH (n) RETURN sum(size(keys(properties(n)))) AS touched",
    "MATCH ()-[r]->() RETURN sum(size(keys(properties(r)))) AS touched",
    "MATCH (n:Organization) WHERE n.id IS NOT NULL AND n.code IS NOT NULL RETURN count(n) AS touched",
    "MATCH (n:Person) WHERE n.id IS NOT NULL AND n.code IS NOT NULL RETURN count(n) AS touched",
    "MATCH (n:Grid) WHERE n.id IS NOT NULL AND n.code IS NOT NULL RETURN count(n) AS touched",
    "MATCH (n:Household) WHERE n.id IS NOT NULL AND n.code IS NOT NULL RETURN count(n) AS touched",
)


async def warm_up(db: Database) -> None:
    """Read the whole graph once (one statement at a time)."""
    for statement in WARM:
        await db.read(statement)
