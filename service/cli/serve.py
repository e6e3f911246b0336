"""`orggraph serve`: run the GraphQL service with uvicorn."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import uvicorn

from service.deployment import UnsafeExposure, check_exposure
from service.settings import Settings


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("serve", help="serve GraphQL (and GraphiQL) over HTTP")
    p.add_argument("--host", help="address to bind (default ORGGRAPH_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default ORGGRAPH_PORT or 8000)")
    p.add_argument("--workers", type=int, help="worker processes (default ORGGRAPH_WORKERS or 1)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = Settings()
    host = args.host or settings.host
    port = args.port or settings.port
    try:
        check_exposure(settings, host)
    except UnsafeExposure as e:
        print(f"orggraph: {e}", file=sys.stderr)
        return 2
    print(f"OrgGraph: GraphQL and GraphiQL on http://{host}:{port}/graphql (Neo4j {settings.connection.uri})")
    uvicorn.run(
        "service.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=args.workers or settings.workers,
        loop="uvloop",
        http="httptools",
        log_level="info",
        access_log=False,
    )
    return 0
