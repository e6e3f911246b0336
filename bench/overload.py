"""`make bench-overload`: a burst of 64 clients with and without admission
control, and how keep-alive clients spread over two workers.

1. **Burst**: `orggraph serve --workers 2` on the county (the bench Neo4j);
   64 clients, each on its own keep-alive connection, ask for the first page
   of people (bench.queries.PEOPLE, `first: 50`) REQUESTS times, back to
   back. An OVERLOADED answer (503) is counted and, as a client should,
   retried after its `Retry-After` (plus up to a second of jitter). Run with ORGGRAPH_MAX_IN_FLIGHT=0 (no limit: before) and
   with the limits of LIMITS (after). Reported: answers and refusals, the 50th
   and 99th percentile of the answered requests' latency, of the refusals'
   latency, and of the whole wait of a request including its retries.
2. **Spread**: 16 keep-alive clients, 2 workers, no in-flight limit; the
   requests each worker answered (counted from the worker's own metrics file
   in PROMETHEUS_MULTIPROC_DIR), with connections kept for ever and closed
   after 5 requests (ORGGRAPH_MAX_REQUESTS_PER_CONNECTION).

Writes bench/results/overload.md (and .json) with the machine's load average.
The bench Neo4j is stopped at the end. Ports: ORGGRAPH_BENCH_NEO4J_PORT,
ORGGRAPH_BENCH_PORT (bench/common.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import os
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from prometheus_client import multiprocess

from bench import dataset
from bench.common import ORGGRAPH_PORT, RESULTS, commit, load_average, machine
from bench.load import Connection, HttpError, graphql_request, percentile
from bench.queries import PEOPLE
from bench.servers import running, start_orggraph

CLIENTS = 64
REQUESTS = 6
WORKERS = 2
# (label, ORGGRAPH_MAX_IN_FLIGHT): before, and per-worker limits after.
LIMITS = (("before: no limit", 0), ("after: 16 per worker (the default)", 16), ("after: 4 per worker", 4))
SPREAD_CLIENTS = 16
SPREAD_REQUESTS = 30
# (label, ORGGRAPH_MAX_REQUESTS_PER_CONNECTION): the default, 100, does not act
# within 30 requests; 5 shows what it does over a longer run.
SPREAD_RUNS = (
    ("connections kept for ever (ORGGRAPH_MAX_REQUESTS_PER_CONNECTION=0)", 0),
    ("Connection: close after 5 requests", 5),
)
HOST = "127.0.0.1"


@dataclass
class Burst:
    label: str
    limit: int
    answered: list[float] = field(default_factory=list)  # seconds per answered attempt
    refused: list[float] = field(default_factory=list)  # seconds per OVERLOADED attempt
    waits: list[float] = field(default_factory=list)  # seconds per request, retries included
    errors: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def row(self) -> dict[str, Any]:
        def ms(values: list[float], p: float) -> float | None:
            return round(percentile(sorted(values), p) * 1000) if values else None

        return {
            "label": self.label,
            "max_in_flight": self.limit,
            "answered": len(self.answered),
            "overloaded": len(self.refused),
            "errors": dict(self.errors),
            "answered_p50_ms": ms(self.answered, 50),
            "answered_p99_ms": ms(self.answered, 99),
            "answered_max_ms": ms(self.answered, 100),
            "refused_p99_ms": ms(self.refused, 99),
            "wait_p50_ms": ms(self.waits, 50),
            "wait_p99_ms": ms(self.waits, 99),
            "seconds": round(self.seconds, 1),
            "answers_per_s": round(len(self.answered) / self.seconds, 1) if self.seconds else None,
        }


async def client(request: bytes, count: int, burst: Burst, start: asyncio.Event) -> None:
    connection = await Connection.open(HOST, ORGGRAPH_PORT)
    try:
        await start.wait()
        for _ in range(count):
            began = time.perf_counter()
            while True:
                attempt = time.perf_counter()
                try:
                    body = await connection.exchange(request)
                except (asyncio.IncompleteReadError, ConnectionError):
                    # The server closed the connection (Connection: close): a new one.
                    await connection.close()
                    connection = await Connection.open(HOST, ORGGRAPH_PORT)
                    continue
                except HttpError as e:
                    if "HTTP 503" in str(e) and b"OVERLOADED" in str(e).encode():
                        burst.refused.append(time.perf_counter() - attempt)
                        # Its Retry-After (1 s), spread so that the refused do not all come back at once.
                        await asyncio.sleep(random.uniform(1.0, 2.0))
                        continue
                    burst.errors[str(e)[:60]] += 1
                    break
                burst.answered.append(time.perf_counter() - attempt)
                if b'"errors"' in body:
                    burst.errors[body[:60].decode(errors="replace")] += 1
                burst.waits.append(time.perf_counter() - began)
                break
    finally:
        await connection.close()


async def run_burst(request: bytes, label: str, limit: int, clients: int, requests: int) -> Burst:
    burst = Burst(label, limit)
    start = asyncio.Event()
    tasks = [asyncio.create_task(client(request, requests, burst, start)) for _ in range(clients)]
    await asyncio.sleep(0.5)  # every connection open
    began = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    burst.seconds = time.perf_counter() - began
    return burst


def per_worker(folder: Path) -> dict[int, int]:
    """GraphQL operations each worker answered, from its own metrics file."""
    counts: dict[int, int] = {}
    for path in folder.glob("counter_*.db"):
        pid = int(path.stem.split("_")[1])
        total = 0.0
        merged = multiprocess.MultiProcessCollector.merge([str(path)], accumulate=False)  # type: ignore[no-untyped-call]
        for metric in merged:
            if metric.name == "graphql_server_operations":
                total += sum(s.value for s in metric.samples if s.name.endswith("_total"))
        counts[pid] = int(total)
    return counts


async def main() -> int:
    connection, _ = await dataset.ensure_county()
    request = graphql_request(HOST, ORGGRAPH_PORT, PEOPLE, {"after": None})
    loads = [load_average()]
    bursts: list[dict[str, Any]] = []
    spreads: list[dict[str, Any]] = []
    try:
        for label, limit in LIMITS:
            env = {"ORGGRAPH_MAX_IN_FLIGHT": str(limit)}
            with running(
                functools.partial(
                    start_orggraph, connection, ORGGRAPH_PORT, WORKERS, env=env, ready_within=300
                )
            ):
                await run_burst(request, "warm-up", limit, 4, 3)
                done = await run_burst(request, label, limit, CLIENTS, REQUESTS)
            bursts.append(done.row())
            print(orjson.dumps(bursts[-1]).decode(), flush=True)
            loads.append(load_average())
        for label, per_connection in SPREAD_RUNS:
            with tempfile.TemporaryDirectory(prefix="orggraph-spread-") as folder:
                env = {
                    "PROMETHEUS_MULTIPROC_DIR": folder,
                    "ORGGRAPH_MAX_REQUESTS_PER_CONNECTION": str(per_connection),
                    "ORGGRAPH_MAX_IN_FLIGHT": "0",
                }
                with running(
                    functools.partial(
                        start_orggraph, connection, ORGGRAPH_PORT, WORKERS, env=env, ready_within=300
                    )
                ):
                    warm = per_worker(Path(folder))
                    done = await run_burst(request, label, 0, SPREAD_CLIENTS, SPREAD_REQUESTS)
                    counts = per_worker(Path(folder))
            answered = sorted((counts[pid] - warm.get(pid, 0) for pid in counts), reverse=True)
            answered += [0] * (WORKERS - len(answered))  # a worker that answered nothing wrote no file
            spreads.append({"label": label, "per_worker": answered, "seconds": round(done.seconds, 1),
                            "answered_p99_ms": done.row()["answered_p99_ms"]})  # fmt: skip
            print(orjson.dumps(spreads[-1]).decode(), flush=True)
            loads.append(load_average())
    finally:
        dataset.stop()
    write(bursts, spreads, loads)
    return 0


def write(bursts: list[dict[str, Any]], spreads: list[dict[str, Any]], loads: list[Any]) -> None:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    ones = [load[0] for load in loads]
    meta: dict[str, Any] = {"when": now, "commit": commit(), "machine": machine(), "load_average_1min": ones}
    (RESULTS / "overload.json").write_bytes(
        orjson.dumps({"meta": meta, "burst": bursts, "spread": spreads}, option=orjson.OPT_INDENT_2)
    )
    lines = [
        "# Overload: a burst of 64 clients, and the spread over two workers",
        "",
        f"{now}, commit {meta['commit']}, {meta['machine']['cores']} cores "
        f"(shared; 1-minute load average {min(ones):.1f}–{max(ones):.1f} during the run). "
        f"`orggraph serve --workers {WORKERS}` on the county; every request is the first page of "
        "people (bench.queries.PEOPLE, `first: 50`). `make bench-overload`.",
        "",
        f"## Burst: {CLIENTS} clients × {REQUESTS} requests, each client on one keep-alive connection",
        "",
        "An OVERLOADED answer (503) is retried after its `Retry-After` (1 s) plus up to 1 s of jitter; "
        "*wait* is a request's whole time, retries included; *other errors* are answers with errors "
        "(the 10 s request deadline) and 503s other than OVERLOADED.",
        "",
        "| run | answered | OVERLOADED | other errors | answered p50 | answered p99 | answered max "
        "| OVERLOADED p99 | wait p50 | wait p99 | answers/s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for b in bursts:
        errors = sum(b["errors"].values())
        lines.append(
            f"| {b['label']} | {b['answered']} | {b['overloaded']} | {errors} | {b['answered_p50_ms']} ms "
            f"| {b['answered_p99_ms']} ms | {b['answered_max_ms']} ms | {b['refused_p99_ms'] or '–'} ms "
            f"| {b['wait_p50_ms']} ms | {b['wait_p99_ms']} ms | {b['answers_per_s']} |"
        )
    lines += [
        "",
        f"## Spread: {SPREAD_CLIENTS} keep-alive clients × {SPREAD_REQUESTS} requests, 2 workers",
        "",
        "| run | requests answered by each worker | seconds | p99 |",
        "|---|---|---|---|",
    ]
    for s in spreads:
        lines.append(
            f"| {s['label']} | {' / '.join(map(str, s['per_worker']))} | {s['seconds']} | {s['answered_p99_ms']} ms |"
        )
    (RESULTS / "overload.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULTS / 'overload.md'}")


if __name__ == "__main__":
    if "--help" in sys.argv:
        print(__doc__)
        raise SystemExit(0)
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(asyncio.run(main()))
