"""graph.driver against the real test server: grouped writes (the audit log's
group commit)."""

from __future__ import annotations

import asyncio
from typing import LiteralString

import pytest

from graph.errors import OrgGraphError
from tests.helpers import RolledBackDatabase

MARK: LiteralString = "UNWIND $rows AS row CREATE (:GroupedWriteTest {n: row.n})"
DIVIDE: LiteralString = "UNWIND $rows AS row CREATE (:GroupedWriteTest {n: 10 / row.n})"
COUNT: LiteralString = "MATCH (t:GroupedWriteTest) RETURN collect(t.n) AS ns"


async def test_concurrent_rows_share_one_transaction(db: RolledBackDatabase) -> None:
    before = db.queries
    await asyncio.gather(*(db.write_grouped(MARK, {"n": n}) for n in range(5)))
    assert db.queries - before == 1
    assert sorted((await db.execute(COUNT))[0]["ns"]) == [0, 1, 2, 3, 4]


async def test_a_row_alone_is_written_at_once(db: RolledBackDatabase) -> None:
    before = db.queries
    for n in range(3):
        await db.write_grouped(MARK, {"n": n})
        assert sorted((await db.execute(COUNT))[0]["ns"]) == list(range(n + 1))
    assert db.queries - before == 3


async def test_every_row_of_a_failed_transaction_gets_its_error(db: RolledBackDatabase) -> None:
    outcomes = await asyncio.gather(
        *(db.write_grouped(DIVIDE, {"n": n}) for n in (5, 0, 2)), return_exceptions=True
    )
    assert [type(o) for o in outcomes] == [OrgGraphError] * 3
    with pytest.raises(OrgGraphError):
        await db.write_grouped(DIVIDE, {"n": 0})
