"""`orggraph serve` on a real port: a burst over ORGGRAPH_MAX_IN_FLIGHT, silent
connections and half-written request heads (service/connections.py), and
workers that stop when the supervisor is killed (service/workers.py).

The server reads the tests' Neo4j (ORGGRAPH_TEST_NEO4J_PORT); its HTTP port is
any free one.
"""

from __future__ import annotations

import asyncio
import os
import resource
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from graph.driver import Connection, Database

ORGANIZATION = {"query": '{ organization(code: "OVL") { name } }'}
HEADER_TIMEOUT = 1.0
MAX_CONNECTIONS = 24


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def logged(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def serve(connection: Connection, log: Path, *flags: str, extra: dict[str, str] | None = None) -> Served:
    port = free_port()
    env = {
        **os.environ,
        "NEO4J_URI": connection.uri,
        "NEO4J_USER": connection.user,
        "NEO4J_PASSWORD": connection.password,
        "ORGGRAPH_AUTH": "off",
        "ORGGRAPH_PORT": str(port),
        "ORGGRAPH_DRAIN_SECONDS": "0",
        **(extra or {}),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "service.cli.main", "serve", *flags], env=env, stdout=out, stderr=out
        )
    return Served(process, port, log)


async def live(served: Served, within: float = 120.0) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(base_url=served.base) as client:
        while True:
            assert served.process.poll() is None, served.logged()
            try:
                if (await client.get("/health/live")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            await asyncio.sleep(0.3)


@pytest.fixture(scope="module")
def organization(neo4j_connection: Connection) -> Iterator[None]:
    async def write(cypher: str) -> None:
        db = Database(neo4j_connection)
        try:
            await db.write(cypher)  # type: ignore[arg-type]
        finally:
            await db.close()

    create = "CREATE (:Organization {id: 'ovl-org', code: 'OVL', name: '超载县妇联', kind: 'FEDERATION', level: 'COUNTY'})"
    asyncio.run(write(create))
    try:
        yield
    finally:
        asyncio.run(write("MATCH (o:Organization {id: 'ovl-org'}) DETACH DELETE o"))


@pytest.fixture(scope="module")
def server(
    neo4j_connection: Connection, organization: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """One worker: at most 4 GraphQL requests in flight, request heads within 1 s, 24 connections."""
    log = tmp_path_factory.mktemp("serve") / "server.log"
    flags = ["--max-in-flight", "4", "--header-timeout", str(HEADER_TIMEOUT)]
    served = serve(neo4j_connection, log, *flags, "--max-connections", str(MAX_CONNECTIONS))
    try:
        asyncio.run(live(served))
        yield served
    finally:
        served.stop()


@pytest.fixture
async def client(server: Served) -> AsyncIterator[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=16, max_keepalive_connections=16, keepalive_expiry=3)
    async with httpx.AsyncClient(base_url=server.base, limits=limits, timeout=60) as http:
        yield http


async def test_a_burst_gets_answers_or_overloaded_and_health_stays_up(
    server: Served, client: httpx.AsyncClient
) -> None:
    # Warm: the first query of a fresh server is planned cold.
    first = await client.post("/graphql", json=ORGANIZATION)
    assert first.json() == {"data": {"organization": {"name": "超载县妇联"}}}
    answers: list[httpx.Response] = []
    for _ in range(5):  # bursts of 48 on 16 connections until one hits the limit
        burst = asyncio.gather(*(client.post("/graphql", json=ORGANIZATION) for _ in range(48)))
        health = await client.get("/health/live")
        assert health.status_code == 200
        answers += await burst
        if any(a.status_code == 503 for a in answers):
            break
    refused = [a for a in answers if a.status_code == 503]
    admitted = [a for a in answers if a.status_code == 200]
    assert refused and admitted and len(refused) + len(admitted) == len(answers)
    assert all(a.json() == {"data": {"organization": {"name": "超载县妇联"}}} for a in admitted)
    assert all(a.headers["retry-after"] == "1" for a in refused)
    assert all(a.json()["errors"][0]["extensions"]["code"] == "OVERLOADED" for a in refused)
    print(f"\nburst on one worker, 4 in flight: {len(admitted)} answered, {len(refused)} OVERLOADED")
    assert "limit in_flight hit" in server.logged()


def _closed(sock: socket.socket, within: float) -> bytes | None:
    """What the server sent before closing `sock` within `within` s; None if it stays open."""
    sock.settimeout(within)
    received = b""
    try:
        while chunk := sock.recv(4096):
            received += chunk
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    return received


async def test_silent_connections_and_half_heads_are_closed_after_the_head_timeout(
    server: Served, client: httpx.AsyncClient
) -> None:
    silent = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(6)]
    halves = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(3)]
    for sock in halves:
        sock.sendall(b"POST /graphql HTTP/1.1\r\nHost: t\r\nContent-Type: appl")
    started = time.monotonic()
    try:
        # Meanwhile a new client is served at once.
        answer = await client.post("/graphql", json=ORGANIZATION)
        assert answer.json() == {"data": {"organization": {"name": "超载县妇联"}}}
        assert time.monotonic() - started < 5  # not held up (a loaded machine takes a second)
        outcomes = await asyncio.gather(*(asyncio.to_thread(_closed, s, 10.0) for s in silent + halves))
        took = time.monotonic() - started
    finally:
        for sock in silent + halves:
            sock.close()
    assert outcomes[:6] == [b""] * 6  # closed without a word
    assert all(o is not None and o.startswith(b"HTTP/1.1 408 Request Timeout") for o in outcomes[6:])
    assert b'"code":"REQUEST_TIMEOUT"' in (outcomes[6] or b"")
    assert HEADER_TIMEOUT <= took < HEADER_TIMEOUT + 5
    log = server.logged()
    assert "limit header_timeout hit: a connection from 127.0.0.1:" in log
    assert "sent nothing within 1s; closed" in log or "sent half a request head within 1s" in log


