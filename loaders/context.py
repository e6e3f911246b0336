"""The typed set of loaders a request carries (`info.context.loaders`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TypeVar

from strawberry.dataloader import DataLoader

from graph import (
    activities,
    audit,
    changes,
    coverage,
    filters,
    household_lists,
    org_lists,
    organizations,
    people,
    person_filter,
    places,
    search,
)
from graph.analytics import candidates, funnel, groups, lineage, paths, stats, terms
from graph.change_cursors import decode_change_cursor
from graph.driver import Database
from graph.model import (
    AuditEvent,
    Commitment,
    Coverage,
    Grid,
    Household,
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
from loaders.coverage_reports import ReportFound, ReportPart, coverage_reports
from loaders.grouping import grouped_loader
from loaders.keys import Dated, LinkFilter, OrgFilter, PositionFilter, TagFilter
from loaders.shielded import ShieldedLoader

R = TypeVar("R")


def _simple(
    db: Database, batch: Callable[[Database, Sequence[str]], Awaitable[list[R]]]
) -> DataLoader[str, R]:
    async def load(keys: list[str]) -> list[R]:
        return await batch(db, keys)

    return ShieldedLoader(load_fn=load)


@dataclass
class Loaders:
    """One request's loaders. Built fresh per request: their caches must not
    outlive it. Each is made on first use (a request uses a few of the ~30)."""

    db: Database

    @cached_property
    def organization_by_id(self) -> DataLoader[str, Organization | None]:
        return _simple(self.db, organizations.load_organizations_by_id)

    @cached_property
    def organization_by_code(self) -> DataLoader[str, Organization | None]:
        return _simple(self.db, organizations.load_organizations_by_code)

    @cached_property
    def parent_by_organization(self) -> DataLoader[str, Organization | None]:
        return _simple(self.db, organizations.load_parent_by_organization)

    @cached_property
    def ancestors_by_organization(self) -> DataLoader[str, list[Organization]]:
        return _simple(self.db, organizations.load_ancestors_by_organization)

    @cached_property
    def children_by_organization(self) -> DataLoader[tuple[str, OrgFilter], Page[Organization]]:
        db = self.db
        return grouped_loader(
            lambda ids, a: organizations.load_children_by_organization(
                db, ids, kind=a.kind, level=a.level, page=a.page
            )
        )

    @cached_property
    def descendants_by_organization(self) -> DataLoader[tuple[str, OrgFilter], Page[Organization]]:
        db = self.db
        return grouped_loader(
            lambda ids, a: organizations.load_descendants_by_organization(
                db, ids, kind=a.kind, level=a.level, page=a.page
            )
        )

    @cached_property
    def grids_by_organization(self) -> DataLoader[tuple[str, PageArgs], Page[Grid]]:
        db = self.db
        return grouped_loader(lambda ids, page: organizations.load_grids_by_organization(db, ids, page=page))

    @cached_property
    def households_by_organization(self) -> DataLoader[tuple[str, TagFilter], Page[Household]]:
        db = self.db
        return grouped_loader(
            lambda ids, a: organizations.load_households_by_organization(db, ids, tag=a.tag, page=a.page)
        )

    @cached_property
    def positions_by_organization(self) -> DataLoader[tuple[str, PositionFilter], Page[Position]]:
        db = self.db
        return grouped_loader(
            lambda ids, a: people.load_positions_by_organization(
                db, ids, role=a.role, on=a.on, history=a.history, page=a.page
            )
        )

    @cached_property
    def person_by_id(self) -> DataLoader[str, Person | None]:
        return _simple(self.db, people.load_people_by_id)

    @cached_property
    def person_by_code(self) -> DataLoader[str, Person | None]:
        return _simple(self.db, people.load_people_by_code)

    @cached_property
    def positions_by_person(self) -> DataLoader[tuple[str, Dated], list[Position]]:
        db = self.db
        return grouped_loader(
            lambda ids, a: people.load_positions_by_person(db, ids, on=a.on, history=a.history)
        )

    @cached_property
    def household_by_person(self) -> DataLoader[str, Household | None]:
        return _simple(self.db, people.load_household_by_person)

    @cached_property
    def milestones_by_person(self) -> DataLoader[str, list[Milestone]]:
        return _simple(self.db, people.load_milestones_by_person)

    @cached_property
    def links_by_person(self) -> DataLoader[tuple[str, LinkFilter], list[Link]]:
        db = self.db
        return grouped_loader(
            lambda ids, a: people.load_links_by_person(db, ids, kind=a.kind, on=a.on, history=a.history)
        )

    @cached_property
    def coverage_by_person(self) -> DataLoader[tuple[str, Dated], list[Coverage]]:
        db = self.db
        return grouped_loader(
            lambda ids, a: coverage.load_coverage_by_person(db, ids, on=a.on, history=a.history)
        )

    @cached_property
    def grid_by_id(self) -> DataLoader[str, Grid | None]:
        return _simple(self.db, places.load_grids_by_id)

    @cached_property
    def grid_by_code(self) -> DataLoader[str, Grid | None]:
        return _simple(self.db, places.load_grids_by_code)

    @cached_property
    def household_by_id(self) -> DataLoader[str, Household | None]:
        return _simple(self.db, places.load_households_by_id)

    @cached_property
    def household_by_code(self) -> DataLoader[str, Household | None]:
        return _simple(self.db, places.load_households_by_code)

    @cached_property
    def organization_by_grid(self) -> DataLoader[str, Organization | None]:
        return _simple(self.db, places.load_organization_by_grid)

    @cached_property
    def households_by_grid(self) -> DataLoader[tuple[str, TagFilter], Page[Household]]:
        db = self.db
        return grouped_loader(lambda ids, a: places.load_households_by_grid(db, ids, tag=a.tag, page=a.page))

    @cached_property
    def covered_by_grid(self) -> DataLoader[tuple[str, dt.date], list[Coverage]]:
        db = self.db
        return grouped_loader(lambda ids, on: coverage.load_covered_by_grid(db, ids, on=on))

    @cached_property
    def grid_by_household(self) -> DataLoader[str, Grid | None]:
        return _simple(self.db, places.load_grid_by_household)

    @cached_property
    def members_by_household(self) -> DataLoader[str, list[Person]]:
        return _simple(self.db, places.load_members_by_household)

    @cached_property
    def covered_by_household(self) -> DataLoader[tuple[str, dt.date], list[Coverage]]:
        db = self.db
        return grouped_loader(lambda ids, on: coverage.load_covered_by_household(db, ids, on=on))

    @cached_property
    def coverage_report(self) -> DataLoader[tuple[str, ReportPart], ReportFound]:
        db = self.db
        return ShieldedLoader(load_fn=lambda keys: coverage_reports(db, keys))

    @cached_property
    def visits_by_person(self) -> DataLoader[tuple[str, PageArgs], Page[Visit]]:
        db = self.db
        return grouped_loader(lambda ids, page: activities.load_visits_by_person(db, ids, page=page))

    @cached_property
    def commitments_by_person(self) -> DataLoader[tuple[str, int | None], list[Commitment]]:
        db = self.db
        return grouped_loader(lambda ids, year: activities.load_commitments_by_person(db, ids, year=year))

    @cached_property
    def meetings_by_organization(self) -> DataLoader[tuple[str, PageArgs], Page[Meeting]]:
        db = self.db
        return grouped_loader(lambda ids, page: activities.load_meetings_by_organization(db, ids, page=page))

    @cached_property
    def attendees_by_meeting(self) -> DataLoader[str, list[Person]]:
        return _simple(self.db, activities.load_attendees_by_meeting)

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

    async def search(self, args: search.SearchArgs, page: PageArgs) -> Page[search.Hit]:
        return await search.search(self.db, args, page)

    async def filter_people(
        self, flt: person_filter.PersonFilter, sort: filters.PersonSort, desc: bool, page: PageArgs
    ) -> Page[Person]:
        return await filters.filter_people(self.db, flt, sort, desc, page)

    async def filter_organizations(
        self, flt: org_lists.OrgFilter, sort: org_lists.OrgSort, desc: bool, page: PageArgs
    ) -> Page[Organization]:
        return await org_lists.filter_organizations(self.db, flt, sort, desc, page)

    async def filter_households(
        self, flt: household_lists.HouseholdFilter, page: PageArgs
    ) -> Page[Household]:
        return await household_lists.filter_households(self.db, flt, page)

    async def people_groups(
        self, flt: person_filter.PersonFilter, dims: list[str], min_size: int
    ) -> groups.GroupTable:
        return await groups.people_groups(self.db, flt, dims, min_size)

    async def household_groups(
        self, flt: household_lists.HouseholdFilter, dims: list[str], min_size: int
    ) -> groups.GroupTable:
        return await groups.household_groups(self.db, flt, dims, min_size)

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
        self,
        under: str,
        role: Role,
        as_of: dt.date,
        *,
        level: Level | None,
        kind: OrgKind | None,
        min_group_size: int,
    ) -> tuple[terms.TermFigures, list[terms.TermFigures]]:
        return await terms.term_statistics(
            self.db, under, role, as_of, level=level, kind=kind, min_group_size=min_group_size
        )

    async def organization_figures(
        self, organization_id: str, on: dt.date, *, min_group_size: int
    ) -> tuple[stats.Figures, list[tuple[Organization, stats.Figures]]]:
        return await stats.organization_figures(self.db, organization_id, on, min_group_size=min_group_size)

    async def audit_log(
        self, *, actor: str | None, kind: str | None, touching: str | None, page: PageArgs
    ) -> Page[AuditEvent]:
        return await audit.list_events(self.db, actor=actor, kind=kind, touching=touching, page=page)

    async def changes(
        self, after: str | None, first: int, *, under: str | None, types: frozenset[str] | None
    ) -> changes.ChangePage:
        """The change feed after the opaque cursor `after` as this caller sees it
        (graph/changes.py)."""
        state = await changes.feed_state(self.db)
        position = None if after is None else decode_change_cursor(after, state.key)
        return await changes.page_of_changes(
            self.db, position, first, scope=self.db.access.scope, under=under, types=types, state=state
        )
