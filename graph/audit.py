"""The audit log: `(:AuditEvent)` nodes recording who changed what, and who read
personal data unmasked.

A request carries a `Trail`. A mutation names the objects it touches (`refs`);
its write transaction first checks that every one of them is in the caller's
scope (an object outside it is reported exactly as a missing one), then does the
work, then writes an AuditEvent, all in that one transaction. Objects a
mutation changes without naming them (the far end of a relationship it ends or
moves: an executive's earlier guide, a person's old household) are its side
effects: the work finds them before it writes, and they are checked and listed
the same way (`check_side_effects`). Reads of unmasked
personal data are noticed where records leave Neo4j (`Trail.saw`), their READ
event is started at once (`record_reads_early`), and the request's answer
leaves only once `record_reads` has seen it committed.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, LiteralString

from neo4j import AsyncManagedTransaction, Record

from graph import rows
from graph.access import Access, grid_in_scope, household_in_scope, org_in_scope, person_in_scope
from graph.change_records import CREATE_CHANGE, PLACE_OBJECTS, listed_objects
from graph.errors import NotFound
from graph.idempotency import Claim
from graph.model import AuditEvent, Page, PageArgs
from graph.tracing import run as statement

if TYPE_CHECKING:  # graph.driver imports this module
    from graph.driver import Database


@dataclass(frozen=True, slots=True)
class Ref:
    """An object a mutation names: its type, raw id, and the argument it came in.
    A side effect's Ref is the object at the far end of a relationship the
    mutation changes; `named` is then the type of the object `argument` names,
    which the refusal speaks of."""

    type: str
    id: str
    argument: str
    named: str | None = None

    @property
    def missing(self) -> str:
        """The NOT_FOUND message of a missing object named by `argument`."""
        return f"{self.argument}: no {(self.named or self.type).lower()} has that id"


@dataclass
class Trail:
    """One request's audit trail."""

    access: Access
    operation: str | None = None
    # Whether the operation selects personal fields; only then are reads logged.
    watch_reads: bool = False
    revealed: set[str] = field(default_factory=set)
    refs: list[Ref] = field(default_factory=list)
    # The mutation's side effects, found by its transaction (emptied when it starts).
    side_effects: list[Ref] = field(default_factory=list)
    # The revealed ids already in a READ event (or in the one being written),
    # and that event's write when it was started early (`record_reads_early`):
    # a list, shared with the copies a mutation's steps make of the trail, so
    # the request's end waits for a write any of them started.
    recorded: set[str] = field(default_factory=set)
    recording: list[asyncio.Future[None]] = field(default_factory=list)
    # The request's Idempotency-Key (graph.idempotency), and which mutation of the
    # request this trail's writes belong to (its response key).
    claim: Claim | None = None
    step: str = ""

    def saw(self, records: Iterable[Record]) -> None:
        """Note the people and households among `records` whose personal data
        left Neo4j unmasked (the maps of `person_map` / `household_map`)."""
        if not (self.watch_reads and self.access.reveal):
            return
        for record in records:
            for value in record.values():
                _collect(value, self.revealed)


def shows_personal_data(value: Mapping[str, Any]) -> bool:
    """Whether a map of `person_map` (phone, birth date) or `household_map`
    (address, tags) carries personal data: only unmasked ones do."""
    return (
        value.get("phone") is not None
        or value.get("birthDate") is not None
        or ("address" in value and (value.get("address") is not None or bool(value.get("tags"))))
    )


def _collect(value: Any, into: set[str]) -> None:
    # The driver hands back plain dicts and lists; exact type tests keep this
    # walk cheap on large answers.
    if type(value) is dict:
        if shows_personal_data(value):
            into.add(value["id"])
        for v in value.values():
            if type(v) is dict or type(v) is list:
                _collect(v, into)
    elif type(value) is list:
        for v in value:
            if type(v) is dict or type(v) is list:
                _collect(v, into)


