"""Creating and changing people, and where they live (LIVES_IN: one household
per person). Moving a person moves her out of her old household, which must
then be inside the caller's scope too: otherwise she is NOT_FOUND."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from graph import rows
from graph.audit import Ref, check_side_effects
from graph.driver import Database
from graph.errors import NotFound
from graph.model import Education, Gender, Household, Person, PoliticalStatus
from graph.pinyin import pinyin_properties
from graph.writes.common import code_taken, new_id, run

PERSON_CONTEXT: LiteralString = """
OPTIONAL MATCH (taken:Person {code: $code})
OPTIONAL MATCH (h:Household {id: $householdId})
RETURN taken IS NOT NULL AS taken, h IS NOT NULL AS householdFound
"""

CREATE_PERSON: LiteralString = """
CREATE (p:Person {id: $id, code: $code})
SET p += $props
WITH p
CALL (p) {
  MATCH (h:Household {id: $householdId})
  CREATE (p)-[:LIVES_IN]->(h)
}
RETURN p {.id, .code, .name, .gender, .birthDate, .education, .politicalStatus, .phone} AS person
"""

# `$props` holds only the properties to change; a null value removes one.
UPDATE_PERSON: LiteralString = """
MATCH (p:Person {id: $id})
SET p += $props
RETURN p {.id, .code, .name, .gender, .birthDate, .education, .politicalStatus, .phone} AS person
"""

RESIDENCE_CONTEXT: LiteralString = """
OPTIONAL MATCH (p:Person {id: $personId})
OPTIONAL MATCH (h:Household {id: $householdId})
RETURN p IS NOT NULL AS personFound, h IS NOT NULL AS householdFound,
       COLLECT { MATCH (p)-[:LIVES_IN]->(old:Household) WHERE old <> h RETURN old.id } AS leaving
"""

SET_RESIDENCE: LiteralString = """
MATCH (p:Person {id: $personId})
MATCH (h:Household {id: $householdId})
CALL (p) {
  MATCH (p)-[old:LIVES_IN]->(:Household)
  DELETE old
}
CREATE (p)-[:LIVES_IN]->(h)
RETURN p {.id, .code, .name, .gender, .birthDate, .education, .politicalStatus, .phone} AS person,
       h {.id, .code, .address, .tags} AS household
"""


@dataclass(frozen=True, slots=True)
class PersonFacts:
    """A person's attributes as a mutation gives them; for an update, only the
    fields in `given` change (a None there clears the attribute)."""

    name: str | None = None
    gender: Gender | None = None
    birth_date: dt.date | None = None
    education: Education | None = None
    political_status: PoliticalStatus | None = None
    phone: str | None = None
    given: frozenset[str] = frozenset()

    def properties(self) -> dict[str, Any]:
        """The given fields under their graph property names."""
        values = {
            "name": self.name,
            "gender": self.gender,
            "birthDate": self.birth_date,
            "education": self.education,
            "politicalStatus": self.political_status,
            "phone": self.phone,
        }
        given = {k: v for k, v in values.items() if k in self.given}
        if "name" in given:
            given |= pinyin_properties(self.name)
        return given


async def create_person(db: Database, *, code: str, facts: PersonFacts, household_id: str | None) -> Person:
    """A new person, living in `household_id` when given."""

    async def work(tx: AsyncManagedTransaction) -> Person:
        [context] = await run(tx, PERSON_CONTEXT, code=code, householdId=household_id)
        if household_id is not None and not context["householdFound"]:
            raise NotFound("input.householdId: no household has that id")
        if context["taken"]:
            raise code_taken(code)
        [created] = await run(
            tx, CREATE_PERSON, id=new_id(), code=code, props=facts.properties(), householdId=household_id
        )
        return rows.person(created["person"])

    return await db.write_transaction(work)


async def update_person(db: Database, id: str, facts: PersonFacts) -> Person:
    """Change the given attributes of a person."""

    async def work(tx: AsyncManagedTransaction) -> Person:
        found = await run(tx, UPDATE_PERSON, id=id, props=facts.properties())
        if not found:
            raise NotFound("id: no person has that id")
        return rows.person(found[0]["person"])

    return await db.write_transaction(work)


async def set_residence(db: Database, person_id: str, household_id: str) -> tuple[Person, Household]:
    """Make `household_id` the person's household (she moves out of any other)."""

    async def work(tx: AsyncManagedTransaction) -> tuple[Person, Household]:
        [context] = await run(tx, RESIDENCE_CONTEXT, personId=person_id, householdId=household_id)
        if not context["personFound"]:
            raise NotFound("personId: no person has that id")
        if not context["householdFound"]:
            raise NotFound("householdId: no household has that id")
        leaving = [Ref("Household", old, "personId", named="Person") for old in context["leaving"]]
        await check_side_effects(tx, db.trail, leaving)
        [moved] = await run(tx, SET_RESIDENCE, personId=person_id, householdId=household_id)
        return rows.person(moved["person"]), rows.household(moved["household"])

    return await db.write_transaction(work)
