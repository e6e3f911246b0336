"""The root Mutation type: every change to the graph, each one Neo4j transaction.

Resolvers check what the input says on its own (ids, codes, blank text) and call
`graph.writes`, whose rules raise NOT_FOUND or CONFLICT before anything is
written. After a write, the request's loaders are replaced, so anything the
payload (or a later mutation of the same request) reads sees the change.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from graph.driver import Database
from graph.errors import BadInput, Forbidden
from graph.writes import activities, coverage, links, milestones, organizations, people, places, terms
from graph.writes.common import code, optional_text, phone, text
from loaders import Loaders
from schema.activity import Commitment, Meeting, Visit
from schema.context import Info
from schema.enums import CoverRole, MeetingForm, Role, Stage
from schema.inputs import (
    GridInput,
    HouseholdInput,
    HouseholdPatch,
    OrganizationInput,
    OrganizationPatch,
    PersonInput,
    PersonPatch,
    SlateSeat,
)
from schema.organization import Organization, Position
from schema.payloads import (
    CommitmentPayload,
    CoveragePayload,
    GridPayload,
    Guidance,
    GuidancePayload,
    HouseholdPayload,
    MeetingPayload,
    Mentorship,
    MentorshipPayload,
    MilestonePayload,
    OrganizationPayload,
    PersonPayload,
    PositionPayload,
    ResidencePayload,
    TermChangePayload,
    VisitPayload,
)
from schema.person import Milestone, Person
from schema.place import Coverage, Grid, Household
from schema.relay import expect_global_id

NAME_LENGTH = 100
ADDRESS_LENGTH = 200
TEXT_LENGTH = 200
NOTE_LENGTH = 2000


def _db(info: Info) -> Database:
    """The database a mutation writes through: only for EDITOR and ADMIN, and its
    transaction checks the objects the mutation names are in the caller's scope."""
    info.context.require_editor()
    return info.context.writer(info)


def _changed(info: Info) -> None:
    """Drop what the request's loaders cached before the write, and start the
    next mutation's list of objects afresh."""
    info.context.loaders = Loaders(info.context.loaders.db)


def _id(info: Info, global_id: strawberry.ID, type_name: str, argument: str) -> str:
    """The raw id of an object the mutation names; noted for its scope check and audit."""
    raw_id = expect_global_id(global_id, type_name, argument=argument)
    return info.context.touches(info, type_name, raw_id, argument)


def _optional_id(info: Info, global_id: strawberry.ID | None, type_name: str, argument: str) -> str | None:
    return None if global_id is None else _id(info, global_id, type_name, argument)


def _person_facts(patch: PersonPatch) -> people.PersonFacts:
    given = {
        key
        for key, value in (
            ("name", patch.name),
            ("gender", patch.gender),
            ("birthDate", patch.birth_date),
            ("education", patch.education),
            ("politicalStatus", patch.political_status),
            ("phone", patch.phone),
        )
        if value is not None
    }
    name = None
    if patch.name is not None:
        if patch.name.value is None:
            raise BadInput("input.name: a person's name cannot be cleared", argument="input.name")
        name = text(patch.name.value, argument="input.name", max_length=NAME_LENGTH)
    return people.PersonFacts(
        name=name,
        gender=patch.gender.value if patch.gender else None,
        birth_date=patch.birth_date.value if patch.birth_date else None,
        education=patch.education.value if patch.education else None,
        political_status=patch.political_status.value if patch.political_status else None,
        phone=phone(patch.phone.value, argument="input.phone") if patch.phone else None,
        given=frozenset(given),
    )


