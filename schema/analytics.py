"""Analysts' questions as root fields: the cadre-pipeline funnel and candidates,
mentoring lineages, connections between people, term statistics and dashboard
figures. Each is answered by Cypher in `graph/analytics` and scoped by a
subtree (`under`) and a date.

Everything runs inside the caller's scope: an `under` (or `id`) outside it is
NOT_FOUND exactly like an id that names nothing, and only what lies in scope is
counted or returned. The aggregates (funnel, term statistics, dashboard figures)
are for ANALYST, EDITOR and ADMIN; a VIEWER is refused (FORBIDDEN) before the
organization is even looked up."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated, Self

import strawberry

from graph import model
from graph.analytics import candidates, lineage, paths, stats, terms
from graph.analytics.funnel import Funnel
from graph.analytics.funnel import StageFlow as FlowRecord
from graph.analytics.paths import MAX_HOPS
from graph.errors import BadInput, NotFound
from schema.arguments import After, AsOf, ByKind, ByLevel, First, Under
from schema.context import Info
from schema.enums import HouseholdTag, RelationshipKind, Role, Stage
from schema.organization import Organization
from schema.person import Person
from schema.place import Grid, Household
from schema.relay import Connection, Node, connection, expect_global_id, from_global_id


@strawberry.enum(description="How to break a funnel down.")
class FunnelBreakdown(Enum):
    NONE = strawberry.enum_value("NONE", description="The whole subtree only (不分组).")
    CHILD = strawberry.enum_value(
        "CHILD", description="Also per child organization, e.g. per township (按下级)."
    )


@strawberry.type(description="One stage of the pipeline funnel.")
class StageFlow:
    stage: Stage = strawberry.field(description="The stage, e.g. PARTY_ACTIVIST 入党积极分子.")
    next_stage: Stage | None = strawberry.field(description="The next stage on the Party path, if any.")
    reached: int = strawberry.field(description="People who reached this stage in the window.")
    advanced: int = strawberry.field(
        description="Of those, people who reached the next stage by the window's end."
    )
    conversion: float | None = strawberry.field(description="advanced / reached; null without a next stage.")
    median_days: int | None = strawberry.field(description="Median days from this stage to the next.")
    p90_days: int | None = strawberry.field(description="90th percentile of those days.")


@strawberry.type(description="The cadre-pipeline funnel (后备干部培养) of a subtree.")
class PipelineFunnel:
    organization: Organization = strawberry.field(description="The organization whose subtree is counted.")
    stages: list[StageFlow] = strawberry.field(description="Every stage, in pipeline order.")
    children: list[PipelineFunnel] = strawberry.field(
        description="The same per child organization (with by: CHILD); children with nobody in the "
        "pipeline are left out."
    )

    @classmethod
    def of(cls, f: Funnel, children: list[PipelineFunnel]) -> Self:
        flows = [
            StageFlow(
                stage=s.stage,
                next_stage=s.next,
                reached=s.reached,
                advanced=s.advanced,
                conversion=(s.advanced / s.reached if s.reached else 0.0) if s.next else None,
                median_days=s.median_days,
                p90_days=s.p90_days,
            )
            for s in f.stages
        ]
        return cls(organization=Organization.of(f.organization), stages=flows, children=children)


@strawberry.type(description="Someone eligible for the next pipeline stage, and how long she has waited.")
class Candidate:
    person: Person = strawberry.field(description="The candidate.")
    stage: Stage = strawberry.field(description="The stage she is at.")
    next_stage: Stage = strawberry.field(description="The stage she is ready for.")
    reached_on: dt.date = strawberry.field(description="The day she reached her current stage.")
    waited_days: int = strawberry.field(description="Days since then, up to the day asked about.")
    mentor_ids: strawberry.Private[tuple[str, ...]]

    @strawberry.field(description="Her mentors on the day asked about (传帮带).")
    async def mentors(self, info: Info) -> list[Person]:
        found = await info.context.loaders.person_by_id.load_many(list(self.mentor_ids))
        return [Person.of(p) for p in found if p is not None]


@strawberry.type(
    description="A person in a mentoring lineage with the dates of the mentorship that links her to her "
    "parent in the tree; `branches` are her mentors (upward tree) or her mentees (downward tree)."
)
class LineageNode:
    person: Person = strawberry.field(description="The mentor or mentee.")
    since: dt.date | None = strawberry.field(description="The first day of the mentorship linking her.")
    until: dt.date | None = strawberry.field(
        description="The day that mentorship ended (exclusive); null while it runs."
    )
    depth: int = strawberry.field(description="Generations from the person asked about (1: direct).")
    branches: list[LineageNode] = strawberry.field(
        description="Her own mentors (upward) or mentees (downward), one generation further."
    )

    @classmethod
    def of(cls, n: lineage.LineageNode) -> Self:
        return cls(
            person=Person.of(n.person),
            since=n.since,
            until=n.until,
            depth=n.depth,
            branches=[LineageNode.of(b) for b in n.branches],
        )


@strawberry.type(description="A person's mentoring lineage (传帮带): mentors upward, mentees downward.")
class MentorLineage:
    person: Person = strawberry.field(description="The person asked about.")
    mentors: list[LineageNode] = strawberry.field(description="Her mentors, theirs, and so on upward.")
    mentees: list[LineageNode] = strawberry.field(description="Her mentees, theirs, and so on downward.")


@strawberry.type(description="One hop of a path: the relationship's type, direction and dates.")
class PathRelationship:
    type: RelationshipKind = strawberry.field(description="The kind of relationship, e.g. MENTORS 传帮带.")
    from_id: strawberry.ID = strawberry.field(description="The global id of the node it starts from.")
    to_id: strawberry.ID = strawberry.field(description="The global id of the node it points to.")
    role: str | None = strawberry.field(description="The role of a HOLDS (职务) or COVERS hop; else null.")
    since: dt.date | None = strawberry.field(description="The first day of a dated relationship; else null.")
    until: dt.date | None = strawberry.field(
        description="The day a dated relationship ended (exclusive); null while it runs or when undated."
    )
    on: dt.date | None = strawberry.field(description="The day of a one-day relationship; else null.")


@strawberry.type(description="A shortest path: relationships[i] joins nodes[i] and nodes[i + 1].")
class Path:
    length: int = strawberry.field(description="How many hops (relationships) the path has.")
    nodes: list[Node] = strawberry.field(description="The people, organizations, grids and households on it.")
    relationships: list[PathRelationship] = strawberry.field(description="The hops, in order.")

    @classmethod
    def of(cls, p: paths.Path) -> Self:
        nodes: list[Node] = [_node(n) for n in p.nodes]
        global_ids = {raw.id: node.id for raw, node in zip(p.nodes, nodes, strict=True)}
        rels = [
            PathRelationship(
                type=r.type,
                from_id=global_ids[r.from_id],
                to_id=global_ids[r.to_id],
                role=r.role,
                since=r.since,
                until=r.until,
                on=r.on,
            )
            for r in p.relationships
        ]
        return cls(length=len(rels), nodes=nodes, relationships=rels)


def _node(n: paths.PathNode) -> Node:
    if isinstance(n, model.Organization):
        return Organization.of(n)
    if isinstance(n, model.Person):
        return Person.of(n)
    if isinstance(n, model.Grid):
        return Grid.of(n)
    return Household.of(n)


@strawberry.type(
    description="Officers holding a role: counts and shares (换届 statistics). For a caller who may not "
    "see birth dates (VIEWER, ANALYST) ages count from the birth year (age = the year of `asOf` minus the "
    "birth year), and a group of fewer people than the service's minimum group size "
    "(ORGGRAPH_MIN_GROUP_SIZE, default 5) is `suppressed`: only `count` is given, every other figure null."
)
class TermFigures:
    organization: Organization | None = strawberry.field(description="Null on the total.")
    count: int = strawberry.field(description="Officers holding the role.")
    suppressed: bool = strawberry.field(
        description="True when the group is too small to hide one person: every figure but `count` is null."
    )
    aged_45_or_under: int | None = strawberry.field(
        description="Of those, aged 45 or under on the day asked about."
    )
    college_or_above: int | None = strawberry.field(description="Junior college (大专) or above.")
    party_members: int | None = strawberry.field(description="Of those, Party members (中共党员).")
    on_village_committee: int | None = strawberry.field(
        description="Also holding a seat on a village committee (村两委)."
    )
    youngest: Person | None = strawberry.field(description="The youngest of them; null when none.")
    youngest_age: int | None = strawberry.field(description="Her age on the day asked about.")

    @strawberry.field(description="aged45OrUnder / count, 0 to 1 (0 when count is 0); null when suppressed.")
    def share_aged_45_or_under(self) -> float | None:
        return _share_of(self.aged_45_or_under, self.count)

    @strawberry.field(description="collegeOrAbove / count, 0 to 1; null when suppressed.")
    def share_college_or_above(self) -> float | None:
        return _share_of(self.college_or_above, self.count)

    @strawberry.field(description="partyMembers / count, 0 to 1; null when suppressed.")
    def share_party_members(self) -> float | None:
        return _share_of(self.party_members, self.count)

    @strawberry.field(
        description="onVillageCommittee / count, 0 to 1 (the 进村两委 share); null when suppressed."
    )
    def share_on_village_committee(self) -> float | None:
        return _share_of(self.on_village_committee, self.count)

    @classmethod
    def of(cls, f: terms.TermFigures) -> Self:
        return cls(
            organization=Organization.maybe(f.organization),
            count=f.count,
            suppressed=f.suppressed,
            aged_45_or_under=f.aged_45_or_under,
            college_or_above=f.college_or_above,
            party_members=f.party_members,
            on_village_committee=f.on_village_committee,
            youngest=Person.maybe(f.youngest),
            youngest_age=f.youngest_age,
        )


@strawberry.type(description="Term statistics of a role in a subtree on a date.")
class TermStatistics:
    role: Role = strawberry.field(description="The role counted.")
    as_of: dt.date = strawberry.field(description="The day counted.")
    total: TermFigures = strawberry.field(description="Everyone holding the role (a person counted once).")
    organizations: list[TermFigures] = strawberry.field(
        description="Per organization where the role is held."
    )


@strawberry.type(description="How many people hold a role on the day.")
class RoleCount:
    role: Role = strawberry.field(description="The role, e.g. VILLAGE_SISTER 村嫂.")
    people: int = strawberry.field(description="People holding it (each counted once).")


@strawberry.type(
    description="Households with a tag. A care tag's count over fewer households than the minimum group "
    "size is withheld (null, `suppressed`) from callers who may not see care tags (VIEWER, ANALYST)."
)
class TagCount:
    tag: HouseholdTag = strawberry.field(description="The tag, e.g. LEFT_BEHIND_ELDERLY 留守老人.")
    households: int | None = strawberry.field(description="Households carrying it; null when suppressed.")
    suppressed: bool = strawberry.field(description="True when the count is withheld (a group too small).")


@strawberry.type(description="Dashboard figures of an organization's subtree on a date.")
class OrganizationStats:
    organization: Organization = strawberry.field(description="The organization whose subtree is counted.")
    as_of: dt.date = strawberry.field(description="The day counted.")
    households: int = strawberry.field(description="Households in the subtree.")
    covered_households: int = strawberry.field(
        description="Households someone covers on the day (联系户, directly or through the grid)."
    )
    coverage_ratio: float = strawberry.field(description="coveredHouseholds / households, 0 to 1.")
    people_by_role: list[RoleCount] = strawberry.field(description="People holding each role on the date.")
    households_by_tag: list[TagCount] = strawberry.field(description="Households per tag, every tag listed.")
    children: list[OrganizationStats] = strawberry.field(description="The same for each child organization.")

    @classmethod
    def of(
        cls, org: model.Organization, on: dt.date, f: stats.Figures, children: list[OrganizationStats]
    ) -> Self:
        return cls(
            organization=Organization.of(org),
            as_of=on,
            households=f.households,
            covered_households=f.covered,
            coverage_ratio=_share(f.covered, f.households),
            people_by_role=[RoleCount(role=r, people=f.by_role[r]) for r in model.Role if r in f.by_role],
            households_by_tag=[_tag_count(t, f.by_tag.get(t, 0)) for t in model.HouseholdTag],
            children=children,
        )


def _tag_count(tag: model.HouseholdTag, households: int | None) -> TagCount:
    return TagCount(tag=tag, households=households, suppressed=households is None)


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _share_of(part: int | None, whole: int) -> float | None:
    """A share of a figure that may be withheld (None)."""
    return None if part is None else _share(part, whole)


async def _organization(info: Info, global_id: strawberry.ID, argument: str) -> model.Organization:
    """The subtree an analysis is asked about; NOT_FOUND when it does not exist
    or lies outside the caller's scope (the same answer for both: the lookup
    is scoped, and each analysis's Cypher tests its root again)."""
    found = await info.context.loaders.organization_by_id.load(
        expect_global_id(global_id, "Organization", argument=argument)
    )
    if found is None:
        raise NotFound(f"no organization with id {global_id}")
    return found


