"""Mutations of terms of office: appointing to a position, ending a term, and a
federation's term change (换届) with its whole slate.

The TermMutations are one part of the root Mutation (schema/mutation.py); each
is one Neo4j transaction through `graph.writes`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from graph.writes import terms
from schema.context import Info
from schema.enums import Role
from schema.inputs import SlateSeat
from schema.mutations.common import changed, object_id, write_db
from schema.organization import Organization, Position
from schema.payloads import PositionPayload, TermChangePayload


@strawberry.type
class TermMutations:
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
            write_db(info),
            person_id=object_id(info, person_id, "Person", "personId"),
            organization_id=object_id(info, organization_id, "Organization", "organizationId"),
            role=role,
            since=since,
        )
        changed(info)
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
        ended = await terms.end_position(
            write_db(info), object_id(info, position_id, "Position", "positionId"), until
        )
        changed(info)
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
        organization_raw_id = object_id(info, organization_id, "Organization", "organizationId")
        seats = [
            terms.Seat(object_id(info, s.person_id, "Person", f"slate[{i}].personId"), s.role)
            for i, s in enumerate(slate)
        ]
        size = terms.BoardSize(info.context.board_min, info.context.board_max)
        change = await terms.hold_term_change(write_db(info), organization_raw_id, on, seats, size)
        changed(info)
        found = await info.context.loaders.organization_by_id.load(organization_raw_id)
        assert found is not None  # the term change just locked it
        return TermChangePayload(
            organization=Organization.of(found),
            ended=[Position.of(p) for p in change.ended],
            started=[Position.of(p) for p in change.started],
        )
