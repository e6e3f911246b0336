"""Operation limits, each refused with its own code and figures: depth,
aliases (fragments expanded, without exponential work), tokens, the cost
estimate, `first` above its cap, the request body size (413), the Neo4j
transaction timeout; and what production mode hides: introspection,
"Did you mean ...?" suggestions and GraphiQL. Internal errors are masked and
carry the request id that the X-Request-Id header gives back.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from graphql import get_introspection_query, get_operation_ast, parse

from bench.queries import nested_orggraph
from graph.access import Access
from graph.driver import Connection, Database
from schema.build import schema
from schema.limits import Limits, coerced_variables, measure
from schema.relay import to_global_id
from service.app import create_app
from service.limits import limits_of
from service.settings import Settings
from tests.graphs import TODAY
from tests.helpers import settings_on

DEV = Settings(mode="development")
PRODUCTION = Settings(mode="production")


@asynccontextmanager
async def client(settings: Settings, db: Database | None = None) -> AsyncIterator[httpx.AsyncClient]:
    # Requests made as an unrestricted caller (production refuses ORGGRAPH_AUTH=off
    # itself; tests/test_auth.py covers tokens).
    app = create_app(settings, db=db, today=lambda: TODAY, caller=Access.everything())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        yield http
    if db is None:
        await app.state.service.db.close()


async def ask(http: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    response = await http.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def refusal(body: dict[str, Any]) -> dict[str, Any]:
    """The one error of a request refused before it ran."""
    assert body.get("data") is None, body
    [error] = body["errors"]
    return error  # type: ignore[no-any-return]


def parents(n: int) -> str:
    """A lookup with `n` nested `parent` fields: depth n + 1."""
    return '{ organization(code: "C-T1-V1") { ' + "parent { " * n + "code" + " }" * n + " } }"


# --- depth ---------------------------------------------------------------------------------


async def test_depth_limit(world: Database) -> None:
    async with client(DEV, world) as http:
        body = await ask(http, parents(14))
        assert "errors" not in body
        # C-T1-V1 → C-T1 → C, the root: the rest of the chain is null.
        assert body["data"]["organization"]["parent"]["parent"] == {"parent": None}

        error = refusal(await ask(http, parents(15)))
        assert error["extensions"] == {"code": "QUERY_TOO_DEEP", "found": 16, "limit": 15}
        assert error["message"] == "the query is 16 levels deep; the limit is 15"


async def test_depth_counts_through_fragments(world: Database) -> None:
    # 1 (organization) + 4 + 4 + 4 + 3 parents = 16, spread over four fragments.
    query = """{ organization(code: "C-T1-V1") { ...A } }
      fragment A on Organization { parent { parent { parent { parent { ...B } } } } }
      fragment B on Organization { parent { parent { parent { parent { ...C } } } } }
      fragment C on Organization { parent { parent { parent { parent { ...D } } } } }
      fragment D on Organization { parent { parent { parent { code } } } }"""
    async with client(DEV, world) as http:
        error = refusal(await ask(http, query))
    assert error["extensions"]["code"] == "QUERY_TOO_DEEP"
    assert error["extensions"]["found"] == 16


# --- aliases -------------------------------------------------------------------------------


async def test_alias_limit(world: Database) -> None:
    async with client(DEV, world) as http:
        fifteen = "{ " + " ".join(f"a{i}: __typename" for i in range(15)) + " }"
        assert (await ask(http, fifteen))["data"]["a14"] == "Query"

        sixteen = "{ " + " ".join(f"a{i}: __typename" for i in range(16)) + " }"
        error = refusal(await ask(http, sixteen))
    assert error["extensions"] == {"code": "TOO_MANY_ALIASES", "found": 16, "limit": 15}
    assert error["message"] == "the query has 16 aliases; the limit is 15"


async def test_aliases_count_through_fragments(world: Database) -> None:
    # 8 aliases in a fragment spread twice, plus the two aliased lookups: 18.
    query = """{ x: person(code: "P01") { ...Names } y: person(code: "P02") { ...Names } }
      fragment Names on Person { a: name b: name c: name d: name e: name f: name g: name h: name }"""
    async with client(DEV, world) as http:
        error = refusal(await ask(http, query))
    assert error["extensions"]["code"] == "TOO_MANY_ALIASES"
    assert error["extensions"]["found"] == 18


async def test_a_fragment_chain_is_measured_without_exponential_work(world: Database) -> None:
    """Each fragment spreads the next twice: 2**60 aliases in ~600 tokens. Walking
    every spread (as Strawberry's limiters do) would never finish; each fragment
    is measured once here."""
    chain = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(60))
    query = "{ ...F0 } " + chain + " fragment F60 on Query { a: __typename }"
    async with client(DEV, world) as http:
        started = time.perf_counter()
        error = refusal(await ask(http, query))
        elapsed = time.perf_counter() - started
    assert error["extensions"] == {"code": "TOO_MANY_ALIASES", "found": 2**60, "limit": 15}
    assert elapsed < 10, elapsed  # about 0.1 s; a walk of every spread would take ages


# --- tokens --------------------------------------------------------------------------------


async def test_token_limit(world: Database) -> None:
    async with client(DEV, world) as http:
        error = refusal(await ask(http, '{ person(code: "P01") { ' + "name " * 1000 + "} }"))
        assert error["extensions"]["code"] == "TOO_MANY_TOKENS"
        assert "Document contains more than 1000 tokens" in error["message"]

        # Comments count too: padding a document with them does not get past the limit.
        padded = "# padding\n" * 1000 + "{ __typename }"
        assert refusal(await ask(http, padded))["extensions"]["code"] == "TOO_MANY_TOKENS"

    async with client(Settings(mode="development", max_tokens=10), world) as http:
        assert (await ask(http, "{ __typename }"))["data"] == {"__typename": "Query"}
        assert refusal(await ask(http, parents(3)))["extensions"]["code"] == "TOO_MANY_TOKENS"


async def test_syntax_errors_have_a_code(world: Database) -> None:
    async with client(DEV, world) as http:
        error = refusal(await ask(http, "{ organization("))
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert error["message"].startswith("Syntax Error")


# --- cost ----------------------------------------------------------------------------------

FIVE_LEVELS = """query($n: Int) { organizations(first: $n) { nodes {
  children(first: $n) { nodes { children(first: $n) { nodes {
    children(first: $n) { nodes { children(first: $n) { nodes { code } } } } } } } } } } }"""


def five_levels_cost(n: int) -> int:
    """Each connection: 1 object and n nodes, each 1 object plus what it holds."""
    cost = 1 + n * 1  # the innermost connection and its nodes (codes cost nothing)
    for _ in range(4):
        cost = 1 + n * (1 + cost)
    return cost


async def test_cost_limit(world: Database) -> None:
    async with client(DEV, world) as http:
        error = refusal(await ask(http, FIVE_LEVELS, n=100))
        assert five_levels_cost(100) == 10_202_020_201
        assert error["extensions"] == {
            "code": "QUERY_TOO_COSTLY",
            "found": 10_202_020_201,
            "limit": 5_000_000,
        }
        assert "up to 10,202,020,201 objects" in error["message"]
        assert "the limit is 5,000,000" in error["message"]

        # The same shape with small pages is fine: the variables decide.
        body = await ask(http, FIVE_LEVELS, n=3)
        assert "errors" not in body
        assert len(body["data"]["organizations"]["nodes"]) == 3


def test_cost_estimate_counts_default_pages_and_resolves_variables() -> None:
    document = parse(FIVE_LEVELS)
    operation = get_operation_ast(document)
    assert operation is not None
    for given, page in [({"n": 100}, 100), ({"n": 7}, 7), ({}, 20), ({"n": None}, 20), ({"n": 500}, 100)]:
        variables = coerced_variables(schema._schema, operation, given)
        found = measure(schema._schema, document, operation, variables)
        assert (found.depth, found.cost) == (10, five_levels_cost(page)), given


def test_cost_estimate_of_a_nested_view() -> None:
    query = """{ organization(code: "C") { children(first: 2) { totalCount nodes {
      positions { nodes { person { name } } } } } } }"""
    document = parse(query)
    operation = get_operation_ast(document)
    assert operation is not None
    found = measure(schema._schema, document, operation, {})
    # person 1; positions: 1 + 20 × (position 1 + person 1) = 41;
    # children: 1 + 2 × (node 1 + 41) = 85; organization: 1 + 85.
    assert (found.depth, found.aliases, found.cost) == (6, 0, 86)


async def test_the_whole_county_nested_view_is_within_the_cost_limit(world: Database) -> None:
    """The benchmark's heaviest shape (first: 100 at every list) must pass."""
    query = nested_orggraph(100)
    document = parse(query)
    operation = get_operation_ast(document)
    assert operation is not None
    variables = coerced_variables(schema._schema, operation, {"code": "C", "on": TODAY.isoformat()})
    assert measure(schema._schema, document, operation, variables).cost == 3_020_202
    async with client(DEV, world) as http:
        body = await ask(http, query, code="C", on=TODAY.isoformat())
    assert "errors" not in body, body["errors"]
    assert [t["code"] for t in body["data"]["organization"]["children"]["nodes"]] == ["C-T1", "C-T2"]


# --- first ---------------------------------------------------------------------------------


async def test_first_above_the_cap_is_bad_user_input(world: Database) -> None:
    async with client(DEV, world) as http:
        [error] = (await ask(http, "{ people(first: 101) { totalCount } }"))["errors"]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "first"}
        assert error["message"] == "first must be between 0 and 100, got 101"

        # Far above the cap, in nested lists, it is still the argument that is
        # refused (the cost estimate counts it as the cap), and only that field.
        body = await ask(
            http,
            '{ ok: organization(code: "C") { code } organization(code: "C") { children(first: 5000) '
            "{ nodes { children(first: 5000) { nodes { code } } } } } }",
        )
        assert body["data"] == {"ok": {"code": "C"}, "organization": None}  # children is non-null
        [error] = body["errors"]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "first"}
        assert error["path"] == ["organization", "children"]

    async with client(Settings(mode="development", max_page_size=10), world) as http:
        [error] = (await ask(http, "{ people(first: 11) { totalCount } }"))["errors"]
        assert error["message"] == "first must be between 0 and 10, got 11"