# The answers, shared by the root fields below and the fields of the same names
# on Organization and Person.


async def funnel_of(
    info: Info, org: model.Organization, start: dt.date | None, end: dt.date | None, by: FunnelBreakdown
) -> PipelineFunnel:
    info.context.require_analyst()
    loaders = info.context.loaders
    end = end or info.context.today
    [whole] = await loaders.pipeline_funnel(org.id, start=start, end=end, by_child=False) or [
        Funnel(org, tuple(FlowRecord(s, 0, 0, None, None) for s in model.Stage))
    ]
    children = []
    if by is FunnelBreakdown.CHILD:
        found = await loaders.pipeline_funnel(org.id, start=start, end=end, by_child=True)
        children = [PipelineFunnel.of(f, []) for f in found]
    return PipelineFunnel.of(whole, children)


async def candidates_of(
    info: Info,
    org: model.Organization,
    stage: model.Stage,
    as_of: dt.date | None,
    first: int | None,
    after: str | None,
) -> Connection[Candidate]:
    on = as_of or info.context.today
    page = await info.context.loaders.pipeline_candidates(
        org.id, stage, on, page=info.context.page(info, first, after)
    )
    following = model.NEXT_STAGE[stage]

    def wrap(c: candidates.Candidate) -> Candidate:
        return Candidate(
            person=Person.of(c.person),
            stage=stage,
            next_stage=following,
            reached_on=c.reached_on,
            waited_days=c.waited_days,
            mentor_ids=c.mentor_ids,
        )

    return connection(page, wrap, after)


