"""How the explorer is served: every view path answers the page, the page and
its own files name no other origin, assets come compressed with caching
headers, and nothing outside the allow-list is served (no path tricks)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from service.explorer import EXPLORER_DIR, explorer_routes, vendor_version

GZIP = {"Accept-Encoding": "gzip"}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = Starlette(routes=explorer_routes())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c


async def test_every_view_path_answers_the_page(client: httpx.AsyncClient) -> None:
    for path in (
        "/explore",
        "/explore/tree",
        "/explore/org/QX-T01-V01",
        "/explore/pipeline/QX/PARTY_ACTIVIST",
    ):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert '<script type="module" src="/explore-assets/app.js">' in response.text
        assert "{{" not in response.text  # labels and vendor URLs filled in
    page = (await client.get("/explore")).text
    assert '"EXECUTIVE":"执委"' in page
    assert f"/explore-assets/vendor/echarts.min.js?v={vendor_version('echarts.min.js')}" in page


async def test_the_page_and_its_modules_name_no_other_origin(client: httpx.AsyncClient) -> None:
    own = [EXPLORER_DIR / "index.html", *EXPLORER_DIR.glob("*.js"), *EXPLORER_DIR.glob("views/*.js")]
    own.append(EXPLORER_DIR / "style.css")
    for path in own:
        text = path.read_text("utf-8")
        assert not re.search(r"https?://|//[a-z0-9-]+\.[a-z]", text, re.I), path.name
        assert "@import" not in text and "url(http" not in text, path.name


async def test_assets_are_compressed_and_cached(client: httpx.AsyncClient) -> None:
    vendor = await client.get("/explore-assets/vendor/echarts.min.js?v=1", headers=GZIP)
    assert vendor.status_code == 200
    assert vendor.headers["content-encoding"] == "gzip"
    assert vendor.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert vendor.headers["content-type"].startswith("text/javascript")
    assert int(vendor.headers["content-length"]) < 500_000  # ~1.1 MB uncompressed
    own = await client.get("/explore-assets/app.js", headers=GZIP)
    assert own.headers["cache-control"] == "no-cache" and own.headers["content-encoding"] == "gzip"
    again = await client.get("/explore-assets/app.js", headers={"If-None-Match": own.headers["etag"]})
    assert again.status_code == 304
    document = await client.get("/explore-assets/graphql/Me.graphql")
    assert document.status_code == 200 and "query Me" in document.text


async def test_nothing_outside_the_allow_list_is_served(client: httpx.AsyncClient) -> None:
    for path in (
        "/explore-assets/vendor/zrender.js",
        "/explore-assets/node_modules/echarts/dist/echarts.min.js",
        "/explore-assets/package.json",
        "/explore-assets/index.html",
        "/explore-assets/../explorer.py",
        "/explore-assets/%2e%2e/explorer.py",
        "/explore-assets/views/../../app.py",
    ):
        assert (await client.get(path)).status_code == 404, path
