"""The Starlette application: GraphQL (with an offline GraphiQL), the explorer
(/explore, service/explorer.py) and health checks.

The service keeps no state of its own beyond the driver's connection pool, so
it scales by running more replicas. If Neo4j is down at start-up the service
still starts: `/health/live` answers 200, `/health/ready` 503, GraphQL errors
carry SERVICE_UNAVAILABLE, and everything recovers once Neo4j is back (the
driver reconnects; constraints are applied on the first successful check).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from graph import aggregates
from graph.access import Access
from graph.audit import Trail
from graph.constraints import apply_constraints
from graph.driver import Database
from graph.errors import DatabaseUnavailable, OrgGraphError
from loaders import Loaders
from schema.compiled import serving_compiled_reads
from schema.context import Context
from service import tracing, warmup
from service.admission import Admission
from service.auth import ACCESS_KEY, EXPIRES_KEY, Authentication, TokenPolicy, token_policy
from service.cors import cors_middleware
from service.explorer import explorer_routes
from service.feed import ChangeFeed
from service.graphiql import graphiql_html, graphiql_mount
from service.http import GraphQLHTTPView, InternalErrors
from service.idempotency import IdempotencyKeys, claim_of
from service.limits import limit_middleware, limits_of, schema_for
from service.metrics import HttpMetrics, Neo4jProbe, measured, metrics_route, worker_exit
from service.persisted import DOCUMENT_FOLDERS, PersistedDocuments, load_trusted
from service.readiness import WARM_UP_TIMEOUT, Readiness
from service.requestlog import RequestLog, note_subject
from service.settings import Settings
from service.shutdown import DRAIN, CloseWhileDraining, close_within
from service.subscriptions import AuthenticatingHandler, token_of
from service.workers import follow_supervisor

log = logging.getLogger("orggraph")
TALLY_REFRESH_SECONDS = 3600.0


# Read by the warm-up: the top organizations, then each one's nested view (the
# compiled path) two levels down (within ORGGRAPH_MAX_COST).
TOP_ORGANIZATIONS = "query WarmTop { organizations(first: 3) { nodes { code } } }"
NESTED_VIEW = """query WarmView($code: String!) { organization(code: $code) {
  name children(first: 50) { nodes { code name children(first: 50) { nodes {
    code name positions { nodes { role person { code name } } } } } } } } }"""


class OrgGraphView(GraphQLHTTPView):
    """The GraphQL endpoint (service/http.py) with OrgGraph's context, orjson,
    local GraphiQL, the persisted documents and subscriptions (service/subscriptions.py)."""

    graphql_transport_ws_handler_class = AuthenticatingHandler
    policy: TokenPolicy | None = None

    def __init__(self, state: ServiceState, *, graphiql: bool) -> None:
        # Covered nested reads are answered by the compiled path (schema/compiled.py).
        schema = serving_compiled_reads(schema_for(state.settings))
        if state.settings.tracing:
            schema = tracing.traced(schema)
        schema = measured(schema)
        super().__init__(
            schema,
            graphql_ide="graphiql" if graphiql else None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )
        self.state = state
        settings = state.settings
        self.max_subscriptions_per_connection = settings.max_subscriptions_per_connection
        self.limits = limits_of(settings)
        self.max_batch = settings.max_batch
        trusted = load_trusted(DOCUMENT_FOLDERS, self.graphql_schema, self.limits)
        self.documents = PersistedDocuments(
            settings.trusted_documents, trusted, settings.registered_documents, settings.max_tokens
        )

    async def warm_plan_cache(self) -> None:
        """Plan the compiled path's Cypher of the trusted documents (service/warmup.py)."""
        s = self.state.settings
        page = (s.default_page_size, s.max_page_size)
        texts = self.documents.trusted.values()
        await warmup.warm_plan_cache(self.state.db, self.graphql_schema, texts, self.state.today(), page)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        access = self.state.caller(request)
        note_subject(access.subject)
        context = self.context_for(access, Trail(access, claim=claim_of(request)), self.state.db)
        context.request, context.response = request, response
        context.feed = self.state.feed
        expires = request.scope.get(EXPIRES_KEY)
        context.expires = expires if isinstance(expires, float) else None
        return context

    async def authenticate_socket(self, context: Context, payload: dict[str, Any]) -> None:
        """A WebSocket's caller, from the token in its `connection_init` payload
        (service/subscriptions.py), verified as the Authorization header is."""
        if not self.state.authenticates:
            return
        if self.policy is None:
            self.policy = token_policy(self.state.settings)
        access, expires = self.policy.verify_until(token_of(payload))
        fresh = self.context_for(access, Trail(access), self.state.db)
        context.access, context.trail, context.loaders = access, fresh.trail, fresh.loaders
        context.expires = expires

    def context_for(self, access: Access, trail: Trail, db: Database) -> Context:
        settings = self.state.settings
        return Context(
            loaders=Loaders(db.for_caller(access, trail)),
            today=self.state.today(),
            access=access,
            trail=trail,
            default_page_size=settings.default_page_size,
            max_page_size=settings.max_page_size,
            board_min=settings.board_min,
            board_max=settings.board_max,
            min_group_size=settings.min_group_size,
        )

    async def rehearse(self) -> None:
        """Answer the screens' common reads once (no personal fields, so no READ
        audit event), so that after a restart Neo4j has planned and compiled
        them before the replica says it is ready."""
        access = Access.everything("warm-up")
        db = self.state.db.with_timeout(WARM_UP_TIMEOUT)

        async def read(document: str, **variables: Any) -> Any:
            context = self.context_for(access, Trail(access), db)
            done = await self.schema.execute(document, variables, context_value=context)
            if done.errors:
                raise DatabaseUnavailable(f"the warm-up read failed: {done.errors[0].message}")
            return done.data

        top = await read(TOP_ORGANIZATIONS)
        for organization in top["organizations"]["nodes"]:
            await read(NESTED_VIEW, code=organization["code"])
        # Then the trusted documents' compiled Cypher (a new shape costs Neo4j ~1 s to plan).
        await self.warm_plan_cache()

    def encode_json(self, data: object) -> str:
        # Text: graphql-transport-ws messages must be text frames (clients refuse binary ones).
        return orjson.dumps(data).decode()

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(graphiql_html())


