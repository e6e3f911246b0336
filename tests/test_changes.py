"""The change feed's outbox (graph/changes.py): every committed write transaction
leaves exactly one event, numbered without gaps by the sequencer (several
sequencers at once included); a transaction that rolls back leaves none."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import httpx
import pytest

from graph.access import Access, Grant
from graph.change_cursors import decode_change_cursor, encode_change_cursor
from graph.changes import feed_state, load_changes_after, prune_changes, sequence_changes, visible
from graph.driver import Database
from graph.errors import BadInput, Conflict
from graph.model import Role
from graph.seed import wipe
from graph.transfer.importer import import_folder
from graph.writes import terms
from schema.relay import to_global_id
from service.app import create_app
from service.settings import Settings
from tests.graphs import TODAY, rid, village_world
from tests.helpers import RolledBackDatabase
from tests.test_idempotency import Committing
from tests.test_transfer import EXAMPLE
from tests.writes import gid

EDITOR = Access("editor-a", None, frozenset({Grant.EDITOR}))
VISIT = """mutation($p: ID!, $h: ID!, $purpose: String!) {
  recordVisit(visitorId: $p, householdId: $h, on: "2024-03-01", purpose: $purpose) { visit { id } } }"""
PERSON = """mutation($code: String!, $h: ID!) {
  createPerson(input: {code: $code, name: "新人", householdId: $h}) { person { id } } }"""


@pytest.fixture
async def committed(database: Database) -> AsyncIterator[Database]:
    """The village world committed (and the feed with it); wiped afterwards."""
    await wipe(database)
    await village_world().write(Committing(database))  # type: ignore[arg-type]
    yield database
    await wipe(database)


def client(db: Database, caller: Access = EDITOR) -> httpx.AsyncClient:
    # Room for every concurrent writer of a test (more than ORGGRAPH_MAX_IN_FLIGHT's default).
    app = create_app(Settings(max_in_flight=64), db=db, today=lambda: TODAY, caller=caller)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def post(http: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    response = await http.post("/graphql", json={"query": query, "variables": variables})
    body: dict[str, Any] = response.json()
    return body


async def failing_term_change(db: Database) -> None:
    """A term change the database refuses after it has written: the old terms
    are ended, then the first new term gets the id of an existing one."""
    [taken] = await db.read("MATCH ()-[h:HOLDS]->() RETURN h.id AS id LIMIT 1")
    seats = [terms.Seat(rid("P01"), Role.CHAIR)]
    seats += [terms.Seat(rid(c), Role.EXECUTIVE) for c in ("P02", "P03", "P04", "P05", "P06", "P07")]
    with pytest.raises(Conflict, match="already exists"):
        await terms.hold_term_change(
            db, rid("C-T1-V1"), dt.date(2024, 4, 1), seats, terms.BoardSize(), new_ids=lambda: taken["id"]
        )


async def sequenced_after(db: Database, seconds: float) -> None:
    await asyncio.sleep(seconds)
    await sequence_changes(db)


async def test_concurrent_writers_and_sequencers_leave_one_event_each_numbered_without_gaps(
    committed: Database,
) -> None:
    before = await feed_state(committed)
    async with client(committed) as http:
        calls: list[Awaitable[Any]] = []
        for n in range(24):
            if n % 4 == 3:  # refused before writing: no such household
                calls.append(
                    post(http, VISIT, p=gid("Person", "P05"), h=gid("Household", "NOPE"), purpose="x")
                )
            elif n % 4 == 2:  # written, then refused by the database: rolled back
                calls.append(failing_term_change(committed))
            else:
                # Each by another cadre to another household: concurrent visits
                # to one household deadlock in Neo4j and are retried (with or without the feed).
                k = n // 4 * 2 + n % 4  # 0..11: a cadre and a household of her own
                where = f"C-T1-V1-H{k + 1:02d}" if k < 10 else f"C-T1-V2-H{k + 1:02d}"
                who, where = gid("Person", f"P{k % 10 + 1:02d}"), gid("Household", where)
                calls.append(post(http, VISIT, p=who, h=where, purpose=f"访{n}"))
        # Sequencers run while the writers write, as other processes' pollers do.
        sequencers = [sequenced_after(committed, n * 0.05) for n in range(8)]
        answers = (await asyncio.gather(*calls, *sequencers))[: len(calls)]
    visits = [a for a in answers if isinstance(a, dict) and a.get("data")]
    done = [a["data"]["recordVisit"]["visit"]["id"] for a in visits]
    refused = [a for a in answers if isinstance(a, dict) and a.get("errors")]
    assert len(done) == 12 and len(refused) == 6
    assert {a["errors"][0]["extensions"]["code"] for a in refused} == {"NOT_FOUND"}

    after = await feed_state(committed)
    assert after.head == before.head + 12
    events = await load_changes_after(committed, before.head, after.head)
    assert [e.seq for e in events] == list(range(before.head + 1, after.head + 1))
    created = [o for e in events for o in e.objects if o.type == "Visit"]
    assert sorted(to_global_id("Visit", o.id) for o in created) == sorted(done)
    assert all(o.change == "CREATED" for o in created)
    # The failed term changes left no event (and no new position).
    assert not [o for e in events for o in e.objects if o.type == "Position"]
    # Each visit sits under its household's village and everything above it.
    villages = [next(v for v in ("C-T1-V1", "C-T1-V2") if v in o.under) for o in created]
    assert all(set(o.under) >= {"C", "C-T1"} for o in created) and villages.count("C-T1-V1") >= 10
    # An operation without a name is named by its root fields, then the mutation.
    assert {e.operation for e in events} == {"recordVisit/recordVisit"}


async def test_a_scoped_reader_sees_only_objects_under_her_scope(committed: Database) -> None:
    async with client(committed) as http:
        before = await feed_state(committed)
        await post(http, VISIT, p=gid("Person", "P09"), h=gid("Household", "C-T1-V2-H11"), purpose="西村")
        await post(http, VISIT, p=gid("Person", "P05"), h=gid("Household", "C-T1-V1-H01"), purpose="东村")
    after = await feed_state(committed)
    events = await load_changes_after(committed, before.head, after.head)
    west = [visible(e, "C-T1-V2", None) for e in events]
    assert west[1] is None and west[0] is not None
    # The visit, and the cadre and household it names.
    assert {o.type for o in west[0].objects} == {"Visit", "Person", "Household"}
    everyone = [visible(e, "C", None) for e in events]
    assert all(e is not None for e in everyone)
    assert visible(events[0], "C", frozenset({"Position"})) is None
    assert visible(events[0], "C", frozenset({"Visit"})).objects[0].type == "Visit"  # type: ignore[union-attr]


async def test_retention_deletes_the_oldest_events_and_marks_how_far(committed: Database) -> None:
    async with client(committed) as http:
        for n in range(3):
            await post(http, VISIT, p=gid("Person", "P05"), h=gid("Household", "C-T1-V1-H01"), purpose=f"{n}")
    state = await feed_state(committed)
    # Nothing is old enough at 90 days; everything is at a negative age.
    assert await prune_changes(committed, 90) == 0
    assert await prune_changes(committed, -1, batch=2) == state.head
    pruned = await feed_state(committed)
    assert pruned.pruned == pruned.head == state.head
    assert await load_changes_after(committed, 0, state.head) == []


async def test_each_import_batch_is_one_event_naming_its_objects(db: RolledBackDatabase) -> None:
    before = await feed_state(db)
    summary = await import_folder(db, EXAMPLE)
    after = await feed_state(db)
    events = await load_changes_after(db, before.head, after.head)
    # Nine files, each one batch: nine events, one per transaction.
    assert len(events) == len(summary.files) == 9
    assert {e.operation for e in events} == {"import"}
    first = events[0]  # organizations.csv
    assert len(first.objects) == 9 and {(o.type, o.change) for o in first.objects} == {
        ("Organization", "CREATED")
    }
    assert all(o.under and o.under[-1] == o.under[-1].split("-")[0] for o in first.objects)
    # Re-importing the same folder changes nothing and records nothing.
    await import_folder(db, EXAMPLE)
    assert (await feed_state(db)).head == after.head


def test_cursors_are_opaque_and_refused_when_tampered_or_of_another_feed() -> None:
    key = "k" * 72
    cursors = [encode_change_cursor(seq, key) for seq in (1, 2, 3, 1000)]
    assert [decode_change_cursor(c, key) for c in cursors] == [1, 2, 3, 1000]
    # Neighbouring numbers share nothing visible: no prefix, no order.
    assert len({c[:4] for c in cursors}) == 4
    assert sorted(cursors) != cursors or sorted(cursors, reverse=True) != cursors
    flipped = cursors[0][:-2] + ("A" if cursors[0][-2] != "A" else "B") + cursors[0][-1]
    for bad, key_used in ((flipped, key), (cursors[0], "another feed's key"), ("MTIz", key)):
        with pytest.raises(BadInput):
            decode_change_cursor(bad, key_used)
