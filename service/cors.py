"""Cross-origin access for browser apps served from another origin.

The origins come from ORGGRAPH_CORS_ORIGINS (comma-separated, e.g.
`https://app.example.org,http://localhost:5173`; `*` allows any origin); none
by default, so a browser keeps other sites' pages from calling the API. The
middleware sits before authentication: a preflight `OPTIONS` never carries the
token, and a 401 must carry `Access-Control-Allow-Origin` too, or the page
cannot read why it was refused. Requests may send `Authorization` and
`Content-Type`; `X-Request-Id` is exposed to the page. Tokens travel in a
header, not in cookies, so credentials are not allowed.
"""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

ALLOWED_HEADERS = ("Authorization", "Content-Type", "X-Request-Id")
EXPOSED_HEADERS = ("X-Request-Id",)
# How long a browser may reuse a preflight's answer (seconds).
PREFLIGHT_MAX_AGE = 600


def cors_middleware(origins: tuple[str, ...]) -> list[Middleware]:
    """The CORS middleware for these origins, or nothing when there are none."""
    if not origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=list(origins),
            allow_methods=["GET", "POST"],
            allow_headers=list(ALLOWED_HEADERS),
            expose_headers=list(EXPOSED_HEADERS),
            allow_credentials=False,
            max_age=PREFLIGHT_MAX_AGE,
        )
    ]
