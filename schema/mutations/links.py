"""Mutations of the links between people and places: coverage of grids and
households (包干, 联系户), a chair's guidance of an executive, and mentoring.

The LinkMutations are one part of the root Mutation (schema/mutation.py); each
is one Neo4j transaction through `graph.writes`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from graph.errors import BadInput
from graph.writes import coverage, links
from schema.context import Info
from schema.enums import CoverRole
from schema.mutations.common import changed, object_id, optional_object_id, write_db
from schema.payloads import CoveragePayload, Guidance, GuidancePayload, Mentorship, MentorshipPayload
from schema.place import Coverage


@strawberry.type
class LinkMutations:
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
            write_db(info),
            person_id=object_id(info, person_id, "Person", "personId"),
            grid_id=optional_object_id(info, grid_id, "Grid", "gridId"),
            household_id=optional_object_id(info, household_id, "Household", "householdId"),
            role=role,
            since=since,
        )
        changed(info)
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
            write_db(info), object_id(info, coverage_id, "Coverage", "coverageId"), until
        )
        changed(info)
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
            write_db(info),
            object_id(info, guide_id, "Person", "guideId"),
            object_id(info, executive_id, "Person", "executiveId"),
            since,
        )
        changed(info)
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
            write_db(info),
            object_id(info, mentor_id, "Person", "mentorId"),
            object_id(info, mentee_id, "Person", "menteeId"),
            since,
        )
        changed(info)
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
            write_db(info),
            object_id(info, mentor_id, "Person", "mentorId"),
            object_id(info, mentee_id, "Person", "menteeId"),
            until,
        )
        changed(info)
        return MentorshipPayload(mentorship=Mentorship.of(ended))
