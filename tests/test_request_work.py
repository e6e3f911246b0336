"""The database's work, not only the answer's size: a lineage costs what it
returns, analytic fields cost what they read, a request has a deadline after
which its database work is cancelled, and a client's error costs the log one
line."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, LiteralString

import httpx
import pytest
from neo4j import Record
from starlette.types import Receive, Scope, Send

from graph.access import Access, Grant
from graph.driver import Connection, Database
from schema.relay import to_global_id
from service.app import create_app
from service.deadline import RequestDeadline
from tests.conftest import CallerClient
from tests.graphs import TODAY
from tests.helpers import RolledBackDatabase, settings_on

# The lattice fixture of tests/test_limits.py: `people(under:)` on its root
# enumerates 4**10 paths to each bottom organization, ~90 s of Neo4j work.
from tests.test_limits import lattice  # noqa: F401 (a fixture, used by name)


class Profiled(RolledBackDatabase):
    """The test's transaction, with every service query run under PROFILE and
    its database hits (rows and relationships Neo4j touched) added up."""

    def __init__(self, db: RolledBackDatabase) -> None:
        super().__init__(db.connection, db._tx)
        self._hits = [0]  # shared with the per-request views (shallow copies)

    @property
    def hits(self) -> int:
        return self._hits[0]

    @hits.setter
    def hits(self, value: int) -> None:
        self._hits[0] = value

    async def _run_locked(self, cypher: LiteralString, params: dict[str, Any]) -> list[Record]:
        async with self._lock:
            result = await self._tx.run("PROFILE " + cypher, params)
            records = [record async for record in result]
            summary = await result.consume()
        self.hits += _hits(summary.profile or {})
        return records


def _hits(plan: dict[str, Any]) -> int:
    return int(plan.get("dbHits", 0)) + sum(_hits(child) for child in plan.get("children", []))


async def viewer_of(db: RolledBackDatabase, scope: str = "C") -> httpx.AsyncClient:
    app = create_app(db=db, today=lambda: TODAY, caller=Access("viewer", scope, frozenset({Grant.VIEWER})))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def data(http: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    body = (await http.post("/graphql", json={"query": query, "variables": variables})).json()
    assert "errors" not in body, body["errors"]
    found: dict[str, Any] = body["data"]
    return found


# --- item 8: a lineage costs what it returns --------------------------------------------------------

# A dense mentoring network in 东村 (C-T1-V1): N-0-0, then 8 generations of 4, each
# person mentoring all 4 of the next generation. From N-0-0 there are 4**8 mentoring
# paths 8 long (87,380 in all): a walk of every path does millions of db hits for
# any depth, a walk of each person once a few hundred per generation.
WIDTH, GENERATIONS = 4, 8
DENSE_NETWORK = """
MATCH (v:Organization {code: 'C-T1-V1'})
UNWIND range(0, $generations) AS g
UNWIND CASE g WHEN 0 THEN [0] ELSE range(0, $width - 1) END AS i
CREATE (p:Person {id: 'N-' + g + '-' + i, code: 'N-' + g + '-' + i, name: '网' + g + i, generation: g})
CREATE (p)-[:HOLDS {id: 'N-H-' + g + '-' + i, role: 'MEMBER', since: date('2020-01-01')}]->(v)
WITH collect(p) AS people
UNWIND people AS a
UNWIND people AS b
WITH a, b WHERE b.generation = a.generation + 1
CREATE (a)-[:MENTORS {since: date('2021-01-01')}]->(b)
"""

LINEAGE = """query($p: ID!, $depth: Int!) { mentorLineage(personId: $p, depth: $depth) {
  mentors { person { code } }
  mentees { person { code } depth branches { person { code } depth branches { person { code } } } } } }"""


async def test_a_dense_mentoring_network_costs_what_the_lineage_returns(world: RolledBackDatabase) -> None:
    await world.execute(DENSE_NETWORK, width=WIDTH, generations=GENERATIONS)
    profiled = Profiled(world)
    async with await viewer_of(profiled) as viewer:
        one = (await data(viewer, LINEAGE, p=to_global_id("Person", "N-0-0"), depth=1))["mentorLineage"]
        assert one["mentors"] == []
        assert one["mentees"] == [
            {"person": {"code": f"N-1-{i}"}, "depth": 1, "branches": []} for i in range(WIDTH)
        ]
        depth_one_hits = profiled.hits
        assert depth_one_hits < 500, depth_one_hits  # 130; a walk of every path: 1,398,218

        # Two generations: each person once, under her mentor with the lowest code.
        two = (await data(viewer, LINEAGE, p=to_global_id("Person", "N-0-0"), depth=2))["mentorLineage"]
        second = [{"person": {"code": f"N-2-{i}"}, "depth": 2, "branches": []} for i in range(WIDTH)]
        assert two["mentees"] == [
            {"person": {"code": f"N-1-{i}"}, "depth": 1, "branches": second if i == 0 else []}
            for i in range(WIDTH)
        ]

        # The whole network from its middle, both ways: linear in the 33 people.
        profiled.hits = 0
        middle = await data(viewer, LINEAGE, p=to_global_id("Person", "N-4-1"), depth=10)
        assert [m["person"]["code"] for m in middle["mentorLineage"]["mentors"]] == [
            "N-3-0",
            "N-3-1",
            "N-3-2",
            "N-3-3",
        ]
        assert profiled.hits < 33 * 100, profiled.hits  # 1,031


# --- item 10: a client error is one log line ------------------------------------------------------

CANDIDATES = """query Candidates($under: ID!) {
  pipelineCandidates(under: $under, stage: PARTY_ACTIVIST) { totalCount } }"""


async def test_client_errors_are_logged_as_one_line_without_traceback(
    api_as: CallerClient, caplog: pytest.LogCaptureFixture
) -> None:
    viewer = await api_as("C", Grant.VIEWER)
    caplog.set_level(logging.INFO)
    cases: list[tuple[str, dict[str, Any], str]] = [
        (CANDIDATES, {"under": to_global_id("Organization", "nowhere")}, "NOT_FOUND"),
        # A 750 KB id: the answer quotes it, the log does not.
        (CANDIDATES, {"under": "x" * 750_000}, "BAD_USER_INPUT"),
        ("query Broken { nope }", {}, "GRAPHQL_VALIDATION_FAILED"),
        ("mutation Write { endPosition(positionId: \"x\", until: \"2024-01-01\") { position { id } } }", {},
         "FORBIDDEN"),
    ]  # fmt: skip
    for query, variables, code in cases:
        caplog.clear()
        response = await viewer.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers={"X-Request-Id": "req-7"}
        )
        assert response.json()["errors"][0]["extensions"]["code"] == code
        # Everything the service logged (not the test's HTTP client nor the driver's chatter).
        [record] = [r for r in caplog.records if r.name != "httpx" and not r.name.startswith("neo4j")]
        operation = query.split()[1].split("(")[0]
        assert record.getMessage() == f"request error {code} (request req-7, operation '{operation}')"
        assert record.levelno == logging.INFO
        assert record.exc_info is None
        assert len(record.getMessage()) < 100


CONNECTION = """query($a: ID!, $b: ID!, $hops: Int!) {
  connection(fromId: $a, toId: $b, via: [MENTORS], maxHops: $hops) { length } }"""


async def test_a_connection_searches_only_as_far_as_max_hops(world: RolledBackDatabase) -> None:
    await world.execute(DENSE_NETWORK, width=WIDTH, generations=GENERATIONS)
    profiled = Profiled(world)
    ends = {"a": to_global_id("Person", "N-0-0"), "b": to_global_id("Person", "N-8-0")}
    async with await viewer_of(profiled) as viewer:
        assert await data(viewer, CONNECTION, **ends, hops=8) == {"connection": {"length": 8}}
        eight = profiled.hits
        profiled.hits = 0
        assert await data(viewer, CONNECTION, **ends, hops=2) == {"connection": None}
        two = profiled.hits
    # A search of 15 hops whose answer is dropped afterwards costs what the 8-hop one does.
    assert two * 3 < eight, (two, eight)  # 214 against 978


# --- item 9: analytic fields cost what they read ------------------------------------------------------

# 1.9 KB, 15 aliases: the coverage report of (up to) 100 descendants, 15 times.
REPORTS = (
    "{ "
    + " ".join(
        f'a{i}: organization(code: "C") {{ descendants(first: 100) {{ nodes {{ coverage {{ householdCount }} }} }} }}'
        for i in range(15)
    )
    + " }"
)


async def test_fifteen_aliases_of_100_coverage_reports_are_too_costly(api_as: CallerClient) -> None:
    viewer = await api_as("C", Grant.VIEWER)
    assert len(REPORTS) < 2_000
    body = await viewer.query(REPORTS)
    assert body.get("data") is None, body
    [error] = body["errors"]
    # Each alias: objects, organization 1 + descendants 1 + 100 × (node 1 + report 1),
    # and 100 distinct reports together reading at most 5 scopes of 100,000.
    assert error["extensions"] == {"code": "QUERY_TOO_COSTLY", "found": 15 * 500_202, "limit": 5_000_000}
    assert "100,000 read by each analysis of a subtree" in error["message"]

    # A dashboard of a subtree's 100 reports is within the limit (500,202).
    one = REPORTS.split(" a1:")[0] + " }"
    assert "errors" not in await viewer.query(one)


RUNNING = """SHOW TRANSACTIONS YIELD currentQuery, status
WHERE currentQuery CONTAINS '<-[h:HOLDS]-(p:Person)' AND NOT currentQuery STARTS WITH 'SHOW'
RETURN status"""


async def test_a_request_over_its_deadline_stops_and_its_database_work_is_cancelled(
    neo4j_connection: Connection,
    database: Database,
    lattice: str,  # noqa: F811
) -> None:
    settings = settings_on(
        neo4j_connection,
        mode="development",
        query_timeout=60.0,  # the per-query timeout would let it run a minute
        request_timeout=1.0,
    )
    app = create_app(settings, today=lambda: TODAY, caller=Access("viewer", None, frozenset({Grant.VIEWER})))
    query = "query Slow($root: ID) { people(under: $root) { totalCount } }"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        response = await http.post("/graphql", json={"query": query, "variables": {"root": lattice}})
        # Neo4j stopped the request's transaction: nothing of it still runs.
        still_running = await database.read(RUNNING)
    await app.state.service.db.close()
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "SERVICE_UNAVAILABLE", "reason": "TIMEOUT"}
    assert error["message"] == "the request took longer than its deadline and was stopped"
    assert error["path"] == ["people"]
    assert still_running == []


async def test_a_request_still_running_after_its_deadline_is_cancelled() -> None:
    """Python work Neo4j cannot stop: the middleware cancels it after the grace time."""
    cancelled = asyncio.Event()

    async def slow(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    app = RequestDeadline(slow, seconds=0.1)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        response = await http.post("/graphql", json={"query": "{ __typename }"})
    assert cancelled.is_set()
    assert response.status_code == 503
    assert response.json() == {
        "errors": [
            {
                "message": "the request took longer than its deadline and was stopped",
                "extensions": {"code": "SERVICE_UNAVAILABLE", "reason": "TIMEOUT"},
            }
        ]
    }