NOBODY = Access("nobody", "\u0000nobody", frozenset())


class ServiceState:
    """What the app holds for its lifetime: settings, the database, the clock."""

    def __init__(
        self,
        settings: Settings,
        db: Database | None,
        today: Callable[[], dt.date] | None,
        caller: Access | None = None,
    ) -> None:
        self.settings = settings
        self._db = db
        self._caller = caller
        self.owns_db = db is None
        zone = ZoneInfo(settings.timezone)
        self.today = today or (lambda: dt.datetime.now(zone).date())
        self.constraints_applied = False
        self._feed: ChangeFeed | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = Database(self.settings.connection, query_timeout=self.settings.query_timeout)
        return self._db

    @property
    def feed(self) -> ChangeFeed:
        """The process's change feed, polling once a subscription starts; this
        process's writes wake it."""
        if self._feed is None:
            s = self.settings
            self._feed = ChangeFeed(
                self.db,
                poll_seconds=s.changes_poll_seconds,
                keep_days=s.changes_keep_days,
                per_caller=s.max_subscriptions_per_caller,
            )
            self.db.on_commit(self._feed.committed)
        return self._feed

    @property
    def authenticates(self) -> bool:
        """Whether requests must carry a token (not when a test fixes the caller)."""
        return self.settings.auth and self._caller is None

    def caller(self, request: Request | WebSocket) -> Access:
        """Who is asking: the caller whose token the middleware verified, else
        the fixed caller (tests) or, with ORGGRAPH_AUTH=off, unrestricted access."""
        access = request.scope.get(ACCESS_KEY)
        if isinstance(access, Access):
            return access
        if self._caller is not None:
            return self._caller
        if not self.settings.auth:
            return Access.everything("anonymous (ORGGRAPH_AUTH=off)")
        # Fail closed (the GraphiQL page's GET has no token and runs no query):
        # a scope no organization has and no roles.
        return NOBODY

    async def ensure_constraints(self) -> None:
        if not self.constraints_applied:
            # Index builds on a new database take longer than a query may.
            await apply_constraints(self.db.with_timeout(WARM_UP_TIMEOUT))
            self.constraints_applied = True
        # Villages whose coverage tally does not hold today are counted again
        # (graph/aggregates.py; none after the first time on a day: one query).
        await aggregates.refresh(self.db.with_timeout(WARM_UP_TIMEOUT), self.today())

    async def refresh_tallies_hourly(self) -> None:
        """Count again, each hour, the villages whose tally stopped holding (a
        coverage's `until` passed): until then their reports are answered live."""
        while True:
            await asyncio.sleep(TALLY_REFRESH_SECONDS)
            try:
                await aggregates.refresh(self.db.with_timeout(WARM_UP_TIMEOUT), self.today())
            except OrgGraphError as e:
                log.warning("refreshing the coverage tallies failed: %s", e)


