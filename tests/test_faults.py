"""A stuck database must not hang requests, and stopping must not drop them.

These tests run a throw-away Neo4j of their own (port ORGGRAPH_TEST_NEO4J_PORT
+ 10), pause it with SIGSTOP (a Neo4j that accepts connections and answers
nothing, like a stuck JVM or a full GC), hold locks on it, and run the real
server (`orggraph serve`, two workers, port ORGGRAPH_FAULT_HTTP_PORT or 8018)
to stop it under load. With ORGGRAPH_QUERY_TIMEOUT=3 every request ends within
3 + 2 s, /health/ready answers 503 within about a second, and a SIGTERM drains
requests already sent on keep-alive connections.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from neo4j import AsyncGraphDatabase
from prometheus_client.parser import text_string_to_metric_families

from graph import launcher
from graph.driver import ANSWER_GRACE, Connection
from schema.relay import to_global_id
from service.app import create_app
from service.settings import Settings
from tests.conftest import TEST_PORT

QUERY_TIMEOUT = 3.0
BOUND = QUERY_TIMEOUT + ANSWER_GRACE
HTTP_PORT = int(os.environ.get("ORGGRAPH_FAULT_HTTP_PORT", "8018"))
INSTANCE = launcher.Instance(
    name=f"faults-{TEST_PORT}", port=TEST_PORT + 10, password="orggraph-test", pagecache_mb=64, heap_mb=512
)
COUNT = {"query": "{ organizations { totalCount } }"}
SEED = """
CREATE (o:Organization {id: 'org-1', code: 'QX', name: '衢县妇联', kind: 'FEDERATION', level: 'COUNTY'})
CREATE (:Person {id: 'p-1', code: 'P1', name: '王芳'})
"""
RENAME = """mutation($id: ID!) { updatePerson(id: $id, input: {name: "王芳芳"}) { person { name } } }"""


@pytest.fixture(scope="module")
def neo4j() -> Iterator[Connection]:
    connection = launcher.start(INSTANCE, fresh=True, timeout=400)
    try:
        yield connection
    finally:
        pid = launcher.running_pid(INSTANCE)
        if pid is not None:
            os.kill(pid, signal.SIGCONT)
        launcher.stop(INSTANCE)


@contextmanager
def paused(instance: launcher.Instance) -> Iterator[None]:
    """Neo4j frozen (SIGSTOP) for the block: connections open, no answers."""
    pid = launcher.running_pid(instance)
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


@pytest.fixture(scope="module")
async def seeded(neo4j: Connection) -> None:
    driver = AsyncGraphDatabase.driver(neo4j.uri, auth=(neo4j.user, neo4j.password))
    async with driver:
        await driver.execute_query("MATCH (n) DETACH DELETE n")
        await driver.execute_query(SEED)


@pytest.fixture
async def http(neo4j: Connection, seeded: None) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(neo4j_uri=neo4j.uri, neo4j_password=neo4j.password, query_timeout=QUERY_TIMEOUT)
    app = create_app(settings)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            await ready(client)
            yield client
    finally:
        await app.state.service.db.close()


async def ready(client: httpx.AsyncClient, within: float = 120.0) -> float:
    """Poll /health/ready until 200 (at first start that includes creating the
    constraints); how long it took."""
    started = time.monotonic()
    while (check := await client.get("/health/ready")).status_code != 200:
        assert time.monotonic() - started < within, f"not ready in time: {check.json()}"
        await asyncio.sleep(0.2)
    return time.monotonic() - started


async def answered(client: httpx.AsyncClient, body: dict[str, Any], within: float = 30.0) -> dict[str, Any]:
    """The first answer without errors (a loaded test machine may need a retry)."""
    started = time.monotonic()
    while True:
        answer: dict[str, Any] = (await client.post("/graphql", json=body)).json()
        if "errors" not in answer or time.monotonic() - started > within:
            return answer
        await asyncio.sleep(0.2)


async def timed(
    client: httpx.AsyncClient, path: str, body: dict[str, Any] | None
) -> tuple[float, httpx.Response]:
    started = time.monotonic()
    response = await (client.get(path) if body is None else client.post(path, json=body))
    return time.monotonic() - started, response


@pytest.mark.slow
async def test_a_paused_database_fails_requests_in_time_and_readiness_at_once(
    http: httpx.AsyncClient,
) -> None:
    rename = {"query": RENAME, "variables": {"id": to_global_id("Person", "p-1")}}
    assert await answered(http, COUNT) == {"data": {"organizations": {"totalCount": 1}}}
    with paused(INSTANCE):
        checks = [timed(http, "/health/ready", None) for _ in range(3)]
        requests = [timed(http, "/graphql", COUNT) for _ in range(6)] + [timed(http, "/graphql", rename)]
        answers = await asyncio.gather(*checks, *requests)
        longest = max(seconds for seconds, _ in answers[3:])
        slowest_check = max(seconds for seconds, _ in answers[:3])
        print(
            f"\nNeo4j paused: longest request {longest:.2f}s, readiness answered within {slowest_check:.2f}s"
        )
        for _, response in answers[:3]:
            assert response.status_code == 503
            assert response.json()["status"] == "unavailable"
        for _, response in answers[3:]:
            assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        assert slowest_check < 1.5
        assert longest < BOUND + 1.0
    waited = await ready(http)
    print(f"ready again {waited:.2f}s after SIGCONT")
    assert await answered(http, COUNT) == {"data": {"organizations": {"totalCount": 1}}}


@pytest.mark.slow
async def test_a_mutation_waiting_for_a_lock_is_stopped_at_the_query_timeout(
    neo4j: Connection, http: httpx.AsyncClient
) -> None:
    rename = {"query": RENAME, "variables": {"id": to_global_id("Person", "p-1")}}
    driver = AsyncGraphDatabase.driver(neo4j.uri, auth=(neo4j.user, neo4j.password))
    async with driver, driver.session() as session:
        holder = await session.begin_transaction()
        await holder.run("MATCH (p:Person {id: 'p-1'}) SET p.name = '锁'")  # holds the write lock
        try:
            seconds, response = await timed(http, "/graphql", rename)
        finally:
            await holder.rollback()
    print(f"\nlock held elsewhere: the mutation ended after {seconds:.2f}s")
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert seconds < BOUND + 1.0
    assert await answered(http, rename) == {"data": {"updatePerson": {"person": {"name": "王芳芳"}}}}


@pytest.mark.slow
async def test_two_workers_scraped_then_drained_at_sigterm(
    neo4j: Connection, seeded: None, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "NEO4J_URI": neo4j.uri,
        "NEO4J_PASSWORD": neo4j.password,
        "ORGGRAPH_PORT": str(HTTP_PORT),
        "ORGGRAPH_WORKERS": "2",
        "ORGGRAPH_AUTH": "off",
        "ORGGRAPH_QUERY_TIMEOUT": str(QUERY_TIMEOUT),
        "ORGGRAPH_METRICS_TOKEN": "scrape-me",
        "ORGGRAPH_DRAIN_SECONDS": "5",
        "ORGGRAPH_SHUTDOWN_TIMEOUT": "5",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    server = serve(env, tmp_path / "server.log")
    base = f"http://127.0.0.1:{HTTP_PORT}"
    try:
        # Idle connections are given up before uvicorn closes them (5 s), as a client should.
        limits = httpx.Limits(max_connections=16, max_keepalive_connections=16, keepalive_expiry=3)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
            await ready_server(client, server, tmp_path / "server.log")
            # Traffic on 16 keep-alive connections, spread over both workers.
            answers = await asyncio.gather(*(client.post("/graphql", json=COUNT) for _ in range(32)))
            assert all(a.json() == {"data": {"organizations": {"totalCount": 1}}} for a in answers)
            await client.post("/graphql", json={"query": "query Broken { nope }"})
            await client.post("/graphql", json={"query": 'query Board { organization(code: "QX") { name } }'})

            assert (await client.get("/metrics")).status_code == 401
            scraped = await client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
            assert scraped.status_code == 200
            samples = {
                (s.name, tuple(sorted(s.labels.items()))): s.value
                for family in text_string_to_metric_families(scraped.text)
                for s in family.samples
            }
            ok = ("graphql_server_operations_total", (("error_code", ""), ("graphql_operation_name", "anonymous"),
                  ("graphql_operation_type", "query"), ("outcome", "ok"), ("path", "standard")))  # fmt: skip
            assert samples[ok] == 32  # summed over both workers' files
            board = ("graphql_server_operations_total", (("error_code", ""), ("graphql_operation_name", "Board"),
                     ("graphql_operation_type", "query"), ("outcome", "ok"), ("path", "compiled")))  # fmt: skip
            assert samples[board] == 1
            broken = [k for k in samples if k[0] == "graphql_server_operations_total"
                      and ("error_code", "GRAPHQL_VALIDATION_FAILED") in k[1]]  # fmt: skip
            assert broken and all(("graphql_operation_name", "other") in k[1] for k in broken)
            assert samples[("http_server_active_requests", ())] == 1  # the scrape itself
            assert samples[("db_client_connection_max", ())] == 200  # two pools of 100
            reads = ("db_client_operation_duration_seconds_count",
                     (("db_operation_name", "read"), ("db_system_name", "neo4j"), ("outcome", "ok")))  # fmt: skip
            assert samples[reads] >= 32

            # SIGTERM while 16 requests are sent on the open keep-alive connections:
            # all are answered, and once the workers drain, with Connection: close.
            server.send_signal(signal.SIGTERM)
            stopped_at = time.monotonic()
            answers = await asyncio.gather(*(client.post("/graphql", json=COUNT) for _ in range(16)))
            assert [a.status_code for a in answers] == [200] * 16
            await asyncio.sleep(0.5)  # the supervisor has passed SIGTERM on to the workers
            answers = await asyncio.gather(*(client.post("/graphql", json=COUNT) for _ in range(16)))
            assert [a.status_code for a in answers] == [200] * 16
            assert all(a.headers.get("connection") == "close" for a in answers)
            async with httpx.AsyncClient(base_url=base) as fresh:
                draining = await fresh.get("/health/ready")
            assert draining.status_code == 503 and draining.json() == {"status": "draining"}
        server.wait(timeout=30)
        print(f"\nstopped {time.monotonic() - stopped_at:.1f}s after SIGTERM (drain 5 s)")
        assert server.returncode == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


@pytest.mark.slow
async def test_shutdown_with_a_paused_database_is_bounded(
    neo4j: Connection, seeded: None, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "NEO4J_URI": neo4j.uri,
        "NEO4J_PASSWORD": neo4j.password,
        "ORGGRAPH_PORT": str(HTTP_PORT + 1),
        "ORGGRAPH_AUTH": "off",
        "ORGGRAPH_QUERY_TIMEOUT": str(QUERY_TIMEOUT),
        "ORGGRAPH_DRAIN_SECONDS": "1",
        "ORGGRAPH_SHUTDOWN_TIMEOUT": "5",
    }
    server = serve(env, tmp_path / "server.log")
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{HTTP_PORT + 1}", timeout=30) as client:
            await ready_server(client, server, tmp_path / "server.log")
            with paused(INSTANCE):
                pending = asyncio.ensure_future(client.post("/graphql", json=COUNT))
                await asyncio.sleep(0.3)
                server.send_signal(signal.SIGTERM)
                stopped_at = time.monotonic()
                answer = await pending
                assert answer.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
                await asyncio.to_thread(server.wait, 20)
                took = time.monotonic() - stopped_at
        print(f"\nNeo4j paused: stopped {took:.1f}s after SIGTERM")
        assert took < 1 + BOUND + 2 + 2  # drain + the request's bound + closing the driver + margin
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def serve(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`orggraph serve` in a process of its own, logging to `log`. The port must
    be free: a server left behind by an earlier run would answer in its place."""
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", HTTP_PORT)) != 0, f"port {HTTP_PORT} is already taken"
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "service.cli.main", "serve"], env=env, stdout=out, stderr=out
        )


async def ready_server(client: httpx.AsyncClient, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while True:
        assert server.poll() is None, log.read_text()
        try:
            if (await client.get("/health/ready")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the server did not get ready"
        await asyncio.sleep(0.3)