# --- request body --------------------------------------------------------------------------


async def test_body_size_limit(world: Database) -> None:
    async with client(Settings(mode="development", max_body_bytes=1_000), world) as http:
        small = await http.post("/graphql", json={"query": "{ __typename }" + " " * 900})
        assert small.status_code == 200
        assert small.json() == {"data": {"__typename": "Query"}}

        large = await http.post("/graphql", json={"query": "{ __typename }" + " " * 1_000})
        assert large.status_code == 413
        assert large.headers["content-type"] == "application/json"
        assert large.json() == {
            "errors": [
                {
                    "message": "the request body is larger than the limit of 1,000 bytes",
                    "extensions": {"code": "PAYLOAD_TOO_LARGE", "limit": 1_000},
                }
            ]
        }
        assert large.headers["x-request-id"]

        # Without a Content-Length (chunked), the body is counted as it arrives.
        async def chunks() -> AsyncIterator[bytes]:
            yield b'{"query": "{ __typename }'
            for _ in range(20):
                yield b" " * 100
            yield b'"}'

        chunked = await http.post("/graphql", content=chunks(), headers={"content-type": "application/json"})
        assert "content-length" not in chunked.request.headers
        assert chunked.status_code == 413
        assert chunked.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


# --- introspection, suggestions, GraphiQL ----------------------------------------------------

