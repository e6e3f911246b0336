"""Grids (网格), households (户) and coverage: who covers which of them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Self

import strawberry

from graph import model
from graph.access import CARE_TAGS
from loaders.keys import TagFilter
from schema.arguments import After, AsOf, ByTag, First
from schema.context import Info
from schema.enums import CoverageVia, CoverRole, HouseholdTag
from schema.relay import Connection, Node, by_id_or_code, connection, to_global_id

if TYPE_CHECKING:
    from schema.organization import Organization
    from schema.person import Person

OrganizationRef = Annotated["Organization", strawberry.lazy("schema.organization")]
PersonRef = Annotated["Person", strawberry.lazy("schema.person")]


@strawberry.federation.type(
    keys=["id", "code"], description="A grid (网格) of a village or community: a patch of households."
)
class Grid(Node):
    id: strawberry.ID = strawberry.field(description="The grid's global id (Relay; opaque).")
    code: str = strawberry.field(description="The human-readable unique code, e.g. QX-T01-V01-G01.")
    name: str = strawberry.field(description="The grid's name, e.g. 郭园村第1网格.")
    record: strawberry.Private[model.Grid]

    @classmethod
    def of(cls, r: model.Grid) -> Self:
        return cls(id=strawberry.ID(to_global_id("Grid", r.id)), code=r.code, name=r.name, record=r)

    @classmethod
    def maybe(cls, r: model.Grid | None) -> Self | None:
        return None if r is None else cls.of(r)

    @classmethod
    async def resolve_reference(
        cls, info: Info, id: strawberry.ID | None = None, code: str | None = None
    ) -> Self | None:
        """An entity another subgraph refers to (Apollo Federation @key)."""
        loaders = info.context.loaders
        return cls.maybe(await by_id_or_code("Grid", id, code, loaders.grid_by_id, loaders.grid_by_code))

    @strawberry.field(description="The village or community the grid belongs to.")
    async def organization(self, info: Info) -> OrganizationRef | None:
        from schema.organization import Organization

        return Organization.maybe(await info.context.loaders.organization_by_grid.load(self.record.id))

    @strawberry.field(
        description="The households in this grid, by code; filtering by a care tag needs the EDITOR "
        "or ADMIN role."
    )
    async def households(
        self, info: Info, tag: ByTag = None, first: First = None, after: After = None
    ) -> Connection[Household]:
        if tag is not None and tag in CARE_TAGS:
            info.context.require_reveal("filtering households by a care tag")
        args = TagFilter(tag, info.context.page(info, first, after))
        page = await info.context.loaders.households_by_grid.load((self.record.id, args))
        return connection(page, Household.of, after)

    @strawberry.field(description="Who covers this whole grid on `asOf` (default today).")
    async def covered_by(self, info: Info, as_of: AsOf = None) -> list[Coverage]:
        on = as_of or info.context.today
        found = await info.context.loaders.covered_by_grid.load((self.record.id, on))
        return [Coverage.of(c) for c in found]


@strawberry.federation.type(
    keys=["id", "code"], description="A household (户) in a grid, with its care and honor tags."
)
class Household(Node):
    id: strawberry.ID = strawberry.field(description="The household's global id (Relay; opaque).")
    code: str = strawberry.field(description="The human-readable unique code, e.g. QX-T01-V01-G01-H001.")
    address: str | None = strawberry.field(
        description="Street address; for VIEWER and ANALYST cut after the group (组), e.g. 东村3组***."
    )
    tags: list[HouseholdTag] = strawberry.field(
        description="Care and honor tags; care tags (留守儿童, 留守老人, 困境妇女, 低保/困难, 残疾) only "
        "for EDITOR and ADMIN."
    )
    record: strawberry.Private[model.Household]

    @classmethod
    def of(cls, r: model.Household) -> Self:
        return cls(
            id=strawberry.ID(to_global_id("Household", r.id)),
            code=r.code,
            address=r.address,
            tags=list(r.tags),
            record=r,
        )

    @classmethod
    def maybe(cls, r: model.Household | None) -> Self | None:
        return None if r is None else cls.of(r)

    @classmethod
    async def resolve_reference(
        cls, info: Info, id: strawberry.ID | None = None, code: str | None = None
    ) -> Self | None:
        """An entity another subgraph refers to (Apollo Federation @key)."""
        loaders = info.context.loaders
        return cls.maybe(
            await by_id_or_code("Household", id, code, loaders.household_by_id, loaders.household_by_code)
        )

    @strawberry.field(description="The grid the household sits in.")
    async def grid(self, info: Info) -> Grid | None:
        return Grid.maybe(await info.context.loaders.grid_by_household.load(self.record.id))

    @strawberry.field(description="The people living in this household.")
    async def members(self, info: Info) -> list[PersonRef]:
        from schema.person import Person

        return [Person.of(p) for p in await info.context.loaders.members_by_household.load(self.record.id)]

    @strawberry.field(
        description="Who covers this household on `asOf` (default today): directly (via DIRECT) "
        "or through its whole grid (via GRID)."
    )
    async def covered_by(self, info: Info, as_of: AsOf = None) -> list[Coverage]:
        on = as_of or info.context.today
        found = await info.context.loaders.covered_by_household.load((self.record.id, on))
        return [Coverage.of(c) for c in found]


@strawberry.type(
    description="A person covering a grid or a single household (联系户, 划片包干); "
    "role LEAD or ASSIST as in 1+2+N grid service."
)
class Coverage:
    id: strawberry.ID = strawberry.field(description="The coverage's global id (for `endCoverage`).")
    role: CoverRole = strawberry.field(description="LEAD (牵头) or ASSIST (协助) in 1+2+N grid service.")
    since: dt.date = strawberry.field(description="The first day of the coverage.")
    until: dt.date | None = strawberry.field(
        description="The day the coverage ended (exclusive); null while it runs."
    )
    via: CoverageVia = strawberry.field(
        description="How it reaches households: GRID (网格包干) when a whole grid is covered, every "
        "household in it; DIRECT (直接联系) when a single household is covered."
    )
    record: strawberry.Private[model.Coverage]

    @classmethod
    def of(cls, r: model.Coverage) -> Self:
        return cls(
            id=strawberry.ID(to_global_id("Coverage", r.id)),
            role=r.role,
            since=r.since,
            until=r.until,
            via=r.via,
            record=r,
        )

    @strawberry.field(
        description="Whether the coverage runs on `on` (default today): it began on or before that "
        "day and had not ended by it."
    )
    def active(
        self,
        info: Info,
        on: AsOf = None,
    ) -> bool:
        return model.is_active(self.since, self.until, on or info.context.today)

    @strawberry.field(description="The person covering (a village sister 村嫂, an executive 执委 ...).")
    async def person(self, info: Info) -> PersonRef:
        from schema.person import Person

        found = await info.context.loaders.person_by_id.load(self.record.person_id)
        assert found is not None
        return Person.of(found)

    @strawberry.field(description="The grid covered, when a whole grid is covered.")
    async def grid(self, info: Info) -> Grid | None:
        if self.record.grid_id is None:
            return None
        return Grid.maybe(await info.context.loaders.grid_by_id.load(self.record.grid_id))

    @strawberry.field(description="The household covered, when a single household is covered.")
    async def household(self, info: Info) -> Household | None:
        if self.record.household_id is None:
            return None
        return Household.maybe(await info.context.loaders.household_by_id.load(self.record.household_id))
