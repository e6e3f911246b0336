"""Configuration from environment variables; every one has a working default for
a local run. The README's Configuration section lists them."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from graph.driver import Connection
from graph.launcher import Instance

DEV_PASSWORD = "orggraph-dev"


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw else default


def _list(name: str) -> tuple[str, ...]:
    """A comma-separated variable, blanks dropped."""
    return tuple(item.strip() for item in os.environ.get(name, "").split(",") if item.strip())


_ON = frozenset({"1", "true", "on", "yes"})
_OFF = frozenset({"0", "false", "off", "no"})
MODES = ("development", "production")
TRUSTED_DOCUMENT_MODES = ("off", "optional", "required")
LOG_FORMATS = ("text", "json")


def _tracing_configured() -> bool:
    """Whether OpenTelemetry's standard variables ask for traces: an OTLP
    endpoint given, and the SDK not disabled."""
    endpoint = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or os.environ.get(
        "OTEL_EXPORTER_OTLP_ENDPOINT"
    )
    disabled = os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true"
    return bool(endpoint and endpoint.strip()) and not disabled


def _flag(name: str) -> bool | None:
    """An on/off variable; None when unset (then the mode decides)."""
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return None
    if raw not in _ON | _OFF:
        raise ValueError(f"{name} must be 1/true/on/yes or 0/false/off/no, not {raw!r}")
    return raw in _ON


@dataclass(frozen=True)
class Settings:
    # An external Neo4j; when unset, the project runs its own (see `instance`).
    neo4j_uri: str | None = field(default_factory=lambda: os.environ.get("NEO4J_URI") or None)
    neo4j_user: str = field(default_factory=lambda: os.environ.get("NEO4J_USER", "neo4j"))
    neo4j_password: str = field(default_factory=lambda: os.environ.get("NEO4J_PASSWORD", DEV_PASSWORD))
    neo4j_database: str | None = field(default_factory=lambda: os.environ.get("NEO4J_DATABASE") or None)
    # The local server `orggraph neo4j start` runs when NEO4J_URI is unset.
    neo4j_bolt_port: int = field(default_factory=lambda: _int("ORGGRAPH_NEO4J_PORT", 7687))
    neo4j_pagecache_mb: int = field(default_factory=lambda: _int("ORGGRAPH_NEO4J_PAGECACHE_MB", 1024))
    neo4j_heap_mb: int = field(default_factory=lambda: _int("ORGGRAPH_NEO4J_HEAP_MB", 2048))
    host: str = field(default_factory=lambda: os.environ.get("ORGGRAPH_HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: _int("ORGGRAPH_PORT", 8000))
    workers: int = field(default_factory=lambda: _int("ORGGRAPH_WORKERS", 1))
    query_timeout: float = field(default_factory=lambda: _float("ORGGRAPH_QUERY_TIMEOUT", 30.0))
    # A request's deadline (service/deadline.py); 0: none.
    request_timeout: float = field(default_factory=lambda: _float("ORGGRAPH_REQUEST_TIMEOUT", 10.0))
    default_page_size: int = field(default_factory=lambda: _int("ORGGRAPH_DEFAULT_PAGE_SIZE", 20))
    max_page_size: int = field(default_factory=lambda: _int("ORGGRAPH_MAX_PAGE_SIZE", 100))
    timezone: str = field(default_factory=lambda: os.environ.get("ORGGRAPH_TIMEZONE", "Asia/Shanghai"))
    # development or production: production turns GraphiQL, introspection and
    # "Did you mean ...?" suggestions off unless their own variable says otherwise.
    mode: str = field(default_factory=lambda: os.environ.get("ORGGRAPH_MODE", "development").strip().lower())
    # None: as the mode says (on in development, off in production).
    graphiql: bool | None = field(default_factory=lambda: _flag("ORGGRAPH_GRAPHIQL"))
    introspection: bool | None = field(default_factory=lambda: _flag("ORGGRAPH_INTROSPECTION"))
    suggestions: bool | None = field(default_factory=lambda: _flag("ORGGRAPH_SUGGESTIONS"))
    # Operation limits (schema/limits.py explains how each is measured) and the
    # largest request body (service/limits.py).
    max_depth: int = field(default_factory=lambda: _int("ORGGRAPH_MAX_DEPTH", 15))
    max_aliases: int = field(default_factory=lambda: _int("ORGGRAPH_MAX_ALIASES", 15))
    max_tokens: int = field(default_factory=lambda: _int("ORGGRAPH_MAX_TOKENS", 1_000))
    max_cost: int = field(default_factory=lambda: _int("ORGGRAPH_MAX_COST", 5_000_000))
    max_body_bytes: int = field(default_factory=lambda: _int("ORGGRAPH_MAX_BODY_BYTES", 1_048_576))
    # How long a mutation's Idempotency-Key is remembered (graph/idempotency.py).
    idempotency_hours: float = field(default_factory=lambda: _float("ORGGRAPH_IDEMPOTENCY_HOURS", 24.0))
    # Prometheus metrics at /metrics for this bearer token; unset: no endpoint.
    metrics_token: str | None = field(
        default_factory=lambda: os.environ.get("ORGGRAPH_METRICS_TOKEN") or None
    )
    # On SIGTERM: serve (readiness 503, Connection: close) this long, then stop,
    # giving requests still running at most shutdown_timeout (service/shutdown.py).
    drain_seconds: float = field(default_factory=lambda: _float("ORGGRAPH_DRAIN_SECONDS", 5.0))
    # The change feed (docs/changes.md): how long events are kept, how often each
    # process polls the outbox, and the subscriptions a connection / a caller may hold.
    changes_keep_days: float = field(default_factory=lambda: _float("ORGGRAPH_CHANGES_KEEP_DAYS", 90.0))
    changes_poll_seconds: float = field(default_factory=lambda: _float("ORGGRAPH_CHANGES_POLL_SECONDS", 1.0))
    max_subscriptions_per_connection: int = field(
        default_factory=lambda: _int("ORGGRAPH_MAX_SUBSCRIPTIONS_PER_CONNECTION", 10)
    )
    max_subscriptions_per_caller: int = field(
        default_factory=lambda: _int("ORGGRAPH_MAX_SUBSCRIPTIONS_PER_CALLER", 50)
    )
    shutdown_timeout: float = field(default_factory=lambda: _float("ORGGRAPH_SHUTDOWN_TIMEOUT", 10.0))
    # Overload (service/admission.py): GraphQL requests one worker works on at
    # once, the excess answered 503 OVERLOADED at once; 0: no limit.
    max_in_flight: int = field(default_factory=lambda: _int("ORGGRAPH_MAX_IN_FLIGHT", 16))
    # Connections (service/connections.py): seconds a request head may take to
    # arrive, open connections per worker, whole seconds an idle keep-alive
    # connection is kept, and requests per connection before it is closed (0: no limit).
    header_timeout: float = field(default_factory=lambda: _float("ORGGRAPH_HEADER_TIMEOUT", 10.0))
    max_connections: int = field(default_factory=lambda: _int("ORGGRAPH_MAX_CONNECTIONS", 1000))
    keep_alive_timeout: int = field(default_factory=lambda: _int("ORGGRAPH_KEEP_ALIVE_TIMEOUT", 5))
    max_requests_per_connection: int = field(
        default_factory=lambda: _int("ORGGRAPH_MAX_REQUESTS_PER_CONNECTION", 100)
    )
    # Connections the kernel queues for a worker to accept (the listen backlog).
    backlog: int = field(default_factory=lambda: _int("ORGGRAPH_BACKLOG", 2048))
    # How many members a board elected in a term change (换届) may have.
    board_min: int = field(default_factory=lambda: _int("ORGGRAPH_BOARD_MIN", 7))
    board_max: int = field(default_factory=lambda: _int("ORGGRAPH_BOARD_MAX", 15))
    # The fewest people (or households) an aggregate may count for a caller who
    # may not see what it counts; smaller groups are suppressed (docs/access.md).
    min_group_size: int = field(default_factory=lambda: _int("ORGGRAPH_MIN_GROUP_SIZE", 5))
    # Authentication (service/auth.py): on unless ORGGRAPH_AUTH=off (local demos only).
    auth: bool = field(default_factory=lambda: os.environ.get("ORGGRAPH_AUTH", "on").lower() != "off")
    jwt_secret: str | None = field(default_factory=lambda: os.environ.get("ORGGRAPH_JWT_SECRET") or None)
    # An RS256 public key: PEM text, or the path of a PEM file.
    jwt_public_key: str | None = field(
        default_factory=lambda: os.environ.get("ORGGRAPH_JWT_PUBLIC_KEY") or None
    )
    jwt_audience: str = field(default_factory=lambda: os.environ.get("ORGGRAPH_JWT_AUDIENCE", "orggraph"))
    jwt_issuer: str | None = field(default_factory=lambda: os.environ.get("ORGGRAPH_JWT_ISSUER") or None)
    # A demo on a public address with the dev secret (service/deployment.py): off unless asked.
    demo: bool = field(default_factory=lambda: _flag("ORGGRAPH_DEMO") or False)
    # Production accepts only tokens with `iat` living at most this long.
    jwt_max_hours: float = field(default_factory=lambda: _float("ORGGRAPH_JWT_MAX_HOURS", 12.0))
    # Browser origins allowed to call the API (service/cors.py); none by default.
    cors_origins: tuple[str, ...] = field(default_factory=lambda: _list("ORGGRAPH_CORS_ORIGINS"))
    # Persisted documents (service/persisted.py): off, optional or required, the
    # texts clients may register (APQ) kept per process, and operations per batch.
    trusted_documents: str = field(
        default_factory=lambda: os.environ.get("ORGGRAPH_TRUSTED_DOCUMENTS", "optional").strip().lower()
    )
    registered_documents: int = field(default_factory=lambda: _int("ORGGRAPH_REGISTERED_DOCUMENTS", 1_000))
    max_batch: int = field(default_factory=lambda: _int("ORGGRAPH_MAX_BATCH", 10))
    # OpenTelemetry traces (service/tracing.py): on when an OTLP endpoint is given.
    tracing: bool = field(default_factory=lambda: _tracing_configured())
    # text (one line per request with an error) or json (one object per request).
    log_format: str = field(
        default_factory=lambda: os.environ.get("ORGGRAPH_LOG_FORMAT", "text").strip().lower() or "text"
    )

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"ORGGRAPH_MODE must be development or production, not {self.mode!r}")
        if self.min_group_size < 1:
            raise ValueError(f"ORGGRAPH_MIN_GROUP_SIZE must be 1 or more, not {self.min_group_size}")
        if self.log_format not in LOG_FORMATS:
            raise ValueError(f"ORGGRAPH_LOG_FORMAT must be text or json, not {self.log_format!r}")
        if self.trusted_documents not in TRUSTED_DOCUMENT_MODES:
            raise ValueError(
                "ORGGRAPH_TRUSTED_DOCUMENTS must be off, optional or required, "
                f"not {self.trusted_documents!r}"
            )

    @property
    def production(self) -> bool:
        return self.mode == "production"

    @property
    def serves_graphiql(self) -> bool:
        return not self.production if self.graphiql is None else self.graphiql

    @property
    def allows_introspection(self) -> bool:
        return not self.production if self.introspection is None else self.introspection

    @property
    def shows_suggestions(self) -> bool:
        return not self.production if self.suggestions is None else self.suggestions

    @property
    def instance(self) -> Instance:
        """The project-run dev server."""
        return Instance(
            name="dev",
            port=self.neo4j_bolt_port,
            password=self.neo4j_password,
            pagecache_mb=self.neo4j_pagecache_mb,
            heap_mb=self.neo4j_heap_mb,
        )

    @property
    def connection(self) -> Connection:
        if self.neo4j_uri:
            return Connection(self.neo4j_uri, self.neo4j_user, self.neo4j_password, self.neo4j_database)
        return self.instance.connection
