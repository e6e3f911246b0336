"""The assembled schema."""

from __future__ import annotations

import functools
from collections.abc import Callable

import strawberry
from graphql import GraphQLObjectType, GraphQLSchema, print_schema
from strawberry.extensions import (
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)

from schema.access import AccessControl
from schema.coverage import CoverageReport
from schema.errors import ErrorCodes
from schema.limits import Limits, OperationLimits
from schema.logs import LoggingSchema
from schema.mutation import Mutation
from schema.organization import Organization, Position
from schema.person import Person
from schema.place import Coverage, Grid, Household
from schema.query import Query

DEFAULT_LIMITS = Limits()


@functools.cache
def build_schema(
    limits: Limits = DEFAULT_LIMITS, *, introspection: bool = True, suggestions: bool = True
) -> strawberry.federation.Schema:
    """An Apollo Federation 2 subgraph (keys on Organization, Person, Grid,
    Household) that is also a plain GraphQL API, with its operation limits;
    `introspection=False` refuses `__schema`/`__type`, `suggestions=False` drops
    "Did you mean ...?" from error messages. One schema per configuration."""
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        lambda: ErrorCodes(suggestions=suggestions),
        AccessControl,
        lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
        lambda: OperationLimits(limits),
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    return LoggingSchema(
        query=Query,
        mutation=Mutation,
        types=[Organization, Position, Person, Grid, Household, Coverage, CoverageReport],
        extensions=extensions,
    )


# The development configuration: the snapshot test, the CLI and the SDL use it.
schema = build_schema()


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
