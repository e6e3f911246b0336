"""Uniqueness constraints and indexes, applied idempotently at start-up.

Every node's `id` and `code` is unique; so is the `id` on HOLDS and COVERS
relationships (positions and coverage are addressed by id), and on VISITED,
Commitment and Meeting (grassroots work, `graph.activities`). The remaining
indexes serve the lookups the read API makes: names for `nameContains`,
relationship dates for "active on" filters, the full-text index `search`
and the pinyin and birth-date indexes of `graph.search` and `graph.filters`.
Nodes without pinyin get it once the indexes are there (`backfill_pinyin`).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import LiteralString

from graph.driver import Database
from graph.errors import Conflict
from graph.pinyin import backfill_pinyin

# The lookups a bulk load's relationship statements MATCH on. On an empty
# database the seed creates only these before it writes and the rest after
# (`graph.seed`): each other index is then populated once from the loaded
# nodes instead of being updated on every batch.
LOOKUPS: tuple[LiteralString, ...] = (
    "CREATE CONSTRAINT organization_id IF NOT EXISTS FOR (n:Organization) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT person_id IF NOT EXISTS FOR (n:Person) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT grid_id IF NOT EXISTS FOR (n:Grid) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT household_id IF NOT EXISTS FOR (n:Household) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT stage_name IF NOT EXISTS FOR (n:Stage) REQUIRE n.name IS UNIQUE",
)
STATEMENTS: tuple[LiteralString, ...] = (
    *LOOKUPS,
    "CREATE CONSTRAINT organization_code IF NOT EXISTS FOR (n:Organization) REQUIRE n.code IS UNIQUE",
    "CREATE CONSTRAINT person_code IF NOT EXISTS FOR (n:Person) REQUIRE n.code IS UNIQUE",
    "CREATE CONSTRAINT grid_code IF NOT EXISTS FOR (n:Grid) REQUIRE n.code IS UNIQUE",
    "CREATE CONSTRAINT household_code IF NOT EXISTS FOR (n:Household) REQUIRE n.code IS UNIQUE",
    "CREATE CONSTRAINT holds_id IF NOT EXISTS FOR ()-[r:HOLDS]-() REQUIRE r.id IS UNIQUE",
    "CREATE CONSTRAINT covers_id IF NOT EXISTS FOR ()-[r:COVERS]-() REQUIRE r.id IS UNIQUE",
    "CREATE CONSTRAINT visited_id IF NOT EXISTS FOR ()-[r:VISITED]-() REQUIRE r.id IS UNIQUE",
    "CREATE CONSTRAINT commitment_id IF NOT EXISTS FOR (n:Commitment) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT meeting_id IF NOT EXISTS FOR (n:Meeting) REQUIRE n.id IS UNIQUE",
    "CREATE INDEX organization_kind_level IF NOT EXISTS FOR (n:Organization) ON (n.kind, n.level)",
    "CREATE TEXT INDEX organization_name IF NOT EXISTS FOR (n:Organization) ON (n.name)",
    "CREATE TEXT INDEX person_name IF NOT EXISTS FOR (n:Person) ON (n.name)",
    "CREATE INDEX holds_role IF NOT EXISTS FOR ()-[r:HOLDS]-() ON (r.role)",
    # Search (graph/search.py): names, codes, addresses and pinyin of the four
    # kinds of node, split by the CJK analyzer (Chinese in bigrams, other text in
    # words); read in the transaction that wrote it.
    "CREATE FULLTEXT INDEX search IF NOT EXISTS FOR (n:Person|Organization|Household|Grid) "
    "ON EACH [n.name, n.code, n.address, n.pinyinKeys] "
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'cjk', `fulltext.eventually_consistent`: false}}",
    # Sorts and filters (graph/filters.py): pinyin order, age ranges.
    "CREATE INDEX person_pinyin IF NOT EXISTS FOR (n:Person) ON (n.pinyin)",
    "CREATE INDEX person_birth_date IF NOT EXISTS FOR (n:Person) ON (n.birthDate)",
    "CREATE INDEX organization_pinyin IF NOT EXISTS FOR (n:Organization) ON (n.pinyin)",
    # Retried mutations (graph/idempotency.py): one node per key, expired ones purged.
    "CREATE CONSTRAINT idempotency_key_id IF NOT EXISTS FOR (n:IdempotencyKey) REQUIRE n.id IS UNIQUE",
    "CREATE INDEX idempotency_key_expires IF NOT EXISTS FOR (n:IdempotencyKey) ON (n.expires)",
    # The change feed (graph/changes.py): one counter; events read by sequence number.
    "CREATE CONSTRAINT change_counter_name IF NOT EXISTS FOR (n:ChangeCounter) REQUIRE n.name IS UNIQUE",
    "CREATE CONSTRAINT change_seq IF NOT EXISTS FOR (n:Change) REQUIRE n.seq IS UNIQUE",
)


INDEX_STATES: LiteralString = """
SHOW INDEXES YIELD name, state
RETURN count(CASE WHEN state = 'POPULATING' THEN 1 END) AS populating,
       collect(CASE WHEN state = 'FAILED' THEN name END) AS failed
"""
HAS_CONSTRAINTS: LiteralString = "SHOW CONSTRAINTS YIELD name RETURN count(name) > 0 AS present"


async def apply_constraints(db: Database, statements: tuple[LiteralString, ...] = STATEMENTS) -> None:
    """Create whatever is missing (of `statements`: all by default); existing
    constraints and indexes are left as they are."""
    for statement in statements:
        # Conflict: another worker created the same rule at the same time.
        with contextlib.suppress(Conflict):
            await db.write(statement)
    await await_indexes(db)
    if statements is STATEMENTS:
        await backfill_pinyin(db)


async def await_indexes(db: Database) -> None:
    """Return once every index is online (polled: populating a large store's
    indexes outlasts any one transaction's timeout). A failed index raises."""
    while True:
        found = (await db.read(INDEX_STATES))[0]
        if found["failed"]:
            raise RuntimeError(f"indexes failed to populate: {', '.join(found['failed'])}")
        if not found["populating"]:
            return
        await asyncio.sleep(0.5)


async def has_constraints(db: Database) -> bool:
    """Whether any constraint exists (none: a database nothing has set up yet)."""
    return bool((await db.read(HAS_CONSTRAINTS))[0]["present"])
