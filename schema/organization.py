"""Organizations, their tree, and the positions (terms of office) held in them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Self

import strawberry

from graph import model
from graph.access import CARE_TAGS
from graph.errors import BadInput
from loaders.keys import OrgFilter, PositionFilter, TagFilter
from schema.arguments import ActiveOn, After, AsOf, ByKind, ByLevel, ByRole, ByTag, First, History
from schema.context import Info
from schema.enums import Level, OrgKind, Role, Stage
from schema.relay import Connection, Node, by_id_or_code, connection, to_global_id

if TYPE_CHECKING:
    from schema.activity import Meeting
    from schema.coverage import CoverageReport
    from schema.figures import OrganizationStats, TermStatistics
    from schema.filters import HouseholdFilter
    from schema.person import Person
    from schema.pipeline import Candidate, FunnelBreakdown, PipelineFunnel
    from schema.place import Grid, Household

PersonRef = Annotated["Person", strawberry.lazy("schema.person")]
GridRef = Annotated["Grid", strawberry.lazy("schema.place")]
HouseholdRef = Annotated["Household", strawberry.lazy("schema.place")]
CoverageReportRef = Annotated["CoverageReport", strawberry.lazy("schema.coverage")]
MeetingRef = Annotated["Meeting", strawberry.lazy("schema.activity")]
PipelineFunnelRef = Annotated["PipelineFunnel", strawberry.lazy("schema.pipeline")]
FunnelBreakdownRef = Annotated["FunnelBreakdown", strawberry.lazy("schema.pipeline")]
CandidateRef = Annotated["Candidate", strawberry.lazy("schema.pipeline")]
TermStatisticsRef = Annotated["TermStatistics", strawberry.lazy("schema.figures")]
OrganizationStatsRef = Annotated["OrganizationStats", strawberry.lazy("schema.figures")]
HouseholdFilterRef = Annotated["HouseholdFilter", strawberry.lazy("schema.filters")]


@strawberry.federation.type(
    keys=["id", "code"],
    description="A federation (妇联), women's committee (妇委会), council (村嫂理事会, 妇女议事会), "
    "volunteer team or village committee (村两委), placed in the territorial tree by PART_OF.",
)
class Organization(Node):
    id: strawberry.ID = strawberry.field(description="The organization's global id (Relay; opaque).")
    code: str = strawberry.field(description="The human-readable unique code, e.g. QX-T01-V03.")
    name: str = strawberry.field(description="The organization's name, e.g. 郭园村妇联.")
    kind: OrgKind = strawberry.field(description="What kind of body it is, e.g. FEDERATION 妇联.")
    level: Level = strawberry.field(description="Its territorial level, e.g. VILLAGE 村/社区.")
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

    @classmethod
    async def resolve_reference(
        cls, info: Info, id: strawberry.ID | None = None, code: str | None = None
    ) -> Self | None:
        """An entity another subgraph refers to (Apollo Federation @key)."""
        loaders = info.context.loaders
        return cls.maybe(
            await by_id_or_code(
                "Organization", id, code, loaders.organization_by_id, loaders.organization_by_code
            )
        )

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
        kind: ByKind = None,
        level: ByLevel = None,
        first: First = None,
        after: After = None,
    ) -> Connection[Organization]:
        args = OrgFilter(kind, level, info.context.page(info, first, after))
        page = await info.context.loaders.children_by_organization.load((self.record.id, args))
        return connection(page, Organization.of, after)

    @strawberry.field(description="Every organization in this one's subtree (itself excluded), by code.")
    async def descendants(
        self,
        info: Info,
        kind: ByKind = None,
        level: ByLevel = None,
        first: First = None,
        after: After = None,
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
        role: ByRole = None,
        active_on: ActiveOn = None,
        history: History = False,
        first: First = None,
        after: After = None,
    ) -> Connection[Position]:
        on = active_on or info.context.today
        args = PositionFilter(role, on, history, info.context.page(info, first, after))
        page = await info.context.loaders.positions_by_organization.load((self.record.id, args))
        return connection(page, Position.of, after)

    @strawberry.field(description="The grids (网格) in this organization's whole subtree, by code.")
    async def grids(self, info: Info, first: First = None, after: After = None) -> Connection[GridRef]:
        from schema.place import Grid

        page_args = info.context.page(info, first, after)
        page = await info.context.loaders.grids_by_organization.load((self.record.id, page_args))
        return connection(page, Grid.of, after)

    @strawberry.field(
        description="The households (户) in this organization's whole subtree, by code; "
        "filtering by a care tag needs the EDITOR or ADMIN role. With `filter`: those matching it "
        "(tags, coverage status on a date, grid, village)."
    )
    async def households(
        self,
        info: Info,
        tag: ByTag = None,
        first: First = None,
        after: After = None,
        filter: Annotated[
            HouseholdFilterRef | None,
            strawberry.argument(
                description="Only households matching every condition given (AND): tags, coverage "
                "status on a date, grid, village. Give tags here instead of `tag`."
            ),
        ] = None,
    ) -> Connection[HouseholdRef]:
        from schema.filters import household_query
        from schema.place import Household

        if filter is not None:
            if tag is not None:
                raise BadInput("with `filter`, give tags inside it", argument="tag")
            flt = household_query(info, filter, self.record.id)
            page = await info.context.loaders.filter_households(flt, info.context.page(info, first, after))
            return connection(page, Household.of, after)
        if tag is not None and tag in CARE_TAGS:
            info.context.require_reveal("filtering households by a care tag")
        args = TagFilter(tag, info.context.page(info, first, after))
        page = await info.context.loaders.households_by_organization.load((self.record.id, args))
        return connection(page, Household.of, after)

    @strawberry.field(description="The meetings this organization held, newest first.")
    async def meetings(self, info: Info, first: First = None, after: After = None) -> Connection[MeetingRef]:
        from schema.activity import Meeting

        page_args = info.context.page(info, first, after)
        page = await info.context.loaders.meetings_by_organization.load((self.record.id, page_args))
        return connection(page, Meeting.of, after)

    @strawberry.field(
        description="Who covers which households of this organization's subtree on `asOf` "
        "(default today), and which households nobody covers."
    )
    def coverage(self, info: Info, as_of: AsOf = None) -> CoverageReportRef:
        from schema.coverage import CoverageReport

        return CoverageReport(
            organization=self, as_of=as_of or info.context.today, organization_id=self.record.id
        )

    # Analysts' questions about this organization's subtree (also root fields
    # taking the organization's id; see schema/analytics.py).

    @strawberry.field(description="The cadre-pipeline funnel of this subtree (see Query.pipelineFunnel).")
    async def pipeline_funnel(
        self,
        info: Info,
        from_: Annotated[
            dt.date | None,
            strawberry.argument(
                name="from", description="The window's first day: count who reached a stage from it on."
            ),
        ] = None,
        to: Annotated[
            dt.date | None,
            strawberry.argument(description="The window's last day; default today."),
        ] = None,
        by: Annotated[
            FunnelBreakdownRef | None,
            strawberry.argument(description="CHILD: also the funnel of each child organization."),
        ] = None,
    ) -> PipelineFunnelRef:
        from schema.analytics import funnel_of
        from schema.pipeline import FunnelBreakdown

        return await funnel_of(info, self.record, from_, to, by or FunnelBreakdown.NONE)

    @strawberry.field(description="Candidates for the next pipeline stage (see Query.pipelineCandidates).")
    async def pipeline_candidates(
        self,
        info: Info,
        stage: Annotated[
            Stage, strawberry.argument(description="The stage they are at, e.g. PARTY_ACTIVIST 入党积极分子.")
        ],
        as_of: AsOf = None,
        first: First = None,
        after: After = None,
    ) -> Connection[CandidateRef]:
        from schema.analytics import candidates_of

        return await candidates_of(info, self.record, stage, as_of, first, after)

    @strawberry.field(description="Term statistics of a role in this subtree (see Query.termStatistics).")
    async def term_statistics(
        self,
        info: Info,
        role: Annotated[Role, strawberry.argument(description="The role counted, e.g. CHAIR 主席.")],
        as_of: AsOf = None,
        level: ByLevel = None,
        kind: ByKind = None,
    ) -> TermStatisticsRef:
        from schema.analytics import terms_of

        return await terms_of(info, self.record, role, as_of, level, kind)

    @strawberry.field(description="Dashboard figures of this subtree (see Query.organizationStats).")
    async def stats(self, info: Info, as_of: AsOf = None) -> OrganizationStatsRef:
        from schema.analytics import stats_of

        return await stats_of(info, self.record, as_of)


@strawberry.type(description="One term of a role held by a person in an organization (任职).")
class Position:
    id: strawberry.ID = strawberry.field(description="The term's global id (for `endPosition`).")
    role: Role = strawberry.field(description="The role held (职务), e.g. CHAIR 主席, EXECUTIVE 执委.")
    since: dt.date = strawberry.field(description="The first day of the term.")
    until: dt.date | None = strawberry.field(
        description="The day the term ended (exclusive); null while it runs."
    )
    record: strawberry.Private[model.Position]

    @classmethod
    def of(cls, r: model.Position) -> Self:
        return cls(
            id=strawberry.ID(to_global_id("Position", r.id)),
            role=r.role,
            since=r.since,
            until=r.until,
            record=r,
        )

    @strawberry.field(
        description="Whether the term runs on `on` (default today): it began on or before that day "
        "and had not ended by it."
    )
    def active(
        self,
        info: Info,
        on: AsOf = None,
    ) -> bool:
        return model.is_active(self.since, self.until, on or info.context.today)

    @strawberry.field(description="The person holding the term.")
    async def person(self, info: Info) -> PersonRef:
        from schema.person import Person

        found = await info.context.loaders.person_by_id.load(self.record.person_id)
        assert found is not None  # a HOLDS relationship always has its person
        return Person.of(found)

    @strawberry.field(description="The organization the term is held in.")
    async def organization(self, info: Info) -> Organization:
        found = await info.context.loaders.organization_by_id.load(self.record.organization_id)
        assert found is not None
        return Organization.of(found)
