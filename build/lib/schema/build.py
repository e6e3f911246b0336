"""The assembled schema."""

from __future__ import annotations

import strawberry
from graphql import GraphQLObjectType, GraphQLSchema, print_schema
from strawberry.extensions import ParserCache, ValidationCache

from schema.coverage import CoverageReport
from schema.errors import ErrorCodes
from schema.mutation import Mutation
from schema.organization import Organization, Position
from schema.person import Person
from schema.place import Coverage, Grid, Household
from schema.query import Query

# An Apollo Federation 2 subgraph (keys on Organization, Person, Grid, Household)
# that is also a plain GraphQL API.
schema = strawberry.federation.Schema(
    query=Query,
    mutation=Mutation,
    types=[Organization, Position, Person, Grid, Household, Coverage, CoverageReport],
    extensions=[ErrorCodes, lambda: ParserCache(maxsize=256), lambda: ValidationCache(maxsize=256)],
)


def subgraph_sdl() -> str:
    """The SDL a federation gateway composes (`_service { sdl }`): with @link,
    @key and the _entities/_service fields. Committed as schema.graphql."""
    return schema.as_str()


def plain_sdl() -> str:
    """The API as a plain GraphQL schema, without federation's additions."""
    graphql_schema = schema._schema
    query = graphql_schema.query_type
    assert query is not None
    plain_query = GraphQLObjectType(
        query.name,
        {name: f for name, f in query.fields.items() if not name.startswith("_")},
        description=query.description,
    )
    types = [
        t
        for name, t in graphql_schema.type_map.items()
        if not name.startswith("_") and name not in (query.name, "link__Import", "link__Purpose")
    ]
    return print_schema(
        GraphQLSchema(query=plain_query, mutation=graphql_schema.mutation_type, types=types, directives=[])
    )
