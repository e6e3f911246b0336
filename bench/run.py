"""`make bench`: the floor, OrgGraph and @neo4j/graphql on one county, in one run.

    python -m bench.run [--shapes a,b] [--systems floor,orggraph,neo4j-graphql]
                        [--concurrency 1,8] [--quick] [--workers N] [--keep-neo4j]

Starts the bench Neo4j (seeding the county on first use), OrgGraph and the peer;
checks that every system answers each shape with the same JSON; measures each
shape on each system at each concurrency with the same load client; writes
bench/results/latest.json (the rows), latest.meta.json (machine, load, checks,
notes, targets), latest.md (the table) and latest.png (the chart); stops
everything it started, also on failure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from typing import Any

import orjson
import uvloop

from bench import check, dataset, report
from bench.common import BENCH_INSTANCE, ORGGRAPH_PORT, PEER_PORT, RESULTS, commit, load_average, machine
from bench.floor import Floor
from bench.load import Measurement, Target, fetch_once, graphql_request, measure, tree
from bench.queries import FUNNEL_SKIPPED, SHAPES, Params, Shape, funnel_available
from bench.servers import Server, start_orggraph, start_peer
from graph import launcher
from graph.driver import Connection

SYSTEMS = ("floor", "floor-guarded", "orggraph", "neo4j-graphql")
QUICK_DIVISOR = 4
ROUNDS = 3


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--shapes", default=",".join(SHAPES), help=f"comma-separated, of: {', '.join(SHAPES)}")
    p.add_argument("--systems", default=",".join(SYSTEMS), help=f"comma-separated, of: {', '.join(SYSTEMS)}")
    p.add_argument("--concurrency", default="1,8", help="comma-separated concurrency levels (default 1,8)")
    p.add_argument("--quick", action="store_true", help=f"1/{QUICK_DIVISOR} of the requests (development)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="server workers (default: cores)")
    p.add_argument("--keep-neo4j", action="store_true", help="leave the bench Neo4j running afterwards")
    p.add_argument("--out", default="latest", help="results file stem under bench/results (default latest)")
    p.add_argument(
        "--report-only", action="store_true", help="rewrite <out>.md/png from <out>.json and .meta.json"
    )
    args = p.parse_args(argv)
    args.shapes = [s for s in args.shapes.split(",") if s]
    args.systems = [s for s in args.systems.split(",") if s]
    args.concurrency = [int(c) for c in args.concurrency.split(",") if c]
    for s in args.shapes:
        if s not in SHAPES:
            p.error(f"unknown shape {s!r}")
    for s in args.systems:
        if s not in SYSTEMS:
            p.error(f"unknown system {s!r}")
    return args


class Bench:
    """One run: the systems under test and what has been measured so far."""

    def __init__(self, args: argparse.Namespace, connection: Connection, params: Params) -> None:
        self.args = args
        self.connection = connection
        self.params = params
        self.servers: dict[str, Server] = {}
        self.floor: Floor | None = None
        self.rows: list[dict[str, Any]] = []
        self.checks: dict[str, dict[str, Any]] = {}
        self.notes: dict[str, str] = {}

    def start(self) -> None:
        if "orggraph" in self.args.systems:
            print(
                f"starting OrgGraph (uvicorn, {self.args.workers} workers) on :{ORGGRAPH_PORT}…", flush=True
            )
            self.servers["orggraph"] = start_orggraph(self.connection, ORGGRAPH_PORT, self.args.workers)
        if "neo4j-graphql" in self.args.systems:
            print(
                f"starting the peer (@neo4j/graphql, {self.args.workers} workers) on :{PEER_PORT}…",
                flush=True,
            )
            self.servers["neo4j-graphql"] = start_peer(self.connection, PEER_PORT, self.args.workers)
        if "floor" in self.args.systems or "floor-guarded" in self.args.systems:
            self.floor = Floor(self.connection)

    async def stop(self) -> None:
        for server in self.servers.values():
            server.stop()
        if self.floor is not None:
            await self.floor.close()

    def target(self, system: str, shape: Shape) -> Target | None:
        """How to send `shape` to `system`; None when the system has no such query."""
        p = self.params
        if system == "floor":
            call = self.floor.for_shape(shape.name, p) if self.floor and shape.has_floor else None
            return None if call is None else Target("floor", pids=lambda: [os.getpid()], call=call)
        if system == "floor-guarded":
            call = self.floor.for_shape_guarded(shape.name, p) if self.floor else None
            return None if call is None else Target("floor-guarded", pids=lambda: [os.getpid()], call=call)
        server = self.servers[system]
        if system == "orggraph":
            request = graphql_request("127.0.0.1", server.port, shape.orggraph, shape.variables(p))
        else:
            if shape.peer is None or shape.peer_variables is None:
                return None
            request = graphql_request("127.0.0.1", server.port, shape.peer, shape.peer_variables(p))
        return Target(system, pids=server.pids, port=server.port, request=request)

    async def answer(self, system: str, shape: Shape) -> Any:
        target = self.target(system, shape)
        assert target is not None
        if target.call is not None:
            return check.data_of(await target.call())
        if system == "orggraph":
            query, variables = shape.orggraph, shape.variables(self.params)
        else:
            assert shape.peer is not None and shape.peer_variables is not None
            query, variables = shape.peer, shape.peer_variables(self.params)
        return check.data_of(await fetch_once("127.0.0.1", target.port, query, variables))

    async def verify(self, shape: Shape) -> None:
        """Ask each system once and compare the answers with OrgGraph's."""
        found: dict[str, Any] = {"fields": None}
        systems = [s for s in self.args.systems if self.target(s, shape) is not None]
        answers = {s: await self.answer(s, shape) for s in systems}
        reference = answers.get("orggraph")
        if reference is not None:
            found["fields"] = check.count_fields(reference)
            for floor in ("floor", "floor-guarded"):
                if floor in answers:
                    found[floor] = check.compare(reference, answers[floor])
            if "neo4j-graphql" in answers and shape.adapt_peer is not None:
                adapted = shape.adapt_peer(answers["neo4j-graphql"])
                found["neo4j-graphql"] = check.compare(reference, adapted, shape.peer_ignore)
        tmp = RESULTS / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        for system, data in answers.items():
            (tmp / f"{shape.name}.{system}.json").write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2))
        self.checks[shape.name] = found
        verdicts = ", ".join(f"{k}: {v}" for k, v in found.items() if k != "fields")
        print(f"  answers ({found['fields']} fields): {verdicts or 'nothing to compare'}", flush=True)

    async def measure_shape(self, shape: Shape) -> None:
        """Each concurrency level in ROUNDS rounds; within a round every system in
        turn, so a burst of background load falls on all of them alike."""
        db_pid = launcher.running_pid(BENCH_INSTANCE)
        targets = {s: t for s in self.args.systems if (t := self.target(s, shape)) is not None}
        for concurrency in self.args.concurrency:
            count = shape.requests[0] if concurrency == 1 else shape.requests[1]
            warmup = shape.warmup
            if self.args.quick:
                count, warmup = max(count // QUICK_DIVISOR, ROUNDS), max(warmup // 2, 1)
            per_round = -(-count // ROUNDS)
            parts: dict[str, list[Measurement]] = {s: [] for s in targets}
            loads: list[float] = []
            for round_ in range(ROUNDS):
                loads.append(load_average()[0])
                for system, target in targets.items():
                    parts[system].append(
                        await measure(
                            target,
                            concurrency=concurrency,
                            requests=per_round,
                            warmup=warmup if round_ == 0 else 0,
                            db_pid=db_pid,
                        )
                    )
            for system in targets:
                m = Measurement.merge(parts[system])
                row = {"query": shape.name, "system": system, **m.row(), "load_avg_1m": max(loads)}
                self.rows.append(row)
                print(
                    f"  {system:>13} c={concurrency}: p50 {row['p50_ms']:9.2f} ms  p95 {row['p95_ms']:9.2f}  "
                    f"{row['rps']:8.1f} req/s  cpu {row['cpu_ms_per_request']:8.2f} ms/req  "
                    f"db {row['db_cpu_ms_per_request']:7.2f}  rss {row['peak_rss_mb']:6.0f} MB  "
                    f"minflt {row['minflt_per_request']:8.1f}/req",
                    flush=True,
                )


async def run(args: argparse.Namespace) -> int:
    started_at = dt.datetime.now().astimezone()
    load_start = load_average()
    connection, sizes = await dataset.ensure_county()
    bench: Bench | None = None
    try:
        params = await dataset.params(connection)
        bench = Bench(args, connection, params)
        bench.start()
        shapes = [SHAPES[name] for name in args.shapes]
        if not funnel_available():
            shapes = [s for s in shapes if s.name != "pipeline-funnel"]
            bench.notes["pipeline-funnel"] = FUNNEL_SKIPPED
            print(FUNNEL_SKIPPED, flush=True)
        for shape in shapes:
            print(f"\n{shape.title}", flush=True)
            await bench.verify(shape)
            await bench.measure_shape(shape)
        meta = {
            "date": started_at.isoformat(timespec="seconds"),
            "duration_s": round((dt.datetime.now().astimezone() - started_at).total_seconds()),
            "machine": machine(),
            "commit": commit(),
            "load_avg_start": load_start,
            "load_avg_end": load_average(),
            "quick": args.quick,
            "workers": args.workers,
            "dataset": {"scale": dataset.SCALE, **sizes.__dict__},
            "params": params.__dict__,
            "checks": bench.checks,
            "notes": bench.notes,
            "shapes": {
                s.name: {"title": s.title, "peer_note": s.peer_note, "note": s.note, "requests": s.requests}
                for s in shapes
            },
            "server_pids": {k: tree(v.process.pid) for k, v in bench.servers.items()},
        }
        paths = report.write(bench.rows, meta, args.out)
        print("\nwrote " + ", ".join(str(p.relative_to(RESULTS.parent.parent)) for p in paths), flush=True)
        return 0
    finally:
        if bench is not None:
            await bench.stop()
        if not args.keep_neo4j:
            dataset.stop()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.report_only:
        rows = orjson.loads((RESULTS / f"{args.out}.json").read_bytes())
        meta = orjson.loads((RESULTS / f"{args.out}.meta.json").read_bytes())
        report.write(rows, meta, args.out)
        return 0
    started = time.perf_counter()
    try:
        code = uvloop.run(run(args))
    except KeyboardInterrupt:
        code = 130
    print(f"bench.run finished in {time.perf_counter() - started:.0f} s", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
