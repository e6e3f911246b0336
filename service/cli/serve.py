"""`orggraph serve`: run the GraphQL service with uvicorn.

uvicorn speaks HTTP with service/connections.py's protocol (a request-head
timeout, a connection limit); its flags set the settings' variables, so that
every worker reads them. Workers stop when this process dies (service/workers.py).

With several workers the metrics are collected in prometheus-client's
multiprocess mode: PROMETHEUS_MULTIPROC_DIR (a fresh temporary folder unless
set; its old files are removed) is where every worker writes its values, and a
scrape of `/metrics`, whichever worker answers it, adds them up.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import uvicorn

from service.connections import GuardedHttpTools, fit_descriptors
from service.deployment import UnsafeExposure, check_exposure
from service.requestlog import log_config
from service.settings import Settings
from service.workers import name_supervisor


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("serve", help="serve GraphQL (and GraphiQL) over HTTP")
    p.add_argument("--host", help="address to bind (default ORGGRAPH_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default ORGGRAPH_PORT or 8000)")
    p.add_argument("--workers", type=int, help="worker processes (default ORGGRAPH_WORKERS or 1)")
    limits = p.add_argument_group("overload and connection limits, per worker (docs/operations.md)")
    for flag, variable, kind, meaning in LIMIT_FLAGS:
        limits.add_argument(flag, type=kind, metavar="N", help=f"{meaning} (default {variable})")
    p.set_defaults(run=run)


# Flags that set the variable of the same setting, which the workers read.
LIMIT_FLAGS: tuple[tuple[str, str, type, str], ...] = (
    ("--max-in-flight", "ORGGRAPH_MAX_IN_FLIGHT", int, "GraphQL requests at once, the rest 503; 0: no limit"),
    ("--header-timeout", "ORGGRAPH_HEADER_TIMEOUT", float, "seconds a request head may take; 0: none"),
    ("--max-connections", "ORGGRAPH_MAX_CONNECTIONS", int, "open connections; 0: no limit"),
    ("--keep-alive-timeout", "ORGGRAPH_KEEP_ALIVE_TIMEOUT", int, "seconds an idle connection is kept"),
    ("--max-requests-per-connection", "ORGGRAPH_MAX_REQUESTS_PER_CONNECTION", int,
     "requests before a connection is closed; 0: no limit"),
    ("--backlog", "ORGGRAPH_BACKLOG", int, "connections the kernel queues until accepted"),
)  # fmt: skip


def run(args: argparse.Namespace) -> int:
    for flag, variable, _, _ in LIMIT_FLAGS:
        given = getattr(args, flag.removeprefix("--").replace("-", "_"))
        if given is not None:
            os.environ[variable] = str(given)
    settings = Settings()
    host = args.host or settings.host
    port = args.port or settings.port
    try:
        check_exposure(settings, host)
    except UnsafeExposure as e:
        print(f"orggraph: {e}", file=sys.stderr)
        return 2
    workers = args.workers or settings.workers
    print(f"OrgGraph: GraphQL and GraphiQL on http://{host}:{port}/graphql (Neo4j {settings.connection.uri})")
    own_dir = _multiprocess_metrics() if workers > 1 else None
    max_connections = fit_descriptors(settings.max_connections)
    os.environ["ORGGRAPH_MAX_CONNECTIONS"] = str(max_connections)
    name_supervisor()
    try:
        uvicorn.run(
            "service.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            loop="uvloop",
            http=GuardedHttpTools,
            timeout_keep_alive=settings.keep_alive_timeout,
            backlog=settings.backlog,
            log_level="info",
            access_log=False,
            log_config=log_config(settings.log_format),
            timeout_graceful_shutdown=math.ceil(settings.shutdown_timeout),
        )
    finally:
        if own_dir is not None:
            shutil.rmtree(own_dir, ignore_errors=True)
    return 0


def _multiprocess_metrics() -> Path | None:
    """Point the workers at a folder for their metrics; the folder if made here."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.db"):
            old.unlink()
        return None
    made = Path(tempfile.mkdtemp(prefix="orggraph-metrics-"))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(made)
    return made
