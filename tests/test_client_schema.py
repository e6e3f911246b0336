"""The schema clients get: schema.graphql loads in every tool as it is, the
endpoint's introspection shows exactly it (no federation machinery), every
field and argument is described, and an object with an `id` answers the same
whichever list or date it is reached through (what normalized caches assume).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from gql import Client, gql
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    build_client_schema,
    get_introspection_query,
    is_introspection_type,
    is_specified_scalar_type,
)

from schema.build import plain_sdl, schema
from schema.client import client_schema, client_sdl
from tests import documentation
from tests.conftest import GraphQLClient

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = ROOT / "tests" / "clients"
DOCUMENTS = documentation.blocks("graphql") + documentation.blocks("graphql mutation")


def undescribed() -> list[str]:
    """Every type, field, argument, input field and enum value of the client
    schema without a description."""
    missing = []
    for name, t in client_schema(schema._schema).type_map.items():
        if is_introspection_type(t) or is_specified_scalar_type(t):
            continue
        if not t.description:
            missing.append(name)
        if isinstance(t, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in t.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in getattr(field, "args", {}).items():
                    if not arg.description:
                        missing.append(f"{name}.{field_name}({arg_name})")
        if isinstance(t, GraphQLEnumType):
            missing.extend(f"{name}.{v}" for v, value in t.values.items() if not value.description)
    return missing


def test_every_type_field_and_argument_is_described() -> None:
    assert undescribed() == []


def test_gql_builds_schema_graphql_and_validates_the_documented_operations() -> None:
    client = Client(schema=(ROOT / "schema.graphql").read_text(encoding="utf-8"))
    assert len(DOCUMENTS) >= 15
    for document in DOCUMENTS:
        client.validate(gql(document))
    with pytest.raises(Exception, match="Cannot query field 'active' on type 'Organization'"):
        client.validate(gql('{ organization(code: "QX") { active } }'))


def node_build(file: str, documents: list[str]) -> dict[str, Any]:
    node = shutil.which("node")
    assert node, "node is missing"
    assert (CLIENTS / "node_modules" / "graphql").is_dir(), "run `make install` (tests/clients)"
    done = subprocess.run(
        [node, str(CLIENTS / "build_schema.mjs"), str(ROOT / file)],
        input=json.dumps(documents),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def test_graphql_js_builds_schema_graphql_as_it_is() -> None:
    built = node_build("schema.graphql", DOCUMENTS)
    assert built["ok"], built
    assert {"organization", "people", "coverage", "pipelineFunnel", "auditLog"} <= set(built["queryFields"])
    assert not any(name.startswith("_") for name in built["queryFields"])
    assert built["errors"] == [[] for _ in DOCUMENTS]
    # The subgraph SDL is for gateways: plain graphql-js refuses its federation directives.
    subgraph = node_build("schema.subgraph.graphql", [])
    assert subgraph == {"ok": False, "error": subgraph["error"]}
    assert 'Unknown directive "@link"' in subgraph["error"]


async def test_introspection_shows_the_client_schema_and_gateways_still_get_theirs(
    api: GraphQLClient,
) -> None:
    # What GraphiQL's docs explorer and code generators fetch and build.
    introspected = await api.data(get_introspection_query(descriptions=True))
    types = {t["name"] for t in introspected["__schema"]["types"]}
    assert not {t for t in types if t.startswith("_") and not t.startswith("__")}
    assert not {t for t in types if t.startswith("link__")}
    assert {d["name"] for d in introspected["__schema"]["directives"]} == {
        "include", "skip", "deprecated", "specifiedBy", "oneOf"
    }  # fmt: skip
    assert client_sdl(build_client_schema(introspected)) == plain_sdl()  # type: ignore[arg-type]
    hidden = await api.data(
        '{ entity: __type(name: "_Entity") { name } service: __type(name: "_Service") { name }'
        ' query: __type(name: "Query") { fields { name } } }'
    )
    assert hidden["entity"] is None and hidden["service"] is None
    assert not [f for f in hidden["query"]["fields"] if f["name"].startswith("_")]
    # Still executable for a federation gateway (tests/test_federation.py composes for real).
    sdl = (await api.data("{ _service { sdl } }"))["_service"]["sdl"]
    assert "@key" in sdl and "_entities" in sdl
    found = await api.data(
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { name } } }",
        r=[{"__typename": "Person", "code": "P01"}],
    )
    assert found == {"_entities": [{"name": "王芳"}]}


# --- one answer per object -------------------------------------------------------------
# A normalized cache (Apollo InMemoryCache, Relay, urql Graphcache) keeps one
# value per field (and arguments) of an object with an id, whichever query
# brought it. So every such field must depend on the object and the field's own
# arguments only, never on the list or the date the parent was asked about.

POSITIONS = """fragment P on Position { __typename id role since until active then: active(on: "2020-01-01") }
{ organization(code: "C-T1-V1") {
    then: positions(activeOn: "2020-01-01") { nodes { ...P } }
    history: positions(history: true) { edges { node { ...P } } }
    now: positions { nodes { ...P } } }
  person(code: "P01") { then: positions(activeOn: "2020-01-01") { ...P } all: positions(history: true) { ...P } }
  newTerm: people(role: EXECUTIVE, activeOn: "2020-01-01") { nodes { positions(history: true) { ...P } } } }"""

COVERAGE_FIELDS = """fragment C on Coverage {
  __typename id role since until via active then: active(on: "2020-01-01") }
