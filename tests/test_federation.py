"""OrgGraph as an Apollo Federation 2 subgraph.

In-process: `_service { sdl }`, the plain SDL, and entity resolution in a
bounded number of Cypher queries. Then for real: OrgGraph served by uvicorn,
a second subgraph (tests/federation/party-subgraph.mjs, a Party-membership
system extending Person by @key(fields: "id")) and an @apollo/gateway composing
both with IntrospectAndCompose; one query through the gateway spans both.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from graphql import build_schema

from graph.access import Grant
from graph.driver import Connection, Database
from schema.build import plain_sdl, subgraph_sdl
from schema.relay import to_global_id
from service.auth import mint
from tests.conftest import GraphQLClient
from tests.graphs import GraphBuilder, rid
from tests.helpers import RolledBackDatabase

FEDERATION = Path(__file__).resolve().parent / "federation"
ROOT = FEDERATION.parent.parent


async def test_service_sdl_is_the_committed_subgraph_schema(api: GraphQLClient) -> None:
    data = await api.data("{ _service { sdl } }")
    assert data["_service"]["sdl"] == subgraph_sdl()
    for entity in ("Organization", "Person", "Grid", "Household"):
        assert f'type {entity} implements Node @key(fields: "id") @key(fields: "code")' in subgraph_sdl()


def test_plain_sdl_has_no_federation_machinery() -> None:
    sdl = plain_sdl()
    assert "@key" not in sdl and "_entities" not in sdl and "_Any" not in sdl
    parsed = build_schema(sdl)
    assert {"organization", "people", "coverage", "pipelineFunnel"} <= set(parsed.query_type.fields)  # type: ignore[union-attr]


async def test_entities_by_id_and_code(api: GraphQLClient) -> None:
    query = """query($reps: [_Any!]!) { _entities(representations: $reps) {
        __typename ... on Person { code name } ... on Organization { code } ... on Household { code } } }"""
    reps = [
        {"__typename": "Person", "id": to_global_id("Person", rid("P01"))},
        {"__typename": "Person", "code": "P05"},
        {"__typename": "Organization", "code": "C-T1-V1"},
        {"__typename": "Household", "id": to_global_id("Household", rid("C-T1-V1-H01"))},
        {"__typename": "Person", "id": to_global_id("Person", "nobody")},
    ]
    data = await api.data(query, reps=reps)
    assert data["_entities"] == [
        {"__typename": "Person", "code": "P01", "name": "王芳"},
        {"__typename": "Person", "code": "P05", "name": "陈静"},
        {"__typename": "Organization", "code": "C-T1-V1"},
        {"__typename": "Household", "code": "C-T1-V1-H01"},
        None,
    ]


async def test_500_references_cost_one_query_per_key_kind(db: RolledBackDatabase) -> None:
    g = GraphBuilder()
    for n in range(500):
        g.person(f"Q{n:03d}", f"人{n}")
    await g.write(db)
    import httpx

    from service.app import create_app

    reps = [{"__typename": "Person", "id": to_global_id("Person", rid(f"Q{n:03d}"))} for n in range(400)]
    reps += [{"__typename": "Person", "code": f"Q{n:03d}"} for n in range(400, 500)]
    app = create_app(db=db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        db.queries = 0
        body = (
            await http.post(
                "/graphql",
                json={
                    "query": "query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { code } } }",
                    "variables": {"r": reps},
                },
            )
        ).json()
    assert [e["code"] for e in body["data"]["_entities"]] == [f"Q{n:03d}" for n in range(500)]
    assert db.queries == 2  # one batch by id, one by code


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, body: dict[str, Any] | None = None, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            data = json.dumps(body).encode() if body else None
            request = urllib.request.Request(url, data=data, headers={"content-type": "application/json"})
            urllib.request.urlopen(request, timeout=2).read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def post(url: str, query: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    request = urllib.request.Request(
        url,
        data=json.dumps({"query": query}).encode(),
        headers={"content-type": "application/json", **(headers or {})},
    )
    result: dict[str, Any] = json.loads(urllib.request.urlopen(request, timeout=30).read())
    return result


@pytest.fixture
def servers(demo: Database, neo4j_connection: Connection) -> Iterator[dict[str, str]]:
    """OrgGraph over HTTP on the demo county, the party subgraph and the gateway."""
    node_modules = FEDERATION / "node_modules"
    assert node_modules.exists(), "run `make install` (npm ci in tests/federation)"
    ports = {name: free_port() for name in ("orggraph", "party", "gateway")}
    env = {
        **os.environ,
        "NEO4J_URI": neo4j_connection.uri,
        "NEO4J_USER": neo4j_connection.user,
        "NEO4J_PASSWORD": neo4j_connection.password,
        "ORGGRAPH_PORT": str(ports["orggraph"]),
        # OrgGraph checks tokens here, as in production; the gateway composes with its own.
        "ORGGRAPH_AUTH": "on",
        "ORGGRAPH_JWT_SECRET": SECRET,
        "GATEWAY_TOKEN": bearer("QX", Grant.VIEWER, subject="gateway"),
    }
    urls = {name: f"http://127.0.0.1:{port}/" for name, port in ports.items()}
    urls["orggraph"] += "graphql"
    started: list[subprocess.Popen[bytes]] = []

    def start(args: list[str], cwd: Path) -> None:
        started.append(
            subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )

    try:
        start([sys.executable, "-m", "service.cli.main", "serve"], ROOT)
        start(["node", "party-subgraph.mjs", str(ports["party"])], FEDERATION)
        wait_for(urls["orggraph"].replace("/graphql", "/health/live"))
        wait_for(urls["party"], {"query": "{ _service { sdl } }"})
        start(["node", "gateway.mjs", str(ports["gateway"]), urls["orggraph"], urls["party"]], FEDERATION)
        wait_for(urls["gateway"], {"query": "{ __typename }"})
        yield urls
    finally:
        for process in started:
            process.terminate()
        for process in started:
            process.wait(timeout=20)


SECRET = "federation-test-secret-0123456789"


def bearer(org: str, *grants: Grant, subject: str = "analyst") -> str:
    return mint(org=org, roles=list(grants), subject=subject, key=SECRET)


@pytest.mark.slow
def test_a_query_through_the_gateway_spans_both_subgraphs(servers: dict[str, str]) -> None:
    county = {"Authorization": f"Bearer {bearer('QX', Grant.EDITOR)}"}
    direct = post(servers["orggraph"], '{ person(code: "P0000067") { id name } }', county)["data"]["person"]
    body = post(
        servers["gateway"],
        """{ person(code: "P0000067") {
              id name
              positions { role organization { name } }
              partyMembership { branch source } } }""",
        county,
    )
    assert "errors" not in body, body
    person = body["data"]["person"]
    assert (person["id"], person["name"]) == (direct["id"], direct["name"])
    assert person["positions"], "OrgGraph's own fields come through the gateway"
    assert person["partyMembership"] == {"branch": f"branch-{direct['id'][-6:]}", "source": "party-subgraph"}
    # And entities resolved by key from the other direction: organizations' people.
    body = post(
        servers["gateway"],
        '{ organization(code: "QX-T01-V01") { positions(first: 3) { nodes { person { name partyMembership { source } } } } } }',
        county,
    )
    nodes = body["data"]["organization"]["positions"]["nodes"]
    assert len(nodes) == 3 and all(
        n["person"]["partyMembership"]["source"] == "party-subgraph" for n in nodes
    )


@pytest.mark.slow
def test_the_gateway_forwards_the_caller_s_token(servers: dict[str, str]) -> None:
    query = '{ person(code: "P0000067") { code phone positions { organization { code } } } }'
    editor = post(servers["gateway"], query, {"Authorization": f"Bearer {bearer('QX', Grant.EDITOR)}"})
    person = editor["data"]["person"]
    village = person["positions"][0]["organization"]["code"]
    assert "*" not in person["phone"]
    # The same query as a VIEWER: the subgraph saw her token, so the phone is masked.
    viewer = post(servers["gateway"], query, {"Authorization": f"Bearer {bearer('QX', Grant.VIEWER)}"})
    assert viewer["data"]["person"]["phone"] == person["phone"][:3] + "****" + person["phone"][-4:]
    # Scoped to another township, she does not exist.
    township = "-".join(village.split("-")[:2])
    other = "QX-T02" if township != "QX-T02" else "QX-T01"
    outside = post(servers["gateway"], query, {"Authorization": f"Bearer {bearer(other, Grant.EDITOR)}"})
    assert outside["data"]["person"] is None
    # Without a token OrgGraph answers 401 and the gateway reports an error.
    anonymous = post(servers["gateway"], query)
    assert anonymous.get("errors") and not (anonymous.get("data") or {}).get("person")
