"""What every benchmark module shares: ports, the bench Neo4j instances, paths,
and a description of the machine a run happened on.

The benchmark never touches the dev or test databases: it runs its own Neo4j
`bench` (port 7741, data cached in `.neo4j/bench`, seeded once with
`orggraph seed --scale county`) and, for the scaling runs, `bench-scaling`
(port 7742, rebuilt at every scaling run).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

from graph import launcher
from graph.access import Grant
from graph.driver import Connection, Database
from service.auth import mint

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
PEER_DIR = BENCH / "peer"
BIN = Path(sys.executable).parent

PASSWORD = os.environ.get("ORGGRAPH_BENCH_PASSWORD", "orggraph-bench")
NEO4J_PORT = int(os.environ.get("ORGGRAPH_BENCH_NEO4J_PORT", "7741"))
SCALING_NEO4J_PORT = int(os.environ.get("ORGGRAPH_BENCH_SCALING_NEO4J_PORT", "7742"))
ORGGRAPH_PORT = int(os.environ.get("ORGGRAPH_BENCH_PORT", "8741"))
PEER_PORT = int(os.environ.get("ORGGRAPH_BENCH_PEER_PORT", "8742"))

# Memory sized for a county (~700k rows, a ~300 MB store): the store fits in the
# page cache, so runs measure query work, not disk reads.
BENCH_INSTANCE = launcher.Instance(
    name="bench", port=NEO4J_PORT, password=PASSWORD, pagecache_mb=1024, heap_mb=2048
)
SCALING_INSTANCE = launcher.Instance(
    name="bench-scaling", port=SCALING_NEO4J_PORT, password=PASSWORD, pagecache_mb=1024, heap_mb=2048
)
# The city (`orggraph seed --scale city`, ~3.5M rows, a ~2 GB store), seeded once
# into .neo4j/bench-city: page cache for the whole store, heap for city-wide answers.
CITY_NEO4J_PORT = int(os.environ.get("ORGGRAPH_BENCH_CITY_NEO4J_PORT", "7744"))
CITY_INSTANCE = launcher.Instance(
    name="bench-city", port=CITY_NEO4J_PORT, password=PASSWORD, pagecache_mb=3072, heap_mb=2048
)

# The day every dated argument uses (`activeOn`, `asOf`): the seed's own "today",
# so a rerun next year measures the same result sizes.
AS_OF = dt.date(2024, 12, 31)


# Latencies are measured, not cut at the production deadline (10 s): on a busy
# machine a city-wide answer, or an unlucky page, takes longer.
DEADLINES = {"ORGGRAPH_REQUEST_TIMEOUT": "300", "ORGGRAPH_QUERY_TIMEOUT": "300"}


def database(connection: Connection) -> Database:
    """A Database for bench set-up work (long timeouts: seeding, counting)."""
    return Database(connection, query_timeout=600.0)


# OrgGraph is measured as deployed: tokens checked on every request. The caller is
# an EDITOR of the whole county, so answers are unmasked (as the floor's and the
# peer's are) and, like any unmasked read of personal data, audited.
BENCH_JWT_SECRET = "orggraph-bench-secret-0123456789abcdef"


def authorization(org: str, grant: Grant = Grant.EDITOR) -> str:
    """The Authorization header of a bench caller with `grant` over `org`."""
    token = mint(org=org, roles=[grant], subject="bench", key=BENCH_JWT_SECRET, lifetime=dt.timedelta(days=2))
    return "Bearer " + token


BENCH_AUTHORIZATION = authorization("QX")


def service_env(connection: Connection) -> dict[str, str]:
    """The environment that points an `orggraph` command at `connection`."""
    return {
        **os.environ,
        "NEO4J_URI": connection.uri,
        "NEO4J_USER": connection.user,
        "NEO4J_PASSWORD": connection.password,
        "ORGGRAPH_AUTH": "on",
        "ORGGRAPH_JWT_SECRET": BENCH_JWT_SECRET,
    }


def commit() -> str:
    """The checked-out commit, with `-dirty` when the service's code has local changes
    (what was measured is the working tree)."""
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "graph", "loaders", "schema", "service"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return (done.stdout.strip() or "unknown") + ("-dirty" if dirty else "")


def load_average() -> tuple[float, float, float]:
    one, five, fifteen = os.getloadavg()
    return (round(one, 2), round(five, 2), round(fifteen, 2))


def machine() -> dict[str, Any]:
    """Cores, memory, CPU model, OS and runtime versions, for the results."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "memory_gb": mem_gb,
        "cpu": cpu,
        "os": platform.platform(),
        "python": platform.python_version(),
        "node": _version(["node", "--version"]),
        "java": _version(["java", "-version"]),
    }


def _version(cmd: list[str]) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unavailable"
    return (done.stdout or done.stderr).strip().splitlines()[0] if (done.stdout or done.stderr) else ""
