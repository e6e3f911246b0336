"""The one load client every system is measured with.

A fixed number of requests is spread over `concurrency` workers on one asyncio
(uvloop) event loop, after an unmeasured warm-up at the same concurrency. For
the HTTP systems each worker holds one keep-alive HTTP/1.1 connection and speaks
just enough HTTP (a pre-encoded POST; Content-Length or chunked answers) to keep
the client's own cost per request in the tens of microseconds. For the floor a
"request" is one call of its coroutine, in this process.

Around the measured phase it reads the server processes' CPU time, minor page
faults (/proc/<pid>/stat) and resident memory (/proc/<pid>/statm, sampled every
25 ms, summed over the processes: uvicorn's or node's workers and their
parent), and the same for Neo4j, so a row reports CPU per request on each side.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson

from bench.common import BENCH_AUTHORIZATION

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


# --- processes ------------------------------------------------------------------------


def tree(pid: int) -> list[int]:
    """`pid` and all its descendants (uvicorn's or node's workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int(_stat_fields(int(entry.name))[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def _stat_fields(pid: int) -> list[str]:
    """Fields of /proc/<pid>/stat after the command name: [state, ppid, ...]."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()


@dataclass(frozen=True)
class Usage:
    cpu_s: float
    minflt: int
    majflt: int

    def __sub__(self, other: Usage) -> Usage:
        return Usage(self.cpu_s - other.cpu_s, self.minflt - other.minflt, self.majflt - other.majflt)


def usage(pids: Sequence[int]) -> Usage:
    """CPU seconds (user + system) and page faults, summed over live `pids`."""
    cpu = 0.0
    minflt = majflt = 0
    for pid in pids:
        try:
            f = _stat_fields(pid)
        except (OSError, IndexError):
            continue
        # After the name: state(0) ppid(1) ... minflt(7) cminflt(8) majflt(9) cmajflt(10) utime(11) stime(12)
        minflt += int(f[7])
        majflt += int(f[9])
        cpu += (int(f[11]) + int(f[12])) / CLOCK_TICKS
    return Usage(cpu, minflt, majflt)


def rss_mb(pids: Sequence[int]) -> float:
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total * PAGE_SIZE / 1024 / 1024


# --- HTTP -----------------------------------------------------------------------------


class HttpError(RuntimeError):
    pass


def graphql_request(
    host: str,
    port: int,
    query: str,
    variables: Mapping[str, object] | None,
    authorization: str = BENCH_AUTHORIZATION,
) -> bytes:
    """The bytes of one POST /graphql, sent as is for every request (as the
    county's EDITOR unless `authorization` says otherwise)."""
    body = orjson.dumps({"query": query, "variables": dict(variables or {})})
    head = (
        f"POST /graphql HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"Accept: application/json\r\nAuthorization: {authorization}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
    )
    return head.encode() + body


class Connection:
    """One keep-alive HTTP/1.1 connection; when an answer says `Connection: close`
    (OrgGraph closes a connection after ORGGRAPH_MAX_REQUESTS_PER_CONNECTION
    requests), the next request opens a new one, as HTTP clients do."""

    def __init__(
        self, host: str, port: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.host, self.port = host, port
        self.reader = reader
        self.writer = writer
        self.closing = False
        self.reopened = 0

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(host, port, limit=1 << 22)
        return cls(host, port, reader, writer)

    async def exchange(self, request: bytes) -> bytes:
        if self.closing:
            await self.close()
            fresh = await Connection.open(self.host, self.port)
            self.reader, self.writer = fresh.reader, fresh.writer
            self.closing = False
            self.reopened += 1
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = head[9:12]
        length = -1
        chunked = False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and value.strip().lower() == b"close":
                self.closing = True
        if chunked:
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                parts.append(await self.reader.readexactly(size + 2))
            body = b"".join(p[:-2] for p in parts)
        else:
            body = await self.reader.readexactly(length)
        if status != b"200":
            raise HttpError(f"HTTP {status.decode()}: {body[:500]!r}")
        return body

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(Exception):
            await self.writer.wait_closed()


async def fetch_once(
    host: str,
    port: int,
    query: str,
    variables: Mapping[str, object] | None,
    authorization: str = BENCH_AUTHORIZATION,
) -> bytes:
    connection = await Connection.open(host, port)
    try:
        return await connection.exchange(graphql_request(host, port, query, variables, authorization))
    finally:
        await connection.close()


# --- the load loop ----------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What to load: an HTTP GraphQL server (`request` bytes to `host:port`) or a
    coroutine function (`call`, the floor). `pids` lists the processes whose
    CPU and memory count as the system's (evaluated at measure time)."""

    system: str
    pids: Callable[[], list[int]]
    host: str = "127.0.0.1"
    port: int = 0
    request: bytes = b""
    call: Callable[[], Awaitable[bytes]] | None = None


@dataclass(frozen=True)
class Measurement:
    concurrency: int
    requests: int
    seconds: float
    latencies_ms: list[float]
    cpu_s: float
    db_cpu_s: float
    minflt: int
    majflt: int
    peak_rss_mb: float
    response_bytes: int

    @classmethod
    def merge(cls, parts: Sequence[Measurement]) -> Measurement:
        """Rounds of the same row as one measurement (their time and work added up)."""
        return cls(
            concurrency=parts[0].concurrency,
            requests=sum(p.requests for p in parts),
            seconds=sum(p.seconds for p in parts),
            latencies_ms=[x for p in parts for x in p.latencies_ms],
            cpu_s=sum(p.cpu_s for p in parts),
            db_cpu_s=sum(p.db_cpu_s for p in parts),
            minflt=sum(p.minflt for p in parts),
            majflt=sum(p.majflt for p in parts),
            peak_rss_mb=max(p.peak_rss_mb for p in parts),
            response_bytes=parts[0].response_bytes,
        )

    def row(self) -> dict[str, float | int]:
        lat = sorted(self.latencies_ms)
        return {
            "concurrency": self.concurrency,
            "requests": self.requests,
            "p50_ms": round(percentile(lat, 50), 3),
            "p95_ms": round(percentile(lat, 95), 3),
            "p99_ms": round(percentile(lat, 99), 3),
            "mean_ms": round(statistics.fmean(lat), 3),
            "rps": round(self.requests / self.seconds, 2),
            "cpu_ms_per_request": round(self.cpu_s * 1000 / self.requests, 3),
            "db_cpu_ms_per_request": round(self.db_cpu_s * 1000 / self.requests, 3),
            "minflt_per_request": round(self.minflt / self.requests, 1),
            "majflt": self.majflt,
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "response_bytes": self.response_bytes,
        }


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not sorted_values:
        return float("nan")
    k = (len(sorted_values) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def check_body(body: bytes) -> None:
    if not body.startswith(b'{"data"') or b'"errors"' in body:
        raise HttpError(f"GraphQL error: {body[:500]!r}")


async def _drive(target: Target, concurrency: int, count: int, latencies: list[float] | None) -> int:
    """Send `count` requests over `concurrency` workers; returns one response's size."""
    remaining = count
    size = 0

    async def worker() -> None:
        nonlocal remaining, size
        connection = None if target.call else await Connection.open(target.host, target.port)
        try:
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                if target.call is not None:
                    body = await target.call()
                else:
                    assert connection is not None
                    body = await connection.exchange(target.request)
                elapsed = time.perf_counter() - started
                if latencies is not None:
                    latencies.append(elapsed * 1000)
                if size == 0:
                    check_body(body)
                    size = len(body)
                elif b'"errors"' in body:
                    check_body(body)
        finally:
            if connection is not None:
                await connection.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return size


async def measure(
    target: Target, *, concurrency: int, requests: int, warmup: int, db_pid: int | None
) -> Measurement:
    """Warm up, then send `requests` requests at `concurrency` and measure."""
    if warmup:
        await _drive(target, concurrency, warmup, None)
    pids = target.pids()
    db_pids = [db_pid] if db_pid else []
    peak = rss_mb(pids)
    sampling = True

    async def sample() -> None:
        nonlocal peak
        while sampling:
            peak = max(peak, rss_mb(pids))
            await asyncio.sleep(0.025)

    sampler = asyncio.create_task(sample())
    before, db_before = usage(pids), usage(db_pids)
    latencies: list[float] = []
    started = time.perf_counter()
    size = await _drive(target, concurrency, requests, latencies)
    seconds = time.perf_counter() - started
    used, db_used = usage(pids) - before, usage(db_pids) - db_before
    sampling = False
    await sampler
    peak = max(peak, rss_mb(pids))
    return Measurement(
        concurrency=concurrency,
        requests=requests,
        seconds=seconds,
        latencies_ms=latencies,
        cpu_s=used.cpu_s,
        db_cpu_s=db_used.cpu_s,
        minflt=used.minflt,
        majflt=used.majflt,
        peak_rss_mb=peak,
        response_bytes=size,
    )
