"""The explorer: the organization graph in the browser for people who do not
write GraphQL, served by this service for an office intranet without internet.

`/explore` and every path below it answer the same page (service/explorer/
index.html), so a view's URL can be bookmarked and shared; the page's router
reads the path. `/explore-assets/` serves the page's own ES modules, CSS and
GraphQL documents (service/explorer/) and the two vendor builds that
`make install` brings with `npm ci` (Apache ECharts and cytoscape.js, pinned by
service/explorer/package-lock.json): nothing is fetched from another origin.
Assets are served gzip-compressed when the browser accepts it, with an ETag;
the vendor files carry their package version in the URL and are cached for a
year, the page's own files are revalidated (cheap 304s) so a deploy shows at once.

Every GraphQL operation the page sends is a named operation in its own file
under service/explorer/graphql/ (tests/test_explorer_documents.py validates
each against the schema).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import mimetypes
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from schema import enums

EXPLORER_DIR = Path(__file__).resolve().parent / "explorer"
DOCUMENTS_DIR = EXPLORER_DIR / "graphql"
VENDOR_DIR = EXPLORER_DIR / "node_modules"
PAGE_PREFIX = "/explore"
ASSETS_PREFIX = "/explore-assets"

# URL name under /explore-assets/vendor/ -> (npm package, file inside it).
VENDOR: dict[str, tuple[str, str]] = {
    "echarts.min.js": ("echarts", "dist/echarts.min.js"),
    "cytoscape.min.js": ("cytoscape", "dist/cytoscape.min.js"),
}
# The page's own files, by suffix: nothing else under service/explorer/ is served.
OWN_SUFFIXES = frozenset({".js", ".css", ".graphql"})
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
MISSING_MESSAGE = "Explorer assets are not installed: run `make install` (npm ci in service/explorer)."


@dataclass(frozen=True)
class Asset:
    """A file as served: its bytes, gzip-compressed bytes, type and ETag."""

    body: bytes
    gzipped: bytes
    media_type: str
    etag: str


@cache
def _load(path: Path, mtime_ns: int) -> Asset:
    # Keyed by the file's mtime too, so an edited file is served fresh.
    body = path.read_bytes()
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix in (".js", ".mjs"):
        media = "text/javascript"
    elif path.suffix == ".graphql":
        media = "application/graphql"
    if media.startswith("text/") or media.startswith("application/"):
        media += "; charset=utf-8"
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
    return Asset(body, gzip.compress(body, compresslevel=9, mtime=0), media, etag)


def _asset(path: Path) -> Asset:
    return _load(path, path.stat().st_mtime_ns)


def _respond(request: Request, asset: Asset, cache_control: str) -> Response:
    headers = {"Cache-Control": cache_control, "ETag": asset.etag, "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(asset.gzipped, media_type=asset.media_type, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)


def vendor_version(name: str) -> str:
    """The installed version of a vendor file's npm package ("" if missing)."""
    package = VENDOR[name][0]
    try:
        meta = json.loads((VENDOR_DIR / package / "package.json").read_text("utf-8"))
    except FileNotFoundError:
        return ""
    return str(meta["version"])


def missing_vendor() -> list[str]:
    """Vendor files (package/path) not installed under VENDOR_DIR."""
    return sorted(f"{p}/{f}" for p, f in VENDOR.values() if not (VENDOR_DIR / p / f).is_file())


@cache
def explorer_page_labels() -> dict[str, dict[str, str]]:
    """Each enum's Chinese labels as the schema describes its values, e.g.
    labels["Role"]["EXECUTIVE"] == "执委": the page shows these, never its own copy."""
    labels: dict[str, dict[str, str]] = {}
    for name in enums.__all__:
        definition = getattr(enums, name).__strawberry_definition__
        labels[definition.name] = {v.name: v.description or v.name for v in definition.values}
    return labels


def _script_json(value: object) -> str:
    """JSON that is safe inside an HTML <script> element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e")


async def _page(request: Request) -> Response:
    # The page names its assets with the vendor versions, so a new install is fetched anew.
    page = (EXPLORER_DIR / "index.html").read_text("utf-8")
    page = page.replace("{{LABELS_JSON}}", _script_json(explorer_page_labels()))
    for name in VENDOR:
        page = page.replace("{{" + name + "}}", f"{ASSETS_PREFIX}/vendor/{name}?v={vendor_version(name)}")
    body = page.encode()
    asset = Asset(body, gzip.compress(body, mtime=0), "text/html; charset=utf-8", "")
    response = _respond(request, asset, REVALIDATE)
    del response.headers["ETag"]
    return response


async def _vendor(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in VENDOR:
        return PlainTextResponse("Not Found", status_code=404)
    package, file = VENDOR[name]
    path = VENDOR_DIR / package / file
    if not path.is_file():
        return PlainTextResponse(MISSING_MESSAGE, status_code=404)
    return _respond(request, _asset(path), IMMUTABLE)


async def _own(request: Request) -> Response:
    relative = Path(request.path_params["path"])
    path = (EXPLORER_DIR / relative).resolve()
    if (
        ".." in relative.parts
        or path.suffix not in OWN_SUFFIXES
        or not path.is_relative_to(EXPLORER_DIR)
        or VENDOR_DIR in path.parents
        or not path.is_file()
    ):
        return PlainTextResponse("Not Found", status_code=404)
    return _respond(request, _asset(path), REVALIDATE)


def explorer_routes() -> list[BaseRoute]:
    """/explore (and every view path below it) and /explore-assets/."""
    return [
        Route(PAGE_PREFIX, _page),
        Route(PAGE_PREFIX + "/{rest:path}", _page),
        Route(ASSETS_PREFIX + "/vendor/{name}", _vendor),
        Route(ASSETS_PREFIX + "/{path:path}", _own),
    ]


def documents() -> dict[str, str]:
    """Every GraphQL document the page sends, by file name (without .graphql)."""
    return {p.stem: p.read_text("utf-8") for p in sorted(DOCUMENTS_DIR.glob("*.graphql"))}
