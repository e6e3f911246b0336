"""Overload: GraphQL requests over ORGGRAPH_MAX_IN_FLIGHT are refused at once
(503 OVERLOADED, Retry-After) while the admitted ones answer correctly and the
health checks stay 200; nothing queues beyond the limit (service/admission.py).

The admitted requests are held in flight for certain by a Neo4j write lock
that another transaction holds on the person they rename.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from neo4j import AsyncGraphDatabase

from graph.driver import Connection, Database
from schema.relay import to_global_id
from service.app import create_app
from service.metrics import REGISTRY
from service.settings import Settings

RENAME = """mutation($id: ID!, $name: String!) {
  updatePerson(id: $id, input: {name: $name}) { person { name } } }"""
COUNT = {"query": '{ person(code: "OVL-P1") { name } }'}


@pytest.fixture
async def person(database: Database, neo4j_connection: Connection) -> AsyncIterator[None]:
    """Committed people of this test only (removed afterwards)."""
    await database.write(
        "UNWIND [1, 2, 3] AS i CREATE (:Person {id: 'ovl-p' + i, code: 'OVL-P' + i, name: '王芳'})"
    )
    try:
        yield
    finally:
        await database.write("MATCH (p:Person) WHERE p.id STARTS WITH 'ovl-p' DETACH DELETE p")


def refusals() -> float:
    return REGISTRY.get_sample_value("orggraph_limit_hits_total", {"limit": "in_flight"}) or 0.0


async def test_a_burst_over_the_limit_is_refused_at_once(
    database: Database, neo4j_connection: Connection, person: None, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(Settings(max_in_flight=3), db=database)
    renames = [{"query": RENAME, "variables": {"id": to_global_id("Person", f"ovl-p{i}"), "name": "王芳芳"}}
               for i in (1, 2, 3)]  # fmt: skip
    before = refusals()
    driver = AsyncGraphDatabase.driver(
        neo4j_connection.uri, auth=(neo4j_connection.user, neo4j_connection.password)
    )
    transport = httpx.ASGITransport(app=app)
    async with (
        driver,
        driver.session() as session,
        httpx.AsyncClient(transport=transport, base_url="http://t") as http,
    ):
        holder = await session.begin_transaction()
        # Each person's write lock, so that each rename waits (for its own person: no deadlock).
        await holder.run("MATCH (p:Person) WHERE p.id STARTS WITH 'ovl-p' SET p.name = '锁'")
        try:
            admitted = [asyncio.ensure_future(http.post("/graphql", json=rename)) for rename in renames]
            await wait_until(lambda: app_in_flight(app) == 3)
            started = time.monotonic()
            burst = await asyncio.gather(*(http.post("/graphql", json=COUNT) for _ in range(10)))
            refused_within = time.monotonic() - started
            live = await http.get("/health/live")
            assert not any(a.done() for a in admitted)  # still waiting for the lock
        finally:
            await holder.rollback()
        answers = await asyncio.gather(*admitted)
        after = await http.post("/graphql", json=COUNT)  # a free slot again

    # The burst: refused at once, none queued behind the three held requests.
    assert [r.status_code for r in burst] == [503] * 10
    assert refused_within < 2.0
    assert all(r.headers["retry-after"] == "1" for r in burst)
    error = burst[0].json()["errors"][0]
    assert error["extensions"] == {"code": "OVERLOADED", "limit": 3, "retryAfter": 1}
    assert burst[0].headers["x-request-id"]  # refusals carry a request id like any answer
    assert live.status_code == 200
    # The admitted requests answered correctly once the lock was released.
    assert [a.json() for a in answers] == [{"data": {"updatePerson": {"person": {"name": "王芳芳"}}}}] * 3
    assert after.json() == {"data": {"person": {"name": "王芳芳"}}}
    # Counted, and logged once (rate-limited) for the ten refusals.
    assert refusals() - before == 10
    lines = [r for r in caplog.records if "limit in_flight hit" in r.getMessage()]
    assert len(lines) == 1 and lines[0].levelno == logging.WARNING


async def test_no_limit_admits_the_burst(database: Database, person: None) -> None:
    app = create_app(Settings(max_in_flight=0), db=database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        burst = await asyncio.gather(*(http.post("/graphql", json=COUNT) for _ in range(20)))
    assert [r.json() for r in burst] == [{"data": {"person": {"name": "王芳"}}}] * 20


def app_in_flight(app: Any) -> int:
    """The admission middleware's count of requests in flight."""
    stack = app.middleware_stack
    if stack is None:  # built at the first request
        return 0
    while stack is not None and type(stack).__name__ != "Admission":
        stack = getattr(stack, "app", None)
    assert stack is not None, "no Admission middleware"
    return int(stack.in_flight)


async def wait_until(condition: Any, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        await asyncio.sleep(0.05)
