"""Grassroots work as it happens: visits to households (VISITED), yearly public
commitments (一句话承诺, COMMITTED → Commitment) and meetings (Meeting HELD_BY an
organization, ATTENDED by people).

Rules: one commitment per person and year, completed once and not before its
year began; a meeting has at least one attendee, each named once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import LiteralString

from neo4j import AsyncManagedTransaction

from graph.activities import commitment, meeting, visit
from graph.driver import Database
from graph.errors import BadInput, Conflict, NotFound
from graph.model import Commitment, CommitmentStatus, Meeting, MeetingForm, Visit
from graph.writes.common import lock_people, new_id, run

# Commitment years outside these bounds are typing mistakes.
FIRST_YEAR, LAST_YEAR = 2000, 2100

VISIT_CONTEXT: LiteralString = """
OPTIONAL MATCH (p:Person {id: $personId})
OPTIONAL MATCH (h:Household {id: $householdId})
RETURN p IS NOT NULL AS personFound, h IS NOT NULL AS householdFound
"""

RECORD_VISIT: LiteralString = """
MATCH (p:Person {id: $personId})
MATCH (h:Household {id: $householdId})
CREATE (p)-[v:VISITED {id: $id, on: $on, purpose: $purpose, note: $note}]->(h)
RETURN v {.id, .on, .purpose, .note, personId: p.id, householdId: h.id} AS visit
"""

COMMITMENT_CONTEXT: LiteralString = """
MATCH (p:Person {id: $personId})
RETURN COLLECT { MATCH (p)-[:COMMITTED]->(c:Commitment {year: $year}) RETURN c.text } AS made
"""

MAKE_COMMITMENT: LiteralString = """
MATCH (p:Person {id: $personId})
CREATE (p)-[:COMMITTED]->(c:Commitment {id: $id, year: $year, text: $text, status: 'OPEN'})
RETURN c {.id, .year, .text, .status, .completedOn, personId: p.id} AS commitment
"""

COMMITMENT: LiteralString = """
MATCH (p:Person)-[:COMMITTED]->(c:Commitment {id: $id})
RETURN c {.id, .year, .text, .status, .completedOn, personId: p.id} AS commitment
"""

COMPLETE_COMMITMENT: LiteralString = """
MATCH (p:Person)-[:COMMITTED]->(c:Commitment {id: $id})
SET c.status = 'DONE', c.completedOn = $on
RETURN c {.id, .year, .text, .status, .completedOn, personId: p.id} AS commitment
"""

MEETING_CONTEXT: LiteralString = """
OPTIONAL MATCH (o:Organization {id: $organizationId})
RETURN o IS NOT NULL AS organizationFound,
       COLLECT { UNWIND $attendeeIds AS id MATCH (p:Person {id: id}) RETURN p.id } AS found
"""

RECORD_MEETING: LiteralString = """
MATCH (o:Organization {id: $organizationId})
CREATE (m:Meeting {id: $id, on: $on, topic: $topic, form: $form, place: $place})-[:HELD_BY]->(o)
WITH o, m
CALL (m) {
  UNWIND $attendeeIds AS id
  MATCH (p:Person {id: id})
  CREATE (p)-[:ATTENDED]->(m)
}
RETURN m {.id, .on, .topic, .form, .place, organizationId: o.id} AS meeting
"""


async def record_visit(
    db: Database, *, person_id: str, household_id: str, on: dt.date, purpose: str, note: str | None
) -> Visit:
    """`person_id` visited `household_id` on `on`."""

    async def work(tx: AsyncManagedTransaction) -> Visit:
        [context] = await run(tx, VISIT_CONTEXT, personId=person_id, householdId=household_id)
        if not context["personFound"]:
            raise NotFound("visitorId: no person has that id")
        if not context["householdFound"]:
            raise NotFound("householdId: no household has that id")
        [created] = await run(
            tx,
            RECORD_VISIT,
            personId=person_id,
            householdId=household_id,
            id=new_id(),
            on=on,
            purpose=purpose,
            note=note,
        )
        return visit(created["visit"])

    return await db.write_transaction(work)


async def make_commitment(db: Database, person_id: str, year: int, text: str) -> Commitment:
    """`person_id`'s public commitment for `year`."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise BadInput(f"year must be between {FIRST_YEAR} and {LAST_YEAR}", argument="year")

    async def work(tx: AsyncManagedTransaction) -> Commitment:
        await lock_people(tx, person_id)
        found = await run(tx, COMMITMENT_CONTEXT, personId=person_id, year=year)
        if not found:
            raise NotFound("personId: no person has that id")
        if found[0]["made"]:
            raise Conflict(f"a commitment for {year} was already made: {found[0]['made'][0]}")
        [created] = await run(tx, MAKE_COMMITMENT, personId=person_id, id=new_id(), year=year, text=text)
        return commitment(created["commitment"])

    return await db.write_transaction(work)


async def complete_commitment(db: Database, id: str, on: dt.date) -> Commitment:
    """Mark a commitment kept on `on`."""

    async def work(tx: AsyncManagedTransaction) -> Commitment:
        found = await run(tx, COMMITMENT, id=id)
        if not found:
            raise NotFound("id: no commitment has that id")
        current = commitment(found[0]["commitment"])
        if current.status is CommitmentStatus.DONE:
            raise Conflict(f"the commitment was already completed on {current.completed_on}")
        if on.year < current.year:
            raise Conflict(f"on ({on}) is before the commitment's year {current.year} began")
        [done] = await run(tx, COMPLETE_COMMITMENT, id=id, on=on)
        return commitment(done["commitment"])

    return await db.write_transaction(work)


async def record_meeting(
    db: Database,
    *,
    organization_id: str,
    on: dt.date,
    topic: str,
    form: MeetingForm,
    place: str | None,
    attendee_ids: Sequence[str],
) -> Meeting:
    """A meeting `organization_id` held on `on`, with the people who attended."""
    if not attendee_ids:
        raise BadInput("attendeeIds: a meeting has at least one attendee", argument="attendeeIds")
    first: dict[str, int] = {}
    for i, attendee in enumerate(attendee_ids):
        if attendee in first:
            raise BadInput(
                f"attendeeIds[{i}]: the same person is already listed at attendeeIds[{first[attendee]}]",
                argument=f"attendeeIds[{i}]",
            )
        first[attendee] = i

    async def work(tx: AsyncManagedTransaction) -> Meeting:
        [context] = await run(
            tx, MEETING_CONTEXT, organizationId=organization_id, attendeeIds=list(attendee_ids)
        )
        if not context["organizationFound"]:
            raise NotFound("organizationId: no organization has that id")
        known = set(context["found"])
        for i, attendee in enumerate(attendee_ids):
            if attendee not in known:
                raise NotFound(f"attendeeIds[{i}]: no person has that id")
        [created] = await run(
            tx,
            RECORD_MEETING,
            organizationId=organization_id,
            id=new_id(),
            on=on,
            topic=topic,
            form=form,
            place=place,
            attendeeIds=list(attendee_ids),
        )
        return meeting(created["meeting"])

    return await db.write_transaction(work)
