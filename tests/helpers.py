"""Test helpers: a Database bound to one transaction that is rolled back, so a
test can build its own small graph and leave nothing behind; settings that
point an app at the tests' Neo4j."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, LiteralString, TypeVar

from neo4j import AsyncGraphDatabase, AsyncManagedTransaction, AsyncTransaction, Record, RoutingControl

from graph.driver import Connection, Database
from graph.driver_errors import translated_errors
from service.settings import Settings

T = TypeVar("T")


class RolledBackDatabase(Database):
    """Runs every query in one explicit transaction that the test rolls back.

    Reads and writes share the transaction, so they see the test's own graph;
    a lock serializes them because one transaction runs one query at a time.
    """

    def __init__(self, connection: Connection, tx: AsyncTransaction) -> None:
        super().__init__(connection)
        self._tx = tx
        self._lock = asyncio.Lock()

    async def _run(
        self, cypher: LiteralString, params: dict[str, Any], routing: RoutingControl
    ) -> list[Record]:
        self.queries += 1
        # graphql-core cancels a failed non-null field's siblings; a query cancelled
        # half-way would break the shared transaction, so each one runs to the end.
        return await asyncio.shield(self._run_locked(cypher, params))

    async def _run_locked(self, cypher: LiteralString, params: dict[str, Any]) -> list[Record]:
        async with self._lock, translated_errors():
            result = await self._tx.run(cypher, params)
            return [record async for record in result]

    async def _write_once(self, cypher: LiteralString, params: dict[str, Any]) -> None:
        await self._run(cypher, params, RoutingControl.WRITE)

    async def _execute_write(self, work: Callable[[AsyncManagedTransaction], Awaitable[T]]) -> T:
        self.queries += 1
        async with self._lock, translated_errors():
            return await work(self._tx)  # type: ignore[arg-type]

    async def execute(self, cypher: LiteralString, **params: Any) -> list[Record]:
        """Run test set-up Cypher without counting it as a service query."""
        async with self._lock:
            result = await self._tx.run(cypher, params)
            return [record async for record in result]


@asynccontextmanager
async def rolled_back(connection: Connection) -> AsyncIterator[RolledBackDatabase]:
    driver = AsyncGraphDatabase.driver(connection.uri, auth=(connection.user, connection.password))
    try:
        async with driver.session(database=connection.database) as session:
            tx = await session.begin_transaction()
            try:
                yield RolledBackDatabase(connection, tx)
            finally:
                await tx.rollback()
    finally:
        await driver.close()


def settings_on(connection: Connection, **overrides: Any) -> Settings:
    """Settings of an app that makes its own Database on `connection` (the
    tests' Neo4j), with `overrides`."""
    c = connection
    return Settings(
        neo4j_uri=c.uri, neo4j_user=c.user, neo4j_password=c.password, neo4j_database=c.database, **overrides
    )
