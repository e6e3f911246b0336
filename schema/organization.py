"""Organizations, their tree, and the positions (terms of office) held in them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Self

import strawberry

from graph import model
from loaders.context import OrgFilter, PositionFilter, TagFilter
from schema.context import Info
from schema.enums import HouseholdTag, Level, OrgKind, Role
from schema.relay import Connection, Node, connection, to_global_id

if TYPE_CHECKING:
    from schema.coverage import CoverageReport
    from schema.person import Person
    from schema.place import Grid, Household

PersonRef = Annotated["Person", strawberry.lazy("schema.person")]
GridRef = Annotated["Grid", strawberry.lazy("schema.place")]
HouseholdRef = Annotated["Household", strawberry.lazy("schema.place")]
CoverageReportRef = Annotated["CoverageReport", strawberry.lazy("schema.coverage")]


@strawberry.type(
    description="A federation (妇联), women's committee (妇委会), council (村嫂理事会, 妇女议事会), "
    "volunteer team or village committee (村两委), placed in the territorial tree by PART_OF."
)
class Organization(Node):
    id: strawberry.ID
    code: str = strawberry.field(description="The human-readable unique code, e.g. QX-T01-V03.")
    name: str
    kind: OrgKind
    level: Level
    record: strawberry.Private[model.Organization]

    @classmethod
    def of(cls, r: model.Organization) -> Self:
        return cls(
            id=strawberry.ID(to_global_id("Organization", r.id)),
            code=r.code,
            name=r.name,
            kind=r.kind,
            level=r.level,
            record=r,
        )

    @classmethod
    def maybe(cls, r: model.Organization | None) -> Self | None:
        return None if r is None else cls.of(r)

    @strawberry.field(description="The organization this one belongs to (is guided by).")
    async def parent(self, info: Info) -> Organization | None:
        return Organization.maybe(await info.context.loaders.parent_by_organization.load(self.record.id))

    @strawberry.field(description="Every organization above this one, the parent first.")
    async def ancestors(self, info: Info) -> list[Organization]:
        found = await info.context.loaders.ancestors_by_organization.load(self.record.id)
        return [Organization.of(o) for o in found]

    @strawberry.field(description="The organizations directly below this one, by code.")
    async def children(
        self,
        info: Info,
        kind: OrgKind | None = None,
        level: Level | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Organization]:
        args = OrgFilter(kind, level, info.context.page(info, first, after))
        page = await info.context.loaders.children_by_organization.load((self.record.id, args))
        return connection(page, Organization.of, after)

    @strawberry.field(description="Every organization in this one's subtree (itself excluded), by code.")
    async def descendants(
        self,
        info: Info,
        kind: OrgKind | None = None,
        level: Level | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Organization]:
        args = OrgFilter(kind, level, info.context.page(info, first, after))
        page = await info.context.loaders.descendants_by_organization.load((self.record.id, args))
        return connection(page, Organization.of, after)

    @strawberry.field(
        description="Terms held in this organization that are active on `activeOn` (default today); "
        "with `history: true`, every term ever held. Chairs first."
    )
    async def positions(
        self,
        info: Info,
        role: Role | None = None,
        active_on: dt.date | None = None,
        history: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Position]:
        on = active_on or info.context.today
        args = PositionFilter(role, on, history, info.context.page(info, first, after))
        page = await info.context.loaders.positions_by_organization.load((self.record.id, args))
        return connection(page, lambda p: Position.of(p, on), after)

    @strawberry.field(description="The grids (网格) in this organization's whole subtree, by code.")
    async def grids(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[GridRef]:
        from schema.place import Grid

        page_args = info.context.page(info, first, after)
        page = await info.context.loaders.grids_by_organization.load((self.record.id, page_args))
        return connection(page, Grid.of, after)

    @strawberry.field(description="The households (户) in this organization's whole subtree, by code.")
    async def households(
        self, info: Info, tag: HouseholdTag | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[HouseholdRef]:
        from schema.place import Household

        args = TagFilter(tag, info.context.page(info, first, after))
        page = await info.context.loaders.households_by_organization.load((self.record.id, args))
        return connection(page, Household.of, after)

    @strawberry.field(
        description="Who covers which households of this organization's subtree on `asOf` "
        "(default today), and which households nobody covers."
    )
    def coverage(self, info: Info, as_of: dt.date | None = None) -> CoverageReportRef:
        from schema.coverage import CoverageReport

        return CoverageReport(
            organization=self, as_of=as_of or info.context.today, organization_id=self.record.id
        )


@strawberry.type(description="One term of a role held by a person in an organization (任职).")
class Position:
    id: strawberry.ID
    role: Role
    since: dt.date
    until: dt.date | None = strawberry.field(
        description="The day the term ended (exclusive); null while it runs."
    )
    active: bool = strawberry.field(description="Whether the term runs on the day the query asked about.")
    record: strawberry.Private[model.Position]

    @classmethod
    def of(cls, r: model.Position, on: dt.date) -> Self:
        return cls(
            id=strawberry.ID(to_global_id("Position", r.id)),
            role=r.role,
            since=r.since,
            until=r.until,
            active=model.is_active(r.since, r.until, on),
            record=r,
        )

    @strawberry.field
    async def person(self, info: Info) -> PersonRef:
        from schema.person import Person

        found = await info.context.loaders.person_by_id.load(self.record.person_id)
        assert found is not None  # a HOLDS relationship always has its person
        return Person.of(found)

    @strawberry.field
    async def organization(self, info: Info) -> Organization:
        found = await info.context.loaders.organization_by_id.load(self.record.organization_id)
        assert found is not None
        return Organization.of(found)
