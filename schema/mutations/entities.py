"""Mutations of the registry: organizations, grids (网格), households (户) and people,
and where a person lives.

The EntityMutations are one part of the root Mutation (schema/mutation.py); each
is one Neo4j transaction through `graph.writes`.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from graph.errors import BadInput, Forbidden
from graph.writes import organizations, people, places
from graph.writes.common import code, optional_text, phone, text
from schema.context import Info
from schema.inputs import (
    GridInput,
    HouseholdInput,
    HouseholdPatch,
    OrganizationInput,
    OrganizationPatch,
    PersonInput,
    PersonPatch,
)
from schema.mutations.common import (
    ADDRESS_LENGTH,
    NAME_LENGTH,
    changed,
    object_id,
    optional_object_id,
    person_facts,
    write_db,
)
from schema.organization import Organization
from schema.payloads import (
    GridPayload,
    HouseholdPayload,
    OrganizationPayload,
    PersonPayload,
    ResidencePayload,
)
from schema.person import Person
from schema.place import Grid, Household


@strawberry.type
class EntityMutations:
    @strawberry.mutation(
        description="Create an organization. A federation sits one level below its parent federation; "
        "committees, councils and teams sit under a federation at its level (a women's committee "
        "may be a UNIT)."
    )
    async def create_organization(
        self,
        info: Info,
        input: Annotated[OrganizationInput, strawberry.argument(description="The new organization.")],
    ) -> OrganizationPayload:
        if input.parent_id is None and info.context.access.scope is not None:
            # Nothing above a caller's scope root is hers: a new root belongs to nobody's scope.
            raise Forbidden(
                "only unrestricted access may create a top-level organization; give input.parentId"
            )
        created = await organizations.create_organization(
            write_db(info),
            code=code(input.code, argument="input.code"),
            name=text(input.name, argument="input.name", max_length=NAME_LENGTH),
            kind=input.kind,
            level=input.level,
            parent_id=optional_object_id(info, input.parent_id, "Organization", "input.parentId"),
        )
        changed(info)
        return OrganizationPayload(organization=Organization.of(created))

    @strawberry.mutation(
        description="Rename an organization, change its kind or level, or move it under another "
        "federation; checked against its new parent and everything below it. Never under itself or "
        "below it; the parent it leaves must be in the caller's scope."
    )
    async def update_organization(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="The global id of the organization to change.")
        ],
        input: Annotated[OrganizationPatch, strawberry.argument(description="What changes.")],
    ) -> OrganizationPayload:
        name = input.name
        updated = await organizations.update_organization(
            write_db(info),
            object_id(info, id, "Organization", "id"),
            name=None if name is None else text(name, argument="input.name", max_length=NAME_LENGTH),
            kind=input.kind,
            level=input.level,
            parent_id=optional_object_id(info, input.parent_id, "Organization", "input.parentId"),
        )
        changed(info)
        return OrganizationPayload(organization=Organization.of(updated))

    @strawberry.mutation(description="Create a grid (网格) of a village federation.")
    async def create_grid(
        self, info: Info, input: Annotated[GridInput, strawberry.argument(description="The new grid.")]
    ) -> GridPayload:
        created = await places.create_grid(
            write_db(info),
            code=code(input.code, argument="input.code"),
            name=text(input.name, argument="input.name", max_length=NAME_LENGTH),
            organization_id=object_id(info, input.organization_id, "Organization", "input.organizationId"),
        )
        changed(info)
        return GridPayload(grid=Grid.of(created))

    @strawberry.mutation(description="Create a household (户) in a grid.")
    async def create_household(
        self,
        info: Info,
        input: Annotated[HouseholdInput, strawberry.argument(description="The new household.")],
    ) -> HouseholdPayload:
        created = await places.create_household(
            write_db(info),
            code=code(input.code, argument="input.code"),
            grid_id=object_id(info, input.grid_id, "Grid", "input.gridId"),
            address=optional_text(input.address, argument="input.address", max_length=ADDRESS_LENGTH),
            tags=input.tags,
        )
        changed(info)
        return HouseholdPayload(household=Household.of(created))

    @strawberry.mutation(description="Change a household's address or replace its tags.")
    async def update_household(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="The global id of the household to change.")
        ],
        input: Annotated[HouseholdPatch, strawberry.argument(description="What changes.")],
    ) -> HouseholdPayload:
        address = input.address
        updated = await places.update_household(
            write_db(info),
            object_id(info, id, "Household", "id"),
            set_address=address is not None,
            address=optional_text(address.value, argument="input.address", max_length=ADDRESS_LENGTH)
            if address is not None
            else None,
            tags=input.tags,
        )
        changed(info)
        return HouseholdPayload(household=Household.of(updated))

    @strawberry.mutation(description="Move a household to another grid.")
    async def move_household(
        self,
        info: Info,
        household_id: Annotated[
            strawberry.ID, strawberry.argument(description="The global id of the household that moves.")
        ],
        grid_id: Annotated[
            strawberry.ID, strawberry.argument(description="The global id of the grid it moves to.")
        ],
    ) -> HouseholdPayload:
        moved = await places.move_household(
            write_db(info),
            object_id(info, household_id, "Household", "householdId"),
            object_id(info, grid_id, "Grid", "gridId"),
        )
        changed(info)
        return HouseholdPayload(household=Household.of(moved))

    @strawberry.mutation(
        description="Create a person, living in `input.householdId` (required for a caller with a scope: "
        "a person is in a scope through her household or her positions)."
    )
    async def create_person(
        self, info: Info, input: Annotated[PersonInput, strawberry.argument(description="The new person.")]
    ) -> PersonPayload:
        facts = people.PersonFacts(
            name=text(input.name, argument="input.name", max_length=NAME_LENGTH),
            gender=input.gender,
            birth_date=input.birth_date,
            education=input.education,
            political_status=input.political_status,
            phone=phone(input.phone, argument="input.phone"),
            given=frozenset({"name", "gender", "birthDate", "education", "politicalStatus", "phone"}),
        )
        if input.household_id is None and info.context.access.scope is not None:
            raise BadInput(
                "input.householdId: required: a new person must live in a household inside your scope",
                argument="input.householdId",
            )
        created = await people.create_person(
            write_db(info),
            code=code(input.code, argument="input.code"),
            facts=facts,
            household_id=optional_object_id(info, input.household_id, "Household", "input.householdId"),
        )
        changed(info)
        return PersonPayload(person=Person.of(created))

    @strawberry.mutation(description="Change a person's attributes.")
    async def update_person(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="The global id of the person to change.")
        ],
        input: Annotated[PersonPatch, strawberry.argument(description="What changes.")],
    ) -> PersonPayload:
        updated = await people.update_person(
            write_db(info), object_id(info, id, "Person", "id"), person_facts(input)
        )
        changed(info)
        return PersonPayload(person=Person.of(updated))

    @strawberry.mutation(description="Make a household the person's home (she leaves any other).")
    async def set_residence(
        self,
        info: Info,
        person_id: Annotated[
            strawberry.ID, strawberry.argument(description="The global id of the person who moves in.")
        ],
        household_id: Annotated[
            strawberry.ID, strawberry.argument(description="The global id of her new home.")
        ],
    ) -> ResidencePayload:
        person, household = await people.set_residence(
            write_db(info),
            object_id(info, person_id, "Person", "personId"),
            object_id(info, household_id, "Household", "householdId"),
        )
        changed(info)
        return ResidencePayload(person=Person.of(person), household=Household.of(household))
