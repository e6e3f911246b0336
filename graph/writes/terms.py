"""Terms of office (HOLDS): appointing, ending a term, and the term change (换届)
that ends a whole board and starts the elected slate in one transaction.

A term runs from `since` (inclusive) to `until` (exclusive). Rules:
- appoint: nobody holds the same role in the same organization twice over
  overlapping days, and an organization has one chair at a time;
- end a term: it is still running and does not end before it began;
- term change: the organization is a federation; the slate has exactly one
  CHAIR, between the configured minimum and maximum of members, nobody twice and
  only board roles (CHAIR, VICE_CHAIR, EXECUTIVE); `on` is not before any term of
  the organization began, and no term of it already ends after `on`. Every term
  still running there ends on `on`, and the slate's terms start on `on`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import LiteralString

from neo4j import AsyncManagedTransaction

from graph import rows
from graph.driver import Database
from graph.errors import BadInput, Conflict, NotFound
from graph.model import OrgKind, Position, Role
from graph.people import ROLE_RANK
from graph.writes.common import lock_organization, new_id, run

BOARD_ROLES = (Role.CHAIR, Role.VICE_CHAIR, Role.EXECUTIVE)

APPOINT_CONTEXT: LiteralString = """
OPTIONAL MATCH (p:Person {id: $personId})
OPTIONAL MATCH (o:Organization {id: $organizationId})
RETURN p {.code, .name} AS person, o {.code, .name} AS organization,
  COLLECT {
    MATCH (p)-[h:HOLDS {role: $role}]->(o) WHERE h.until IS NULL OR h.until > $since
    RETURN h {.since, .until} ORDER BY h.since
  } AS overlapping,
  COLLECT {
    MATCH (o)<-[h:HOLDS {role: 'CHAIR'}]-(other:Person)
    WHERE $role = 'CHAIR' AND other <> p AND (h.until IS NULL OR h.until > $since)
    RETURN other {.code, .name, since: h.since} ORDER BY h.since
  } AS chairs
"""

APPOINT: LiteralString = """
MATCH (p:Person {id: $personId})
MATCH (o:Organization {id: $organizationId})
CREATE (p)-[h:HOLDS {id: $id, role: $role, since: $since}]->(o)
RETURN h {.id, .role, .since, .until, personId: p.id, organizationId: o.id} AS position
"""

POSITION: LiteralString = """
MATCH (p:Person)-[h:HOLDS {id: $id}]->(o:Organization)
RETURN h {.id, .role, .since, .until, personId: p.id, organizationId: o.id} AS position
"""

END_POSITION: LiteralString = """
MATCH (p:Person)-[h:HOLDS {id: $id}]->(o:Organization)
SET h.until = $until
RETURN h {.id, .role, .since, .until, personId: p.id, organizationId: o.id} AS position
"""

SLATE_PEOPLE: LiteralString = """
UNWIND $ids AS id
MATCH (p:Person {id: id})
RETURN p.id AS id
"""

# Terms of the organization that began after `on` or already end after it.
LATER_TERMS: LiteralString = """
MATCH (:Organization {id: $id})<-[h:HOLDS]-(p:Person)
WHERE h.since > $on OR h.until > $on
RETURN p {.code, .name} AS person, h {.role, .since, .until} AS term
ORDER BY h.since DESC, p.code
LIMIT 1
"""

END_RUNNING_TERMS: LiteralString = """
MATCH (o:Organization {id: $id})<-[h:HOLDS]-(p:Person)
WHERE h.until IS NULL
SET h.until = $on
RETURN h {.id, .role, .since, .until, personId: p.id, organizationId: o.id} AS position,
       $rank[h.role] + '|' + p.code AS sortKey
