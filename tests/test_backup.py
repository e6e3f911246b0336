"""Backups round trip, and a crashed Neo4j is started again.

One throw-away Neo4j (port ORGGRAPH_TEST_NEO4J_PORT + 10) runs under
`orggraph neo4j run`, the supervisor. The test seeds it, adds what `orggraph
export` leaves out (visits, an audit event, an idempotency key), backs it up
while the supervisor watches (it must not restart the instance the backup
stopped), changes the graph, restores, and compares every node and
relationship with its properties. Then it kills Neo4j with SIGKILL and waits
for the supervisor to bring it back with the same graph.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from neo4j import GraphDatabase

from graph import launcher
from graph.backup import backup, read_manifest, restore
from graph.driver import Database
from graph.seed import seed
from tests.conftest import TEST_PORT

INSTANCE = launcher.Instance(
    name=f"backup-{TEST_PORT}", port=TEST_PORT + 20, password="orggraph-test", pagecache_mb=64, heap_mb=512
)
EVERYTHING = """
MATCH (n) OPTIONAL MATCH (n)-[r]->(m)
RETURN labels(n) AS labels, properties(n) AS props, type(r) AS type, properties(r) AS rprops,
       elementId(n) AS element, m.id AS other
"""
EXTRAS = """
MATCH (p:Person) WITH p ORDER BY p.code LIMIT 1
MATCH (h:Household) WITH p, h ORDER BY h.code LIMIT 1
CREATE (p)-[:VISITED {id: 'visit-1', on: date('2024-03-01'), purpose: '四必访'}]->(h)
CREATE (:AuditEvent {id: 'event-1', at: datetime('2024-03-01T10:00:00Z'), actor: 'editor', kind: 'WRITE',
                     operation: 'recordVisit', ids: ['visit-1']})
CREATE (:IdempotencyKey {id: 'key-1', key: 'visit-1', fingerprint: 'f', result: '{}'})
"""
CHANGE = """
MATCH (h:Household) WITH h ORDER BY h.code LIMIT 5 DETACH DELETE h
WITH count(*) AS gone
CREATE (:Person {id: 'late', code: 'LATE', name: '后来者'})
"""


def everything() -> list[str]:
    """Every node (labels, properties, element id) with its outgoing relationships, sorted."""
    c = INSTANCE.connection
    with GraphDatabase.driver(c.uri, auth=(c.user, c.password)) as driver:
        records = driver.execute_query(EVERYTHING).records
    return sorted(
        f"{sorted(r['labels'])} {sorted(r['props'].items())} {r['element']} "
        f"{r['type']} {sorted((r['rprops'] or {}).items())} {r['other']}"
        for r in records
    )


def write(cypher: str) -> None:
    c = INSTANCE.connection
    with GraphDatabase.driver(c.uri, auth=(c.user, c.password)) as driver:
        driver.execute_query(cypher)  # type: ignore[arg-type]


def wait_until(check: object, within: float, what: str) -> float:
    started = time.monotonic()
    while not check():  # type: ignore[operator]
        assert time.monotonic() - started < within, f"{what} did not happen within {within}s"
        time.sleep(0.2)
    return time.monotonic() - started


@pytest.mark.slow
def test_backup_round_trip_under_the_supervisor(tmp_path: Path) -> None:
    launcher.stop(INSTANCE)
    env = {
        **os.environ,
        "ORGGRAPH_NEO4J_PORT": str(INSTANCE.port),
        "NEO4J_PASSWORD": INSTANCE.password,
        "ORGGRAPH_NEO4J_PAGECACHE_MB": str(INSTANCE.pagecache_mb),
        "ORGGRAPH_NEO4J_HEAP_MB": str(INSTANCE.heap_mb),
    }
    env.pop("NEO4J_URI", None)
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "service.cli.main", "neo4j", "run", "--name", INSTANCE.name],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_until(lambda: launcher.running_pid(INSTANCE) is not None and bolt_open(), 180, "Neo4j start")

        async def seeded() -> None:
            db = Database(INSTANCE.connection, query_timeout=300)
            try:
                await seed(db, "tiny", force=True)
            finally:
                await db.close()

        asyncio.run(seeded())
        write(EXTRAS)
        before = everything()
        assert any("VISITED" in line for line in before) and any("AuditEvent" in line for line in before)

        manifest = backup(INSTANCE, tmp_path / "b")
        print(f"\nbackup: {manifest.format_summary()}")
        assert read_manifest(tmp_path / "b") == manifest
        assert manifest.relationships["VISITED"] == 1 and manifest.nodes["AuditEvent"] == 1
        assert everything() == before  # running again, unchanged

        write(CHANGE)
        assert everything() != before
        restored = restore(INSTANCE, tmp_path / "b")
        print(restored.format_summary())
        assert everything() == before
        assert (restored.nodes, restored.relationships) == (manifest.nodes, manifest.relationships)
        assert restored.aside.is_dir()  # the data it replaced is kept

        # A crash: the supervisor starts Neo4j again, with the same graph.
        crashed = launcher.running_pid(INSTANCE)
        assert crashed is not None
        os.kill(crashed, signal.SIGKILL)
        back = wait_until(
            lambda: launcher.running_pid(INSTANCE) not in (None, crashed) and bolt_open(), 180, "restart"
        )
        print(f"restarted by the supervisor {back:.1f}s after SIGKILL")
        assert everything() == before

        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=90) == 0
        assert launcher.running_pid(INSTANCE) is None
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
            supervisor.wait()
        launcher.stop(INSTANCE)


def bolt_open() -> bool:
    c = INSTANCE.connection
    try:
        with GraphDatabase.driver(c.uri, auth=(c.user, c.password), connection_timeout=2) as driver:
            driver.verify_connectivity()
    except Exception:
        return False
    return True
