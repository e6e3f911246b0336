"""The coverage report: which members cover which grid households in a subtree,
and which households nobody covers (联系户, 划片包干)."""

from __future__ import annotations

import datetime as dt
from typing import Self

import strawberry

from graph import coverage, model
from loaders.coverage_reports import ReportPart
from schema.arguments import After, First
from schema.context import Info
from schema.organization import Organization
from schema.person import Person
from schema.place import Grid, Household
from schema.relay import Connection, connection

MANY = 1_000_000


@strawberry.type(description="A person who covers grids or households in the report's subtree.")
class CoverageMember:
    person: Person = strawberry.field(description="The person covering (村嫂, 执委 ...).")
    grids: list[Grid] = strawberry.field(description="Whole grids she covers there.")
    households: list[Household] = strawberry.field(description="Single households she covers there.")
    households_reached: int = strawberry.field(
        description="Households reached either way (directly or through a covered grid)."
    )

    @classmethod
    def of(cls, m: coverage.CoverageMember) -> Self:
        return cls(
            person=Person.of(m.person),
            grids=[Grid.of(g) for g in m.grids],
            households=[Household.of(h) for h in m.households],
            households_reached=m.reached,
        )


@strawberry.type(
    description="Coverage of an organization's whole subtree on a date. A household is covered "
    "by everyone with an active COVERS to it or to its grid."
)
class CoverageReport:
    organization: Organization = strawberry.field(description="The organization whose subtree is reported.")
    as_of: dt.date = strawberry.field(description="The day reported on.")
    organization_id: strawberry.Private[str]

    async def _summary(self, info: Info) -> coverage.CoverageSummary:
        found = await info.context.loaders.coverage_report.load(
            (self.organization_id, ReportPart(self.as_of))
        )
        return found.summary

    @strawberry.field(description="Households in the subtree.")
    async def household_count(self, info: Info) -> int:
        return (await self._summary(info)).households

    @strawberry.field(description="Households covered by at least one person.")
    async def covered_count(self, info: Info) -> int:
        return (await self._summary(info)).covered

    @strawberry.field(description="Households nobody covers.")
    async def uncovered_count(self, info: Info) -> int:
        s = await self._summary(info)
        return s.households - s.covered

    @strawberry.field(description="Covered households / all households (0 when there are none).")
    async def coverage_ratio(self, info: Info) -> float:
        s = await self._summary(info)
        return s.covered / s.households if s.households else 0.0

    @strawberry.field(description="Everyone covering something in the subtree, by person code.")
    async def members(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[CoverageMember]:
        page_args = info.context.page(info, first, after)
        part = ReportPart(self.as_of, members=page_args)
        found = await info.context.loaders.coverage_report.load((self.organization_id, part))
        page = found.members
        assert page is not None
        if page_args.total:
            page = model.Page(page.items, page.has_next, found.summary.members)
        return connection(page, CoverageMember.of, after)

    @strawberry.field(description="Households nobody covers, by code; their tags show care cases.")
    async def uncovered(self, info: Info, first: First = None, after: After = None) -> Connection[Household]:
        return await self._households(info, 0, 0, first, after)

    @strawberry.field(description="Households covered by two or more people, by code.")
    async def multiply_covered(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[Household]:
        return await self._households(info, 2, MANY, first, after)

    async def _households(
        self, info: Info, at_least: int, at_most: int, first: int | None, after: str | None
    ) -> Connection[Household]:
        page_args = info.context.page(info, first, after)
        part = ReportPart(self.as_of, coverage.HouseholdsAsked(at_least, at_most, page_args))
        found = await info.context.loaders.coverage_report.load((self.organization_id, part))
        page, s = found.households, found.summary
        assert page is not None
        if page_args.total:
            total = s.households - s.covered if at_most == 0 else s.multiply_covered
            page = model.Page(page.items, page.has_next, total)
        return connection(page, Household.of, after)