ORDER BY sortKey
"""

START_SLATE: LiteralString = """
MATCH (o:Organization {id: $id})
UNWIND $slate AS seat
MATCH (p:Person {id: seat.personId})
CREATE (p)-[h:HOLDS {id: seat.id, role: seat.role, since: $on}]->(o)
RETURN h {.id, .role, .since, .until, personId: p.id, organizationId: o.id} AS position
ORDER BY seat.index
"""


@dataclass(frozen=True, slots=True)
class Seat:
    """One line of a term-change slate: who is elected to which role."""

    person_id: str
    role: Role


@dataclass(frozen=True, slots=True)
class BoardSize:
    """How many members a board elected in a term change may have."""

    minimum: int = 7
    maximum: int = 15


@dataclass(frozen=True, slots=True)
class TermChange:
    """What a term change did: the terms it ended and the terms it started."""

    ended: list[Position]
    started: list[Position]


async def appoint(
    db: Database, *, person_id: str, organization_id: str, role: Role, since: dt.date
) -> Position:
    """A new term of `role` in an organization, starting `since`."""

    async def work(tx: AsyncManagedTransaction) -> Position:
        await lock_organization(tx, organization_id)
        [context] = await run(
            tx, APPOINT_CONTEXT, personId=person_id, organizationId=organization_id, role=role, since=since
        )
        person, org = context["person"], context["organization"]
        if person is None:
            raise NotFound("personId: no person has that id")
        if org is None:
            raise NotFound("organizationId: no organization has that id")
        if context["overlapping"]:
            term = context["overlapping"][0]
            raise Conflict(
                f"{_who(person)} already holds {role.name} in {org['name']} ({org['code']}) "
                f"{_span(term['since'], term['until'])}"
            )
        if context["chairs"]:
            chair = context["chairs"][0]
            raise Conflict(
                f"{org['name']} ({org['code']}) has a chair from {chair['since']}: {_who(chair)}; "
                "end her term or hold a term change"
            )
        [created] = await run(
            tx,
            APPOINT,
            personId=person_id,
            organizationId=organization_id,
            id=new_id(),
            role=role,
            since=since,
        )
        return rows.position(created["position"])

    return await db.write_transaction(work)


async def end_position(db: Database, id: str, until: dt.date) -> Position:
    """End a running term on `until` (the first day it no longer runs)."""

    async def work(tx: AsyncManagedTransaction) -> Position:
        found = await run(tx, POSITION, id=id)
        if not found:
            raise NotFound("positionId: no position has that id")
        position = rows.position(found[0]["position"])
        if position.until is not None:
            raise Conflict(f"the term already ended on {position.until}")
        if until < position.since:
            raise Conflict(f"until ({until}) is before the term began ({position.since})")
        [ended] = await run(tx, END_POSITION, id=id, until=until)
        return rows.position(ended["position"])

    return await db.write_transaction(work)


async def hold_term_change(
    db: Database,
    organization_id: str,
    on: dt.date,
    slate: Sequence[Seat],
    size: BoardSize,
    *,
    new_ids: Callable[[], str] = new_id,
) -> TermChange:
    """The term change (换届) of a federation on `on`: every term running there
    ends and the slate's terms start, in one transaction. `new_ids` makes the new
    terms' ids (a test passes its own to make the database refuse one)."""
    for i, seat in enumerate(slate):
        if seat.role not in BOARD_ROLES:
            raise BadInput(
                f"slate[{i}].role: a term change elects a board: CHAIR, VICE_CHAIR or EXECUTIVE, "
                f"not {seat.role.name}",
                argument=f"slate[{i}].role",
            )

    async def work(tx: AsyncManagedTransaction) -> TermChange:
        locked = await lock_organization(tx, organization_id)
        if locked is None:
            raise NotFound("organizationId: no organization has that id")
        org = rows.organization(locked["organization"])
        ids = [seat.person_id for seat in slate]
        known = {r["id"] for r in await run(tx, SLATE_PEOPLE, ids=ids)}
        for i, person_id in enumerate(ids):
            if person_id not in known:
                raise NotFound(f"slate[{i}].personId: no person has that id")
        _check_slate(org.kind, slate, size)
        later = await run(tx, LATER_TERMS, id=organization_id, on=on)
        if later:
            person, term = later[0]["person"], later[0]["term"]
            raise Conflict(
                f"on ({on}) is before terms of {org.name} ({org.code}) began or ended: "
                f"{_who(person)} {term['role']} {_span(term['since'], term['until'])}"
            )
        ended = await run(tx, END_RUNNING_TERMS, id=organization_id, on=on, rank=ROLE_RANK)
        seats = [
            {"index": i, "id": new_ids(), "personId": s.person_id, "role": s.role.name}
            for i, s in enumerate(slate)
        ]
        started = await run(tx, START_SLATE, id=organization_id, on=on, slate=seats)
        return TermChange(
            ended=[rows.position(r["position"]) for r in ended],
            started=[rows.position(r["position"]) for r in started],
        )

    return await db.write_transaction(work)


def _check_slate(kind: OrgKind, slate: Sequence[Seat], size: BoardSize) -> None:
    if kind is not OrgKind.FEDERATION:
        raise Conflict(f"organizationId: term changes elect a federation's board, not a {kind.name}'s")
    seen: dict[str, int] = {}
    for i, seat in enumerate(slate):
        if seat.person_id in seen:
            raise Conflict(
                f"slate[{i}].personId: this person is already on the slate at slate[{seen[seat.person_id]}]"
            )
        seen[seat.person_id] = i
    chairs = Counter(seat.role for seat in slate)[Role.CHAIR]
    if chairs != 1:
        raise Conflict(f"slate: a board has exactly one CHAIR, this slate has {chairs}")
    if not size.minimum <= len(slate) <= size.maximum:
        raise Conflict(
            f"slate: a board has {size.minimum} to {size.maximum} members, this slate has {len(slate)}"
        )


def _who(person: rows.Row) -> str:
    return f"{person['name']} ({person['code']})"


def _span(since: object, until: object) -> str:
    return f"from {since} until {until}" if until is not None else f"from {since} (running)"