INTROSPECTION = get_introspection_query(input_value_deprecation=True)  # what GraphiQL sends


async def test_introspection_on_in_development(world: Database) -> None:
    async with client(DEV, world) as http:
        body = await ask(http, INTROSPECTION)
    assert "errors" not in body
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"
    assert "Organization" in {t["name"] for t in body["data"]["__schema"]["types"]}


async def test_introspection_off_in_production(world: Database) -> None:
    async with client(PRODUCTION, world) as http:
        for query in (INTROSPECTION, '{ __type(name: "Person") { name } }'):
            errors = (await ask(http, query))["errors"]
            assert {e["extensions"]["code"] for e in errors} == {"GRAPHQL_VALIDATION_FAILED"}
            assert "introspection has been disabled" in errors[0]["message"]
        assert (await ask(http, "{ __typename }"))["data"] == {"__typename": "Query"}

    async with client(Settings(mode="production", introspection=True), world) as http:
        assert "errors" not in await ask(http, INTROSPECTION)
    async with client(Settings(mode="development", introspection=False), world) as http:
        assert "errors" in await ask(http, INTROSPECTION)


async def test_suggestions_on_in_development_and_off_in_production(world: Database) -> None:
    enum_variable = "query($l: Level) { organizations(level: $l) { totalCount } }"
    async with client(DEV, world) as http:
        [error] = (await ask(http, "{ nope }"))["errors"]
        assert error["message"] == "Cannot query field 'nope' on type 'Query'. Did you mean 'node'?"
        [error] = (await ask(http, enum_variable, l="VILAGE"))["errors"]
        assert "Did you mean the enum value 'VILLAGE'?" in error["message"]

    async with client(PRODUCTION, world) as http:
        [error] = (await ask(http, "{ nope }"))["errors"]
        assert error["message"] == "Cannot query field 'nope' on type 'Query'."
        assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        for body in (
            await ask(http, "{ organizations(level: VILAGE) { totalCount } }"),
            await ask(http, enum_variable, l="VILAGE"),
        ):
            [error] = body["errors"]
            assert "'VILAGE' does not exist in 'Level' enum" in error["message"]
            assert "Did you mean" not in error["message"]
            assert "VILLAGE" not in error["message"]

    async with client(Settings(mode="production", suggestions=True), world) as http:
        [error] = (await ask(http, "{ nope }"))["errors"]
        assert "Did you mean 'node'?" in error["message"]


