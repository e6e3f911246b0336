"""The schema clients see: OrgGraph's API without Apollo Federation's additions.

OrgGraph is a federation subgraph, so its executable schema also has the
`_entities` and `_service` root fields, the `_Any`, `_Entity`, `_Service`,
`_FieldSet` and `link__*` types and the `@key` and `@link` directives. A
gateway needs them (it reads the subgraph SDL from `_service { sdl }` and
resolves references through `_entities`); a client does not, and tools that
load a schema (graphql-js `buildSchema`, gql, code generators, linters) refuse
directives they have no definition for. So:

- `client_schema` is the API alone, sharing every type with the executable
  schema; `client_sdl` prints it (committed as schema.graphql);
- `ClientIntrospection` answers `__schema` and `__type` from it, so GraphiQL's
  docs and generated client types show the API alone, while `_service` and
  `_entities` still execute for gateways.
"""

from __future__ import annotations

import functools
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    is_introspection_type,
    is_specified_directive,
    is_specified_scalar_type,
    print_type,
)
from graphql.pyutils import Path
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# Named types federation adds (besides everything prefixed `_`).
FEDERATION_TYPES = frozenset({"link__Import", "link__Purpose"})


def is_federation_type(name: str) -> bool:
    return (name.startswith("_") and not name.startswith("__")) or name in FEDERATION_TYPES


@functools.cache
def client_schema(executable: GraphQLSchema) -> GraphQLSchema:
    """`executable` without federation's root fields, types and directives; the
    same type objects otherwise (one per executable schema)."""
    query = executable.query_type
    assert query is not None
    client_query = GraphQLObjectType(
        query.name,
        {name: f for name, f in query.fields.items() if not name.startswith("_")},
        description=query.description,
    )
    types: list[GraphQLNamedType] = [
        t for name, t in executable.type_map.items() if name != query.name and not is_federation_type(name)
    ]
    return GraphQLSchema(
        query=client_query,
        mutation=executable.mutation_type,
        subscription=executable.subscription_type,
        types=types,
        directives=[d for d in executable.directives if is_specified_directive(d)],
        description=executable.description,
    )


def client_sdl(executable: GraphQLSchema) -> str:
    """The client schema as SDL, its types by name (as the subgraph SDL): what
    graphql-js `buildSchema` builds as it is. The root types have their
    standard names, so no `schema { ... }` block is needed."""
    named = client_schema(executable).type_map.values()
    shown = [t for t in named if not is_introspection_type(t) and not is_specified_scalar_type(t)]
    return "\n\n".join(print_type(t) for t in sorted(shown, key=lambda t: t.name))


class ClientIntrospection(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, with `__schema` and `__type` resolved against the
    client schema: introspection never lists federation's fields and types."""

    def build_resolve_info(
        self,
        field_def: GraphQLField,
        field_nodes: list[Any],
        parent_type: GraphQLObjectType,
        path: Path,
    ) -> GraphQLResolveInfo[Any]:
        info = super().build_resolve_info(field_def, field_nodes, parent_type, path)
        if field_def is SchemaMetaFieldDef or field_def is TypeMetaFieldDef:
            return info._replace(schema=client_schema(self.schema))
        return info
