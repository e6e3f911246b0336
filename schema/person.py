"""People: officers, village sisters, volunteers and residents."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Self

import strawberry

from graph import model
from graph.people import LinkKind
from loaders.keys import Dated, LinkFilter
from schema.arguments import ActiveOn, After, AsOf, First, History, LinksOn
from schema.context import Info
from schema.enums import Education, Gender, PoliticalStatus, Stage
from schema.relay import Connection, Node, by_id_or_code, connection, to_global_id

if TYPE_CHECKING:
    from schema.activity import Commitment, Visit
    from schema.organization import Position
    from schema.pipeline import MentorLineage
    from schema.place import Coverage, Household

PositionRef = Annotated["Position", strawberry.lazy("schema.organization")]
HouseholdRef = Annotated["Household", strawberry.lazy("schema.place")]
CoverageRef = Annotated["Coverage", strawberry.lazy("schema.place")]
MentorLineageRef = Annotated["MentorLineage", strawberry.lazy("schema.pipeline")]
VisitRef = Annotated["Visit", strawberry.lazy("schema.activity")]
CommitmentRef = Annotated["Commitment", strawberry.lazy("schema.activity")]


Year = Annotated[
    int | None, strawberry.argument(description="The commitments' year, e.g. 2025; default every year.")
]


@strawberry.type(description="A cadre-pipeline stage a person reached on a date.")
class Milestone:
    stage: Stage = strawberry.field(description="The stage reached, e.g. PARTY_ACTIVIST 入党积极分子.")
    on: dt.date = strawberry.field(description="The day it was reached.")


@strawberry.type(
    description="A guidance (联系指导) or mentoring (传帮带) relationship, seen from one end: "
    "the person at the other end and the dates."
)
class PersonLink:
    since: dt.date = strawberry.field(description="The first day of the guidance or mentorship.")
    until: dt.date | None = strawberry.field(description="The day it ended (exclusive); null while it runs.")
    other: strawberry.Private[model.Person]

    @strawberry.field(description="The person at the other end.")
    def person(self) -> Person:
        return Person.of(self.other)


@strawberry.federation.type(
    keys=["id", "code"], description="A person: an officer, village sister (村嫂), volunteer or resident."
)
class Person(Node):
    id: strawberry.ID = strawberry.field(description="The person's global id (Relay; opaque).")
    code: str = strawberry.field(description="The human-readable unique code, e.g. P0000067.")
    name: str = strawberry.field(description="Her full name (姓名).")
    gender: Gender | None = strawberry.field(description="Gender (性别); null when not recorded.")
    birth_date: dt.date | None = strawberry.field(
        description="Exact birth date; null for callers who see personal data masked (VIEWER, ANALYST)."
    )
    birth_year: int | None = strawberry.field(description="Year of birth, shown to every role.")
    education: Education | None = strawberry.field(
        description="Highest education completed (学历), e.g. JUNIOR_COLLEGE 大专; null when not recorded."
    )
    political_status: PoliticalStatus | None = strawberry.field(
        description="Political status (政治面貌), e.g. PARTY_MEMBER 中共党员; null when not recorded."
    )
    phone: str | None = strawberry.field(
        description="Mobile number; masked as 138****5678 for VIEWER and ANALYST."
    )
    record: strawberry.Private[model.Person]

    @classmethod
    def of(cls, r: model.Person) -> Self:
        return cls(
            id=strawberry.ID(to_global_id("Person", r.id)),
            code=r.code,
            name=r.name,
            gender=r.gender,
            birth_date=r.birth_date,
            birth_year=r.birth_year,
            education=r.education,
            political_status=r.political_status,
            phone=r.phone,
            record=r,
        )

    @classmethod
    def maybe(cls, r: model.Person | None) -> Self | None:
        return None if r is None else cls.of(r)

    @classmethod
    async def resolve_reference(
        cls, info: Info, id: strawberry.ID | None = None, code: str | None = None
    ) -> Self | None:
        """An entity another subgraph refers to (Apollo Federation @key)."""
        loaders = info.context.loaders
        return cls.maybe(
            await by_id_or_code("Person", id, code, loaders.person_by_id, loaders.person_by_code)
        )

    @strawberry.field(
        description="Age in whole years on `asOf` (default today); null when the birth date is masked."
    )
    def age(self, info: Info, as_of: AsOf = None) -> int | None:
        born = self.record.birth_date
        if born is None:
            return None
        on = as_of or info.context.today
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

    @strawberry.field(
        description="Terms this person holds on `activeOn` (default today), or all terms with "
        "`history: true`; the most recent first."
    )
    async def positions(
        self, info: Info, active_on: ActiveOn = None, history: History = False
    ) -> list[PositionRef]:
        from schema.organization import Position

        on = active_on or info.context.today
        found = await info.context.loaders.positions_by_person.load((self.record.id, Dated(on, history)))
        return [Position.of(p) for p in found]

    @strawberry.field(description="The household this person lives in.")
    async def household(self, info: Info) -> HouseholdRef | None:
        from schema.place import Household

        return Household.maybe(await info.context.loaders.household_by_person.load(self.record.id))

    @strawberry.field(
        description="Grids and households this person covers (联系户, 划片包干) on `asOf` (default "
        "today), or every coverage with `history: true`."
    )
    async def covers(self, info: Info, as_of: AsOf = None, history: History = False) -> list[CoverageRef]:
        from schema.place import Coverage

        on = as_of or info.context.today
        found = await info.context.loaders.coverage_by_person.load((self.record.id, Dated(on, history)))
        return [Coverage.of(c) for c in found]

    @strawberry.field(description="The executives this chair or vice chair guides (联系、指导).")
    async def guides(self, info: Info, as_of: LinksOn = None, history: History = False) -> list[PersonLink]:
        return await _links(info, self.record.id, LinkKind.GUIDES, as_of, history)

    @strawberry.field(description="The chairs or vice chairs guiding this executive.")
    async def guided_by(
        self, info: Info, as_of: LinksOn = None, history: History = False
    ) -> list[PersonLink]:
        return await _links(info, self.record.id, LinkKind.GUIDED_BY, as_of, history)

    @strawberry.field(description="The people mentoring this person (传帮带).")
    async def mentors(self, info: Info, as_of: LinksOn = None, history: History = False) -> list[PersonLink]:
        return await _links(info, self.record.id, LinkKind.MENTORS, as_of, history)

    @strawberry.field(description="The people this person mentors (传帮带).")
    async def mentees(self, info: Info, as_of: LinksOn = None, history: History = False) -> list[PersonLink]:
        return await _links(info, self.record.id, LinkKind.MENTEES, as_of, history)

    @strawberry.field(description="Cadre-pipeline stages reached, in date order.")
    async def milestones(self, info: Info) -> list[Milestone]:
        found = await info.context.loaders.milestones_by_person.load(self.record.id)
        return [Milestone(stage=m.stage, on=m.on) for m in found]

    @strawberry.field(description="Her mentoring lineage to `depth` generations (see Query.mentorLineage).")
    async def lineage(
        self,
        info: Info,
        depth: Annotated[
            int, strawberry.argument(description="How many generations up and down (1-10).")
        ] = 3,
    ) -> MentorLineageRef | None:
        from schema.analytics import lineage_of

        return await lineage_of(info, self.record.id, depth)

    @strawberry.field(
        description="The stage reached most recently (the later pipeline stage on a tie); null if none."
    )
    async def current_stage(self, info: Info) -> Stage | None:
        found = await info.context.loaders.milestones_by_person.load(self.record.id)
        if not found:
            return None
        return max(found, key=lambda m: (m.on, model.STAGE_ORDER[m.stage])).stage

    @strawberry.field(description="Households this person visited (四必访, 访三情), newest first.")
    async def visits(self, info: Info, first: First = None, after: After = None) -> Connection[VisitRef]:
        from schema.activity import Visit

        page_args = info.context.page(info, first, after)
        page = await info.context.loaders.visits_by_person.load((self.record.id, page_args))
        return connection(page, Visit.of, after)

    @strawberry.field(
        description="Her public one-sentence commitments (一句话承诺) of `year`, or of every year; "
        "the latest year first."
    )
    async def commitments(self, info: Info, year: Year = None) -> list[CommitmentRef]:
        from schema.activity import Commitment

        found = await info.context.loaders.commitments_by_person.load((self.record.id, year))
        return [Commitment.of(c) for c in found]

    @strawberry.field(
        description="The share of her commitments of `year` (or of every year) that were kept, "
        "0 to 1; null when she made none."
    )
    async def commitment_completion_rate(self, info: Info, year: Year = None) -> float | None:
        found = await info.context.loaders.commitments_by_person.load((self.record.id, year))
        if not found:
            return None
        return sum(c.status is model.CommitmentStatus.DONE for c in found) / len(found)


async def _links(
    info: Info, person_id: str, kind: LinkKind, as_of: dt.date | None, history: bool
) -> list[PersonLink]:
    on = as_of or info.context.today
    found = await info.context.loaders.links_by_person.load((person_id, LinkFilter(kind, on, history)))
    return [PersonLink(since=link.since, until=link.until, other=link.other) for link in found]