@strawberry.type(
    description="Changes to the graph, for EDITOR and ADMIN inside their scope. Each mutation is one "
    "transaction with its audit event: it happens whole or not at all. Errors: FORBIDDEN (the "
    "caller's roles), BAD_USER_INPUT (extensions.argument names the field), NOT_FOUND (an id that "
    "does not exist or lies outside the caller's scope, or whose change would end or move a "
    "relationship reaching outside it), CONFLICT (a rule of the graph says no; the message says "
    "which, naming only what the caller may see)."
)
class Mutation:
    # --- organizations, grids, households, people ----------------------------------

    @strawberry.mutation(
        description="Create an organization. A federation sits one level below its parent federation; "
        "committees, councils and teams sit under a federation at its level (a women's committee "
        "may be a UNIT)."
    )
    async def create_organization(
        self,
        info: Info,
        input: Annotated[OrganizationInput, strawberry.argument(description="The new organization.")],
    ) -> OrganizationPayload:
        if input.parent_id is None and info.context.access.scope is not None:
            # Nothing above a caller's scope root is hers: a new root belongs to nobody's scope.
            raise Forbidden(
                "only unrestricted access may create a top-level organization; give input.parentId"
            )
        created = await organizations.create_organization(
            _db(info),
            code=code(input.code, argument="input.code"),
            name=text(input.name, argument="input.name", max_length=NAME_LENGTH),
            kind=input.kind,
            level=input.level,
            parent_id=_optional_id(info, input.parent_id, "Organization", "input.parentId"),
        )
        _changed(info)
        return OrganizationPayload(organization=Organization.of(created))

    @strawberry.mutation(
        description="Rename an organization, change its kind or level, or move it under another "
        "federation; checked against its new parent and everything below it. Never under itself or "
        "below it; the parent it leaves must be in the caller's scope."
    )
    async def update_organization(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="The global id of the organization to change.")
        ],
        input: Annotated[OrganizationPatch, strawberry.argument(description="What changes.")],
    ) -> OrganizationPayload:
        name = input.name
        updated = await organizations.update_organization(
            _db(info),
            _id(info, id, "Organization", "id"),
            name=None if name is None else text(name, argument="input.name", max_length=NAME_LENGTH),
            kind=input.kind,
            level=input.level,
            parent_id=_optional_id(info, input.parent_id, "Organization", "input.parentId"),
        )
        _changed(info)
        return OrganizationPayload(organization=Organization.of(updated))

    @strawberry.mutation(description="Create a grid (网格) of a village federation.")
    async def create_grid(
        self, info: Info, input: Annotated[GridInput, strawberry.argument(description="The new grid.")]
    ) -> GridPayload:
        created = await places.create_grid(
            _db(info),
            code=code(input.code, argument="input.code"),
            name=text(input.name, argument="input.name", max_length=NAME_LENGTH),
            organization_id=_id(info, input.organization_id, "Organization", "input.organizationId"),
        )
        _changed(info)
        return GridPayload(grid=Grid.of(created))

    @strawberry.mutation(description="Create a household (户) in a grid.")
    async def create_household(
        self,
        info: Info,
        input: Annotated[HouseholdInput, strawberry.argument(description="The new household.")],
    ) -> HouseholdPayload:
        created = await places.create_household(
            _db(info),
            code=code(input.code, argument="input.code"),
            grid_id=_id(info, input.grid_id, "Grid", "input.gridId"),
            address=optional_text(input.address, argument="input.address", max_length=ADDRESS_LENGTH),
            tags=input.tags,
        )
        _changed(info)
        return HouseholdPayload(household=Household.of(created))

    @strawberry.mutation(description="Change a household's address or replace its tags.")
    async def update_household(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="The global id of the household to change.")
        ],
        input: Annotated[HouseholdPatch, strawberry.argument(description="What changes.")],
    ) -> HouseholdPayload:
        address = input.address
        updated = await places.update_household(
            _db(info),
            _id(info, id, "Household", "id"),
            set_address=address is not None,
            address=optional_text(address.value, argument="input.address", max_length=ADDRESS_LENGTH)
            if address is not None
            else None,
            tags=input.tags,
        )
        _changed(info)
        return HouseholdPayload(household=Household.of(updated))

    @strawberry.mutation(description="Move a household to another grid.")
    async def move_household(
        self,
        info: Info,
        household_id: Annotated[
            strawberry.ID, strawberry.argument(description="The global id of the household that moves.")
        ],
        grid_id: Annotated[
            strawberry.ID, strawberry.argument(description="The global id of the grid it moves to.")
        ],
    ) -> HouseholdPayload:
        moved = await places.move_household(
            _db(info),
            _id(info, household_id, "Household", "householdId"),
            _id(info, grid_id, "Grid", "gridId"),
        )
        _changed(info)
        return HouseholdPayload(household=Household.of(moved))

    @strawberry.mutation(
        description="Create a person, living in `input.householdId` (required for a caller with a scope: "
        "a person is in a scope through her household or her positions)."
    )
    async def create_person(
        self, info: Info, input: Annotated[PersonInput, strawberry.argument(description="The new person.")]
    ) -> PersonPayload:
        facts = people.PersonFacts(
            name=text(input.name, argument="input.name", max_length=NAME_LENGTH),
            gender=input.gender,
            birth_date=input.birth_date,
            education=input.education,
            political_status=input.political_status,
            phone=phone(input.phone, argument="input.phone"),
            given=frozenset({"name", "gender", "birthDate", "education", "politicalStatus", "phone"}),
        )
        if input.household_id is None and info.context.access.scope is not None:
            raise BadInput(
                "input.householdId: required: a new person must live in a household inside your scope",
                argument="input.householdId",
            )
        created = await people.create_person(
            _db(info),
            code=code(input.code, argument="input.code"),
            facts=facts,
            household_id=_optional_id(info, input.household_id, "Household", "input.householdId"),
        )
        _changed(info)
        return PersonPayload(person=Person.of(created))

    @strawberry.mutation(description="Change a person's attributes.")
    async def update_person(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="The global id of the person to change.")
        ],
        input: Annotated[PersonPatch, strawberry.argument(description="What changes.")],
    ) -> PersonPayload:
        updated = await people.update_person(_db(info), _id(info, id, "Person", "id"), _person_facts(input))
        _changed(info)
        return PersonPayload(person=Person.of(updated))

    @strawberry.mutation(description="Make a household the person's home (she leaves any other).")
    async def set_residence(
        self,
        info: Info,
        person_id: Annotated[
            strawberry.ID, strawberry.argument(description="The global id of the person who moves in.")
        ],
        household_id: Annotated[
            strawberry.ID, strawberry.argument(description="The global id of her new home.")
        ],
    ) -> ResidencePayload:
        person, household = await people.set_residence(
            _db(info),
            _id(info, person_id, "Person", "personId"),
            _id(info, household_id, "Household", "householdId"),
        )
        _changed(info)
        return ResidencePayload(person=Person.of(person), household=Household.of(household))

    # --- terms of office ---------------------------------------------------------------

    @strawberry.mutation(
        description="Start a term of `role` in an organization on `since`. Refused when she already "
        "holds that role there over overlapping days, or when a second CHAIR would serve at once."
    )
    async def appoint(
        self,
        info: Info,
        person_id: Annotated[
            strawberry.ID, strawberry.argument(description="The global id of the person appointed.")
        ],
        organization_id: Annotated[
            strawberry.ID, strawberry.argument(description="The global id of the organization.")
        ],
        role: Annotated[Role, strawberry.argument(description="The role, e.g. EXECUTIVE 执委.")],
        since: Annotated[dt.date, strawberry.argument(description="The term's first day.")],
    ) -> PositionPayload:
        created = await terms.appoint(
            _db(info),
            person_id=_id(info, person_id, "Person", "personId"),
            organization_id=_id(info, organization_id, "Organization", "organizationId"),
            role=role,
            since=since,
        )
        _changed(info)
        return PositionPayload(position=Position.of(created))

    @strawberry.mutation(description="End a running term on `until` (the first day it no longer runs).")
    async def end_position(
        self,
        info: Info,
        position_id: Annotated[
            strawberry.ID, strawberry.argument(description="The global id of the term (a Position's id).")
        ],
        until: Annotated[dt.date, strawberry.argument(description="The first day the term no longer runs.")],
    ) -> PositionPayload:
        ended = await terms.end_position(_db(info), _id(info, position_id, "Position", "positionId"), until)
        _changed(info)
        return PositionPayload(position=Position.of(ended))

    @strawberry.mutation(
        description="The term change (换届) of a federation on `on`, in one transaction: every term "
        "running there ends on `on` and the slate's terms start. The slate has exactly one CHAIR, "
        "the configured number of members (default 7-15), nobody twice and only CHAIR, VICE_CHAIR "
        "or EXECUTIVE; `on` is not before any of the organization's terms began or ended."
    )
    async def hold_term_change(
        self,
        info: Info,
        organization_id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The global id of the federation holding the term change."),
        ],
        on: Annotated[
            dt.date, strawberry.argument(description="The day the old terms end and the new ones start.")
        ],
        slate: Annotated[
            list[SlateSeat],
            strawberry.argument(description="The new board: who is elected to which role (one CHAIR)."),
        ],
    ) -> TermChangePayload:
        organization_raw_id = _id(info, organization_id, "Organization", "organizationId")
        seats = [
            terms.Seat(_id(info, s.person_id, "Person", f"slate[{i}].personId"), s.role)
            for i, s in enumerate(slate)
        ]
        size = terms.BoardSize(info.context.board_min, info.context.board_max)
        change = await terms.hold_term_change(_db(info), organization_raw_id, on, seats, size)
        _changed(info)
        found = await info.context.loaders.organization_by_id.load(organization_raw_id)
        assert found is not None  # the term change just locked it
        return TermChangePayload(
            organization=Organization.of(found),
            ended=[Position.of(p) for p in change.ended],
            started=[Position.of(p) for p in change.started],
        )

    # --- coverage, guidance, mentoring ------------------------------------------------

    @strawberry.mutation(
        description="From `since`, a person covers a whole grid (`gridId`) or a single household "
        "(`householdId`): give exactly one of them."
    )
    async def assign_coverage(
        self,
        info: Info,
        person_id: Annotated[
            strawberry.ID, strawberry.argument(description="The global id of the person who covers.")
        ],
        role: Annotated[CoverRole, strawberry.argument(description="LEAD (牵头) or ASSIST (协助).")],
        since: Annotated[dt.date, strawberry.argument(description="The coverage's first day.")],
        grid_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="The global id of a whole grid covered (网格包干)."),
        ] = None,
        household_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="The global id of a single household covered (联系户)."),
        ] = None,
    ) -> CoveragePayload:
        if (grid_id is None) == (household_id is None):
            raise BadInput("give exactly one of gridId and householdId", argument="gridId")
        created = await coverage.assign_coverage(
            _db(info),
            person_id=_id(info, person_id, "Person", "personId"),
            grid_id=_optional_id(info, grid_id, "Grid", "gridId"),
            household_id=_optional_id(info, household_id, "Household", "householdId"),
            role=role,
            since=since,
        )
        _changed(info)
        return CoveragePayload(coverage=Coverage.of(created))

    @strawberry.mutation(description="Stop a running coverage on `until`.")
    async def end_coverage(
        self,
        info: Info,
        coverage_id: Annotated[
            strawberry.ID, strawberry.argument(description="The global id of the coverage (a Coverage's id).")
        ],
        until: Annotated[dt.date, strawberry.argument(description="The first day it no longer runs.")],
    ) -> CoveragePayload:
        ended = await coverage.end_coverage(
            _db(info), _id(info, coverage_id, "Coverage", "coverageId"), until
        )
        _changed(info)
        return CoveragePayload(coverage=Coverage.of(ended))

    @strawberry.mutation(
        description="From `since`, a chair or vice chair guides an executive of the same board "
        "(联系、指导, at most four each); the executive's earlier guide stops on `since`."
    )
    async def set_guidance(
        self,
        info: Info,
        guide_id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The global id of the chair or vice chair who guides."),
        ],
        executive_id: Annotated[
            strawberry.ID, strawberry.argument(description="The global id of the executive (执委) guided.")
        ],
        since: Annotated[dt.date, strawberry.argument(description="The guidance's first day.")],
    ) -> GuidancePayload:
        change = await links.set_guidance(
            _db(info),
            _id(info, guide_id, "Person", "guideId"),
            _id(info, executive_id, "Person", "executiveId"),
            since,
        )
        _changed(info)
        return GuidancePayload(
            guidance=Guidance.of(change.guidance), ended=[Guidance.of(t) for t in change.ended]
        )

    @strawberry.mutation(
        description="From `since`, `mentorId` mentors `menteeId` (传帮带). Refused when it would close "
        "a cycle of mentoring."
    )
    async def record_mentorship(
        self,
        info: Info,
        mentor_id: Annotated[
            strawberry.ID, strawberry.argument(description="The global id of the mentor (师傅).")
        ],
        mentee_id: Annotated[
            strawberry.ID, strawberry.argument(description="The global id of the mentee (徒弟).")
        ],
        since: Annotated[dt.date, strawberry.argument(description="The mentorship's first day.")],
    ) -> MentorshipPayload:
        created = await links.record_mentorship(
            _db(info),
            _id(info, mentor_id, "Person", "mentorId"),
            _id(info, mentee_id, "Person", "menteeId"),
            since,
        )
        _changed(info)
        return MentorshipPayload(mentorship=Mentorship.of(created))

    @strawberry.mutation(description="End the running mentorship of `menteeId` by `mentorId` on `until`.")
    async def end_mentorship(
        self,
        info: Info,
        mentor_id: Annotated[
            strawberry.ID, strawberry.argument(description="The global id of the mentor (师傅).")
        ],
        mentee_id: Annotated[
            strawberry.ID, strawberry.argument(description="The global id of the mentee (徒弟).")
        ],
        until: Annotated[
            dt.date, strawberry.argument(description="The first day the mentorship no longer runs.")
        ],
    ) -> MentorshipPayload:
        ended = await links.end_mentorship(
            _db(info),
            _id(info, mentor_id, "Person", "mentorId"),
            _id(info, mentee_id, "Person", "menteeId"),
            until,
        )
        _changed(info)
        return MentorshipPayload(mentorship=Mentorship.of(ended))

    # --- the cadre pipeline and grassroots work -----------------------------------------

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
        raw_id = _id(info, person_id, "Person", "personId")
        reached = await milestones.record_milestone(_db(info), raw_id, stage, on)
        _changed(info)
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
            _db(info),
            person_id=_id(info, visitor_id, "Person", "visitorId"),
            household_id=_id(info, household_id, "Household", "householdId"),
            on=on,
            purpose=text(purpose, argument="purpose", max_length=TEXT_LENGTH),
            note=optional_text(note, argument="note", max_length=NOTE_LENGTH),
        )
        _changed(info)
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
            _db(info),
            _id(info, person_id, "Person", "personId"),
            year,
            text(text_, argument="text", max_length=TEXT_LENGTH),
        )
        _changed(info)
        return CommitmentPayload(commitment=Commitment.of(created))

    @strawberry.mutation(description="Mark a commitment kept on `on` (not before its year began).")
    async def complete_commitment(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The global id of the commitment.")],
        on: Annotated[dt.date, strawberry.argument(description="The day it was kept.")],
    ) -> CommitmentPayload:
        done = await activities.complete_commitment(_db(info), _id(info, id, "Commitment", "id"), on)
        _changed(info)
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
            _db(info),
            organization_id=_id(info, organization_id, "Organization", "organizationId"),
            on=on,
            topic=text(topic, argument="topic", max_length=TEXT_LENGTH),
            form=form,
            place=optional_text(place, argument="place", max_length=ADDRESS_LENGTH),
            attendee_ids=[_id(info, a, "Person", f"attendeeIds[{i}]") for i, a in enumerate(attendee_ids)],
        )
        _changed(info)
        return MeetingPayload(meeting=Meeting.of(created))
