"""GraphQL over HTTP through the real app and the real authentication: every
refusal is JSON with a code and a request id, the answer's media type and
status follow the Accept header, and batches are checked as a whole
(service/protocol.py, service/http.py, service/batch.py). None of these read
the graph, so they run on the empty test database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from graph.access import Grant
from graph.driver import Database
from service.app import create_app
from service.auth import mint
from service.settings import Settings

SECRET = "test-secret-0123456789-0123456789"
GRAPHQL_RESPONSE = "application/graphql-response+json"
AS_NEW = {"Accept": GRAPHQL_RESPONSE}


def bearer(*roles: Grant, org: str = "QX", **overrides: Any) -> dict[str, str]:
    token = mint(org=org, roles=list(roles or [Grant.VIEWER]), subject="client", key=SECRET, **overrides)
    return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def serving(db: Database, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(auth=True, jwt_secret=SECRET, **settings), db=db)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=bearer()) as http:
        yield http


@pytest.fixture
async def http(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(database) as client:
        yield client


def refused(response: httpx.Response, status: int, code: str, media: str = "application/json") -> str:
    """The message of a JSON refusal with this status and code (and a request id)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == f"{media}; charset=utf-8"
    assert response.headers["x-request-id"]
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == code, error
    message: str = error["message"]
    return message


JSON = {"Content-Type": "application/json"}


async def test_refusals_of_the_request_are_json_with_a_code(http: httpx.AsyncClient) -> None:
    post: Callable[..., Awaitable[httpx.Response]] = http.post
    assert "not valid JSON" in refused(await post("/graphql", content=b"{", headers=JSON), 400, "BAD_REQUEST")
    assert "Content-Type: application/json" in refused(
        await post("/graphql", content=b"query=%7B__typename%7D"), 415, "UNSUPPORTED_MEDIA_TYPE"
    )
    assert "no GraphQL query" in refused(await post("/graphql", json={}), 400, "BAD_REQUEST")
    assert "empty" in refused(await post("/graphql", content=b"", headers=JSON), 400, "BAD_REQUEST")
    assert "`variables` must be an object" in refused(
        await post("/graphql", json={"query": "{ __typename }", "variables": "x"}), 400, "BAD_REQUEST"
    )
    assert "JSON object" in refused(await post("/graphql", json="{ __typename }"), 400, "BAD_REQUEST")
    # Nested deeper than the JSON parser goes: a 400, not a crash.
    deep = b'{"query": "{ __typename }", "variables": {"v": ' + b"[" * 5000 + b"]" * 5000 + b"}}"
    assert "depth" in refused(await post("/graphql", content=deep, headers=JSON), 400, "BAD_REQUEST")
    # In the media type the client asked for.
    refused(await post("/graphql", json={}, headers=AS_NEW), 400, "BAD_REQUEST", GRAPHQL_RESPONSE)
    response = await http.put("/graphql", json={"query": "{ __typename }"})
    refused(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == "GET, POST"


async def test_a_mutation_over_get_is_405_allow_post(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", params={"query": "mutation { __typename }"})
    assert "POST" in refused(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == "POST"
    # A query over GET runs.
    response = await http.get("/graphql", params={"query": "{ __typename }"})
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_an_unexpected_failure_is_a_json_500_with_the_request_id(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.persisted import PersistedDocuments

    def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(PersistedDocuments, "document", broken)
    async with serving(database) as http:
        response = await http.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"X-Request-Id": "r-1"}
        )
    refused(response, 500, "INTERNAL_SERVER_ERROR")
    assert response.headers["x-request-id"] == "r-1"
    assert response.json()["errors"][0]["extensions"]["requestId"] == "r-1"


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("{", {}, "GRAPHQL_VALIDATION_FAILED"),
        ("{ noSuchField }", {}, "GRAPHQL_VALIDATION_FAILED"),
        ("query Q($first: Int!) { organizations(first: $first) { totalCount } }", {"first": "x"}, "BAD_USER_INPUT"),
        ("{ organizations(first: 100) { nodes { children(first: 100) { nodes { children(first: 100) "
         "{ nodes { children(first: 100) { nodes { code } } } } } } } } }", {}, "QUERY_TOO_COSTLY"),
    ],
    ids=["syntax", "validation", "variables", "limit"],
)  # fmt: skip
async def test_a_request_error_is_400_without_data_in_the_graphql_response_type(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any], code: str
) -> None:
    body = {"query": query, "variables": variables}
    response = await http.post("/graphql", json=body, headers=AS_NEW)
    refused(response, 400, code, GRAPHQL_RESPONSE)
    assert "data" not in response.json()
    # application/json (and no Accept, and */*): 200 and `data: null`, as before.
    for accept in ("application/json", "*/*", None):
        headers = {"Accept": accept} if accept else {}
        legacy = await http.post("/graphql", json=body, headers=headers)
        assert legacy.status_code == 200
        assert legacy.headers["content-type"] == "application/json; charset=utf-8"
        assert legacy.json()["data"] is None
        assert legacy.json()["errors"][0]["extensions"]["code"] == code


