"""Mutations of the cadre pipeline and grassroots work: milestones, household
visits (四必访), yearly commitments and meetings.

The WorkMutations are one part of the root Mutation (schema/mutation.py); each
is one Neo4j transaction through `graph.writes`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from graph.writes import activities, milestones
from graph.writes.common import optional_text, text
from schema.activity import Commitment, Meeting, Visit
from schema.context import Info
from schema.enums import MeetingForm, Stage
from schema.mutations.common import ADDRESS_LENGTH, NOTE_LENGTH, TEXT_LENGTH, changed, object_id, write_db
from schema.payloads import CommitmentPayload, MeetingPayload, MilestonePayload, VisitPayload
from schema.person import Milestone, Person


@strawberry.type
class WorkMutations:
    @strawberry.mutation(
        description="A person reached a pipeline stage on `on`. Each stage once; the Party path in "
        "order with non-decreasing dates; a development target at least a year after becoming an "
        "activist, a full member a year after becoming probationary; REPRESENTATIVE, RESERVE_CADRE "
        "and VILLAGE_COMMITTEE not before VILLAGE_SISTER."
    )
    async def record_milestone(
        self,
        info: Info,
        person_id: Annotated[strawberry.ID, strawberry.argument(description="The global id of the person.")],
        stage: Annotated[
            Stage, strawberry.argument(description="The stage reached, e.g. DEVELOPMENT_TARGET 发展对象.")
        ],
        on: Annotated[dt.date, strawberry.argument(description="The day it was reached.")],
    ) -> MilestonePayload:
        raw_id = object_id(info, person_id, "Person", "personId")
        reached = await milestones.record_milestone(write_db(info), raw_id, stage, on)
        changed(info)
        found = await info.context.loaders.person_by_id.load(raw_id)
        assert found is not None  # the milestone was just recorded on her
        return MilestonePayload(
            person=Person.of(found), milestone=Milestone(stage=reached.stage, on=reached.on)
        )

    @strawberry.mutation(description="A cadre visited a household on `on` (四必访, 访三情).")
    async def record_visit(
        self,
        info: Info,
        visitor_id: Annotated[
            strawberry.ID, strawberry.argument(description="The global id of the cadre who visited.")
        ],
        household_id: Annotated[
            strawberry.ID, strawberry.argument(description="The global id of the household visited.")
        ],
        on: Annotated[dt.date, strawberry.argument(description="The day of the visit.")],
        purpose: Annotated[
            str, strawberry.argument(description="Why, e.g. 访三情 or one of the 四必访 occasions.")
        ],
        note: Annotated[
            str | None, strawberry.argument(description="What she noted, e.g. 孩子期中考试进步明显.")
        ] = None,
    ) -> VisitPayload:
        created = await activities.record_visit(
            write_db(info),
            person_id=object_id(info, visitor_id, "Person", "visitorId"),
            household_id=object_id(info, household_id, "Household", "householdId"),
            on=on,
            purpose=text(purpose, argument="purpose", max_length=TEXT_LENGTH),
            note=optional_text(note, argument="note", max_length=NOTE_LENGTH),
        )
        changed(info)
        return VisitPayload(visit=Visit.of(created))

    @strawberry.mutation(description="A person's public one-sentence commitment for `year` (one per year).")
    async def make_commitment(
        self,
        info: Info,
        person_id: Annotated[
            strawberry.ID, strawberry.argument(description="The global id of the person committing.")
        ],
        year: Annotated[int, strawberry.argument(description="The year it is for, e.g. 2025.")],
        text_: Annotated[str, strawberry.argument(name="text", description="One sentence.")],
    ) -> CommitmentPayload:
        created = await activities.make_commitment(
            write_db(info),
            object_id(info, person_id, "Person", "personId"),
            year,
            text(text_, argument="text", max_length=TEXT_LENGTH),
        )
        changed(info)
        return CommitmentPayload(commitment=Commitment.of(created))

    @strawberry.mutation(description="Mark a commitment kept on `on` (not before its year began).")
    async def complete_commitment(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The global id of the commitment.")],
        on: Annotated[dt.date, strawberry.argument(description="The day it was kept.")],
    ) -> CommitmentPayload:
        done = await activities.complete_commitment(
            write_db(info), object_id(info, id, "Commitment", "id"), on
        )
        changed(info)
        return CommitmentPayload(commitment=Commitment.of(done))

    @strawberry.mutation(description="A meeting an organization held on `on`, with who attended.")
    async def record_meeting(
        self,
        info: Info,
        organization_id: Annotated[
            strawberry.ID,
            strawberry.argument(
                description="The global id of the organization holding it, e.g. a 妇女议事会."
            ),
        ],
        on: Annotated[dt.date, strawberry.argument(description="The day it was held.")],
        topic: Annotated[str, strawberry.argument(description="What it was about.")],
        form: Annotated[MeetingForm, strawberry.argument(description="Its form, e.g. DELIBERATION 议事型.")],
        attendee_ids: Annotated[
            list[strawberry.ID], strawberry.argument(description="The global ids of the people who attended.")
        ],
        place: Annotated[str | None, strawberry.argument(description="Where it was held.")] = None,
    ) -> MeetingPayload:
        created = await activities.record_meeting(
            write_db(info),
            organization_id=object_id(info, organization_id, "Organization", "organizationId"),
            on=on,
            topic=text(topic, argument="topic", max_length=TEXT_LENGTH),
            form=form,
            place=optional_text(place, argument="place", max_length=ADDRESS_LENGTH),
            attendee_ids=[
                object_id(info, a, "Person", f"attendeeIds[{i}]") for i, a in enumerate(attendee_ids)
            ],
        )
        changed(info)
        return MeetingPayload(meeting=Meeting.of(created))
