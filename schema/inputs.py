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
    name: str = strawberry.field(description="Its name, e.g. 新丰村妇联.")
    kind: OrgKind = strawberry.field(description="What kind of body it is, e.g. FEDERATION 妇联.")
    level: Level = strawberry.field(description="Its territorial level, e.g. VILLAGE 村/社区.")
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="The federation it belongs to; null for the root of a tree."
    )


@strawberry.input(description="Changes to an organization; omitted fields stay as they are.")
class OrganizationPatch:
    name: str | None = strawberry.field(default=None, description="A new name.")
    kind: OrgKind | None = strawberry.field(default=None, description="A new kind.")
    level: Level | None = strawberry.field(default=None, description="A new level.")
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="Move it under another federation."
    )


@strawberry.input(description="A new grid (网格) of a village federation.")
class GridInput:
    code: str = strawberry.field(description="A unique code, e.g. QX-T01-V01-G09.")
    name: str = strawberry.field(description="Its name, e.g. 郭园村第9网格.")
    organization_id: strawberry.ID = strawberry.field(description="The village federation.")


@strawberry.input(description="A new household (户) in a grid.")
class HouseholdInput:
    code: str = strawberry.field(description="A unique code, e.g. QX-T01-V01-G01-H120.")
    grid_id: strawberry.ID = strawberry.field(description="The global id of the grid it sits in.")
    address: str | None = strawberry.field(default=None, description="Its street address (personal data).")
    tags: list[HouseholdTag] = strawberry.field(
        default_factory=list, description="Its care and honor tags, e.g. LEFT_BEHIND_CHILD 留守儿童."
    )


@strawberry.input(description="Changes to a household: its address (null clears it) and its tags.")
class HouseholdPatch:
    address: strawberry.Maybe[str | None] = strawberry.field(
        default=None, description="A new street address; null clears it."
    )
    tags: list[HouseholdTag] | None = strawberry.field(
        default=None, description="The household's tags from now on (replacing the old ones)."
    )


@strawberry.input(description="A new person, living in `householdId` when given.")
class PersonInput:
    code: str = strawberry.field(description="A unique code, e.g. P0009001.")
    name: str = strawberry.field(description="Her full name (姓名).")
    gender: Gender | None = strawberry.field(default=None, description="Gender (性别).")
    birth_date: dt.date | None = strawberry.field(default=None, description="Birth date (personal data).")
    education: Education | None = strawberry.field(default=None, description="Highest education (学历).")
    political_status: PoliticalStatus | None = strawberry.field(
        default=None, description="Political status (政治面貌)."
    )
    phone: str | None = strawberry.field(default=None, description="Mobile number (personal data).")
    household_id: strawberry.ID | None = strawberry.field(
        default=None, description="The global id of the household she lives in."
    )


@strawberry.input(
    description="Changes to a person; omitted fields stay as they are, null clears one (except the name)."
)
class PersonPatch:
    name: strawberry.Maybe[str | None] = strawberry.field(
        default=None, description="A new name (it cannot be cleared)."
    )
    gender: strawberry.Maybe[Gender | None] = strawberry.field(default=None, description="Gender (性别).")
    birth_date: strawberry.Maybe[dt.date | None] = strawberry.field(default=None, description="Birth date.")
    education: strawberry.Maybe[Education | None] = strawberry.field(
        default=None, description="Highest education (学历)."
    )
    political_status: strawberry.Maybe[PoliticalStatus | None] = strawberry.field(
        default=None, description="Political status (政治面貌)."
    )
    phone: strawberry.Maybe[str | None] = strawberry.field(default=None, description="Mobile number.")


@strawberry.input(description="One person elected in a term change (换届), with her role.")
class SlateSeat:
    person_id: strawberry.ID = strawberry.field(description="The global id of the person elected.")
    role: Role = strawberry.field(description="CHAIR 主席, VICE_CHAIR 副主席 or EXECUTIVE 执委.")
