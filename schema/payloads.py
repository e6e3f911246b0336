"""What the mutations return: the objects they changed, and the two dated
person-to-person links seen whole (guidance and mentoring)."""

from __future__ import annotations

import datetime as dt
from typing import Self

import strawberry

from graph import model
from schema.activity import Commitment, Meeting, Visit
from schema.context import Info
from schema.organization import Organization, Position
from schema.person import Milestone, Person
from schema.place import Coverage, Grid, Household


async def _person(info: Info, person_id: str) -> Person:
    found = await info.context.loaders.person_by_id.load(person_id)
    assert found is not None  # both ends of a link exist
    return Person.of(found)


@strawberry.type(description="A chair or vice chair guiding an executive (联系、指导).")
class Guidance:
    since: dt.date = strawberry.field(description="The first day of the guidance.")
    until: dt.date | None = strawberry.field(description="The day it ended (exclusive); null while it runs.")
    record: strawberry.Private[model.Tie]

    @classmethod
    def of(cls, r: model.Tie) -> Self:
        return cls(since=r.since, until=r.until, record=r)

    @strawberry.field(description="The chair or vice chair.")
    async def guide(self, info: Info) -> Person:
        return await _person(info, self.record.senior_id)

    @strawberry.field(description="The executive guided.")
    async def executive(self, info: Info) -> Person:
        return await _person(info, self.record.junior_id)


@strawberry.type(description="A mentoring relationship (传帮带).")
class Mentorship:
    since: dt.date = strawberry.field(description="The first day of the mentorship.")
    until: dt.date | None = strawberry.field(description="The day it ended (exclusive); null while it runs.")
    record: strawberry.Private[model.Tie]

    @classmethod
    def of(cls, r: model.Tie) -> Self:
        return cls(since=r.since, until=r.until, record=r)

    @strawberry.field(description="The experienced cadre passing on her experience (师傅).")
    async def mentor(self, info: Info) -> Person:
        return await _person(info, self.record.senior_id)

    @strawberry.field(description="The newer cadre mentored (徒弟).")
    async def mentee(self, info: Info) -> Person:
        return await _person(info, self.record.junior_id)


@strawberry.type(description="The organization created or changed.")
class OrganizationPayload:
    organization: Organization = strawberry.field(description="The organization as it now is.")


@strawberry.type(description="The grid created.")
class GridPayload:
    grid: Grid = strawberry.field(description="The new grid.")


@strawberry.type(description="The household created, changed or moved.")
class HouseholdPayload:
    household: Household = strawberry.field(description="The household as it now is.")


@strawberry.type(description="The person created or changed.")
class PersonPayload:
    person: Person = strawberry.field(description="The person as she now is.")


@strawberry.type(description="A person and the household she now lives in.")
class ResidencePayload:
    person: Person = strawberry.field(description="The person who moved in.")
    household: Household = strawberry.field(description="Her home from now on.")


@strawberry.type(description="The term of office started or ended.")
class PositionPayload:
    position: Position = strawberry.field(description="The term as it now is.")


@strawberry.type(description="What a term change (换届) did: the terms it ended and the terms it started.")
class TermChangePayload:
    organization: Organization = strawberry.field(description="The federation that held the term change.")
    ended: list[Position] = strawberry.field(description="The outgoing terms, chairs first.")
    started: list[Position] = strawberry.field(description="The slate's new terms, in slate order.")


@strawberry.type(description="The coverage started or ended.")
class CoveragePayload:
    coverage: Coverage = strawberry.field(description="The coverage as it now is.")


@strawberry.type(description="The guidance set, and the executive's earlier guidance it ended.")
class GuidancePayload:
    guidance: Guidance = strawberry.field(description="The new guidance.")
    ended: list[Guidance] = strawberry.field(
        description="The executive's earlier guidance, ended on the new one's first day (none or one)."
    )


@strawberry.type(description="The mentorship recorded or ended.")
class MentorshipPayload:
    mentorship: Mentorship = strawberry.field(description="The mentorship as it now is.")


@strawberry.type(description="The milestone recorded, with the person who reached it.")
class MilestonePayload:
    person: Person = strawberry.field(description="The person, with her milestones as they now are.")
    milestone: Milestone = strawberry.field(description="The milestone recorded.")


@strawberry.type(description="The visit recorded.")
class VisitPayload:
    visit: Visit = strawberry.field(description="The visit recorded.")


@strawberry.type(description="The commitment made or completed.")
class CommitmentPayload:
    commitment: Commitment = strawberry.field(description="The commitment as it now is.")


@strawberry.type(description="The meeting recorded.")
class MeetingPayload:
    meeting: Meeting = strawberry.field(description="The meeting recorded.")
