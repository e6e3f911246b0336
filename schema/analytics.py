"""Analysts' questions as root fields: the cadre-pipeline funnel and candidates,
mentoring lineages, connections between people, term statistics and dashboard
figures. Each is answered by Cypher in `graph/analytics` and scoped by a
subtree (`under`) and a date.

Everything runs inside the caller's scope: an `under` (or `id`) outside it is
NOT_FOUND exactly like an id that names nothing, and only what lies in scope is
counted or returned. The aggregates (funnel, term statistics, dashboard figures)
are for ANALYST, EDITOR and ADMIN; a VIEWER is refused (FORBIDDEN) before the
organization is even looked up.

Their types live beside the domain they describe: `schema.pipeline` (funnel,
candidates, lineage), `schema.paths` (connections), `schema.figures` (term
statistics, dashboard figures)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from graph import model
from graph.analytics import candidates, lineage
from graph.analytics.funnel import Funnel
from graph.analytics.funnel import StageFlow as FlowRecord
from graph.analytics.paths import MAX_HOPS
from graph.errors import BadInput, NotFound
from schema.arguments import After, AsOf, ByKind, ByLevel, First, Under
from schema.context import Info
from schema.enums import RelationshipKind, Role, Stage
from schema.figures import OrganizationStats, TermFigures, TermStatistics
from schema.paths import Path
from schema.person import Person
from schema.pipeline import Candidate, FunnelBreakdown, LineageNode, MentorLineage, PipelineFunnel
from schema.relay import Connection, connection, expect_global_id, from_global_id


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
