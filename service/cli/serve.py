"""`orggraph serve`: run the GraphQL service with uvicorn.

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

from service.deployment import UnsafeExposure, check_exposure
from service.requestlog import log_config
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
    workers = args.workers or settings.workers
    print(f"OrgGraph: GraphQL and GraphiQL on http://{host}:{port}/graphql (Neo4j {settings.connection.uri})")
    own_dir = _multiprocess_metrics() if workers > 1 else None
    try:
        uvicorn.run(
            "service.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            loop="uvloop",
            http="httptools",
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