async def lineage_of(info: Info, person_id: str, depth: int) -> MentorLineage | None:
    if not 1 <= depth <= lineage.MAX_DEPTH:
        raise BadInput(f"depth must be between 1 and {lineage.MAX_DEPTH}", argument="depth")
    found = await info.context.loaders.mentor_lineage(person_id, depth)
    if found is None:
        return None
    return MentorLineage(
        person=Person.of(found.person),
        mentors=[LineageNode.of(n) for n in found.mentors],
        mentees=[LineageNode.of(n) for n in found.mentees],
    )


async def terms_of(
    info: Info,
    org: model.Organization,
    role: model.Role,
    as_of: dt.date | None,
    level: model.Level | None,
    kind: model.OrgKind | None,
) -> TermStatistics:
    info.context.require_analyst()
    on = as_of or info.context.today
    total, per_org = await info.context.loaders.term_statistics(
        org.id, role, on, level=level, kind=kind, min_group_size=info.context.min_group_size
    )
    return TermStatistics(
        role=role, as_of=on, total=TermFigures.of(total), organizations=[TermFigures.of(f) for f in per_org]
    )


async def stats_of(info: Info, org: model.Organization, as_of: dt.date | None) -> OrganizationStats:
    info.context.require_analyst()
    on = as_of or info.context.today
    whole, children = await info.context.loaders.organization_figures(
        org.id, on, min_group_size=info.context.min_group_size
    )
    return OrganizationStats.of(
        org, on, whole, [OrganizationStats.of(child, on, figures, []) for child, figures in children]
    )