async def test_the_graphql_response_type_when_preferred(http: httpx.AsyncClient) -> None:
    apollo = {"Accept": "application/graphql-response+json,application/json;q=0.9"}
    for accept, media in [
        (apollo, GRAPHQL_RESPONSE),
        ({"Accept": "application/json, application/graphql-response+json;q=0.5"}, "application/json"),
        ({"Accept": "text/html"}, "application/json"),
    ]:
        response = await http.post("/graphql", json={"query": "{ __typename }"}, headers=accept)
        assert response.status_code == 200
        assert response.headers["content-type"] == f"{media}; charset=utf-8"
        assert response.json() == {"data": {"__typename": "Query"}}


async def test_refusals_by_role_and_token_in_the_graphql_response_type(http: httpx.AsyncClient) -> None:
    # A VIEWER's mutation: FORBIDDEN before it runs, 403.
    mutation = 'mutation { updateHousehold(id: "x", input: {address: "y"}) { household { id } } }'
    response = await http.post("/graphql", json={"query": mutation}, headers=AS_NEW)
    refused(response, 403, "FORBIDDEN", GRAPHQL_RESPONSE)
    # An expired token: 401, UNAUTHENTICATED, in the media type Apollo Client 4 reads.
    import datetime as dt

    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=10)
    expired = {**bearer(now=past, lifetime=dt.timedelta(hours=1)), **AS_NEW}
    response = await http.post("/graphql", json={"query": "{ __typename }"}, headers=expired)
    assert "expired" in refused(response, 401, "UNAUTHENTICATED", GRAPHQL_RESPONSE)


# --- batches --------------------------------------------------------------------------------


async def test_a_batch_answers_each_operation_in_order(http: httpx.AsyncClient) -> None:
    batch = [
        {"query": "{ me { subject } }"},
        {"query": "{ noSuchField }"},
        {"query": "query Q($n: Int) { organizations(first: $n) { totalCount } }", "variables": {"n": 1}},
        {"query": "query A { a: __typename } query B { b: __typename }", "operationName": "B"},
    ]
    for headers in ({}, AS_NEW):
        response = await http.post("/graphql", json=batch, headers=headers)
        assert response.status_code == 200
        me, invalid, organizations, named = response.json()
        assert me == {"data": {"me": {"subject": "client"}}}
        assert invalid["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert ("data" in invalid) == (headers == {})
        assert organizations == {"data": {"organizations": {"totalCount": 0}}}
        assert named == {"data": {"b": "Query"}}


async def test_a_batch_is_capped_in_size_and_in_total_cost(database: Database) -> None:
    one = {"query": "{ __typename }"}
    async with serving(database, max_batch=3) as http:
        assert len((await http.post("/graphql", json=[one] * 3)).json()) == 3
        assert "4 operations; the limit is 3" in refused(
            await http.post("/graphql", json=[one] * 4), 400, "BATCH_TOO_LARGE"
        )
        refused(await http.post("/graphql", json=[]), 400, "BAD_REQUEST")
        refused(await http.post("/graphql", json=[one, "x"]), 400, "BAD_REQUEST")
    # Each operation costs 1 + 100 (a page of 100); two keep the limit of 250, three do not.
    page = {"query": "{ organizations(first: 100) { nodes { code } } }"}
    async with serving(database, max_cost=250) as http:
        answers = (await http.post("/graphql", json=[page, page])).json()
        assert all("errors" not in a for a in answers)
        message = refused(await http.post("/graphql", json=[page] * 3), 400, "BATCH_TOO_COSTLY")
        assert "303" in message and "250" in message
    async with serving(database, max_batch=1) as http:
        refused(await http.post("/graphql", json=[one]), 400, "BATCHING_NOT_SUPPORTED")


# --- CORS (the browser's view of it: tests/test_clients.py) -----------------------------------

PAGE = "https://explorer.example.org"
PREFLIGHT = {
    "Origin": PAGE,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}


async def test_cors_preflight_is_answered_before_authentication(database: Database) -> None:
    async with serving(database, cors_origins=(PAGE,)) as http:
        http.headers.pop("Authorization")
        preflight = await http.options("/graphql", headers=PREFLIGHT)
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == PAGE
        allowed = preflight.headers["access-control-allow-headers"].lower()
        assert "authorization" in allowed and "content-type" in allowed
        assert "access-control-allow-credentials" not in preflight.headers
        assert preflight.headers["x-request-id"]
        # The answer, and a 401, carry the origin and expose the request id.
        for headers in (bearer(), {}):
            response = await http.post(
                "/graphql", json={"query": "{ __typename }"}, headers={"Origin": PAGE, **headers}
            )
            assert response.headers["access-control-allow-origin"] == PAGE
            assert response.headers["access-control-expose-headers"].lower() == "x-request-id"
        assert response.status_code == 401
        # Another origin gets no permission.
        other = await http.options("/graphql", headers={**PREFLIGHT, "Origin": "https://elsewhere.example"})
        assert other.status_code == 400
        assert "access-control-allow-origin" not in other.headers


async def test_no_cross_origin_access_by_default(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": "{ __typename }"}, headers={"Origin": PAGE})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    preflight = await http.options("/graphql", headers=PREFLIGHT)
    assert "access-control-allow-origin" not in preflight.headers