def tune_garbage_collector() -> None:
    """Everything alive at start-up (modules, the schema) is moved out of the
    collector's sight, and the youngest generation is collected less often: a
    large answer allocates many short-lived objects, and a collection every 700
    allocations walked them again and again (measured on the county's nested
    view in-process: 13-17% less CPU, 12 MB more memory)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 10, 10)


def create_app(
    settings: Settings | None = None,
    *,
    db: Database | None = None,
    today: Callable[[], dt.date] | None = None,
    caller: Access | None = None,
) -> Starlette:
    """Build the app. Tests pass their own `db`, a fixed `today`, and, with
    authentication off, the `caller` every request is made as (default: the
    unrestricted access of ORGGRAPH_AUTH=off)."""
    state = ServiceState(settings or Settings(), db, today, caller)
    tracing.setup(state.settings.tracing)
    state.db.instrument(Neo4jProbe())
    readiness = Readiness(lambda: state.db, state.ensure_constraints, lambda: view.rehearse())

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        tune_garbage_collector()
        follow_supervisor()
        DRAIN.install(state.settings.drain_seconds)
        DRAIN.on_stop = lambda: asyncio.ensure_future(state.feed.close())
        # Constraints, then the page cache; /health/ready is 503 until both are done.
        readiness.start_warming()
        refreshing = asyncio.create_task(state.refresh_tallies_hourly())
        yield
        refreshing.cancel()
        # Subscriptions end (their streams complete) before the pool closes.
        await state.feed.close()
        worker_exit()
        tracing.shutdown()
        if state.owns_db:
            await close_within(state.db.close())

    async def live(request: Request) -> Response:
        return JSONResponse({"status": "live"})

    async def ready(request: Request) -> Response:
        status, body = await readiness.check()
        return JSONResponse(body, status_code=status)

    async def home(request: Request) -> Response:
        return RedirectResponse("/graphql")

    # Request ids first (service/limits.py), then the request's span (service/tracing.py)
    # and log record (service/requestlog.py), CORS before anything can refuse
    # (service/cors.py), admission (service/admission.py) before any work, JSON
    # 500s, the body limit, idempotency keys, then authentication.
    ids, *body_limit = limit_middleware(state.settings)
    middleware = [Middleware(HttpMetrics), Middleware(CloseWhileDraining), ids]
    if state.settings.tracing:
        middleware.append(Middleware(tracing.TracedRequests))
    middleware.append(Middleware(RequestLog, every=state.settings.log_format == "json"))
    middleware += cors_middleware(state.settings.cors_origins)
    middleware.append(Middleware(Admission, max_in_flight=state.settings.max_in_flight))
    middleware += [Middleware(InternalErrors), *body_limit]
    middleware.append(Middleware(IdempotencyKeys, hours=state.settings.idempotency_hours))
    if state.authenticates:
        middleware.append(Middleware(Authentication, policy=token_policy(state.settings)))
    elif caller is None:
        if state.settings.production:
            raise ValueError(
                "ORGGRAPH_AUTH=off is for local demos; it is refused with ORGGRAPH_MODE=production"
            )
        log.warning("ORGGRAPH_AUTH=off: every request has unrestricted access; for local demos only")

    view = OrgGraphView(state, graphiql=state.settings.serves_graphiql)
    routes: list[Any] = [
        Route("/", home),
        Route("/health/live", live),
        Route("/health/ready", ready),
        # Other methods reach the view too, which answers them with a JSON 405.
        Route("/graphql", view, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        WebSocketRoute("/graphql", view),
        graphiql_mount(),
        *explorer_routes(),
    ]
    scraping = metrics_route(state.settings.metrics_token)
    if scraping is not None:
        routes.append(scraping)
    app = Starlette(routes=routes, lifespan=lifespan, middleware=middleware)
    app.state.service = state
    return app
