"""The GraphQL endpoint's HTTP handling: one request (GET or POST) or a batch
(a POST of a JSON array), persisted documents, the answer's media type and
status, refusals as JSON (service/protocol.py says what each looks like).

The view is Strawberry's ASGI view with its HTTP request cycle replaced: the
schema, its extensions (limits, error codes, access control, the compiled read
path) and GraphiQL stay Strawberry's.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from graphql import GraphQLSchema
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from schema.context import Context
from schema.errors import request_id
from schema.limits import Limits
from service import tracing
from service.batch import check_batch
from service.persisted import Document, PersistedDocuments
from service.protocol import (
    JSON,
    Params,
    Refusal,
    answer,
    bad_request,
    content_type,
    internal_error_body,
    is_request_error,
    json_body,
    media_type,
    params_of,
    query_params,
    request_error,
    wants_event_stream,
)
from service.requestlog import note_result
from service.subscriptions import event_stream, sse_response

log = logging.getLogger("orggraph.http")

_GET = frozenset({OperationType.QUERY})
_POST = frozenset({OperationType.QUERY, OperationType.MUTATION})


class GraphQLHTTPView(GraphQL[Context, None]):
    """Strawberry's ASGI view speaking GraphQL over HTTP as service/protocol.py describes."""

    documents: PersistedDocuments
    limits: Limits
    max_batch: int

    @property
    def graphql_schema(self) -> GraphQLSchema:
        """graphql-core's schema under Strawberry's."""
        schema: GraphQLSchema = self.schema._schema  # type: ignore[attr-defined]
        return schema

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        media = media_type(request.headers.get("accept"))
        try:
            response = await self.handle(request, media)
        except Refusal as refusal:
            response = respond(refusal.body(), refusal.status, media, refusal.headers)
        except Exception:
            log.exception("request %s failed", request_id.get())
            response = respond(internal_error_body(), 500, media)
        await response(scope, receive, send)

    async def handle(self, request: Request, media: str) -> Response:
        if request.method == "GET":
            params = query_params(request.query_params)
            if not params.asks_for_a_document:
                if self.should_render_graphql_ide(self.request_adapter_class(request)):
                    if self.graphql_ide:
                        return await self.render_graphql_ide(request)
                    raise Refusal(404, "NOT_FOUND", "GraphiQL is turned off here (ORGGRAPH_GRAPHIQL)")
                raise bad_request("no GraphQL query: send ?query=... (or POST a JSON body)")
        elif request.method == "POST":
            data = json_body(await request.body(), request.headers.get("content-type"))
            if isinstance(data, list):
                return await self.batch(request, data, media)
            params = params_of(data)
        else:
            raise Refusal(
                405, "METHOD_NOT_ALLOWED", "GraphQL is served over GET and POST", {"Allow": "GET, POST"}
            )
        context = await self.get_context(request, response=await self.get_sub_response(request))
        found = self.documents.document(params, context.access)
        if wants_event_stream(request.headers.get("accept")) and not isinstance(found, ExecutionResult):
            return sse_response(event_stream(self.schema, context, params, found))
        result = (
            found
            if isinstance(found, ExecutionResult)
            else await self.run_one(request, context, params, found)
        )
        note_result(result)
        body, status = answer(result, media)
        headers: dict[str, str] = {}
        if request.method == "GET" and isinstance(found, Document) and found.by_hash:
            # A persisted GET answer may be cached, by the browser only, per token.
            headers = {"Cache-Control": "private", "Vary": "Authorization, Accept"}
        return respond(body, status, media, headers)

    async def batch(self, request: Request, data: list[Any], media: str) -> Response:
        """Every operation in order, each in its own context, after the batch's
        size and total cost are checked; one answer per operation."""
        if self.max_batch < 2:
            raise Refusal(
                400, "BATCHING_NOT_SUPPORTED", "batched requests are turned off (ORGGRAPH_MAX_BATCH)"
            )
        if not data:
            raise bad_request("the batch is empty")
        if len(data) > self.max_batch:
            raise Refusal(
                400,
                "BATCH_TOO_LARGE",
                f"the batch has {len(data)} operations; the limit is {self.max_batch}",
            )
        operations = [params_of(item) for item in data]
        contexts: list[Context] = []
        found: list[Document | ExecutionResult] = []
        for params in operations:
            context = await self.get_context(request, response=await self.get_sub_response(request))
            contexts.append(context)
            found.append(self.documents.document(params, context.access))
        check_batch(self.graphql_schema, operations, found, self.limits)
        bodies = []
        for params, context, document in zip(operations, contexts, found, strict=True):
            with tracing.operation():
                result = (
                    document
                    if isinstance(document, ExecutionResult)
                    else await self.run_one(request, context, params, document)
                )
            note_result(result)
            bodies.append(answer(result, media)[0])
        return respond(bodies, 200, media)

    async def run_one(
        self, request: Request, context: Context, params: Params, document: Document
    ) -> ExecutionResult:
        tracing.describe_document(document.text, self.documents.is_trusted_text)
        try:
            result = await self.schema.execute(
                document.text,
                variable_values=params.variables,
                context_value=context,
                operation_name=params.operation_name,
                allowed_operation_types=_GET if request.method == "GET" else _POST,
                operation_extensions=params.extensions,
            )
        except InvalidOperationTypeError:
            raise Refusal(
                405, "METHOD_NOT_ALLOWED", "a mutation must be sent with POST, not GET", {"Allow": "POST"}
            ) from None
        except CannotGetOperationTypeError as e:
            return request_error("BAD_REQUEST", e.as_http_error_reason())
        except MissingQueryError:
            raise bad_request("no GraphQL query: send `query`") from None
        if document.register_as is not None and not is_request_error(result):
            self.documents.register(document.register_as, document.text)
        return result


def respond(body: object, status: int, media: str = JSON, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, headers=headers, media_type=content_type(media))


class InternalErrors:
    """ASGI middleware: an exception that escapes everything inside it becomes a
    JSON 500 with the request id (set by `RequestIds` outside it), not
    Starlette's bare text."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    @property
    def graphql_schema(self) -> GraphQLSchema:
        """graphql-core's schema under Strawberry's."""
        schema: GraphQLSchema = self.schema._schema  # type: ignore[attr-defined]
        return schema

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception:
            log.exception("request %s failed", request_id.get())
            if started:
                raise
            media = media_type(Headers(scope=scope).get("accept"))
            await respond(internal_error_body(), 500, media)(scope, receive, send)
