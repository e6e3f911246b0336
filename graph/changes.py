"""The change feed's outbox: one `(:Change)` node per committed write transaction.

Every write transaction OrgGraph makes (each mutation, each term change, each
import batch) ends by recording what it changed in that same transaction, in
one statement (a mutation's is the one that writes its audit record,
graph/audit.py; other writes call `record_change`): the operation, and each object created,
changed or removed with its type, raw id and the codes of the organizations it
sits under (so a scoped caller's filter is a string test, no walk). The event
is written `:Unsequenced`, touching no shared node, so writers take no common
lock. Whoever reads the feed (each process's poller, the `changes` query) first
runs the sequencer (`sequence_changes`): under the `(:ChangeCounter)` node's
write lock it numbers the committed unsequenced events after the counter's
head. Numbers are handed out only under that lock, so the sequence is strictly
increasing and gap-free, each event gets one number, and a transaction that
rolled back left no event to number. The order is the sequencer's: a write
committed before another began is numbered before it (docs/changes.md).

Writes made straight into Neo4j, not through OrgGraph, and the demo seed are
not in the feed. Events older than ORGGRAPH_CHANGES_KEEP_DAYS are deleted in
batches (`prune_changes`); the counter's `pruned` says up to where, so an older
cursor is refused as expired rather than silently skipping events.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, LiteralString

from neo4j import AsyncManagedTransaction, Record

from graph import tracing
from graph.errors import BadInput, CursorExpired

if TYPE_CHECKING:
    from graph.driver import Database


@dataclass(frozen=True, slots=True)
class ChangedObject:
    """One object a transaction created, changed or removed: its type, raw id,
    what happened to it, and the codes of the organizations it sits under (its
    own, if an organization, and every one above)."""

    type: str
    id: str
    change: str
    under: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """One committed write transaction: its place in the feed, when, which
    operation (`OperationName/mutationField`, or `import`), and its objects."""

    seq: int
    at: dt.datetime
    operation: str
    objects: tuple[ChangedObject, ...]


@dataclass(frozen=True, slots=True)
class FeedState:
    """Where the feed stands: the last sequence number handed out (`head`), the
    last one deleted by retention (`pruned`), and the feed's secret `key` (for
    opaque cursors; made once per database, the same for every replica)."""

    head: int
    pruned: int
    key: str


# The sequencer, one write transaction in two statements. The first takes the
# counter's write lock (a write before the read: Neo4j's guard against lost
# updates); only then the second reads the committed unsequenced events, so
# every event committed before the lock was taken is seen, and a second
# sequencer (another process's) waits for the first's commit and finds only
# what is still unsequenced. Numbers are handed out under the lock only: no
# gap, no number twice, and a writer that rolled back left no event.
LOCK_COUNTER: LiteralString = """
MATCH (c:ChangeCounter {name: 'changes'})
SET c._lock = true
REMOVE c._lock
RETURN c.seq AS head
"""

NUMBER_CHANGES: LiteralString = """
MATCH (c:ChangeCounter {name: 'changes'})
CALL (c) {
  MATCH (e:Unsequenced)
  WITH e ORDER BY e.created, elementId(e)
  LIMIT $batch
  RETURN collect(e) AS events
}
WITH c, events, c.seq AS head
UNWIND range(0, size(events) - 1) AS i
WITH c, head, events[i] AS e, i
SET e.seq = head + i + 1
REMOVE e:Unsequenced
WITH c, head, collect({seq: e.seq, at: e.at, operation: e.operation, types: e.types, ids: e.ids,
                       changes: e.changes, under: e.under}) AS numbered
SET c.seq = head + size(numbered)
RETURN numbered
"""

PENDING: LiteralString = "MATCH (e:Unsequenced) RETURN count(e) > 0 AS pending LIMIT 1"


async def sequence_changes(db: Database, batch: int = 10_000) -> list[ChangeEvent]:
    """Number the committed unsequenced events (oldest `created` first) after
    the counter's head, under the counter's lock; a batch per transaction.
    Returns the events this call numbered, in order (another process's
    sequencer may number some between two of its batches), so the poller that
    ran it need not read them back."""
    numbered: list[ChangeEvent] = []
    while True:

        async def number(tx: AsyncManagedTransaction) -> list[ChangeEvent]:
            locked = await tracing.run(tx, LOCK_COUNTER, {})
            if not locked:  # no counter yet (a new or wiped database)
                await tracing.run(tx, ENSURE_COUNTER, {})
            found = await tracing.run(tx, NUMBER_CHANGES, {"batch": batch})
            events = [change_event(e) for e in found[0]["numbered"]] if found else []
            return sorted(events, key=lambda e: e.seq)

        events = await db.write_bookkeeping(number)
        numbered.extend(events)
        if len(events) < batch:
            return numbered


FEED_STATE: LiteralString = """
OPTIONAL MATCH (c:ChangeCounter {name: 'changes'})
RETURN coalesce(c.seq, 0) AS head, coalesce(c.pruned, 0) AS pruned, c.key AS key,
       EXISTS { MATCH (:Unsequenced) } AS pending
"""

# The counter made before any write, so every replica reads the same key.
ENSURE_COUNTER: LiteralString = """
MERGE (c:ChangeCounter {name: 'changes'})
  ON CREATE SET c.seq = 0, c.pruned = 0, c.key = randomUUID() + randomUUID()
