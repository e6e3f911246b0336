"""The assembled schema."""

from __future__ import annotations

import functools
from collections.abc import Callable

import strawberry
from strawberry.extensions import (
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)

from schema.access import AccessControl
from schema.changes import Subscription
from schema.client import ClientIntrospection, client_sdl
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
    Household) that is also a plain GraphQL API, with its operation limits.
    Introspection shows the plain API (schema.client); `introspection=False`
    refuses `__schema`/`__type`, `suggestions=False` drops "Did you mean ...?"
    from error messages. One schema per configuration."""
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
        subscription=Subscription,
        types=[Organization, Position, Person, Grid, Household, Coverage, CoverageReport],
        extensions=extensions,
        execution_context_class=ClientIntrospection,
    )


# The development configuration: the snapshot test, the CLI and the SDL use it.
schema = build_schema()


def subgraph_sdl() -> str:
    """The SDL a federation gateway composes (`_service { sdl }`): with @link,
    @key and the _entities/_service fields. Committed as schema.subgraph.graphql."""
    return schema.as_str()


def plain_sdl() -> str:
    """The API as a plain GraphQL schema, without federation's additions: what
    clients load. Committed as schema.graphql."""
    return client_sdl(schema._schema)
