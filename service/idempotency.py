"""The `Idempotency-Key` header of a mutation request (see graph/idempotency.py).

`IdempotencyKeys` reads the header of a POST, checks it (1-255 printable ASCII
characters, else 400 BAD_USER_INPUT), fingerprints the request (its JSON with
keys sorted, so a client that re-serializes the same request still matches; or
the raw body if it is not JSON) and leaves a `Claim` in the ASGI scope, where
the GraphQL view puts it on the request's audit trail. Without the header
nothing changes.
"""

from __future__ import annotations

import hashlib

import orjson
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from graph.idempotency import KEY_LENGTH, Claim
from service.limits import replaying

HEADER = "idempotency-key"
SCOPE_KEY = "orggraph.idempotency"


def claim_of(request: Request | WebSocket) -> Claim | None:
    """The request's idempotency claim, if it carried a key."""
    claim = request.scope.get(SCOPE_KEY)
    return claim if isinstance(claim, Claim) else None


def fingerprint(body: bytes) -> str:
    try:
        canonical = orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS)
    except orjson.JSONDecodeError:
        canonical = body
    return hashlib.sha256(canonical).hexdigest()


class IdempotencyKeys:
    """Turns an `Idempotency-Key` header into a `Claim` (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, hours: float) -> None:
        self.app = app
        self.hours = hours

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = Headers(scope=scope).get(HEADER) if scope["type"] == "http" else None
        if key is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        if not (0 < len(key) <= KEY_LENGTH and key.isascii() and key.isprintable()):
            error = {
                "message": f"the Idempotency-Key header must be 1 to {KEY_LENGTH} printable ASCII characters",
                "extensions": {"code": "BAD_USER_INPUT", "argument": "Idempotency-Key"},
            }
            await JSONResponse({"errors": [error]}, status_code=400)(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        scope[SCOPE_KEY] = Claim(key, fingerprint(body), self.hours)
        await self.app(scope, replaying(body, receive), send)
