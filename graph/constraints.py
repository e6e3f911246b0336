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

import contextlib
from typing import LiteralString

from graph.driver import Database
from graph.errors import Conflict
from graph.pinyin import backfill_pinyin

STATEMENTS: tuple[LiteralString, ...] = (
    "CREATE CONSTRAINT organization_id IF NOT EXISTS FOR (n:Organization) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT organization_code IF NOT EXISTS FOR (n:Organization) REQUIRE n.code IS UNIQUE",
    "CREATE CONSTRAINT person_id IF NOT EXISTS FOR (n:Person) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT person_code IF NOT EXISTS FOR (n:Person) REQUIRE n.code IS UNIQUE",
    "CREATE CONSTRAINT grid_id IF NOT EXISTS FOR (n:Grid) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT grid_code IF NOT EXISTS FOR (n:Grid) REQUIRE n.code IS UNIQUE",
    "CREATE CONSTRAINT household_id IF NOT EXISTS FOR (n:Household) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT household_code IF NOT EXISTS FOR (n:Household) REQUIRE n.code IS UNIQUE",
    "CREATE CONSTRAINT stage_name IF NOT EXISTS FOR (n:Stage) REQUIRE n.name IS UNIQUE",
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


async def apply_constraints(db: Database) -> None:
    """Create whatever is missing; existing constraints and indexes are left as they are."""
    for statement in STATEMENTS:
        # Conflict: another worker created the same rule at the same time.
        with contextlib.suppress(Conflict):
            await db.write(statement)
    await db.write("CALL db.awaitIndexes(300)")
    await backfill_pinyin(db)
