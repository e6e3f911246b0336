"""Retried mutations never write twice: the crash between commit and answer.

The database here commits for real and then, when told to, loses the answer
(raises SERVICE_UNAVAILABLE after the commit), which is what a client sees when
Neo4j or the connection dies between the commit and the reply. The client then
retries with the same Idempotency-Key and must get the first answer, with one
write in the graph.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, LiteralString, TypeVar

import httpx
import pytest
from neo4j import AsyncManagedTransaction

from graph.access import Access, Grant
from graph.driver import Connection, Database
from graph.errors import DatabaseUnavailable
from graph.seed import wipe
from schema.relay import to_global_id
from service.app import create_app
from service.settings import Settings
from tests.graphs import TODAY, village_world
from tests.test_mutations_terms import NEW_BOARD, TERM_CHANGE, V1, slate
from tests.writes import gid

T = TypeVar("T")

VISIT = """mutation($p: ID!, $h: ID!, $on: Date!, $purpose: String!) {
  recordVisit(visitorId: $p, householdId: $h, on: $on, purpose: $purpose) {
    visit { id on purpose visitor { code } household { code } } } }"""
VISIT_ARGS = {"p": gid("Person", "P05"), "h": gid("Household", "C-T1-V1-H01"), "on": "2024-03-01",
              "purpose": "四必访"}  # fmt: skip
TWO = """mutation($p: ID!) {
  first: makeCommitment(personId: $p, year: 2024, text: "带头调解邻里纠纷") { commitment { id year } }
  second: makeCommitment(personId: $p, year: 2025, text: "每月走访留守老人") { commitment { id year } } }"""
EDITOR = Access("editor-a", None, frozenset({Grant.EDITOR}))


class LosesAnswers(Database):
    """Commits every write, then loses the answer of the next `lost[0]` writes."""

    def __init__(self, connection: Connection) -> None:
        super().__init__(connection)
        self.lost = [0]  # shared by the caller views (copies) of this database

    async def _execute_write(self, work: Callable[[AsyncManagedTransaction], Awaitable[T]]) -> T:
        done = await super()._execute_write(work)
        if self.lost[0] > 0:
            self.lost[0] -= 1
            raise DatabaseUnavailable("the graph database is unavailable; try again shortly")
        return done


class Committing:
    """Lets tests/graphs.py write the village world for real (it expects `execute`)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def execute(self, cypher: LiteralString, **params: Any) -> Any:
        return await self.db.write(cypher, **params)


@pytest.fixture
async def faulty(database: Database, neo4j_connection: Connection) -> AsyncIterator[LosesAnswers]:
    await wipe(database)
    await village_world().write(Committing(database))  # type: ignore[arg-type]
    db = LosesAnswers(neo4j_connection)
    yield db
    await db.close()
    await wipe(database)


async def count(db: Database, cypher: LiteralString) -> int:
    found: int = (await db.read(cypher))[0][0]
    return found


VISITS = "MATCH ()-[v:VISITED]->() RETURN count(v)"