# Objects that exist but lie outside the scope, by type. A position or a
# commitment is in scope when the node it hangs from is (the person holding a
# position is in scope through it); a coverage when both its coverer and what
# she covers are.
OUT_OF_SCOPE: LiteralString = (
    """
UNWIND $refs AS ref
CALL (ref) {
  MATCH (o:Organization {id: ref.id}) WHERE ref.type = 'Organization' AND NOT """
    + org_in_scope("o")
    + """
  RETURN o.id AS id
  UNION
  MATCH (p:Person {id: ref.id}) WHERE ref.type = 'Person' AND NOT """
    + person_in_scope("p")
    + """
  RETURN p.id AS id
  UNION
  MATCH (g:Grid {id: ref.id}) WHERE ref.type = 'Grid' AND NOT """
    + grid_in_scope("g")
    + """
  RETURN g.id AS id
  UNION
  MATCH (h:Household {id: ref.id}) WHERE ref.type = 'Household' AND NOT """
    + household_in_scope("h")
    + """
  RETURN h.id AS id
  UNION
  MATCH (:Person)-[:HOLDS {id: ref.id}]->(o:Organization) WHERE ref.type = 'Position' AND NOT """
    + org_in_scope("o")
    + """
  RETURN ref.id AS id
  UNION
  MATCH (p:Person)-[:COVERS {id: ref.id}]->(t) WHERE ref.type = 'Coverage' AND NOT ("""
    + person_in_scope("p")
    + " AND CASE WHEN t:Grid THEN "
    + grid_in_scope("t")
    + " ELSE "
    + household_in_scope("t")
    + """ END)
  RETURN ref.id AS id
  UNION
  MATCH (p:Person)-[:COMMITTED]->(c:Commitment {id: ref.id}) WHERE ref.type = 'Commitment' AND NOT """
    + person_in_scope("p")
    + """
  RETURN ref.id AS id
}
RETURN ref.id AS id, ref.type AS type, ref.argument AS argument
"""
)

# A WRITE event, with the scopes the write affects (`within`): the codes of the
# organizations its named objects (named or side effects: `ref`) belong to and
# of every one above them, as the change feed places them (graph/change_records.py:
# a person through her positions and her household, a household through its
# grid; a position, coverage, visit or commitment through the nodes it hangs
# from). The mutation's change event is written by the same statement, from
# the same placement: one lookup and one round trip for both records.
CREATE_WRITE_EVENT: LiteralString = (
    PLACE_OBJECTS
    + """
CREATE (:AuditEvent {id: randomUUID(), at: datetime(), actor: $actor, scope: $scope, roles: $roles,
                     operation: $operation, kind: $kind, ids: $ids,
                     within: reduce(w = [], p IN [p IN placed WHERE p.obj.ref] |
                                    w + [c IN p.codes WHERE NOT c IN w])})
"""
    + CREATE_CHANGE
)

# The READ events of concurrent requests, written together (Database.write_grouped).
CREATE_EVENTS: LiteralString = """
UNWIND $rows AS row
CREATE (:AuditEvent {id: randomUUID(), at: datetime(), actor: row.actor, scope: row.scope,
                     roles: row.roles, operation: row.operation, kind: row.kind, ids: row.ids})
"""


async def check_scope(tx: AsyncManagedTransaction, trail: Trail) -> None:
    """Raise NotFound, worded as for a missing object, for the first ref outside the scope."""
    await _refuse_outside(tx, trail.access, trail.refs)


async def check_side_effects(tx: AsyncManagedTransaction, trail: Trail | None, refs: Sequence[Ref]) -> None:
    """Before a mutation ends or moves relationships it was not named for, refuse
    it as if its named object did not exist when the far end of any of them lies
    outside the caller's scope; otherwise note them for its audit event.
    `trail` is None for unrestricted writes without a request (CLI, imports)."""
    if trail is None:
        return
    await _refuse_outside(tx, trail.access, refs)
    trail.side_effects.extend(refs)


async def _refuse_outside(tx: AsyncManagedTransaction, access: Access, refs: Sequence[Ref]) -> None:
    if access.scope is None or not refs:
        return
    listed = [{"type": r.type, "id": r.id, "argument": r.argument} for r in refs]
    outside = await statement(tx, OUT_OF_SCOPE, {"refs": listed, **access.cypher_params})
    if outside:
        found = {(r["type"], r["id"]) for r in outside}
        first = next(r for r in refs if (r.type, r.id) in found)
        raise NotFound(first.missing)


async def record_write(
    tx: AsyncManagedTransaction, trail: Trail, result: Any, changed: Sequence[tuple[str, str, str]]
) -> None:
    """The AuditEvent of a mutation, in its own transaction `tx`: the ids of the
    objects it named, of its side effects and of what it created or changed, and
    (`within`) the scopes they lie in, whose ADMINs see the event; and, in the
    same statement, its change event of the objects `changed` (type, raw id,
    change: graph.change_records.changed_objects), written last."""
    named = [*trail.refs, *trail.side_effects]
    ids: list[str] = []
    for found in [*(r.id for r in named), *_ids_in(result)]:
        if found not in ids:
            ids.append(found)
    params = {**_event(trail, "WRITE", ids), "objects": listed_objects(changed, (r.id for r in named))}
    await statement(tx, CREATE_WRITE_EVENT, params)


