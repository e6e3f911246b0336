"""GraphiQL served entirely by this service, for users with no internet access.

Strawberry's own GraphiQL page loads React and GraphiQL from a CDN. Here the
same browser builds come from npm instead: `make install` runs `npm ci` in
service/graphiql/ (package.json and package-lock.json pin graphiql, react and
react-dom), and `graphiql_mount()` serves exactly the four files the page needs
under /graphiql-assets/. `graphiql_html()` renders service/static/graphiql.html,
which names no external URL. Wiring, on a `strawberry.asgi.GraphQL` subclass::

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(graphiql_html())

When the assets are not installed, the page says to run `make install` instead
of staying blank, and each asset URL answers 404 with the same advice.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

ASSETS_DIR = Path(__file__).resolve().parent / "graphiql" / "node_modules"
ASSETS_PREFIX = "/graphiql-assets"
TEMPLATE = Path(__file__).resolve().parent / "static" / "graphiql.html"

# Template placeholder -> (npm package, file inside it); nothing else is served.
ASSETS: dict[str, tuple[str, str]] = {
    "REACT_JS": ("react", "umd/react.production.min.js"),
    "REACT_DOM_JS": ("react-dom", "umd/react-dom.production.min.js"),
    "GRAPHIQL_JS": ("graphiql", "graphiql.min.js"),
    "GRAPHIQL_CSS": ("graphiql", "graphiql.min.css"),
}
_SERVED = frozenset(f"{package}/{file}" for package, file in ASSETS.values())
# Page URLs carry the package version (?v=), so a cached copy never goes stale.
CACHE_CONTROL = "public, max-age=31536000, immutable"
MISSING_MESSAGE = "GraphiQL assets are not installed: run `make install` (npm ci in service/graphiql)."

DEFAULT_QUERY = """\
# 欢迎使用 OrgGraph！在这里编写并运行 GraphQL 查询。
# Welcome to OrgGraph! Write and run GraphQL queries here.
#
# 运行 Run: Ctrl-Enter 或 or ▶    补全 Complete: Ctrl-Space
# 左上角 Docs 可浏览全部类型 / Browse all types in Docs
#
# 示例：前 5 个组织 / Example: the first five organizations

{
  organizations(first: 5) {
    totalCount
    edges {
      node { id code name kind level }
    }
  }
}
"""


class _AssetFiles(StaticFiles):
    """StaticFiles over node_modules that serves only the allow-listed files."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory=directory, check_dir=False)
        self.root = directory

    async def check_config(self) -> None:
        # A missing node_modules is answered per file below, not with a crash.
        return None

    async def get_response(self, path: str, scope: Scope) -> Response:
        relative = Path(path).as_posix()
        if relative not in _SERVED:
            return PlainTextResponse("Not Found", status_code=404)
        if not (self.root / relative).is_file():
            return PlainTextResponse(MISSING_MESSAGE, status_code=404)
        response = await super().get_response(path, scope)
        response.headers["Cache-Control"] = CACHE_CONTROL
        return response


def graphiql_mount() -> Mount:
    """The route serving GraphiQL's React, ReactDOM, JS and CSS at /graphiql-assets/."""
    return Mount(ASSETS_PREFIX, app=_AssetFiles(ASSETS_DIR), name="graphiql-assets")


def missing_assets() -> list[str]:
    """The asset files (package/path) not installed under ASSETS_DIR."""
    return sorted(rel for rel in _SERVED if not (ASSETS_DIR / rel).is_file())


def _asset_url(package: str, file: str) -> str:
    version = json.loads((ASSETS_DIR / package / "package.json").read_text("utf-8"))["version"]
    return f"{ASSETS_PREFIX}/{package}/{file}?v={version}"


def _script_json(value: str) -> str:
    """A JSON string literal that is safe inside an HTML <script> element."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")


def graphiql_html(endpoint: str = "/graphql", title: str = "OrgGraph") -> str:
    """The GraphiQL page for `endpoint`, titled "<title> GraphiQL", loading local assets only."""
    missing = missing_assets()
    if missing:
        items = "".join(f"<li><code>{html.escape(rel)}</code></li>" for rel in missing)
        return (
            '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8" />'
            f"<title>{html.escape(title)} GraphiQL</title></head>"
            '<body style="font: 16px/1.6 system-ui, sans-serif; margin: 3em; max-width: 40em">'
            "<h1>GraphiQL 资源未安装 / GraphiQL assets are missing</h1>"
            "<p>Run <code>make install</code> in the project directory, then reload this page. "
            f"The GraphQL endpoint {html.escape(endpoint)} itself works without them.</p>"
            "<p>请在项目目录中运行 <code>make install</code>，然后刷新本页。</p>"
            f"<p>Missing under {html.escape(str(ASSETS_DIR))}:</p><ul>{items}</ul></body></html>"
        )
    values = {name: html.escape(_asset_url(*asset)) for name, asset in ASSETS.items()}
    values["TITLE"] = html.escape(title)
    values["ENDPOINT_JSON"] = _script_json(endpoint)
    values["DEFAULT_QUERY_JSON"] = _script_json(DEFAULT_QUERY)
    page = TEMPLATE.read_text("utf-8")
    for name, value in values.items():
        page = page.replace("{{" + name + "}}", value)
    return page