async def post(http: httpx.AsyncClient, query: str, key: str | None, **variables: Any) -> dict[str, Any]:
    headers = {"Idempotency-Key": key} if key is not None else {}
    response = await http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def client(db: Database, caller: Access = EDITOR, settings: Settings | None = None) -> httpx.AsyncClient:
    app = create_app(settings, db=db, today=lambda: TODAY, caller=caller)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_a_retried_visit_after_a_lost_answer_is_written_once(faulty: LosesAnswers) -> None:
    async with client(faulty) as http:
        faulty.lost[0] = 1
        lost = await post(http, VISIT, "visit-1", **VISIT_ARGS)
        assert lost["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        assert await count(faulty, VISITS) == 1  # it was committed all the same
        first = await post(http, VISIT, "visit-1", **VISIT_ARGS)
        again = await post(http, VISIT, "visit-1", **VISIT_ARGS)
        assert await count(faulty, VISITS) == 1
        assert first == again
        visit = first["data"]["recordVisit"]["visit"]
        assert {k: v for k, v in visit.items() if k != "id"} == {
            "on": "2024-03-01", "purpose": "四必访", "visitor": {"code": "P05"},
            "household": {"code": "C-T1-V1-H01"},
        }  # fmt: skip
        stored = await faulty.read("MATCH ()-[v:VISITED]->() RETURN v.id AS id")
        assert visit["id"] == to_global_id("Visit", stored[0]["id"])
        # Without a key a retry is a new visit: what the key is for.
        await post(http, VISIT, None, **VISIT_ARGS)
        assert await count(faulty, VISITS) == 2
        # The audit log has one WRITE event per write, none for the replays.
        events = "MATCH (e:AuditEvent {kind: 'WRITE'}) RETURN count(e)"
        assert await count(faulty, events) == 2


async def test_the_same_key_with_another_request_is_a_conflict(faulty: LosesAnswers) -> None:
    async with client(faulty) as http:
        await post(http, VISIT, "visit-2", **VISIT_ARGS)
        other = await post(http, VISIT, "visit-2", **{**VISIT_ARGS, "purpose": "访三情"})
        assert other["data"] is None
        assert other["errors"][0]["extensions"]["code"] == "CONFLICT"
        assert "Idempotency-Key was already used for a different request" in other["errors"][0]["message"]
        assert await count(faulty, VISITS) == 1
        # The same JSON written differently (key order, spacing) is the same request.
        body = f'{{"variables": {json.dumps(VISIT_ARGS, indent=2)}, "query": {json.dumps(VISIT)}}}'
        response = await http.post(
            "/graphql", content=body.encode(),
            headers={"Idempotency-Key": "visit-2", "Content-Type": "application/json"},
        )  # fmt: skip
        assert "errors" not in response.json()
        assert await count(faulty, VISITS) == 1


async def test_keys_belong_to_their_caller(faulty: LosesAnswers) -> None:
    other = Access("editor-b", None, frozenset({Grant.EDITOR}))
    async with client(faulty) as a, client(faulty, other) as b:
        await post(a, VISIT, "shared-key", **VISIT_ARGS)
        await post(b, VISIT, "shared-key", **VISIT_ARGS)
    assert await count(faulty, VISITS) == 2


async def test_an_expired_key_writes_again(faulty: LosesAnswers) -> None:
    async with client(faulty, settings=Settings(idempotency_hours=2)) as http:
        await post(http, VISIT, "short-lived", **VISIT_ARGS)
        await post(http, VISIT, "short-lived", **VISIT_ARGS)
        assert await count(faulty, VISITS) == 1
        lifetime = "MATCH (k:IdempotencyKey) RETURN duration.inSeconds(k.at, k.expires).seconds"
        assert await count(faulty, lifetime) == 2 * 3600
        await faulty.write("MATCH (k:IdempotencyKey) SET k.expires = datetime() - duration('PT1S')")
        await post(http, VISIT, "short-lived", **VISIT_ARGS)
        assert await count(faulty, VISITS) == 2
        # The expired key was reused, not duplicated.
        assert await count(faulty, "MATCH (k:IdempotencyKey) RETURN count(k)") == 1


async def test_a_retried_term_change_leaves_no_zero_length_terms(faulty: LosesAnswers) -> None:
    terms = "MATCH ()-[h:HOLDS]->() RETURN count(h)"
    zero = "MATCH ()-[h:HOLDS]->() WHERE h.until = h.since RETURN count(h)"
    async with client(faulty) as http:
        before = await count(faulty, terms)
        faulty.lost[0] = 1
        lost = await post(
            http, TERM_CHANGE, "term-change-2024", org=V1, on="2024-04-01", slate=slate(NEW_BOARD)
        )
        assert lost["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        retried = await post(
            http, TERM_CHANGE, "term-change-2024", org=V1, on="2024-04-01", slate=slate(NEW_BOARD)
        )
        change = retried["data"]["holdTermChange"]
        assert [(p["person"]["code"], p["role"]) for p in change["started"]] == NEW_BOARD
        assert [p["person"]["code"] for p in change["ended"]] == ["P01", "P02", "P03", "P04"]
        assert await count(faulty, terms) == before + len(NEW_BOARD)
        assert await count(faulty, zero) == 0


async def test_each_mutation_of_a_request_is_remembered_on_its_own(faulty: LosesAnswers) -> None:
    commitments = "MATCH (c:Commitment) RETURN count(c)"
    async with client(faulty) as http:
        faulty.lost[0] = 1  # the first mutation commits and its answer is lost
        lost = await post(http, TWO, "two", p=gid("Person", "P03"))
        assert lost["errors"][0]["path"] == ["first"]
        assert lost["data"] is None  # the payload is non-null: the request stopped there
        assert await count(faulty, commitments) == 1
        # The retry replays the first mutation and runs the second one.
        retried = await post(http, TWO, "two", p=gid("Person", "P03"))
        assert "errors" not in retried
        assert await count(faulty, commitments) == 2
        assert retried == await post(http, TWO, "two", p=gid("Person", "P03"))


async def test_concurrent_retries_write_once(faulty: LosesAnswers) -> None:
    async with client(faulty) as http:
        answers = await asyncio.gather(*(post(http, VISIT, "burst", **VISIT_ARGS) for _ in range(5)))
    assert await count(faulty, VISITS) == 1
    assert all(a == answers[0] for a in answers) and "errors" not in answers[0]


@pytest.mark.parametrize("key", ["", "x" * 256, "键"])
async def test_a_malformed_key_is_refused(faulty: LosesAnswers, key: str) -> None:
    async with client(faulty) as http:
        response = await http.post(
            "/graphql",
            json={"query": VISIT, "variables": VISIT_ARGS},
            headers={"Idempotency-Key": key.encode()},
        )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "argument": "Idempotency-Key",
    }
    assert await count(faulty, VISITS) == 0