"""
COVERAGE = [  # two requests (the alias limit), as a cache receives them
    COVERAGE_FIELDS
    + """{ h03: household(code: "C-T1-V1-H03") { coveredBy { ...C } }
  h01: household(code: "C-T1-V1-H01") { coveredBy { ...C } }
  h10: household(code: "C-T1-V1-H10") { coveredBy(asOf: "2020-01-01") { ...C } }
  g1: grid(code: "C-T1-V1-G1") { coveredBy { ...C } } }""",
    COVERAGE_FIELDS
    + """{ g2: grid(code: "C-T1-V1-G2") { coveredBy { ...C } }
  p03: person(code: "P03") { covers { ...C } }
  p04: person(code: "P04") { covers(asOf: "2022-01-01") { ...C } }
  p06: person(code: "P06") { then: covers(asOf: "2020-01-01") { ...C } all: covers(history: true) { ...C } } }""",
]


def identified(value: Any, out: dict[tuple[str, str], list[dict[str, Any]]]) -> None:
    """Collect every object of an answer that has `__typename` and `id`."""
    if isinstance(value, list):
        for item in value:
            identified(item, out)
    elif isinstance(value, dict):
        if "__typename" in value and "id" in value:
            out.setdefault((value["__typename"], value["id"]), []).append(value)
        for item in value.values():
            identified(item, out)


def scalars(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if not isinstance(v, dict | list)}


@pytest.mark.parametrize("queries", [[POSITIONS], COVERAGE], ids=["positions", "coverage"])
async def test_an_object_with_an_id_answers_the_same_through_every_list_and_date(
    api: GraphQLClient, queries: list[str]
) -> None:
    seen: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for query in queries:
        identified(await api.data(query), seen)
    shared = {key: objs for key, objs in seen.items() if len(objs) > 1}
    assert len(shared) >= 3, seen  # objects reached through several lists and dates
    for key, objs in shared.items():
        assert all(scalars(o) == scalars(objs[0]) for o in objs), (key, objs)
    by_since = {(o["role"], o["since"], o["until"]): o for objs in seen.values() for o in objs}
    if queries[0] is POSITIONS:
        # P01's executive term of the old board: ran in 2020, has ended by today (2024-06-01).
        old = by_since[("EXECUTIVE", "2016-04-01", "2021-04-01")]
        assert (old["active"], old["then"]) == (False, True)
    else:
        # A whole grid covered is GRID seen from the grid, its households and its coverer.
        grid = by_since[("LEAD", "2021-05-01", None)]
        assert grid["via"] == "GRID"
        assert by_since[("ASSIST", "2021-05-01", None)]["via"] == "DIRECT"
        ended = by_since[("ASSIST", "2016-05-01", "2021-04-01")]
        assert (ended["active"], ended["then"]) == (False, True)
