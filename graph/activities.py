"""Grassroots work, read side: a person's visits to households (VISITED), her
yearly commitments (COMMITTED → Commitment), and the meetings an organization
held (Meeting HELD_BY) with who attended. Writes are in `graph.writes.activities`.

Visits and meetings are keyset-paginated newest first; the sort key is the date
(ISO text sorts like the date), then a code or id to break ties.

Reads are confined to the caller's scope (graph.access): a person's visits list
only households in the scope, and a meeting's attendees only people in it. Her
commitments and an organization's meetings hang below what was reached in scope.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import LiteralString

from graph import rows
from graph.access import household_in_scope, person_in_scope, person_map
from graph.driver import Database
from graph.model import Commitment, CommitmentStatus, Meeting, MeetingForm, Page, PageArgs, Person, Visit

VISITS_BY_PERSON: LiteralString = (
    """
UNWIND $keys AS key
MATCH (p:Person {id: key})
RETURN key,
  COLLECT {
    MATCH (p)-[v:VISITED]->(h:Household)
    WHERE """
    + household_in_scope("h")
    + """
    WITH v, h, toString(v.on) + '|' + h.code + '|' + v.id AS sortKey
    WHERE $after IS NULL OR sortKey < $after
    WITH v, h, sortKey ORDER BY sortKey DESC LIMIT $limit
    RETURN {sortKey: sortKey, value: v {.id, .on, .purpose, .note, personId: p.id, householdId: h.id}}
  } AS items,
  CASE WHEN $total THEN COUNT { MATCH (p)-[:VISITED]->(h:Household) WHERE """
    + household_in_scope("h")
    + """ } END AS total
"""
)

COMMITMENTS_BY_PERSON: LiteralString = """
UNWIND $keys AS key
MATCH (p:Person {id: key})
RETURN key, COLLECT {
  MATCH (p)-[:COMMITTED]->(c:Commitment)
  WHERE $year IS NULL OR c.year = $year
  WITH c ORDER BY c.year DESC, c.id
  RETURN c {.id, .year, .text, .status, .completedOn, personId: p.id}
} AS values
"""

MEETINGS_BY_ORGANIZATION: LiteralString = """
UNWIND $keys AS key
MATCH (o:Organization {id: key})
RETURN key,
  COLLECT {
    MATCH (o)<-[:HELD_BY]-(m:Meeting)
    WITH m, toString(m.on) + '|' + m.id AS sortKey
    WHERE $after IS NULL OR sortKey < $after
    WITH m, sortKey ORDER BY sortKey DESC LIMIT $limit
    RETURN {sortKey: sortKey, value: m {.id, .on, .topic, .form, .place, organizationId: o.id}}
  } AS items,
  CASE WHEN $total THEN COUNT { (o)<-[:HELD_BY]-(:Meeting) } END AS total
"""

ATTENDEES_BY_MEETING: LiteralString = (
    """
UNWIND $keys AS key
MATCH (m:Meeting {id: key})
RETURN key, COLLECT {
  MATCH (m)<-[:ATTENDED]-(p:Person)
  WHERE """
    + person_in_scope("p")
    + """
  WITH p ORDER BY p.code
  RETURN """
    + person_map("p")
    + """
} AS values
"""
)


def visit(row: rows.Row) -> Visit:
    return Visit(
        id=row["id"],
        person_id=row["personId"],
        household_id=row["householdId"],
        on=row["on"].to_native(),
        purpose=row["purpose"],
        note=row.get("note"),
    )


def commitment(row: rows.Row) -> Commitment:
    return Commitment(
        id=row["id"],
        person_id=row["personId"],
        year=row["year"],
        text=row["text"],
        status=CommitmentStatus[row["status"]],
        completed_on=rows.date(row.get("completedOn")),
    )


def meeting(row: rows.Row) -> Meeting:
    return Meeting(
        id=row["id"],
        organization_id=row["organizationId"],
        on=row["on"].to_native(),
        topic=row["topic"],
        form=MeetingForm[row["form"]],
        place=row.get("place"),
    )


async def load_visits_by_person(db: Database, ids: Sequence[str], *, page: PageArgs) -> list[Page[Visit]]:
    """Each person's visits, newest first."""
    found = await db.read(
        VISITS_BY_PERSON, keys=list(ids), after=page.after, limit=page.first + 1, total=page.total
    )
    return rows.pages_in_key_order(ids, found, visit, page)


async def load_commitments_by_person(
    db: Database, ids: Sequence[str], *, year: int | None
) -> list[list[Commitment]]:
    """Each person's commitments (of `year`, or of every year), the latest year first."""
    found = await db.read(COMMITMENTS_BY_PERSON, keys=list(ids), year=year)
    return rows.lists_in_key_order(ids, found, commitment)


async def load_meetings_by_organization(
    db: Database, ids: Sequence[str], *, page: PageArgs
) -> list[Page[Meeting]]:
    """The meetings each organization held, newest first."""
    found = await db.read(
        MEETINGS_BY_ORGANIZATION, keys=list(ids), after=page.after, limit=page.first + 1, total=page.total
    )
    return rows.pages_in_key_order(ids, found, meeting, page)


async def load_attendees_by_meeting(db: Database, ids: Sequence[str]) -> list[list[Person]]:
    found = await db.read(ATTENDEES_BY_MEETING, keys=list(ids))
    return rows.lists_in_key_order(ids, found, rows.person)
