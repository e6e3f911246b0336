"""The change feed over GraphQL against live servers (uvicorn, authentication
on, the village world committed): the `changes` query, the subscription over
graphql-transport-ws (Python's gql and `websockets`, graphql-ws on Node) and
over SSE (graphql-sse on Node), resuming from a cursor, two servers sharing one
outbox, scopes, and refused or expiring tokens."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import websockets
from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport

from graph.access import Grant
from graph.changes import ChangeEvent, feed_state, prune_changes
from graph.driver import Connection, Database
from graph.seed import wipe
from schema.relay import to_global_id
from service.auth import mint
from service.feed import ChangeFeed
from service.metrics import REGISTRY
from tests.browser import LiveServer
from tests.graphs import rid, village_world
from tests.test_clients import SECRET, live_app, node
from tests.test_idempotency import Committing

VISIT = """mutation($p: ID!, $h: ID!, $purpose: String!) {
  recordVisit(visitorId: $p, householdId: $h, on: "2024-03-01", purpose: $purpose) { visit { id } } }"""
SUBSCRIBE = """subscription($after: String, $types: [String!]) {
  changes(after: $after, types: $types) { cursor operation objects { type id change } } }"""
PAGE = """query($after: String, $first: Int, $types: [String!]) {
  changes(after: $after, first: $first, types: $types) {
    edges { cursor node { operation objects { type id change } } }
    pageInfo { endCursor hasNextPage } } }"""


def token(org: str = "C", *roles: Grant, subject: str = "feed", **overrides: Any) -> str:
    return mint(org=org, roles=list(roles or [Grant.EDITOR]), subject=subject, key=SECRET, **overrides)


@pytest.fixture(scope="module")
async def world(database: Database) -> AsyncIterator[Database]:
    await wipe(database)
    await village_world().write(Committing(database))  # type: ignore[arg-type]
    yield database
    await wipe(database)


@pytest.fixture(scope="module")
def servers(world: Database, neo4j_connection: Connection) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Two service processes' worth (each its own driver, poller and loop) on one outbox."""
    with (
        LiveServer(live_app(neo4j_connection, changes_poll_seconds=0.2)) as one,
        LiveServer(live_app(neo4j_connection, changes_poll_seconds=0.2)) as two,
    ):
        yield one, two


def post(server: LiveServer, query: str, bearer: str | None = None, **variables: Any) -> dict[str, Any]:
    response = httpx.post(
        f"{server.url}/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {bearer or token()}"},
        timeout=300,  # a loaded test machine plans the first writes slowly
    )
    body: dict[str, Any] = response.json()
    return body


# Twelve households: concurrent visits to one household deadlock in Neo4j and
# are retried (with or without the feed), which a loaded machine may not finish in time.
HOUSEHOLDS = [f"C-T1-V1-H{n:02d}" for n in range(1, 11)] + ["C-T1-V2-H11", "C-T1-V2-H12"]


def visit(server: LiveServer, n: int, household: str = "") -> str | None:
    """A visit of cadre P0n to the n-th household (or to `household`)."""
    where = household or HOUSEHOLDS[n % len(HOUSEHOLDS)]
    body = post(server, VISIT, p=to_global_id("Person", rid(f"P{n % 10 + 1:02d}")),
                h=to_global_id("Household", rid(where)), purpose=f"走访{n}")  # fmt: skip
    if body.get("errors"):
        return None
    found: str = body["data"]["recordVisit"]["visit"]["id"]
    return found


def head_cursor(server: LiveServer, bearer: str | None = None) -> str:
    """The cursor after everything so far: page until the end."""
    after = None
    while True:
        page = post(server, PAGE, bearer, after=after, first=100)["data"]["changes"]
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            return str(after)


async def take(server: LiveServer, count: int, after: str | None, bearer: str | None = None) -> list[Any]:
    """The first `count` changes of a subscription with gql over graphql-transport-ws."""
    transport = WebsocketsTransport(
        url=server.url.replace("http", "ws") + "/graphql",
        init_payload={"Authorization": f"Bearer {bearer or token()}"},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
    )
    got: list[Any] = []
    async with Client(transport=transport) as session:
        async for result in session.subscribe(GraphQLRequest(SUBSCRIBE, variable_values={"after": after})):
            got.append(result["changes"])
            if len(got) == count:
                break
    return got