async def test_graphiql_off_in_production(world: Database) -> None:
    html = {"Accept": "text/html"}
    async with client(DEV, world) as http:
        page = await http.get("/graphql", headers=html)
        assert page.status_code == 200
        assert "<title>OrgGraph GraphiQL</title>" in page.text
    async with client(PRODUCTION, world) as http:
        assert (await http.get("/graphql", headers=html)).status_code == 404
        assert (await ask(http, "{ __typename }"))["data"] == {"__typename": "Query"}
    async with client(Settings(mode="production", graphiql=True), world) as http:
        assert (await http.get("/graphql", headers=html)).status_code == 200


# --- masked internal errors and request ids ----------------------------------------------------


async def test_internal_errors_are_masked_with_the_request_id(
    neo4j_connection: Connection, caplog: pytest.LogCaptureFixture
) -> None:
    """A genuinely unexpected failure: Neo4j has no database of that name."""
    c = neo4j_connection
    missing = Database(Connection(c.uri, c.user, c.password, database="nosuchdb"))
    try:
        async with client(DEV, missing) as http:
            with caplog.at_level(logging.ERROR, logger="orggraph.errors"):
                response = await http.post(
                    "/graphql",
                    json={"query": '{ organization(code: "C") { name } }'},
                    headers={"X-Request-Id": "req-42"},
                )
    finally:
        await missing.close()
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "req-42"
    [error] = response.json()["errors"]
    error_id = error["extensions"]["errorId"]
    assert error["message"] == f"internal error (id {error_id})"
    assert error["extensions"] == {
        "code": "INTERNAL_SERVER_ERROR",
        "errorId": error_id,
        "requestId": "req-42",
    }
    for secret in ("nosuchdb", "Neo4j", "Traceback", "MATCH", "graph database"):
        assert secret not in response.text
    # The server log has the whole story under both ids.
    [record] = [r for r in caplog.records if r.name == "orggraph.errors"]
    assert record.getMessage() == f"internal error {error_id} (request req-42) at ['organization']"
    assert record.exc_info is not None
    assert "DatabaseNotFound" in caplog.text
    assert "nosuchdb" in caplog.text


async def test_every_response_has_a_request_id(world: Database) -> None:
    async with client(DEV, world) as http:
        made = (await http.post("/graphql", json={"query": "{ __typename }"})).headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{32}", made)
        other = (await http.post("/graphql", json={"query": "{ __typename }"})).headers["x-request-id"]
        assert other != made
        kept = await http.get("/health/live", headers={"X-Request-Id": "trace-1.2:3_x"})
        assert kept.headers["x-request-id"] == "trace-1.2:3_x"
        # Not an id (too long, or with spaces): replaced by one of ours.
        for offered in ("x" * 129, "a b"):
            replaced = await http.get("/health/live", headers={"X-Request-Id": offered})
            assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["x-request-id"])


# --- transaction timeout -----------------------------------------------------------------------

