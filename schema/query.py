"""The root Query type: entry points into the graph."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import strawberry

from graph.errors import BadInput
from schema.access import AccessQuery
from schema.analytics import AnalyticsQuery
from schema.arguments import ActiveOn, After, AsOf, ByKind, ByLevel, First, LookupCode, LookupId
from schema.context import Info
from schema.coverage import CoverageReport
from schema.enums import Role
from schema.organization import Organization
from schema.person import Person
from schema.place import Grid, Household
from schema.relay import Connection, Node, by_id_or_code, connection, expect_global_id, from_global_id

R = TypeVar("R")
NameContains = Annotated[
    str | None, strawberry.argument(description="Only names containing this text, e.g. 郭园.")
]
W = TypeVar("W")


@strawberry.type(
    description="Entry points into the organization graph: lookups by id or code, searches, the "
    "coverage report (联系户), the analysts' questions, the caller and the audit log."
)
class Query(AnalyticsQuery, AccessQuery):
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
        "organization id; the organization itself included), ordered by code."
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
    ) -> Connection[Organization]:
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
        "living in it) and `role` held on `activeOn` (default today), ordered by code."
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
    ) -> Connection[Person]:
        page = await info.context.loaders.search_people(
            name_contains=name_contains,
            under=expect_global_id(under, "Organization", argument="under") if under else None,
            role=role,
            on=active_on or info.context.today,
            page=info.context.page(info, first, after),
        )
        return connection(page, Person.of, after)

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
