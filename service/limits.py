"""What the HTTP side adds to the operation limits: every request gets an id,
request bodies have a maximum size, and the schema is the one the settings
configure (limits, introspection, suggestions).

- `RequestIds`: the id is the client's `X-Request-Id` when it looks like an id
  (letters, digits and `._:-`, at most 128 characters), else a new one; it is
  sent back as `X-Request-Id`, and while the request runs it is
  `schema.errors.request_id`, so a masked internal error carries it
  (`extensions.requestId`) and the server log names it.
- `BodyLimit`: a body over `max_body_bytes` (by its Content-Length, or counted
  as it arrives) is answered 413 with a GraphQL-style error body,
  `extensions.code` PAYLOAD_TOO_LARGE, before the GraphQL view sees it.
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING

import strawberry
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware import Middleware
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from schema.build import build_schema
from schema.errors import request_id
from schema.limits import Limits
from service.deadline import RequestDeadline

if TYPE_CHECKING:
    from service.settings import Settings

REQUEST_ID_HEADER = "x-request-id"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def limits_of(settings: Settings) -> Limits:
    return Limits(
        max_depth=settings.max_depth,
        max_aliases=settings.max_aliases,
        max_tokens=settings.max_tokens,
        max_cost=settings.max_cost,
        default_page_size=settings.default_page_size,
        max_page_size=settings.max_page_size,
    )


def schema_for(settings: Settings) -> strawberry.federation.Schema:
    """The schema with the settings' limits, introspection and suggestions (one per configuration)."""
    return build_schema(
        limits_of(settings),
        introspection=settings.allows_introspection,
        suggestions=settings.shows_suggestions,
    )


def limit_middleware(settings: Settings) -> list[Middleware]:
    """Request ids outermost (so every answer, a 413 too, carries one), then the
    request deadline (service/deadline.py), then the body limit."""
    return [
        Middleware(RequestIds),
        Middleware(RequestDeadline, seconds=settings.request_timeout),
        Middleware(BodyLimit, max_bytes=settings.max_body_bytes),
    ]


def replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands on a body already read whole, then the client's
    own messages (a disconnect)."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


class RequestIds:
    """Gives every HTTP request an id (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        offered = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
        rid = offered if _REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = rid
            await send(message)

        token = request_id.set(rid)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)


class BodyLimit:
    """Answers 413 to a request body over `max_bytes` (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self.too_large(scope, receive, send)
            return
        # Without a (truthful) Content-Length the body is read here, up to the
        # limit, and handed on whole; the GraphQL view reads it whole anyway.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self.too_large(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        await self.app(scope, replaying(body, receive), send)

    async def too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = {
            "message": f"the request body is larger than the limit of {self.max_bytes:,} bytes",
            "extensions": {"code": "PAYLOAD_TOO_LARGE", "limit": self.max_bytes},
        }
        await JSONResponse({"errors": [error]}, status_code=413)(scope, receive, send)
