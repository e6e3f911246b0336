"""The assembled schema."""

from __future__ import annotations

import strawberry
from strawberry.extensions import ParserCache, ValidationCache

from schema.coverage import CoverageReport
from schema.errors import ErrorCodes
from schema.mutation import Mutation
from schema.organization import Organization, Position
from schema.person import Person
from schema.place import Coverage, Grid, Household
from schema.query import Query

schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    types=[Organization, Position, Person, Grid, Household, Coverage, CoverageReport],
    extensions=[ErrorCodes, lambda: ParserCache(maxsize=256), lambda: ValidationCache(maxsize=256)],
)
