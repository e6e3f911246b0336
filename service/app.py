"""The Starlette application: GraphQL (with an offline GraphiQL), the explorer
(/explore, service/explorer.py) and health checks.

The service keeps no state of its own beyond the driver's connection pool, so
it scales by running more replicas. If Neo4j is down at start-up the service
still starts: `/health/live` answers 200, `/health/ready` 503, GraphQL errors
carry SERVICE_UNAVAILABLE, and everything recovers once Neo4j is back (the
driver reconnects; constraints are applied on the first successful check).
"""

from __future__ import annotations

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
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from graph.access import Access
from graph.audit import Trail
from graph.constraints import apply_constraints
from graph.driver import Database
from graph.errors import DatabaseUnavailable
from loaders import Loaders
from schema.compiled import serving_compiled_reads
from schema.context import Context
from service.auth import ACCESS_KEY, DEV_SECRET, Authentication, TokenPolicy
from service.explorer import explorer_routes
from service.graphiql import graphiql_html, graphiql_mount
from service.limits import limit_middleware, schema_for
from service.settings import Settings

log = logging.getLogger("orggraph")


class OrgGraphView(GraphQL[Context, None]):
    """Strawberry's ASGI view with OrgGraph's context, orjson and local GraphiQL."""

    def __init__(self, state: ServiceState, *, graphiql: bool) -> None:
        # Covered nested reads are answered by the compiled path (schema/compiled.py).
        schema = serving_compiled_reads(schema_for(state.settings))
        super().__init__(schema, graphql_ide="graphiql" if graphiql else None)
        self.state = state

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        settings = self.state.settings
        access = self.state.caller(request)
        trail = Trail(access)
        return Context(
            loaders=Loaders(self.state.db.for_caller(access, trail)),
            today=self.state.today(),
            access=access,
            trail=trail,
            default_page_size=settings.default_page_size,
            max_page_size=settings.max_page_size,
            board_min=settings.board_min,
            board_max=settings.board_max,
            request=request,
            response=response,
        )

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

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

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = Database(self.settings.connection, query_timeout=self.settings.query_timeout)
        return self._db

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
            await apply_constraints(self.db)
            self.constraints_applied = True


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

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        tune_garbage_collector()
        try:
            await state.ensure_constraints()
        except DatabaseUnavailable as e:
            log.warning("Neo4j is not reachable at start-up (%s); serving anyway, /health/ready is 503", e)
        yield
        if state.owns_db:
            await state.db.close()

    async def live(request: Request) -> Response:
        return JSONResponse({"status": "live"})

    async def ready(request: Request) -> Response:
        try:
            await state.db.ping()
            await state.ensure_constraints()
        except DatabaseUnavailable as e:
            return JSONResponse({"status": "unavailable", "reason": str(e)}, status_code=503)
        return JSONResponse({"status": "ready"})

    async def home(request: Request) -> Response:
        return RedirectResponse("/graphql")

    # Request ids and the body limit first (service/limits.py), then authentication.
    middleware: list[Middleware] = limit_middleware(state.settings)
    if state.authenticates:
        s = state.settings
        policy = TokenPolicy.from_settings(s.jwt_secret, s.jwt_public_key, s.jwt_audience, s.jwt_issuer)
        if policy.key == DEV_SECRET:
            if s.production:
                raise ValueError(
                    "ORGGRAPH_MODE=production needs ORGGRAPH_JWT_SECRET or ORGGRAPH_JWT_PUBLIC_KEY"
                )
            log.warning("ORGGRAPH_JWT_SECRET is not set: tokens are checked with the public dev secret")
        middleware.append(Middleware(Authentication, policy=policy))
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
        Route("/graphql", view, methods=["GET", "POST"]),
        graphiql_mount(),
        *explorer_routes(),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, middleware=middleware)
    app.state.service = state
    return app
