"""Starting and stopping the two GraphQL servers under test.

- OrgGraph: `orggraph serve --workers <cores>` (uvicorn, uvloop, httptools),
  as production runs it, pointed at the bench Neo4j with NEO4J_URI.
- the peer: `node bench/peer/server.mjs --workers <cores>` (@neo4j/graphql 7
  under graphql-yoga, one node:cluster worker per core), installed with `npm ci`
  from the committed lock file on first use.

Each server runs in its own session (process group); `stop` ends that group,
and only that group, so nothing the benchmark started outlives it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import BIN, PEER_DIR, RESULTS, service_env
from bench.load import tree
from graph.driver import Connection

LOGS = RESULTS / "tmp"


class ServerError(RuntimeError):
    pass


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    _closed: bool = field(default=False)

    def pids(self) -> list[int]:
        return tree(self.process.pid) if self.process.poll() is None else []

    def stop(self, timeout: float = 15.0) -> None:
        if self._closed:
            return
        self._closed = True
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        # Workers left behind by a parent that died first share its process group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


def _spawn(
    name: str, cmd: list[str], env: dict[str, str], cwd: Path | None = None
) -> tuple[subprocess.Popen[bytes], Path]:
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=cwd,
            start_new_session=True,
        )  # fmt: skip
    return process, log


def _wait(server: Server, ready: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServerError(f"{server.name} exited during start-up:\n{_tail(server.log)}")
        if ready():
            return
        time.sleep(0.2)
    server.stop()
    raise ServerError(f"{server.name} did not start within {timeout:.0f}s:\n{_tail(server.log)}")


def _port_free(name: str, port: int) -> None:
    with socket.socket() as s:
        s.settimeout(0.5)
        if s.connect_ex(("127.0.0.1", port)) == 0:
            raise ServerError(
                f"port {port} (for {name}) is already in use; stop that program or choose another port"
            )


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def start_orggraph(
    connection: Connection,
    port: int,
    workers: int,
    *,
    name: str = "orggraph",
    env: Mapping[str, str] | None = None,
    flags: Sequence[str] = (),
    ready_within: float = 300.0,
) -> Server:
    """`orggraph serve`, with `env` added to the bench's environment and `flags` to its command."""
    _port_free(name, port)
    env = {**service_env(connection), "ORGGRAPH_GRAPHIQL": "0", **(env or {})}
    cmd = [str(BIN / "orggraph"), "serve", "--port", str(port), "--workers", str(workers), *flags]
    process, log = _spawn(name, cmd, env)
    server = Server(name, port, process, log)
    # Ready once its plans are warm: minutes on a large store or a busy machine.
    _wait(server, lambda: _http_ok(f"http://127.0.0.1:{port}/health/ready"), ready_within)
    # Every worker must be up, not just the first to answer.
    _wait(server, lambda: len(server.pids()) >= (workers + 1 if workers > 1 else 1), 30)
    return server


def ensure_peer_installed() -> None:
    """`npm ci` from the committed lock file, when node_modules is missing or stale."""
    stamp = PEER_DIR / "node_modules" / ".stamp-npm-ci"
    lock = PEER_DIR / "package-lock.json"
    if stamp.exists() and stamp.stat().st_mtime >= lock.stat().st_mtime:
        return
    npm = shutil.which("npm")
    if npm is None:
        raise ServerError("npm (Node.js 20+) is needed to run the peer")
    print("installing the peer (@neo4j/graphql) with npm ci…", flush=True)
    subprocess.run(
        [npm, "ci", "--prefix", str(PEER_DIR), "--no-audit", "--no-fund", "--loglevel=error"], check=True
    )
    stamp.touch()


def start_peer(connection: Connection, port: int, workers: int, *, name: str = "peer") -> Server:
    ensure_peer_installed()
    node = shutil.which("node")
    if node is None:
        raise ServerError("node (Node.js 20+) is needed to run the peer")
    _port_free(name, port)
    env = service_env(connection)
    cmd = [node, str(PEER_DIR / "server.mjs"), "--port", str(port), "--workers", str(workers)]
    process, log = _spawn(name, cmd, env, cwd=PEER_DIR)
    server = Server(name, port, process, log)
    _wait(server, lambda: "PEER-READY" in log.read_text(errors="replace"), 300)
    return server


@contextlib.contextmanager
def running(start: Callable[[], Server]) -> Iterator[Server]:
    server = start()
    try:
        yield server
    finally:
        server.stop()


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"