def visits_in(changes: list[Any]) -> list[str]:
    return [o["id"] for c in changes for o in c["objects"] if o["type"] == "Visit"]


async def test_concurrent_writes_arrive_once_in_order_at_a_subscriber_of_another_process(
    servers: tuple[LiveServer, LiveServer],
) -> None:
    one, two = servers
    start = head_cursor(one)
    listening = asyncio.create_task(take(two, 12, start))
    await asyncio.sleep(1.0)  # subscribed, and live

    def write(n: int) -> str | None:
        # Every third refused (no such household): it leaves nothing in the feed.
        return visit(one, n // 3 * 2 + n % 3, household="NOPE" if n % 3 == 2 else "")

    written = await asyncio.gather(*(asyncio.to_thread(write, n) for n in range(18)))
    done = [w for w in written if w is not None]
    assert len(done) == 12
    got = await asyncio.wait_for(listening, 300)
    assert sorted(visits_in(got)) == sorted(done)  # each once, none refused
    # In feed order: the query pages the same changes in the same order with the same cursors.
    page = post(one, PAGE, after=start, first=100)["data"]["changes"]
    assert [e["cursor"] for e in page["edges"]] == [c["cursor"] for c in got]


async def test_a_subscriber_resuming_from_her_last_cursor_loses_nothing_and_gets_nothing_twice(
    servers: tuple[LiveServer, LiveServer],
) -> None:
    one, _ = servers
    start = head_cursor(one)
    written = [await asyncio.to_thread(visit, one, n) for n in range(5)]
    first = await take(one, 2, start)  # then disconnects mid-stream
    written += [await asyncio.to_thread(visit, one, n) for n in range(5, 8)]
    rest = await take(one, 6, first[-1]["cursor"])
    assert visits_in(first) + visits_in(rest) == written


async def test_a_scoped_caller_sees_only_her_subtree_and_cursors_do_not_count_the_rest(
    servers: tuple[LiveServer, LiveServer],
) -> None:
    one, _ = servers
    west = token("C-T1-V2", Grant.VIEWER, subject="west")
    start_west = head_cursor(one, west)
    east = [await asyncio.to_thread(visit, one, n) for n in range(3)]
    west_visit = await asyncio.to_thread(visit, one, 8, "C-T1-V2-H11")
    page = post(one, PAGE, west, after=start_west)["data"]["changes"]
    assert visits_in([e["node"] for e in page["edges"]]) == [west_visit]
    assert {o["type"] for e in page["edges"] for o in e["node"]["objects"]} == {
        "Visit",
        "Person",
        "Household",
    }
    assert not set(east) & {o["id"] for e in page["edges"] for o in e["node"]["objects"]}
    # Opaque: not a number, not base64 of one.
    cursor = page["edges"][0]["cursor"]
    assert not cursor.isdigit() and len(cursor) == 22
    got = await take(one, 1, start_west, west)
    assert visits_in(got) == [west_visit]


async def test_types_argument_and_bad_cursors_are_refused_with_codes(
    servers: tuple[LiveServer, LiveServer],
) -> None:
    one, _ = servers
    bad = post(one, PAGE, after="bm90LWEtY3Vyc29y")
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    unknown = post(one, PAGE, types=["Secret"])
    assert unknown["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_an_expired_cursor_is_refused_as_such(
    servers: tuple[LiveServer, LiveServer], world: Database
) -> None:
    one, _ = servers
    old = head_cursor(one)
    await asyncio.to_thread(visit, one, 1)
    await asyncio.to_thread(visit, one, 2)
    await prune_changes(world, -1)  # everything is older than "-1 days"
    expired = post(one, PAGE, after=old)
    assert expired["errors"][0]["extensions"]["code"] == "CURSOR_EXPIRED"
    state = await feed_state(world)
    assert state.pruned == state.head


async def test_a_websocket_with_a_bad_or_expired_token_is_refused(
    servers: tuple[LiveServer, LiveServer],
) -> None:
    one, _ = servers
    url = one.url.replace("http", "ws") + "/graphql"
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=10)
    for bearer, reason in (
        ("not-a-token", "UNAUTHENTICATED: the token is not valid"),
        (token(now=past, lifetime=dt.timedelta(hours=1)), "UNAUTHENTICATED: the token has expired"),
    ):
        async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            await ws.send(
                json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {bearer}"}})
            )
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 4401
            assert closed.value.rcvd.reason.startswith(reason)