# A lattice of federations: the root, then 11 layers of 4, each one PART_OF all 4
# of the layer above, and a chair at the bottom. Nothing real looks like this (an
# organization has one parent), but it makes the downward walk behind
# `people(under:)` enumerate 4**10 paths to each of the 4 bottom organizations:
# about 90 s of work on this machine without a timeout.
LATTICE_WIDTH = 4
LATTICE_DEPTH = 11
WRITE_LATTICE = """
UNWIND $orgs AS o
CREATE (:Organization {id: 'id-' + o.code, code: o.code, name: o.code, kind: 'FEDERATION',
                       level: 'VILLAGE', layer: o.layer})
WITH count(*) AS created
MATCH (child:Organization), (parent:Organization)
WHERE child.code STARTS WITH 'LIMITS-LAT' AND parent.code STARTS WITH 'LIMITS-LAT'
  AND child.layer = parent.layer + 1
CREATE (child)-[:PART_OF]->(parent)
WITH DISTINCT child WHERE child.layer = $depth
CREATE (:Person {id: 'id-' + child.code + '-P', code: child.code + '-P', name: '底'})
       -[:HOLDS {id: 'id-' + child.code + '-H', role: 'CHAIR', since: date('2021-04-01')}]->(child)
"""
DELETE_LATTICE = "MATCH (n) WHERE n.code STARTS WITH 'LIMITS-LAT' DETACH DELETE n"


@pytest.fixture
async def lattice(database: Database) -> AsyncIterator[str]:
    """The lattice, committed (a request's own transaction must see it); its root's id."""
    orgs = [{"code": "LIMITS-LAT", "layer": 0}] + [
        {"code": f"LIMITS-LAT-{layer}-{i}", "layer": layer}
        for layer in range(1, LATTICE_DEPTH + 1)
        for i in range(LATTICE_WIDTH)
    ]
    await database.write(DELETE_LATTICE)
    await database.write(WRITE_LATTICE, orgs=orgs, depth=LATTICE_DEPTH)
    try:
        yield to_global_id("Organization", "id-LIMITS-LAT")
    finally:
        await database.write(DELETE_LATTICE)


async def test_a_query_over_the_transaction_timeout_is_stopped(
    neo4j_connection: Connection, lattice: str
) -> None:
    settings = settings_on(
        neo4j_connection,
        mode="development",
        query_timeout=0.5,
    )
    async with client(settings) as http:  # the app's own Database, from the settings
        started = time.perf_counter()
        body = await ask(http, "query($root: ID) { people(under: $root) { totalCount } }", root=lattice)
        elapsed = time.perf_counter() - started
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "SERVICE_UNAVAILABLE"}
    assert error["message"] == "the query took too long and was stopped"
    assert error["path"] == ["people"]
    assert elapsed < 30, elapsed  # Neo4j stops it within a second or two of the timeout


# --- settings ------------------------------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name in (
        "ORGGRAPH_MODE", "ORGGRAPH_GRAPHIQL", "ORGGRAPH_INTROSPECTION", "ORGGRAPH_SUGGESTIONS",
        "ORGGRAPH_MAX_DEPTH", "ORGGRAPH_MAX_ALIASES", "ORGGRAPH_MAX_TOKENS", "ORGGRAPH_MAX_COST",
        "ORGGRAPH_MAX_BODY_BYTES", "ORGGRAPH_DEFAULT_PAGE_SIZE", "ORGGRAPH_MAX_PAGE_SIZE",
    ):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    yield monkeypatch


def test_settings_defaults_are_the_schema_defaults(clean_env: pytest.MonkeyPatch) -> None:
    settings = Settings()
    assert settings.mode == "development"
    assert (settings.serves_graphiql, settings.allows_introspection, settings.shows_suggestions) == (
        True, True, True,
    )  # fmt: skip
    assert limits_of(settings) == Limits()
    assert settings.max_body_bytes == 1_048_576


def test_production_mode_from_the_environment(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("ORGGRAPH_MODE", "production")
    settings = Settings()
    assert (settings.serves_graphiql, settings.allows_introspection, settings.shows_suggestions) == (
        False, False, False,
    )  # fmt: skip
    clean_env.setenv("ORGGRAPH_INTROSPECTION", "on")
    clean_env.setenv("ORGGRAPH_MAX_COST", "1000")
    settings = Settings()
    assert settings.allows_introspection
    assert not settings.serves_graphiql
    assert limits_of(settings).max_cost == 1000

    clean_env.setenv("ORGGRAPH_MODE", "staging")
    with pytest.raises(ValueError, match="ORGGRAPH_MODE must be development or production"):
        Settings()
    clean_env.setenv("ORGGRAPH_MODE", "production")
    clean_env.setenv("ORGGRAPH_GRAPHIQL", "maybe")
    with pytest.raises(ValueError, match="ORGGRAPH_GRAPHIQL must be"):
        Settings()
