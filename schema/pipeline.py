"""The cadre pipeline (后备干部) as analysts see it: the funnel of people reaching each
stage in a subtree and period, the candidates ready for the next stage, and a
person's mentoring lineage (传帮带) up and down. Answered in `schema.analytics`."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Self

import strawberry

from graph.analytics import lineage
from graph.analytics.funnel import Funnel
from schema.context import Info
from schema.enums import Stage
from schema.organization import Organization
from schema.person import Person


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
