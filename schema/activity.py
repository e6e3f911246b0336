"""Grassroots work: visits to households, yearly public commitments and meetings."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Self

import strawberry

from graph import model
from schema.context import Info
from schema.enums import CommitmentStatus, MeetingForm
from schema.relay import to_global_id

if TYPE_CHECKING:
    from schema.organization import Organization
    from schema.person import Person
    from schema.place import Household

PersonRef = Annotated["Person", strawberry.lazy("schema.person")]
HouseholdRef = Annotated["Household", strawberry.lazy("schema.place")]
OrganizationRef = Annotated["Organization", strawberry.lazy("schema.organization")]


@strawberry.type(description="A cadre's visit to a household on a day (四必访, 访三情).")
class Visit:
    id: strawberry.ID = strawberry.field(description="The visit's global id.")
    on: dt.date = strawberry.field(description="The day of the visit.")
    purpose: str = strawberry.field(description="Why the household was visited, e.g. 访三情.")
    note: str | None = strawberry.field(description="What the visitor noted; null when nothing.")
    record: strawberry.Private[model.Visit]

    @classmethod
    def of(cls, r: model.Visit) -> Self:
        return cls(
            id=strawberry.ID(to_global_id("Visit", r.id)), on=r.on, purpose=r.purpose, note=r.note, record=r
        )

    @strawberry.field(description="Who visited.")
    async def visitor(self, info: Info) -> PersonRef:
        from schema.person import Person

        found = await info.context.loaders.person_by_id.load(self.record.person_id)
        assert found is not None  # a VISITED relationship always has its person
        return Person.of(found)

    @strawberry.field(description="The household visited.")
    async def household(self, info: Info) -> HouseholdRef:
        from schema.place import Household

        found = await info.context.loaders.household_by_id.load(self.record.household_id)
        assert found is not None
        return Household.of(found)


@strawberry.type(description="A person's public one-sentence commitment for a year (一句话承诺).")
class Commitment:
    id: strawberry.ID = strawberry.field(description="The commitment's global id (for `completeCommitment`).")
    year: int = strawberry.field(description="The year it is made for.")
    text: str = strawberry.field(description="The one sentence, e.g. 每月走访一次留守老人户.")
    status: CommitmentStatus = strawberry.field(description="OPEN (未完成) or DONE (已完成).")
    completed_on: dt.date | None = strawberry.field(description="The day it was kept; null while open.")
    record: strawberry.Private[model.Commitment]

    @classmethod
    def of(cls, r: model.Commitment) -> Self:
        return cls(
            id=strawberry.ID(to_global_id("Commitment", r.id)),
            year=r.year,
            text=r.text,
            status=r.status,
            completed_on=r.completed_on,
            record=r,
        )

    @strawberry.field(description="Who made the commitment.")
    async def person(self, info: Info) -> PersonRef:
        from schema.person import Person

        found = await info.context.loaders.person_by_id.load(self.record.person_id)
        assert found is not None
        return Person.of(found)


@strawberry.type(
    description="A meeting an organization held, e.g. a deliberation council's (妇女议事会) "
    "meeting on a village matter, with who attended."
)
class Meeting:
    id: strawberry.ID = strawberry.field(description="The meeting's global id.")
    on: dt.date = strawberry.field(description="The day it was held.")
    topic: str = strawberry.field(description="What it was about, e.g. 村道拓宽征求意见.")
    form: MeetingForm = strawberry.field(description="Its form, e.g. DELIBERATION 议事型.")
    place: str | None = strawberry.field(description="Where it was held; null when not recorded.")
    record: strawberry.Private[model.Meeting]

    @classmethod
    def of(cls, r: model.Meeting) -> Self:
        return cls(
            id=strawberry.ID(to_global_id("Meeting", r.id)),
            on=r.on,
            topic=r.topic,
            form=r.form,
            place=r.place,
            record=r,
        )

    @strawberry.field(description="The organization that held the meeting.")
    async def organization(self, info: Info) -> OrganizationRef:
        from schema.organization import Organization

        found = await info.context.loaders.organization_by_id.load(self.record.organization_id)
        assert found is not None
        return Organization.of(found)

    @strawberry.field(description="The people who attended, by code.")
    async def attendees(self, info: Info) -> list[PersonRef]:
        from schema.person import Person

        return [Person.of(p) for p in await info.context.loaders.attendees_by_meeting.load(self.record.id)]