RETURN c.seq AS head, c.pruned AS pruned, c.key AS key
"""


async def feed_state(db: Database) -> FeedState:
    """The feed's head, retention mark and key (the counter is made if missing),
    once every event committed so far is numbered: whoever reads the feed
    (a poller, the `changes` query) sees each committed change."""
    [found] = await db.read(FEED_STATE)
    if found["pending"]:
        await sequence_changes(db)
        [found] = await db.read(FEED_STATE)
    if found["key"] is None:  # made by whoever reads or writes first, as bookkeeping

        async def ensure(tx: AsyncManagedTransaction) -> list[Record]:
            return await tracing.run(tx, ENSURE_COUNTER, {})

        [found] = await db.write_bookkeeping(ensure)
    return FeedState(int(found["head"]), int(found["pruned"]), str(found["key"]))


# Sequence numbers have no gaps, so a window of them is exactly the events in it.
LOAD_CHANGES: LiteralString = """
MATCH (e:Change) WHERE e.seq > $after AND e.seq <= $upTo
RETURN e.seq AS seq, e.at AS at, e.operation AS operation, e.types AS types, e.ids AS ids,
       e.changes AS changes, e.under AS under
ORDER BY seq
"""


async def load_changes_after(db: Database, after: int, up_to: int) -> list[ChangeEvent]:
    """Every event with a sequence number in (after, up_to], in order."""
    if up_to <= after:
        return []
    return [change_event(r) for r in await db.read(LOAD_CHANGES, after=after, upTo=up_to)]


def change_event(record: Record | Mapping[str, Any]) -> ChangeEvent:
    objects = tuple(
        ChangedObject(t, i, c, tuple(u.strip("|").split("|")) if u.strip("|") else ())
        for t, i, c, u in zip(record["types"], record["ids"], record["changes"], record["under"], strict=True)
    )
    at = record["at"]
    return ChangeEvent(int(record["seq"]), at.to_native() if hasattr(at, "to_native") else at,
                       record["operation"], objects)  # fmt: skip


def visible(
    event: ChangeEvent, scope: str | None, types: frozenset[str] | None = None, under: str | None = None
) -> ChangeEvent | None:
    """The event as a caller with `scope` sees it, keeping only objects of
    `types` (all when None) under `under` (an organization code she chose):
    only the objects under her scope root, or None when none is. The one place
    the feed's scope rule is applied."""
    kept = tuple(
        o
        for o in event.objects
        if (scope is None or scope in o.under)
        and (under is None or under in o.under)
        and (types is None or o.type in types)
    )
    if not kept:
        return None
    return dataclasses.replace(event, objects=kept)


# Retention: the oldest events' times, a batch at a time, then the deletion of
# the old prefix and the counter's mark moved past it (one transaction).
OLDEST_CHANGES: LiteralString = """
MATCH (e:Change) WHERE e.seq > $after AND e.seq <= $after + $batch
RETURN e.seq AS seq, e.at < datetime() - duration({days: $days}) AS old
ORDER BY seq
"""

DELETE_CHANGES: LiteralString = """
MATCH (c:ChangeCounter {name: 'changes'})
SET c.pruned = CASE WHEN c.pruned < $upTo THEN $upTo ELSE c.pruned END
WITH c
MATCH (e:Change) WHERE e.seq <= $upTo AND e.seq > $after
DELETE e
RETURN count(e) AS deleted
"""


async def prune_changes(db: Database, keep_days: float, batch: int = 10_000) -> int:
    """Delete the events older than `keep_days`, a batch per transaction, oldest
    first and without holes; returns how many went."""
    total = 0
    while True:
        state = await feed_state(db)
        found = await db.read(OLDEST_CHANGES, after=state.pruned, batch=batch, days=keep_days)
        up_to = state.pruned
        for record in found:
            if not record["old"]:
                break
            up_to = int(record["seq"])
        if up_to == state.pruned:
            return total
        [deleted] = await db.write(DELETE_CHANGES, after=state.pruned, upTo=up_to)
        total += int(deleted["deleted"])


@dataclass(frozen=True, slots=True)
class ChangePage:
    """A page of the feed as one caller sees it: her events after the cursor,
    where the scan stopped (`end`, past events she cannot see too), and whether
    the feed goes on after `end`."""

    events: list[ChangeEvent]
    end: int
    has_more: bool
    key: str


# How many events one read scans, and at most per page (a sparse scope's page
# stops there, with `has_more`, rather than reading the whole feed).
SCAN_BATCH = 500
SCAN_LIMIT = 20_000


async def page_of_changes(
    db: Database,
    after: int | None,
    first: int,
    *,
    scope: str | None,
    under: str | None = None,
    types: frozenset[str] | None = None,
    state: FeedState | None = None,
) -> ChangePage:
    """Up to `first` events after `after` (the oldest kept when None) that touch
    something under both the caller's `scope` and `under`, each cut down to
    those objects. Raises CursorExpired for a cursor retention has passed."""
    state = state or await feed_state(db)
    position = state.pruned if after is None else after
    if position < state.pruned:
        raise CursorExpired("the cursor is older than the events the feed keeps; start from a new one")
    if position > state.head:
        raise BadInput("the cursor is not one of this feed's", argument="after")
    found: list[ChangeEvent] = []
    scanned = 0
    while len(found) < first and position < state.head and scanned < SCAN_LIMIT:
        up_to = min(state.head, position + SCAN_BATCH)
        for event in await load_changes_after(db, position, up_to):
            seen = visible(event, scope, types, under)
            position = event.seq
            if seen is not None:
                found.append(seen)
                if len(found) == first:
                    break
        else:
            position = up_to
        scanned += SCAN_BATCH
    return ChangePage(found, position, position < state.head, state.key)
