"""The typed set of loaders a request carries (`info.context.loaders`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from strawberry.dataloader import DataLoader

from graph import activities, audit, coverage, organizations, people, places
from graph.analytics import candidates, funnel, lineage, paths, stats, terms
from graph.coverage import CoverageMember, CoverageSummary
from graph.driver import Database
from graph.model import (
    AuditEvent,
    Commitment,
    Coverage,
    Grid,
    Household,
    HouseholdTag,
    Level,
    Link,
    Meeting,
    Milestone,
    Organization,
    OrgKind,
    Page,
    PageArgs,
    Person,
    Position,
    RelationshipKind,
    Role,
    Stage,
    Visit,
)
from graph.people import LinkKind
from loaders.grouping import grouped_loader
from loaders.shielded import ShieldedLoader

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class OrgFilter:
    kind: OrgKind | None
    level: Level | None
    page: PageArgs


@dataclass(frozen=True, slots=True)
class TagFilter:
    tag: HouseholdTag | None
    page: PageArgs


@dataclass(frozen=True, slots=True)
class PositionFilter:
    role: Role | None
    on: dt.date
    history: bool
    page: PageArgs


@dataclass(frozen=True, slots=True)
class Dated:
    """`on`: the day terms must be active on; `history`: ignore the day, return all."""

    on: dt.date
    history: bool = False


@dataclass(frozen=True, slots=True)
class LinkFilter:
    kind: LinkKind
    on: dt.date
    history: bool


@dataclass(frozen=True, slots=True)
class ReportPart:
    """What a field of a coverage report on `on` needs: the counts, and with
    `households` a page of households by their number of coverers."""

    on: dt.date
    households: coverage.HouseholdsAsked | None = None


@dataclass(frozen=True, slots=True)
class MembersFilter:
    on: dt.date
    page: PageArgs


def _simple(
    db: Database, batch: Callable[[Database, Sequence[str]], Awaitable[list[R]]]
) -> DataLoader[str, R]:
    async def load(keys: list[str]) -> list[R]:
        return await batch(db, keys)

    return ShieldedLoader(load_fn=load)


@dataclass
class Loaders:
    """One request's loaders. Built fresh per request: their caches must not
    outlive it."""

    db: Database
    organization_by_id: DataLoader[str, Organization | None] = field(init=False)
    organization_by_code: DataLoader[str, Organization | None] = field(init=False)
    parent_by_organization: DataLoader[str, Organization | None] = field(init=False)
    ancestors_by_organization: DataLoader[str, list[Organization]] = field(init=False)
    children_by_organization: DataLoader[tuple[str, OrgFilter], Page[Organization]] = field(init=False)
    descendants_by_organization: DataLoader[tuple[str, OrgFilter], Page[Organization]] = field(init=False)
    grids_by_organization: DataLoader[tuple[str, PageArgs], Page[Grid]] = field(init=False)
    households_by_organization: DataLoader[tuple[str, TagFilter], Page[Household]] = field(init=False)
    positions_by_organization: DataLoader[tuple[str, PositionFilter], Page[Position]] = field(init=False)
    person_by_id: DataLoader[str, Person | None] = field(init=False)
    person_by_code: DataLoader[str, Person | None] = field(init=False)
    positions_by_person: DataLoader[tuple[str, Dated], list[Position]] = field(init=False)
    household_by_person: DataLoader[str, Household | None] = field(init=False)
    milestones_by_person: DataLoader[str, list[Milestone]] = field(init=False)
    links_by_person: DataLoader[tuple[str, LinkFilter], list[Link]] = field(init=False)
    coverage_by_person: DataLoader[tuple[str, Dated], list[Coverage]] = field(init=False)
    grid_by_id: DataLoader[str, Grid | None] = field(init=False)
    grid_by_code: DataLoader[str, Grid | None] = field(init=False)
    household_by_id: DataLoader[str, Household | None] = field(init=False)
    household_by_code: DataLoader[str, Household | None] = field(init=False)
    organization_by_grid: DataLoader[str, Organization | None] = field(init=False)
    households_by_grid: DataLoader[tuple[str, TagFilter], Page[Household]] = field(init=False)
    covered_by_grid: DataLoader[tuple[str, dt.date], list[Coverage]] = field(init=False)
    grid_by_household: DataLoader[str, Grid | None] = field(init=False)
    members_by_household: DataLoader[str, list[Person]] = field(init=False)
    covered_by_household: DataLoader[tuple[str, dt.date], list[Coverage]] = field(init=False)
    coverage_report: DataLoader[tuple[str, ReportPart], tuple[CoverageSummary, Page[Household] | None]] = (
        field(init=False)
    )
    coverage_members: DataLoader[tuple[str, MembersFilter], Page[CoverageMember]] = field(init=False)
    visits_by_person: DataLoader[tuple[str, PageArgs], Page[Visit]] = field(init=False)
    commitments_by_person: DataLoader[tuple[str, int | None], list[Commitment]] = field(init=False)
    meetings_by_organization: DataLoader[tuple[str, PageArgs], Page[Meeting]] = field(init=False)
    attendees_by_meeting: DataLoader[str, list[Person]] = field(init=False)

    def __post_init__(self) -> None:
        db = self.db
        self.organization_by_id = _simple(db, organizations.load_organizations_by_id)
        self.organization_by_code = _simple(db, organizations.load_organizations_by_code)
        self.parent_by_organization = _simple(db, organizations.load_parent_by_organization)
        self.ancestors_by_organization = _simple(db, organizations.load_ancestors_by_organization)
        self.children_by_organization = grouped_loader(
            lambda ids, a: organizations.load_children_by_organization(
                db, ids, kind=a.kind, level=a.level, page=a.page
            )
        )
        self.descendants_by_organization = grouped_loader(
            lambda ids, a: organizations.load_descendants_by_organization(
                db, ids, kind=a.kind, level=a.level, page=a.page
            )
        )
        self.grids_by_organization = grouped_loader(
            lambda ids, page: organizations.load_grids_by_organization(db, ids, page=page)
        )
        self.households_by_organization = grouped_loader(
            lambda ids, a: organizations.load_households_by_organization(db, ids, tag=a.tag, page=a.page)
        )
        self.positions_by_organization = grouped_loader(
            lambda ids, a: people.load_positions_by_organization(
                db, ids, role=a.role, on=a.on, history=a.history, page=a.page
            )
        )
        self.person_by_id = _simple(db, people.load_people_by_id)
        self.person_by_code = _simple(db, people.load_people_by_code)
        self.positions_by_person = grouped_loader(
            lambda ids, a: people.load_positions_by_person(db, ids, on=a.on, history=a.history)
        )
        self.household_by_person = _simple(db, people.load_household_by_person)
        self.milestones_by_person = _simple(db, people.load_milestones_by_person)
        self.links_by_person = grouped_loader(
            lambda ids, a: people.load_links_by_person(db, ids, kind=a.kind, on=a.on, history=a.history)
        )
        self.coverage_by_person = grouped_loader(
            lambda ids, a: coverage.load_coverage_by_person(db, ids, on=a.on, history=a.history)
        )
        self.grid_by_id = _simple(db, places.load_grids_by_id)
        self.grid_by_code = _simple(db, places.load_grids_by_code)
        self.household_by_id = _simple(db, places.load_households_by_id)
        self.household_by_code = _simple(db, places.load_households_by_code)
        self.organization_by_grid = _simple(db, places.load_organization_by_grid)
        self.households_by_grid = grouped_loader(
            lambda ids, a: places.load_households_by_grid(db, ids, tag=a.tag, page=a.page)
        )
        self.covered_by_grid = grouped_loader(lambda ids, on: coverage.load_covered_by_grid(db, ids, on=on))
        self.grid_by_household = _simple(db, places.load_grid_by_household)
        self.members_by_household = _simple(db, places.load_members_by_household)
        self.covered_by_household = grouped_loader(
            lambda ids, on: coverage.load_covered_by_household(db, ids, on=on)
        )
        # A report is asked for one organization at a time; these loaders still
        # deduplicate repeated fields of one request.
        self.coverage_report = ShieldedLoader(load_fn=lambda keys: _coverage_reports(db, keys))
        self.coverage_members = grouped_loader(
            lambda ids, a: _each(ids, lambda i: coverage.coverage_members(db, i, a.on, page=a.page))
        )
        self.visits_by_person = grouped_loader(
            lambda ids, page: activities.load_visits_by_person(db, ids, page=page)
        )
        self.commitments_by_person = grouped_loader(
            lambda ids, year: activities.load_commitments_by_person(db, ids, year=year)
        )
        self.meetings_by_organization = grouped_loader(
            lambda ids, page: activities.load_meetings_by_organization(db, ids, page=page)
        )
        self.attendees_by_meeting = _simple(db, activities.load_attendees_by_meeting)

    async def search_organizations(
        self,
        *,
        kind: OrgKind | None,
        level: Level | None,
        name_contains: str | None,
        under: str | None,
        page: PageArgs,
    ) -> Page[Organization]:
        return await organizations.search_organizations(
            self.db, kind=kind, level=level, name_contains=name_contains, under=under, page=page
        )

    async def search_people(
        self, *, name_contains: str | None, under: str | None, role: Role | None, on: dt.date, page: PageArgs
    ) -> Page[Person]:
        return await people.search_people(
            self.db, name_contains=name_contains, under=under, role=role, on=on, page=page
        )

    # Analysts' questions: one per request, each a single graph/analytics call.

    async def pipeline_funnel(
        self, under: str, *, start: dt.date | None, end: dt.date, by_child: bool
    ) -> list[funnel.Funnel]:
        return await funnel.pipeline_funnel(self.db, under, start=start, end=end, by_child=by_child)

    async def pipeline_candidates(
        self, under: str, stage: Stage, as_of: dt.date, *, page: PageArgs
    ) -> Page[candidates.Candidate]:
        return await candidates.pipeline_candidates(self.db, under, stage, as_of, page=page)

    async def mentor_lineage(self, person_id: str, depth: int) -> lineage.Lineage | None:
        return await lineage.mentor_lineage(self.db, person_id, depth)

    async def shortest_path(
        self, from_id: str, to_id: str, *, kinds: Sequence[RelationshipKind], max_hops: int
    ) -> paths.Path | None:
        return await paths.shortest_path(self.db, from_id, to_id, kinds=kinds, max_hops=max_hops)

    async def term_statistics(
        self, under: str, role: Role, as_of: dt.date, *, level: Level | None, kind: OrgKind | None
    ) -> tuple[terms.TermFigures, list[terms.TermFigures]]:
        return await terms.term_statistics(self.db, under, role, as_of, level=level, kind=kind)

    async def organization_figures(
        self, organization_id: str, on: dt.date
    ) -> tuple[stats.Figures, list[tuple[Organization, stats.Figures]]]:
        return await stats.organization_figures(self.db, organization_id, on)

    async def audit_log(
        self, *, actor: str | None, kind: str | None, touching: str | None, page: PageArgs
    ) -> Page[AuditEvent]:
        return await audit.list_events(self.db, actor=actor, kind=kind, touching=touching, page=page)


async def _coverage_reports(
    db: Database, keys: Sequence[tuple[str, ReportPart]]
) -> list[tuple[CoverageSummary, Page[Household] | None]]:
    """The parts of each report asked in one tick, from one query per report
    (organization and date): its counts and every page of households asked."""
    reports: dict[tuple[str, dt.date], list[coverage.HouseholdsAsked]] = {}
    for organization_id, part in keys:
        asks = reports.setdefault((organization_id, part.on), [])
        if part.households is not None and part.households not in asks:
            asks.append(part.households)
    answers = {
        report: await coverage.coverage_report(db, report[0], report[1], asks)
        for report, asks in reports.items()
    }
    found: list[tuple[CoverageSummary, Page[Household] | None]] = []
    for organization_id, part in keys:
        summary, pages = answers[(organization_id, part.on)]
        asks = reports[(organization_id, part.on)]
        found.append((summary, None if part.households is None else pages[asks.index(part.households)]))
    return found


async def _each(ids: Sequence[str], one: Callable[[str], Awaitable[R]]) -> list[R]:
    return [await one(i) for i in ids]