def _event(trail: Trail, kind: str, ids: list[str]) -> dict[str, Any]:
    return {
        "actor": trail.access.subject,
        "scope": trail.access.scope,
        "roles": sorted(trail.access.grants),
        "operation": trail.operation or "",
        "kind": kind,
        "ids": ids,
    }


def _ids_in(value: Any) -> list[str]:
    """The `id`s of the records a write returned (what it created or changed)."""
    found: list[str] = []
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, Record):
        value = dict(value)
    if isinstance(value, Mapping):
        if isinstance(value.get("id"), str):
            found.append(value["id"])
        for v in value.values():
            found.extend(_ids_in(v))
    elif isinstance(value, (list, tuple)):
        for v in value:
            found.extend(_ids_in(v))
    return found


# The events an ADMIN may read (`$scope`: hers) matching the filters. An event is the
# reader's when its caller's scope lies within hers or it changed something in
# her scope (`within`, written with WRITE events).
_EVENTS: LiteralString = """
MATCH (e:AuditEvent)
WHERE ($actor IS NULL OR e.actor = $actor)
  AND ($kind IS NULL OR e.kind = $kind)
  AND ($touching IS NULL OR $touching IN e.ids)
  AND ($scope IS NULL OR e.scope = $scope OR $scope IN coalesce(e.within, []) OR EXISTS {
        MATCH (:Organization {code: e.scope})-[:PART_OF*1..12]->(:Organization {code: $scope}) })
"""

# Newest first; the cursor is "<epoch milliseconds>|<id>".
LIST_EVENTS: LiteralString = (
    _EVENTS
    + """  AND ($afterAt IS NULL OR e.at.epochMillis < $afterAt
       OR (e.at.epochMillis = $afterAt AND e.id < $afterId))
WITH e ORDER BY e.at.epochMillis DESC, e.id DESC LIMIT $limit
RETURN toString(e.at.epochMillis) + '|' + e.id AS sortKey,
       e {.id, .at, .actor, .scope, .roles, .operation, .kind, .ids} AS value
"""
)

COUNT_EVENTS: LiteralString = _EVENTS + "RETURN count(e) AS total\n"


async def record_reads(db: Database, trail: Trail) -> None:
    """Log the unmasked personal data a request read, if any (one AuditEvent,
    or two when an early one left some out), and return once it is on record.
    Concurrent requests' events share a transaction: the commit (~5 ms of a
    ~9 ms write here) is paid once."""
    while trail.recording:
        await trail.recording.pop(0)
    event = _unrecorded_reads(trail)
    if event is not None:
        await db.write_grouped(CREATE_EVENTS, event)


def record_reads_early(db: Database, trail: Trail) -> None:
    """Start writing the READ event of what the request revealed so far, as
    soon as it is read (`Database.read`, the compiled views): its commit
    overlaps the building of the answer, and `record_reads`, when the request
    ends, waits for it before the answer leaves. One early event a request;
    what later reads reveal goes into a second one at the end."""
    if not trail.recording:
        event = _unrecorded_reads(trail)
        if event is not None:
            trail.recording.append(asyncio.ensure_future(db.write_grouped(CREATE_EVENTS, event)))


def _unrecorded_reads(trail: Trail) -> dict[str, Any] | None:
    """The READ event of the ids revealed and not yet in one (now counted as
    recorded), or None."""
    new = trail.revealed - trail.recorded
    if not new:
        return None
    trail.recorded |= new
    return _event(trail, "READ", sorted(new))


async def list_events(
    db: Database, *, actor: str | None, kind: str | None, touching: str | None, page: PageArgs
) -> Page[AuditEvent]:
    """Audit events, newest first, of callers whose scope lies within the reader's
    and of writes that changed something in her scope."""
    after_at, after_id = None, None
    if page.after is not None:
        at, _, after_id = page.after.partition("|")
        after_at = int(at) if at.isdigit() else 0
    found = await db.read(
        LIST_EVENTS,
        actor=actor,
        kind=kind,
        touching=touching,
        afterAt=after_at,
        afterId=after_id,
        limit=page.first + 1,
    )
    total = None
    if page.total:
        counted = await db.read(COUNT_EVENTS, actor=actor, kind=kind, touching=touching)
        total = counted[0]["total"]
    return rows.page_of(found, rows.audit_event, page, total)
