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
    default_page_size: int = field(default_factory=lambda: _int("ORGGRAPH_DEFAULT_PAGE_SIZE", 20))
    max_page_size: int = field(default_factory=lambda: _int("ORGGRAPH_MAX_PAGE_SIZE", 100))
    timezone: str = field(default_factory=lambda: os.environ.get("ORGGRAPH_TIMEZONE", "Asia/Shanghai"))
    graphiql: bool = field(default_factory=lambda: os.environ.get("ORGGRAPH_GRAPHIQL", "1") != "0")
    # How many members a board elected in a term change (换届) may have.
    board_min: int = field(default_factory=lambda: _int("ORGGRAPH_BOARD_MIN", 7))
    board_max: int = field(default_factory=lambda: _int("ORGGRAPH_BOARD_MAX", 15))

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
