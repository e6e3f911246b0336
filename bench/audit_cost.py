"""`python -m bench.audit_cost`: what the READ audit costs a small read at c=1,
by design of the record.

    python -m bench.audit_cost [--shapes people-first,people-deep] [--requests 200]

The guarantee: unmasked personal data leaves only once its reading is on
record (durable). Each design answers the same requests through the app in this
process (an EDITOR of the county, so every people page reveals 50 birth dates),
in interleaved rounds so that background load falls on all alike:

- `at-end`: the READ event is written when the request ends, then the answer
  leaves (OrgGraph before this change);
- `early`: the event's write starts as soon as the read returns and overlaps
  the building of the answer; the answer waits for its commit (OrgGraph now);
- `none`: no event at all. Not a design (it breaks the guarantee): the bound
  every design is measured against.

And, outside the app, the durable write itself: an auto-commit CREATE of one
event in Neo4j against appending the same bytes to a local file with
fdatasync (an append-only log on local disk).

Writes bench/results/audit_cost.json and .md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from neo4j import AsyncGraphDatabase

import graph.driver
import schema.access
from bench import dataset
from bench.common import AS_OF, BENCH_INSTANCE, RESULTS, commit
from bench.dbhits import CALLER
from bench.queries import SHAPES
from graph.audit import CREATE_EVENTS, Trail, record_reads, record_reads_early
from graph.driver import Connection, Database
from service.app import create_app

ROUNDS = 5


async def _record_nothing(db: Database, trail: Trail) -> None:
    return None


def _start_nothing(db: Database, trail: Trail) -> None:
    return None


def _design(name: str) -> None:
    """Switch the running code to a design (the module attributes the app calls)."""
    vars(graph.driver)["record_reads_early"] = (
        _start_nothing if name in ("at-end", "none") else record_reads_early
    )
    vars(schema.access)["record_reads"] = _record_nothing if name == "none" else record_reads


async def latencies(call: Callable[[], Awaitable[None]], n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        await call()
        out.append((time.perf_counter() - started) * 1000)
    return out


async def durable_writes(connection: Connection, n: int) -> dict[str, float]:
    """p50 ms of one event made durable: a Neo4j auto-commit write, a local fdatasync append."""
    row = {"actor": "bench", "scope": "QX", "roles": ["EDITOR"], "operation": "probe", "kind": "PROBE",
           "ids": [f"id-{i:040d}" for i in range(50)]}  # fmt: skip
    driver = AsyncGraphDatabase.driver(connection.uri, auth=(connection.user, connection.password))
    try:
        async with driver.session(database=connection.database) as session:

            async def neo4j_write() -> None:
                await (await session.run(CREATE_EVENTS, {"rows": [row]})).consume()

            async def trivial_read() -> None:
                await (await session.run("RETURN 1")).consume()

            written = await latencies(neo4j_write, n)
            read = await latencies(trivial_read, n)
            await (await session.run("MATCH (e:AuditEvent {kind: 'PROBE'}) DELETE e")).consume()
    finally:
        await driver.close()
    path = BENCH_INSTANCE.home / "audit-probe.log"
    line = (json.dumps(row) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        appended = []
        for _ in range(n):
            started = time.perf_counter()
            os.write(fd, line)
            os.fdatasync(fd)
            appended.append((time.perf_counter() - started) * 1000)
    finally:
        os.close(fd)
        path.unlink()
    return {
        "neo4j_write_p50_ms": round(statistics.median(written), 2),
        "neo4j_trivial_read_p50_ms": round(statistics.median(read), 2),
        "local_fdatasync_append_p50_ms": round(statistics.median(appended), 2),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    connection, _ = await dataset.ensure_county()
    try:
        p = await dataset.params(connection)
        db = Database(connection, query_timeout=120)
        app = create_app(db=db, today=lambda: AS_OF, caller=CALLER)
        results: dict[str, Any] = {"commit": commit(), "requests": args.requests, "shapes": {}}
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench", timeout=300
        ) as http:
            for name in args.shapes:
                shape = SHAPES[name]
                body = {"query": shape.orggraph, "variables": shape.variables(p)}

                async def ask(body: dict[str, Any] = body) -> None:
                    answer = (await http.post("/graphql", json=body)).json()
                    assert not answer.get("errors"), answer

                times: dict[str, list[float]] = {d: [] for d in ("at-end", "early", "none")}
                for _ in range(ROUNDS):
                    for design in times:
                        _design(design)
                        await latencies(ask, 3)
                        times[design] += await latencies(ask, args.requests // ROUNDS)
                _design("early")
                results["shapes"][name] = {d: round(statistics.median(t), 2) for d, t in times.items()}
                print(name, results["shapes"][name], flush=True)
        await db.close()
        results["durable_write"] = await durable_writes(connection, args.requests)
        print(results["durable_write"], flush=True)
    finally:
        if not args.keep_neo4j:
            dataset.stop()
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="bench.audit_cost", description=__doc__.split("\n\n")[0])
    p.add_argument("--shapes", default="people-first,people-deep")
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--keep-neo4j", action="store_true")
    args = p.parse_args(argv)
    args.shapes = [s for s in args.shapes.split(",") if s]
    results = asyncio.run(run(args))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "audit_cost.json").write_text(json.dumps(results, indent=2) + "\n")
    lines = [
        f"OrgGraph at `{results['commit']}`, in process, c=1, median of {results['requests']} requests per design",
        "",
        "| shape | at end ms | early ms | no audit (bound) ms |",
        "|---|--:|--:|--:|",
    ]
    for name, row in results["shapes"].items():
        lines.append(f"| {name} | {row['at-end']} | {row['early']} | {row['none']} |")
    d = results["durable_write"]
    lines += [
        "",
        f"One event made durable, p50: Neo4j auto-commit write {d['neo4j_write_p50_ms']} ms "
        f"(a trivial read: {d['neo4j_trivial_read_p50_ms']} ms); local append + fdatasync "
        f"{d['local_fdatasync_append_p50_ms']} ms",
    ]
    (RESULTS / "audit_cost.md").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
