"""The root Query type: entry points into the graph."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import strawberry

from graph.errors import BadInput
from schema.access import AccessQuery
from schema.analytics import AnalyticsQuery
from schema.arguments import ActiveOn, After, AsOf, ByKind, ByLevel, First, LookupCode, LookupId
from schema.changes import ChangesQuery
from schema.context import Info
from schema.coverage import CoverageReport
from schema.enums import Role
from schema.filters import (
    HouseholdFilter,
    OrganizationFilter,
    OrganizationOrder,
    PersonFilter,
    PersonOrder,
    household_query,
    organization_order,
    organization_query,
    person_order,
    person_query,
)
from schema.organization import Organization
from schema.person import Person
from schema.place import Grid, Household
from schema.relay import Connection, Node, by_id_or_code, connection, expect_global_id, from_global_id
from schema.search import SearchQuery
from schema.stats import StatsQuery

R = TypeVar("R")
NameContains = Annotated[
    str | None, strawberry.argument(description="Only names containing this text, e.g. 郭园.")
]
W = TypeVar("W")


@strawberry.type(
    description="Entry points into the organization graph: lookups by id or code, searches, the "
    "coverage report (联系户), the analysts' questions, the caller and the audit log."
)
class Query(AnalyticsQuery, AccessQuery, SearchQuery, StatsQuery, ChangesQuery):
    """Entry points: lookups and searches here, analysts' questions in AnalyticsQuery."""

    @strawberry.field(description="Any object by its global id; null if it does not exist.")
    async def node(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="A global id of an organization, person, grid or household."),
        ],
    ) -> Node | None:
        type_name, raw_id = from_global_id(id)
        loaders = info.context.loaders
        fetchers: dict[str, Callable[[str], Awaitable[Node | None]]] = {
            "Organization": lambda i: _wrap(loaders.organization_by_id.load(i), Organization.maybe),
            "Person": lambda i: _wrap(loaders.person_by_id.load(i), Person.maybe),
            "Grid": lambda i: _wrap(loaders.grid_by_id.load(i), Grid.maybe),
            "Household": lambda i: _wrap(loaders.household_by_id.load(i), Household.maybe),
        }
        fetch = fetchers.get(type_name)
        if fetch is None:
            raise BadInput(f"{type_name} objects cannot be fetched by node(id)", argument="id")
        return await fetch(raw_id)

    @strawberry.field(description="An organization by global id or by code.")
    async def organization(
        self, info: Info, id: LookupId = None, code: LookupCode = None
    ) -> Organization | None:
        loaders = info.context.loaders
        found = await by_id_or_code(
            "Organization", id, code, loaders.organization_by_id, loaders.organization_by_code
        )
        return Organization.maybe(found)

    @strawberry.field(
        description="Organizations by kind, level, part of the name, and subtree (`under`: an "
        "organization id; the organization itself included), ordered by code; or, with `filter` "
        "or `orderBy`, by the conditions of `filter` (AND) in the order of `orderBy` (then by code)."
    )
    async def organizations(
        self,
        info: Info,
        kind: ByKind = None,
        level: ByLevel = None,
        name_contains: NameContains = None,
        under: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only this organization (a global id) and its subtree."),
        ] = None,
        first: First = None,
        after: After = None,
        filter: Annotated[
            OrganizationFilter | None,
            strawberry.argument(
                description="Only organizations matching every condition given (AND); replaces `kind`, "
                "`level` and `nameContains`."
            ),
        ] = None,
        order_by: Annotated[
            OrganizationOrder | None,
            strawberry.argument(description="The order of the list; default by code."),
        ] = None,
    ) -> Connection[Organization]:
        if filter is not None or order_by is not None:
            if kind or level or name_contains:
                raise BadInput("with `filter`, give kind and level inside it", argument="filter")
            flt = organization_query(info, filter, under)
            sort, desc = organization_order(order_by)
            page = await info.context.loaders.filter_organizations(
                flt, sort, desc, info.context.page(info, first, after)
            )
            return connection(page, Organization.of, after)
        page = await info.context.loaders.search_organizations(
            kind=kind,
            level=level,
            name_contains=name_contains,
            under=expect_global_id(under, "Organization", argument="under") if under else None,
            page=info.context.page(info, first, after),
        )
        return connection(page, Organization.of, after)

    @strawberry.field(description="A person by global id or by code.")
    async def person(self, info: Info, id: LookupId = None, code: LookupCode = None) -> Person | None:
        loaders = info.context.loaders
        return Person.maybe(
            await by_id_or_code("Person", id, code, loaders.person_by_id, loaders.person_by_code)
        )

    @strawberry.field(
        description="People by part of the name, subtree (`under`: holding a position in it or "
        "living in it) and `role` held on `activeOn` (default today), ordered by code; or, with "
        "`filter` or `orderBy`, by the conditions of `filter` (AND) in the order of `orderBy` "
        "(then by code)."
    )
    async def people(
        self,
        info: Info,
        name_contains: NameContains = None,
        under: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only people holding a position in, or living in, this organization's "
                "subtree (a global id)."
            ),
        ] = None,
        role: Annotated[
            Role | None,
            strawberry.argument(
                description="Only people holding this role on `activeOn`, e.g. EXECUTIVE 执委."
            ),
        ] = None,
        active_on: ActiveOn = None,
        first: First = None,
        after: After = None,
        filter: Annotated[
            PersonFilter | None,
            strawberry.argument(
                description="Only people matching every condition given (AND); replaces `nameContains`, "
                "`role` and `activeOn`."
            ),
        ] = None,
        order_by: Annotated[
            PersonOrder | None,
            strawberry.argument(description="The order of the list; default by code."),
        ] = None,
    ) -> Connection[Person]:
        if filter is not None or order_by is not None:
            if name_contains or role or active_on:
                raise BadInput("with `filter`, give roles and dates inside it", argument="filter")
            flt = person_query(info, filter, under)
            sort, desc = person_order(info, order_by)
            page = await info.context.loaders.filter_people(
                flt, sort, desc, info.context.page(info, first, after)
            )
            return connection(page, Person.of, after)
        page = await info.context.loaders.search_people(
            name_contains=name_contains,
            under=expect_global_id(under, "Organization", argument="under") if under else None,
            role=role,
            on=active_on or info.context.today,
            page=info.context.page(info, first, after),
        )
        return connection(page, Person.of, after)

    @strawberry.field(
        description="Households of the caller's scope (or of `under`, an organization id) matching "
        "`filter` (tags, coverage status, grid, village: AND), by code."
    )
    async def households(
        self,
        info: Info,
        filter: Annotated[
            HouseholdFilter | None,
            strawberry.argument(description="Only households matching every condition given (AND)."),
        ] = None,
        under: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only this organization's subtree (a global id); default: the scope."
            ),
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[Household]:
        raw_under = expect_global_id(under, "Organization", argument="under") if under else None
        flt = household_query(info, filter, raw_under)
        page = await info.context.loaders.filter_households(flt, info.context.page(info, first, after))
        return connection(page, Household.of, after)

    @strawberry.field(description="A household by global id or by code.")
    async def household(self, info: Info, id: LookupId = None, code: LookupCode = None) -> Household | None:
        loaders = info.context.loaders
        found = await by_id_or_code("Household", id, code, loaders.household_by_id, loaders.household_by_code)
        return Household.maybe(found)

    @strawberry.field(description="A grid by global id or by code.")
    async def grid(self, info: Info, id: LookupId = None, code: LookupCode = None) -> Grid | None:
        loaders = info.context.loaders
        return Grid.maybe(await by_id_or_code("Grid", id, code, loaders.grid_by_id, loaders.grid_by_code))

    @strawberry.field(
        description="Which members cover which households in an organization's subtree on `asOf` "
        "(default today), and which households nobody covers. Null if the organization does not exist."
    )
    async def coverage(
        self,
        info: Info,
        organization_id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The global id of the organization whose subtree is reported."),
        ],
        as_of: AsOf = None,
    ) -> CoverageReport | None:
        raw_id = expect_global_id(organization_id, "Organization", argument="organizationId")
        found = await info.context.loaders.organization_by_id.load(raw_id)
        if found is None:
            return None
        return CoverageReport(
            organization=Organization.of(found), as_of=as_of or info.context.today, organization_id=raw_id
        )


async def _wrap(pending: Awaitable[R | None], wrap: Callable[[R | None], W]) -> W:
    return wrap(await pending)
