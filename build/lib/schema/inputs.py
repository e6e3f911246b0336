"""Input types of the mutations: new organizations, grids, households and people,
changes to them, and the slate of a term change.

In a `…Patch`, an omitted field stays as it is; where null is allowed, null
clears the value.
"""

from __future__ import annotations

import datetime as dt

import strawberry

from schema.enums import Education, Gender, HouseholdTag, Level, OrgKind, PoliticalStatus, Role


@strawberry.input(description="A new organization, placed under its parent federation.")
class OrganizationInput:
    code: str = strawberry.field(description="A unique code, e.g. QX-T01-V21.")
    name: str
    kind: OrgKind
    level: Level
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="The federation it belongs to; null for the root of a tree."
    )


@strawberry.input(description="Changes to an organization; omitted fields stay as they are.")
class OrganizationPatch:
    name: str | None = None
    kind: OrgKind | None = None
    level: Level | None = None
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="Move it under another federation."
    )


@strawberry.input(description="A new grid (网格) of a village federation.")
class GridInput:
    code: str
    name: str
    organization_id: strawberry.ID = strawberry.field(description="The village federation.")


@strawberry.input(description="A new household (户) in a grid.")
class HouseholdInput:
    code: str
    grid_id: strawberry.ID
    address: str | None = None
    tags: list[HouseholdTag] = strawberry.field(default_factory=list)


@strawberry.input(description="Changes to a household: its address (null clears it) and its tags.")
class HouseholdPatch:
    address: strawberry.Maybe[str | None] = None
    tags: list[HouseholdTag] | None = strawberry.field(
        default=None, description="The household's tags from now on (replacing the old ones)."
    )


@strawberry.input(description="A new person, living in `householdId` when given.")
class PersonInput:
    code: str
    name: str
    gender: Gender | None = None
    birth_date: dt.date | None = None
    education: Education | None = None
    political_status: PoliticalStatus | None = None
    phone: str | None = None
    household_id: strawberry.ID | None = None


@strawberry.input(
    description="Changes to a person; omitted fields stay as they are, null clears one (except the name)."
)
class PersonPatch:
    name: strawberry.Maybe[str | None] = None
    gender: strawberry.Maybe[Gender | None] = None
    birth_date: strawberry.Maybe[dt.date | None] = None
    education: strawberry.Maybe[Education | None] = None
    political_status: strawberry.Maybe[PoliticalStatus | None] = None
    phone: strawberry.Maybe[str | None] = None


@strawberry.input(description="One person elected in a term change (换届), with her role.")
class SlateSeat:
    person_id: strawberry.ID
    role: Role
