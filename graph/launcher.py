"""Fetches Neo4j 5.26 Community with Maven and runs it on loopback.

Maven Central carries no `neo4j-community` tarball, so the DBMS (`org.neo4j:neo4j`
and its runtime dependencies) is copied into `.neo4j/lib`, the small launcher in
`launcher/OrgGraphNeo4j.java` is compiled against it, and each *instance* (dev,
test, bench) runs from its own folder `.neo4j/<name>/` with its own Bolt port,
data and log. Used only when NEO4J_URI is not set.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from graph.driver import Connection

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LAUNCHER_SOURCES = Path(__file__).resolve().parent / "launcher"
MAIN_CLASS = "OrgGraphNeo4j"
READY_LINE = "ORGGRAPH-NEO4J-READY"

# Servers this process started, kept so the handle is reaped on stop rather than
# garbage-collected while the server still runs.
_started: dict[int, subprocess.Popen[bytes]] = {}


@atexit.register
def _reap() -> None:
    """Forget the servers of ours that have exited (killed from outside, e.g. by a
    fault test), reaping them; the ones still running are left running."""
    for pid, process in list(_started.items()):
        if process.poll() is not None:
            del _started[pid]


class LauncherError(RuntimeError):
    """Neo4j could not be fetched, started or stopped; the message says why."""


@dataclass(frozen=True)
class Instance:
    """One local Neo4j server: its folder, Bolt port and credentials."""

    name: str
    port: int
    password: str
    pagecache_mb: int = 512
    heap_mb: int = 1024
    cache_dir: Path = PROJECT_ROOT / ".neo4j"

    @property
    def home(self) -> Path:
        return self.cache_dir / self.name

    @property
    def pid_file(self) -> Path:
        return self.home / "neo4j.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "neo4j.out"

    @property
    def connection(self) -> Connection:
        return Connection(uri=f"bolt://127.0.0.1:{self.port}", user="neo4j", password=self.password)


def ensure_runtime(cache_dir: Path, *, quiet: bool = False) -> str:
    """Resolve the Neo4j jars with Maven and compile the launcher, once; returns
    the classpath. Later calls reuse the cache (Maven's own in ~/.m2 too)."""
    lib = cache_dir / "lib"
    classes = cache_dir / "classes"
    marker = lib / ".complete"
    pom = LAUNCHER_SOURCES / "pom.xml"
    if not marker.exists() or marker.read_text() != pom.read_text():
        mvn = shutil.which("mvn")
        if mvn is None:
            raise LauncherError("Maven (mvn) is needed to fetch Neo4j; install it or set NEO4J_URI")
        if lib.exists():
            shutil.rmtree(lib)
        if not quiet:
            print("fetching Neo4j 5.26 Community with Maven (first run only)…", flush=True)
        cmd = [
            mvn, "-q", "-B", "-f", str(pom),
            "org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies",
            "-DincludeScope=runtime", f"-DoutputDirectory={lib}",
        ]  # fmt: skip
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise LauncherError("Maven could not fetch Neo4j:\n" + (done.stdout + done.stderr)[-3000:])
        marker.write_text(pom.read_text())
    source = LAUNCHER_SOURCES / f"{MAIN_CLASS}.java"
    compiled = classes / f"{MAIN_CLASS}.class"
    if not compiled.exists() or compiled.stat().st_mtime < source.stat().st_mtime:
        javac = shutil.which("javac")
        if javac is None:
            raise LauncherError("a JDK (javac, Java 17+) is needed to run Neo4j; or set NEO4J_URI")
        classes.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [javac, "-cp", f"{lib}/*", "-d", str(classes), str(source)], capture_output=True, text=True
        )
        if done.returncode != 0:
            raise LauncherError("could not compile the Neo4j launcher:\n" + done.stderr[-3000:])
    return f"{classes}{os.pathsep}{lib}/*"


def running_pid(instance: Instance) -> int | None:
    """The pid of the instance's server if it is running, else None."""
    try:
        pid = int(instance.pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except FileNotFoundError:
        return None
    return pid if MAIN_CLASS in cmdline and str(instance.home) in cmdline else None


def start(instance: Instance, *, fresh: bool = False, timeout: float = 180.0) -> Connection:
    """Start the instance unless it already runs; with `fresh`, its data is wiped
    first. Returns once Bolt accepts connections."""
    _reap()
    if running_pid(instance) is not None:
        if not fresh:
            return instance.connection
        stop(instance)
    if fresh and instance.home.exists():
        shutil.rmtree(instance.home)
    check_port_free(instance)
    classpath = ensure_runtime(instance.cache_dir)
    instance.home.mkdir(parents=True, exist_ok=True)
    java = shutil.which("java")
    if java is None:
        raise LauncherError("Java 17+ is needed to run Neo4j; or set NEO4J_URI")
    cmd = [
        java, f"-Xms{instance.heap_mb}m", f"-Xmx{instance.heap_mb}m", "-XX:+UseG1GC",
        "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-opens=java.base/java.lang=ALL-UNNAMED",
        "-cp", classpath, MAIN_CLASS,
        str(instance.home), str(instance.port), str(instance.pagecache_mb),
    ]  # fmt: skip
    env = {**os.environ, "NEO4J_PASSWORD": instance.password}
    with instance.log_file.open("w") as out:
        process = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=env, start_new_session=True,
        )  # fmt: skip
    instance.pid_file.write_text(str(process.pid))
    _started[process.pid] = process
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _started.pop(process.pid, None)
            instance.pid_file.unlink(missing_ok=True)
            raise LauncherError(f"Neo4j exited during start-up:\n{_tail(instance.log_file)}")
        if READY_LINE in instance.log_file.read_text(errors="replace") and _port_open(instance.port):
            return instance.connection
        time.sleep(0.25)
    stop(instance)
    raise LauncherError(f"Neo4j did not start within {timeout:.0f}s:\n{_tail(instance.log_file)}")


def check_port_free(instance: Instance) -> None:
    """Raise unless the instance's Bolt port is free (to be called while it is not running)."""
    if _port_open(instance.port):
        raise LauncherError(
            f"port {instance.port} is already in use by another program; "
            "stop it, choose another port, or point NEO4J_URI at that server"
        )


def stop(instance: Instance, *, timeout: float = 60.0) -> bool:
    """Stop the instance (clean shutdown, then a kill after `timeout`); False if it
    was not running."""
    pid = running_pid(instance)
    if pid is None:
        instance.pid_file.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.2)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
        while _alive(pid):
            time.sleep(0.1)
    process = _started.pop(pid, None)
    if process is not None:
        process.wait()
    instance.pid_file.unlink(missing_ok=True)
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie child of ours counts as gone
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    if state == "Z":
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        return False
    return True


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"
