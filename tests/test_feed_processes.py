"""The change feed across OS processes: `orggraph serve --workers 2` and a
second `orggraph serve` (another replica) on the same Neo4j. A change written
through any of them reaches every subscriber of every worker and replica,
exactly once (docs/changes.md, "Several processes and replicas")."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from websockets.typing import Subprotocol

from graph.driver import Connection, Database
from graph.seed import wipe
from schema.relay import to_global_id
from tests.graphs import rid, village_world
from tests.test_connections import Served, live, serve
from tests.test_idempotency import Committing

VISIT = """mutation($p: ID!, $h: ID!, $purpose: String!) {
  recordVisit(visitorId: $p, householdId: $h, on: "2024-03-01", purpose: $purpose) { visit { id } } }"""
SUBSCRIBE = "subscription($after: String) { changes(after: $after) { cursor objects { type id change } } }"
PAGE = "query($after: String) { changes(after: $after, first: 100) { pageInfo { endCursor hasNextPage } } }"
POLL = {"ORGGRAPH_CHANGES_POLL_SECONDS": "0.2", "ORGGRAPH_QUERY_TIMEOUT": "120"}


@pytest.fixture(scope="module")
async def world(database: Database) -> AsyncIterator[Database]:
    await wipe(database)
    await village_world().write(Committing(database))  # type: ignore[arg-type]
    yield database
    await wipe(database)


@pytest.fixture(scope="module")
def replicas(
    world: Database, neo4j_connection: Connection, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Served, Served]]:
    """Replica one with two workers, replica two with one, both on the tests' Neo4j."""
    logs = tmp_path_factory.mktemp("replicas")
    one = serve(neo4j_connection, logs / "one.log", "--workers", "2", extra=POLL)
    two = serve(neo4j_connection, logs / "two.log", "--workers", "1", extra=POLL)
    try:
        for served in (one, two):
            asyncio.run(live(served))
        yield one, two
    finally:
        one.stop()
        two.stop()


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def connected_workers(served: Served) -> dict[int, int]:
    """How many established connections to the server's port each worker process holds."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == served.port and fields[3] == "01":
                inodes.add(fields[9])
    held: dict[int, int] = {}
    for pid in children(served.process.pid):
        with_fds = Path(f"/proc/{pid}/fd")
        count = 0
        for fd in with_fds.iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                count += 1
        if count:
            held[pid] = count
    return held


async def head_cursor(http: httpx.AsyncClient, base: str) -> str:
    after = None
    while True:
        body = (
            await http.post(f"{base}/graphql", json={"query": PAGE, "variables": {"after": after}})
        ).json()
        info = body["data"]["changes"]["pageInfo"]
        after = info["endCursor"]
        if not info["hasNextPage"]:
            return str(after)


class Subscriber:
    """One WebSocket with one subscription; the visits it received, in order."""

    def __init__(self, served: Served, after: str) -> None:
        self.served, self.after = served, after
        self.visits: list[str] = []
        self.ready = asyncio.Event()
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        url = f"ws://127.0.0.1:{self.served.port}/graphql"
        protocols = [Subprotocol("graphql-transport-ws")]
        async with websockets.connect(url, subprotocols=protocols) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            payload = {"query": SUBSCRIBE, "variables": {"after": self.after}}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            self.ready.set()
            async for message in ws:
                data: dict[str, Any] = json.loads(message)
                assert data["type"] == "next", data
                objects = data["payload"]["data"]["changes"]["objects"]
                self.visits += [o["id"] for o in objects if o["type"] == "Visit"]


async def visit(http: httpx.AsyncClient, served: Served, cadre: str, household: str) -> str:
    variables = {"p": to_global_id("Person", rid(cadre)), "h": to_global_id("Household", rid(household)),
                 "purpose": f"{cadre} 走访"}  # fmt: skip
    body = (await http.post(f"{served.base}/graphql", json={"query": VISIT, "variables": variables})).json()
    assert "errors" not in body, body
    found: str = body["data"]["recordVisit"]["visit"]["id"]
    return found


async def test_a_change_reaches_every_subscriber_of_every_worker_and_replica_once(
    replicas: tuple[Served, Served],
) -> None:
    one, two = replicas
    subscribers: list[Subscriber] = []
    others: list[Subscriber] = []
    try:
        async with httpx.AsyncClient(timeout=300) as http:
            start = await head_cursor(http, one.base)
            # Connections until both of replica one's workers hold some (the kernel
            # hands each to whichever worker accepts first).
            while len(subscribers) < 6 or len(connected_workers(one)) < 2:
                assert len(subscribers) < 40, connected_workers(one)
                subscribers.append(Subscriber(one, start))
                await asyncio.wait_for(subscribers[-1].ready.wait(), 60)
            # (one more connection: this client's own, kept alive)
            held = connected_workers(one)
            assert len(held) == 2 and sum(held.values()) >= len(subscribers)
            others += [Subscriber(two, start) for _ in range(3)]
            for s in others:
                await asyncio.wait_for(s.ready.wait(), 60)

            # One visit written through replica one (one of its workers), one through replica two.
            written = [
                await visit(http, one, "P05", "C-T1-V1-H01"),
                await visit(http, two, "P09", "C-T1-V2-H11"),
            ]
        everyone = subscribers + others
        for _ in range(300):
            if all(len(s.visits) >= 2 for s in everyone):
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # anything sent twice would have come by now
    finally:
        for s in subscribers + others:
            s.task.cancel()
        await asyncio.gather(*(s.task for s in subscribers + others), return_exceptions=True)
    assert [s.visits for s in everyone] == [written] * len(everyone)
