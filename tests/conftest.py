"""Fixtures: a real Neo4j for the whole run, and per-test isolation.

Unless NEO4J_TEST_URI is set (with NEO4J_TEST_USER / NEO4J_TEST_PASSWORD), the
suite starts its own throw-away server `.neo4j/test-<port>` on
ORGGRAPH_TEST_NEO4J_PORT (default 7688), so it never touches the demo data.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest

from graph import launcher
from graph.access import Access, Grant
from graph.constraints import apply_constraints
from graph.driver import Connection, Database
from graph.seed import seed, wipe
from service.app import create_app
from tests.graphs import TODAY, village_world
from tests.helpers import RolledBackDatabase, rolled_back

# Apps the suite builds without a fixed caller run with authentication off (the
# unrestricted path); tests/test_auth.py turns it on, and `api_as` fixes a caller.
os.environ.setdefault("ORGGRAPH_AUTH", "off")
# A first query on a fresh test server is planned cold, which on a busy 2-core
# machine can take longer than the 10 s request deadline; the deadline's own
# tests (test_request_work.py, test_worst_viewer.py) set theirs explicitly.
os.environ.setdefault("ORGGRAPH_REQUEST_TIMEOUT", "300")

TEST_PORT = int(os.environ.get("ORGGRAPH_TEST_NEO4J_PORT", "7688"))
TEST_INSTANCE = launcher.Instance(
    name=f"test-{TEST_PORT}", port=TEST_PORT, password="orggraph-test", pagecache_mb=256, heap_mb=1024
)


@pytest.fixture(scope="session")
def neo4j_connection() -> Iterator[Connection]:
    uri = os.environ.get("NEO4J_TEST_URI")
    if uri:
        yield Connection(
            uri, os.environ.get("NEO4J_TEST_USER", "neo4j"), os.environ.get("NEO4J_TEST_PASSWORD", "")
        )
        return
    connection = launcher.start(TEST_INSTANCE, fresh=True)
    yield connection
    launcher.stop(TEST_INSTANCE)


@pytest.fixture(scope="session")
async def database(neo4j_connection: Connection) -> AsyncIterator[Database]:
    """A plain Database on the test server, with the constraints applied. Tests
    that commit through it must clean up after themselves."""
    db = Database(neo4j_connection)
    await apply_constraints(db)
    yield db
    await db.close()


@pytest.fixture
async def db(database: Database, neo4j_connection: Connection) -> AsyncIterator[RolledBackDatabase]:
    """A Database whose every query runs in one transaction, rolled back after the test."""
    async with rolled_back(neo4j_connection) as tx_db:
        yield tx_db


class GraphQLClient:
    """Posts GraphQL to the real app in-process and returns the decoded answer."""

    def __init__(self, http: httpx.AsyncClient, db: RolledBackDatabase) -> None:
        self.http = http
        self.db = db

    async def query(self, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.http.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(self, query: str, **variables: Any) -> dict[str, Any]:
        """The `data` of an answer that must have no errors."""
        body = await self.query(query, **variables)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data


@pytest.fixture
async def world(db: RolledBackDatabase) -> RolledBackDatabase:
    """The reference village world of tests/graphs.py, rolled back afterwards."""
    await village_world().write(db)
    return db


@pytest.fixture
async def api(world: RolledBackDatabase) -> AsyncIterator[GraphQLClient]:
    app = create_app(db=world, today=lambda: TODAY)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        yield GraphQLClient(http, world)


CallerClient = Callable[..., Awaitable[GraphQLClient]]


@pytest.fixture
async def api_as(world: RolledBackDatabase) -> AsyncIterator[CallerClient]:
    """`await api_as("C-T1-V2", Grant.VIEWER)`: a client of the village world whose
    every request is made by that caller (scope code, grants), as if her token
    had been checked."""
    async with AsyncExitStack() as stack:

        async def make(scope: str | None, *grants: Grant, subject: str = "tester") -> GraphQLClient:
            caller = Access(subject, scope, frozenset(grants))
            app = create_app(db=world, today=lambda: TODAY, caller=caller)
            transport = httpx.ASGITransport(app=app)
            http = await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url="http://test")
            )
            return GraphQLClient(http, world)

        yield make


@pytest.fixture(scope="module")
async def demo(database: Database) -> AsyncIterator[Database]:
    """The default demo county (small scale, seed 2021), committed for one module
    and wiped afterwards."""
    await wipe(database)
    await seed(database, "small")
    yield database
    await wipe(database)
