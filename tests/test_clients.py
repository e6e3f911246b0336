"""Real clients against a live OrgGraph (uvicorn on a free port, authentication
on, the committed small demo): Apollo Client 4, graphql-request and
graphql-http's server audit on Node (tests/clients/*.mjs, installed by
`make install`), Python's gql, and a page on another origin in headless
Chromium (CORS)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportQueryError
from gql.transport.requests import RequestsHTTPTransport
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from graph.access import Grant
from graph.driver import Connection, Database
from service.app import create_app
from service.auth import mint
from service.persisted import DOCUMENT_FOLDERS
from service.settings import Settings
from tests.browser import LiveServer, chromium, free_port

CLIENTS = Path(__file__).resolve().parent / "clients"
SECRET = "client-secret-0123456789-0123456789"
EXECUTIVES = (DOCUMENT_FOLDERS[0] / "Executives.graphql").read_text()


def token(*roles: Grant, **overrides: Any) -> str:
    return mint(org="QX", roles=list(roles or [Grant.VIEWER]), subject="client", key=SECRET, **overrides)


def expired_token() -> str:
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=10)
    return token(now=past, lifetime=dt.timedelta(hours=1))


def live_app(connection: Connection, **settings: Any) -> Any:
    """The service as deployed: its own driver (in the server's event loop)."""
    return create_app(
        Settings(
            neo4j_uri=connection.uri,
            neo4j_user=connection.user,
            neo4j_password=connection.password,
            auth=True,
            jwt_secret=SECRET,
            # Neo4j plans cold queries slowly on a busy test machine.
            query_timeout=120.0,
            **settings,
        )
    )


ALLOWED_PAGE_PORT = free_port()


@pytest.fixture(scope="module")
def api(demo: Database, neo4j_connection: Connection) -> Iterator[LiveServer]:
    origins = (f"http://127.0.0.1:{ALLOWED_PAGE_PORT}",)
    with LiveServer(live_app(neo4j_connection, cors_origins=origins)) as server:
        yield server


def node(script: str, api: LiveServer, **env: str) -> Any:
    """Run tests/clients/<script> on Node; its printed JSON."""
    if shutil.which("node") is None or not (CLIENTS / "node_modules").is_dir():
        pytest.fail("Node and tests/clients/node_modules are needed: run `make install`")
    environment = {**os.environ, "API_URL": f"{api.url}/graphql", "TOKEN": token(), **env}
    done = subprocess.run(
        ["node", script], cwd=CLIENTS, env=environment, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_graphql_http_server_audit_passes_every_check(api: LiveServer) -> None:
    results = node("audit.mjs", api)
    assert len(results) == 61
    assert [r for r in results if r["status"] != "ok"] == []


def test_apollo_client_4(api: LiveServer) -> None:
    found = node("apollo.mjs", api, EXPIRED_TOKEN=expired_token())
    village = {"code": "QX-T01-V01", "name": found["apqPost"]["first"]["name"], "__typename": "Organization"}

    # Persisted queries over POST: the hash, PERSISTED_QUERY_NOT_FOUND (404 in the
    # new media type), the hash with the text (registered); the next operation
    # is the hash alone.
    post = found["apqPost"]
    assert {k: post["first"][k] for k in ("code", "name", "__typename")} == village
    assert post["again"]["code"] == "QX-T01-V02"
    assert [(r["method"], r["withText"], r["status"]) for r in post["requests"]] == [
        ("POST", False, 404),
        ("POST", True, 200),
        ("POST", False, 200),
    ]
    assert all(
        r["contentType"] == "application/graphql-response+json; charset=utf-8" for r in post["requests"]
    )

    # Over GET: the miss is a 404 in the new media type, the registration a POST,
    # and a hit a GET the browser may cache privately.
    get = found["apqGet"]
    assert get["first"]["level"] == "VILLAGE"
    assert get["again"]["code"] == "QX-T01-V02"
    assert [(r["method"], r["withText"], r["status"]) for r in get["requests"]] == [
        ("GET", False, 404),
        ("POST", True, 200),
        ("GET", False, 200),
    ]
    assert get["requests"][2]["cacheControl"] == "private"

    # An expired token reaches the app as a GraphQL error with its code, not an opaque ServerError.
    assert found["expired"] == {
        "thrown": True,
        "graphQLErrors": True,
        "codes": ["UNAUTHENTICATED"],
        "message": "the token has expired",
    }

    # BatchHttpLink: both operations in one request.
    batch = found["batch"]
    assert batch["village"]["code"] == "QX-T01-V01"
    assert batch["county"]["code"] == "QX"
    assert [(r["method"], r["batch"], r["status"]) for r in batch["requests"]] == [("POST", True, 200)]


def test_graphql_request_batch_requests(api: LiveServer) -> None:
    village, me = node("graphql_request.mjs", api)
    assert village["organization"]["code"] == "QX-T01-V01"
    assert me == {"me": {"subject": "client", "roles": ["VIEWER"]}}


# --- Python: gql 4 ----------------------------------------------------------------------------


def gql_client(api: LiveServer, bearer: str) -> Client:
    transport = RequestsHTTPTransport(
        url=f"{api.url}/graphql", headers={"Authorization": f"Bearer {bearer}"}, timeout=60
    )
    return Client(transport=transport, fetch_schema_from_transport=False)


def test_gql_paginates_and_reads_error_codes(api: LiveServer) -> None:
    with gql_client(api, token()) as session:
        seen: list[str] = []
        after = None
        total = None
        while True:
            request = GraphQLRequest(EXECUTIVES, variable_values={"first": 100, "after": after})
            page = session.execute(request)["people"]
            total = page["totalCount"]
            seen += [n["code"] for n in page["nodes"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert total is not None and total > 100
        assert len(seen) == len(set(seen)) == total

        with pytest.raises(TransportQueryError) as refused:
            session.execute(GraphQLRequest("{ organization(code: 1) { code } }"))
        assert refused.value.errors is not None
        assert refused.value.errors[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        with pytest.raises(TransportQueryError) as refused:
            session.execute(GraphQLRequest(EXECUTIVES, variable_values={"first": 1000}))
        assert refused.value.errors is not None
        assert refused.value.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"

    with gql_client(api, expired_token()) as session, pytest.raises(TransportQueryError) as refused:
        session.execute(GraphQLRequest("{ me { subject } }"))
    assert refused.value.errors is not None
    assert refused.value.errors[0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_gql_persisted_queries_and_execute_batch(api: LiveServer) -> None:
    county = GraphQLRequest('{ organization(code: "QX") { code } }')
    # gql sends the canonical print of its document: that is the text APQ hashes.
    from graphql import print_ast

    text = print_ast(county.document)
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(text.encode()).hexdigest()}}
    with gql_client(api, token()) as session:
        assert session.execute(GraphQLRequest(county, extensions=persisted)) == {
            "organization": {"code": "QX"}
        }
        wrong = {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}
        with pytest.raises(Exception, match="not the SHA-256"):
            session.execute(GraphQLRequest(county, extensions=wrong))

        answers = session.execute_batch(
            [
                county,
                GraphQLRequest(EXECUTIVES, variable_values={"first": 2}),
                GraphQLRequest("{ me { roles } }"),
            ]
        )
        assert answers[0] == {"organization": {"code": "QX"}}
        assert len(answers[1]["people"]["nodes"]) == 2
        assert answers[2] == {"me": {"roles": ["VIEWER"]}}


def test_gql_against_required_trusted_documents(demo: Database, neo4j_connection: Connection) -> None:
    with LiveServer(live_app(neo4j_connection, trusted_documents="required")) as strict:
        with gql_client(strict, token()) as session:
            # A trusted document's text (gql sends its canonical print) runs.
            page = session.execute(GraphQLRequest(EXECUTIVES, variable_values={"first": 1}))
            assert len(page["people"]["nodes"]) == 1
            with pytest.raises(TransportQueryError) as refused:
                session.execute(GraphQLRequest("{ me { subject } }"))
            assert refused.value.errors is not None
            assert refused.value.errors[0]["extensions"]["code"] == "TRUSTED_DOCUMENT_REQUIRED"
        with gql_client(strict, token(Grant.ANALYST)) as session:
            assert session.execute(GraphQLRequest("{ me { subject } }")) == {"me": {"subject": "client"}}


# --- a browser page on another origin ---------------------------------------------------------

PAGE = "<!doctype html><html><head><title>另一个来源</title></head><body>app</body></html>"
CALL = """async ([url, token]) => {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Authorization": "Bearer " + token },
      body: JSON.stringify({ query: '{ organization(code: "QX") { code } }' }),
    });
    return { status: response.status, body: await response.json(),
             requestId: response.headers.get("X-Request-Id") };
  } catch (error) {
    return { blocked: String(error) };
  }
}"""


def page_server(port: int | None = None) -> LiveServer:
    async def home(request: Any) -> HTMLResponse:
        return HTMLResponse(PAGE)

    return LiveServer(Starlette(routes=[Route("/", home)]), port=port)


def test_a_page_on_an_allowed_origin_calls_the_api_and_others_are_blocked(api: LiveServer) -> None:
    with page_server(ALLOWED_PAGE_PORT) as allowed, page_server() as other, chromium() as browser:
        page = browser.new_page()
        page.goto(allowed.url)
        answer = page.evaluate(CALL, [f"{api.url}/graphql", token()])
        assert answer["status"] == 200
        assert answer["body"] == {"data": {"organization": {"code": "QX"}}}
        assert answer["requestId"]  # exposed to the page
        # An expired token's 401 is readable by the page too.
        refused = page.evaluate(CALL, [f"{api.url}/graphql", expired_token()])
        assert refused["status"] == 401
        assert refused["body"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

        page.goto(other.url)
        blocked = page.evaluate(CALL, [f"{api.url}/graphql", token()])
        assert "Failed to fetch" in blocked["blocked"]