async def test_at_the_connection_limit_idle_connections_make_room(
    server: Served, client: httpx.AsyncClient
) -> None:
    hoard = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(MAX_CONNECTIONS + 16)]
    try:
        await asyncio.sleep(0.3)
        # A new client still gets in: the longest-waiting silent connections were closed.
        started = time.monotonic()
        answer = await client.get("/health/live")
        assert answer.status_code == 200 and time.monotonic() - started < 5
        # The server closed them when the later ones came, so before it answered.
        readable, _, _ = select.select(hoard, [], [], 0.1)
        assert len(readable) >= 16 and all(sock.recv(1) == b"" for sock in readable)
    finally:
        for sock in hoard:
            sock.close()
    assert "limit connections hit: 24 connections open; closed one idle for" in server.logged()
    assert "all busy" not in server.logged()  # none was refused: idle ones made room


async def test_workers_stop_when_the_supervisor_is_killed(
    neo4j_connection: Connection, tmp_path: Path
) -> None:
    served = serve(neo4j_connection, tmp_path / "server.log", "--workers", "2")
    workers: list[int] = []
    try:
        await live(served)
        workers = children(served.process.pid)
        assert len(workers) >= 2, served.logged()
        served.process.kill()  # SIGKILL: the supervisor cannot pass anything on
        served.process.wait()
        deadline = time.monotonic() + 15
        while alive := [pid for pid in workers if running(pid)]:
            assert time.monotonic() < deadline, f"workers {alive} outlived their supervisor"
            await asyncio.sleep(0.2)
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", served.port)) != 0  # nobody holds the port
    finally:
        served.stop()
        for pid in workers:
            if running(pid):
                os.kill(pid, signal.SIGKILL)


def children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == parent:
                found.append(int(entry.name))
    return found


def running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


@pytest.mark.parametrize(
    ("limits", "fits", "soft"),
    [((300, 4096), 1000, 1228), ((300, 300), 72, 300)],
)
def test_the_connection_limit_fits_the_file_descriptor_limit(
    limits: tuple[int, int], fits: int, soft: int
) -> None:
    """`orggraph serve` raises the soft limit as far as the hard one allows, else lowers the connection limit."""
    probe = (
        "import resource; from service.connections import fit_descriptors; "
        "print(fit_descriptors(1000), resource.getrlimit(resource.RLIMIT_NOFILE)[0])"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, limits),
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == [str(fits), str(soft)]
    assert ("does not fit a file-descriptor limit of 300; using 72" in done.stderr) == (fits < 1000)


async def test_a_kept_alive_connection_sending_a_bare_line_break_is_closed(server: Served) -> None:
    """uvicorn stops its keep-alive clock at any byte; a CRLF starts no head, but the head's clock."""
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"GET /health/live HTTP/1.1\r\nHost: t\r\n\r\n")
        sock.settimeout(10)
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        sock.sendall(b"\r\n")
        started = time.monotonic()
        outcome = await asyncio.to_thread(_closed, sock, 10.0)
    assert outcome is not None  # closed, not held for ever
    assert time.monotonic() - started < HEADER_TIMEOUT + 3