async def test_a_token_expiring_mid_subscription_ends_it_with_a_reason(
    servers: tuple[LiveServer, LiveServer],
) -> None:
    one, _ = servers
    url = one.url.replace("http", "ws") + "/graphql"
    # Valid for about two more seconds (the service allows 30 s of clock skew).
    soon = token(now=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=30), lifetime=dt.timedelta(seconds=2))
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {soon}"}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            async with asyncio.timeout(30):
                while True:
                    await ws.recv()
        assert closed.value.rcvd is not None
        assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (
            4403,
            "TOKEN_EXPIRED: the token has expired",
        )


def test_graphql_ws_and_graphql_sse_on_node(servers: tuple[LiveServer, LiveServer]) -> None:
    one, two = servers
    start = head_cursor(one)
    written = [visit(one, n) for n in range(2)]
    assert None not in written  # both committed: the clients wait for two changes
    found = node("subscribe.mjs", two, TOKEN=token(), AFTER=start, COUNT="2")
    assert visits_in(found["viaWs"]) == written
    assert found["viaSse"] == found["viaWs"]
    assert found["refused"]["code"] == 4401
    assert found["refused"]["reason"].startswith("UNAUTHENTICATED")


def test_sse_with_curl_style_request(servers: tuple[LiveServer, LiveServer]) -> None:
    one, _ = servers
    start = head_cursor(one)
    written = visit(one, 3)
    body = {"query": SUBSCRIBE, "variables": {"after": start}}
    headers = {"Authorization": f"Bearer {token()}", "Accept": "text/event-stream"}
    with httpx.stream("POST", f"{one.url}/graphql", json=body, headers=headers, timeout=30) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.iter_lines()
        event = next(lines)
        data = next(lines)
    assert event == "event: next"
    change = json.loads(data.removeprefix("data: "))["data"]["changes"]
    assert visits_in([change]) == [written]


def open_subscriptions() -> float:
    return REGISTRY.get_sample_value("orggraph_subscriptions") or 0.0


def until(check: Any, within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, f"{what} did not happen within {within}s"
        time.sleep(0.05)


def test_an_sse_subscription_ends_as_soon_as_its_client_goes_away(
    servers: tuple[LiveServer, LiveServer],
) -> None:
    # A browser tab closed (or reloaded) while its subscription waits for a
    # change: its slot and its caller's count are freed at once, not when the
    # next change or the garbage collector comes by (a reloading page would
    # otherwise reach ORGGRAPH_MAX_SUBSCRIPTIONS_PER_CALLER).
    one, _ = servers
    # Earlier tests' subscriptions finish ending first (the gauge is the process's).
    settled = {"value": open_subscriptions(), "since": time.monotonic()}

    def steady() -> bool:
        if open_subscriptions() != settled["value"]:
            settled.update(value=open_subscriptions(), since=time.monotonic())
        return time.monotonic() - settled["since"] > 1.0

    until(steady, 30, "a steady count of subscriptions")
    before = open_subscriptions()
    headers = {"Authorization": f"Bearer {token(subject='closing-tab')}", "Accept": "text/event-stream"}
    with httpx.stream("POST", f"{one.url}/graphql", json={"query": SUBSCRIBE}, headers=headers, timeout=30):
        until(lambda: open_subscriptions() == before + 1, 20, "the subscription")
    until(lambda: open_subscriptions() == before, 5, "the subscription's end")


def test_live_subscriptions_find_their_place_in_a_ring_with_a_hole(database: Database) -> None:
    """Retention deleted events 3 and 4 before the poller read them: a
    subscription at 4 goes on with 5, not at an offset that skips it."""
    feed = ChangeFeed(database, poll_seconds=1, keep_days=90, per_caller=1)
    at = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    feed.ring.extend(ChangeEvent(seq, at, "x", ()) for seq in (1, 2, 5, 6))
    assert [e.seq for e in feed._after(4)] == [5, 6]
    assert [e.seq for e in feed._after(1)] == [2, 5, 6]
    assert feed._after(6) == []