@strawberry.type(description="The analysts' questions (part of Query).")
class AnalyticsQuery:
    @strawberry.field(
        description="For each pipeline stage: how many people of the subtree reached it between `from` "
        "and `to` (default: ever, until today), how many of those reached the next stage by `to`, and "
        "how long it took. For ANALYST, EDITOR and ADMIN."
    )
    async def pipeline_funnel(
        self,
        info: Info,
        under: Under,
        from_: Annotated[
            dt.date | None,
            strawberry.argument(
                name="from", description="The window's first day: count who reached a stage from it on."
            ),
        ] = None,
        to: Annotated[
            dt.date | None, strawberry.argument(description="The window's last day; default today.")
        ] = None,
        by: Annotated[
            FunnelBreakdown,
            strawberry.argument(description="CHILD: also the funnel of each child organization."),
        ] = FunnelBreakdown.NONE,
    ) -> PipelineFunnel:
        info.context.require_analyst()
        return await funnel_of(info, await _organization(info, under, "under"), from_, to, by)

    @strawberry.field(
        description="People of the subtree at `stage` on `asOf` (default today) who meet the rules for "
        "the next stage (a year as activist with a mentor before development target; a year "
        "probationary before full member), longest-waiting first. A mentor outside the caller's scope "
        "still counts for the rule but is not listed."
    )
    async def pipeline_candidates(
        self,
        info: Info,
        under: Under,
        stage: Annotated[
            Stage, strawberry.argument(description="The stage they are at, e.g. PARTY_ACTIVIST 入党积极分子.")
        ],
        as_of: AsOf = None,
        first: First = None,
        after: After = None,
    ) -> Connection[Candidate]:
        org = await _organization(info, under, "under")
        return await candidates_of(info, org, stage, as_of, first, after)

    @strawberry.field(
        description="Mentors upward and mentees downward (传帮带) to `depth` generations (1-10), stopping "
        "at the edge of the caller's scope. Each person appears once, at her nearest generation, under "
        "her mentor (or mentee) of the lowest code."
    )
    async def mentor_lineage(
        self,
        info: Info,
        person_id: Annotated[
            strawberry.ID, strawberry.argument(description="The global id of the person asked about.")
        ],
        depth: Annotated[
            int, strawberry.argument(description="How many generations up and down (1-10).")
        ] = 3,
    ) -> MentorLineage | None:
        return await lineage_of(info, expect_global_id(person_id, "Person", argument="personId"), depth)

    @strawberry.field(
        description="The shortest path between two people, organizations, grids or households through the "
        "relationship kinds in `via` (default all), of at most `maxHops` hops, every node of it in the "
        "caller's scope; null if there is none."
    )
    async def connection(
        self,
        info: Info,
        from_id: Annotated[
            strawberry.ID,
            strawberry.argument(
                description="Where the path starts: a person's, organization's, grid's or household's "
                "global id."
            ),
        ],
        to_id: Annotated[
            strawberry.ID, strawberry.argument(description="Where the path ends: a global id, as `fromId`.")
        ],
        via: Annotated[
            list[RelationshipKind] | None,
            strawberry.argument(description="The relationship kinds it may go through; default all."),
        ] = None,
        max_hops: Annotated[
            int, strawberry.argument(description="The longest path looked for, in hops (1-15).")
        ] = 6,
    ) -> Path | None:
        if not 1 <= max_hops <= MAX_HOPS:
            raise BadInput(f"maxHops must be between 1 and {MAX_HOPS}", argument="maxHops")
        ends = [from_global_id(from_id, argument="fromId")[1], from_global_id(to_id, argument="toId")[1]]
        kinds = via or list(RelationshipKind)
        found = await info.context.loaders.shortest_path(ends[0], ends[1], kinds=kinds, max_hops=max_hops)
        return Path.of(found) if found else None

    @strawberry.field(
        description="Officers of the subtree holding `role` on `asOf` (default today): count, share aged 45 "
        "or under, with junior college or above, Party members, also on the village committee, the youngest; "
        "in total and per organization. `level` and `kind` narrow the organizations (e.g. VILLAGE "
        "FEDERATION for the village chairs of a 换届 report). For ANALYST, EDITOR and ADMIN."
    )
    async def term_statistics(
        self,
        info: Info,
        under: Under,
        role: Annotated[Role, strawberry.argument(description="The role counted, e.g. CHAIR 主席.")],
        as_of: AsOf = None,
        level: ByLevel = None,
        kind: ByKind = None,
    ) -> TermStatistics:
        info.context.require_analyst()
        org = await _organization(info, under, "under")
        return await terms_of(info, org, role, as_of, level, kind)

    @strawberry.field(
        description="What a dashboard needs in one request: people per role, households per tag and coverage "
        "of an organization's subtree on `asOf` (default today), and the same for each child organization. "
        "For ANALYST, EDITOR and ADMIN."
    )
    async def organization_stats(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The global id of the organization whose subtree is counted."),
        ],
        as_of: AsOf = None,
    ) -> OrganizationStats:
        info.context.require_analyst()
        return await stats_of(info, await _organization(info, id, "id"), as_of)
