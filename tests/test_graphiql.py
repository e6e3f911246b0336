"""GraphiQL served from this service: the page names no external URL, every asset
it references is served locally, and GraphQL requests still work beside it.

`make_app()` is a throw-away Starlette app with a one-field schema, wired the way
the real service wires it; for a manual look in a browser:

    .venv/bin/uvicorn tests.test_graphiql:make_app --factory --port 8765
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL

from service import graphiql
from service.graphiql import graphiql_html, graphiql_mount

HTML = {"Accept": "text/html"}


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str | None:
        return "world"


class LocalGraphiQL(GraphQL[None, None]):
    """The Strawberry view with its CDN GraphiQL page replaced by the local one."""

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(graphiql_html())


def make_app() -> Starlette:
    view = LocalGraphiQL(strawberry.Schema(query=Query))
    return Starlette(routes=[graphiql_mount(), Route("/graphql", view)])


def client_for(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(make_app()) as client:
        yield client


def asset_urls(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', page)


async def test_page_loads_only_local_assets(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers=HTML)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "<title>OrgGraph GraphiQL</title>" in page
    assert "http" not in page.lower()
    assert "//" not in "".join(asset_urls(page))  # no protocol-relative URL either
    assert (
        "GraphiQL.createFetcher({\n            url: endpoint,\n            subscriptionUrl: socket.href,"
        in page
    )
    assert 'var endpoint = "/graphql";' in page
    assert "{{" not in page  # every placeholder filled in


async def test_page_prefills_a_bilingual_starter_query(client: httpx.AsyncClient) -> None:
    page = (await client.get("/graphql", headers=HTML)).text
    assert "欢迎使用 OrgGraph" in page
    assert "Welcome to OrgGraph" in page
    assert "organizations(first: 5)" in page
    assert "node { id code name kind level }" in page


async def test_every_referenced_asset_is_served(client: httpx.AsyncClient) -> None:
    page = (await client.get("/graphql", headers=HTML)).text
    urls = [url.replace("&amp;", "&") for url in asset_urls(page) if not url.startswith("data:")]
    assert len(urls) == 4, urls
    kinds = {".js": "text/javascript", ".css": "text/css"}
    for url in urls:
        assert url.startswith("/graphiql-assets/")
        response = await client.get(url)
        assert response.status_code == 200, f"{url}: {response.text[:200]} (run `make install`)"
        expected = kinds[Path(url.split("?")[0]).suffix]
        assert response.headers["content-type"].startswith(expected), url
        assert "immutable" in response.headers["cache-control"]
        assert len(response.content) > 1000


async def test_only_the_allow_listed_files_are_served(client: httpx.AsyncClient) -> None:
    for path in (
        "/graphiql-assets/react/package.json",
        "/graphiql-assets/graphiql/graphiql.min.js.map",
        "/graphiql-assets/react/umd/react.development.js",
        "/graphiql-assets/../graphiql.py",
        "/graphiql-assets/",
    ):
        assert (await client.get(path)).status_code == 404, path


async def test_graphql_requests_still_work(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ hello }"})
    assert response.status_code == 200
    assert response.json() == {"data": {"hello": "world"}}
    response = await client.get("/graphql", params={"query": "{ hello }"}, headers=HTML)
    assert response.json() == {"data": {"hello": "world"}}


async def test_endpoint_and_title_are_escaped() -> None:
    page = graphiql_html(endpoint="/x</script><b>", title="<i>Org</i>")
    assert "</script><b>" not in page
    assert "<i>Org</i>" not in page
    assert "<title>&lt;i&gt;Org&lt;/i&gt; GraphiQL</title>" in page


async def test_missing_assets_say_to_run_make_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(graphiql, "ASSETS_DIR", tmp_path / "node_modules")
    async with client_for(make_app()) as client:
        response = await client.get("/graphql", headers=HTML)
        asset = await client.get("/graphiql-assets/graphiql/graphiql.min.js")
    assert response.status_code == 200
    assert "make install" in response.text
    assert "graphiql/graphiql.min.js" in response.text
    assert asset.status_code == 404
    assert "make install" in asset.text
