"""Subscriptions' transports at /graphql: graphql-transport-ws over WebSocket and
GraphQL over Server-Sent Events (graphql-sse's distinct-connections mode).

WebSocket: the token travels in `connection_init`'s payload
(`{"Authorization": "Bearer <JWT>"}`, or `{"token": "<JWT>"}`) and is verified as
the header is (service/auth.py); a bad one closes the socket with 4401 and the
reason. Subscriptions per connection are capped (ORGGRAPH_MAX_SUBSCRIPTIONS_PER_CONNECTION);
clients keep the socket alive with graphql-transport-ws pings.

SSE: a POST (or GET) with `Accept: text/event-stream`, the token in the header
as for any request; each result is an `event: next`, the end `event: complete`,
and a `: ping` comment every 15 s keeps proxies from closing an idle stream.
Both run the same documents, trusted-document rules and operation limits as
queries over HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import orjson
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import StreamingResponse
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from service.auth import Unauthenticated
from service.protocol import Params, wants_event_stream

if TYPE_CHECKING:
    from schema.context import Context
    from service.persisted import Document

SSE_HEARTBEAT = 15.0
# WebSocket close codes (graphql-transport-ws keeps 4400-4499 for the server).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_TOKEN_EXPIRED = 4403


def token_of(payload: dict[str, Any]) -> str:
    """The JWT of a `connection_init` payload, or Unauthenticated."""
    value = payload.get("Authorization") or payload.get("authorization") or payload.get("token")
    if not isinstance(value, str) or not value.strip():
        raise Unauthenticated(
            'send the token in connection_init\'s payload: {"Authorization": "Bearer <JWT>"}'
        )
    scheme, _, token = value.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token else value.strip()


def close_reason(text: str) -> str:
    """A close reason within the WebSocket limit of 123 bytes."""
    encoded = text.encode()[:123]
    return encoded.decode(errors="ignore")


class AuthenticatingHandler(BaseGraphQLTransportWSHandler["Context", None]):
    """graphql-transport-ws with the token verified at `connection_init`."""

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        payload = message.get("payload") or {}
        if not self.connection_init_received and isinstance(payload, dict):
            try:
                await self.view.authenticate_socket(self.context, payload)  # type: ignore[attr-defined]
            except Unauthenticated as e:
                await self.websocket.close(
                    code=CLOSE_UNAUTHENTICATED, reason=close_reason(f"UNAUTHENTICATED: {e}")
                )
                return
        await super().handle_connection_init(message)


async def event_stream(
    schema: Any, context: Context, params: Params, document: Document
) -> AsyncIterator[str]:
    """The SSE body of one operation: a subscription's results as they come, or
    a query's single result, then `complete`."""
    try:
        source = await schema.subscribe(
            document.text,
            variable_values=params.variables,
            context_value=context,
            operation_name=params.operation_name,
        )
    except Exception as e:
        yield _event("next", {"errors": [GraphQLError(str(e)).formatted]})
        yield _event("complete", None)
        return
    if isinstance(source, ExecutionResult):
        yield _event("next", _result(source))
        yield _event("complete", None)
        return
    results = source.__aiter__()
    step: asyncio.Future[Any] | None = None
    try:
        while True:
            step = asyncio.ensure_future(results.__anext__())
            while True:
                done, _ = await asyncio.wait({step}, timeout=SSE_HEARTBEAT)
                if done:
                    break
                yield ": ping\n\n"
            try:
                result = step.result()
            except StopAsyncIteration:
                break
            yield _event("next", _result(result))
            if result.errors and result.data is None:
                break
        yield _event("complete", None)
    finally:
        # The client went away while the subscription waited for its next
        # change: the waiting step is cancelled, which ends the subscription
        # (its slot and the per-caller count freed now, not when it is collected).
        if step is not None and not step.done():
            step.cancel()
            with contextlib.suppress(BaseException):
                await step
        with contextlib.suppress(Exception):
            await results.aclose()


def _result(result: ExecutionResult) -> dict[str, Any]:
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [e.formatted for e in result.errors]
    return body


def _event(name: str, data: object) -> str:
    payload = "" if data is None else orjson.dumps(data).decode()
    return f"event: {name}\ndata: {payload}\n\n"


def sse_response(stream: AsyncIterator[str]) -> StreamingResponse:
    return StreamingResponse(
        stream,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no"},
    )


def is_subscription(schema: Any, text: str, operation_name: str | None) -> bool:
    """Whether a document's operation is a subscription (GraphQL over HTTP
    without SSE refuses it)."""
    from graphql import OperationDefinitionNode, parse

    try:
        document = parse(text)
    except GraphQLError:
        return False
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and (
            operation_name is None or (definition.name and definition.name.value == operation_name)
        ):
            return definition.operation.value == OperationType.SUBSCRIPTION.value
    return False


__all__ = ["AuthenticatingHandler", "Request", "event_stream", "sse_response", "wants_event_stream"]
