"""`make bench-scaling`: how latency grows with the data (concurrency 1).

    python -m bench.scaling [--parts people,result,rest] [--quick] [--workers N]

Three studies, each with the same load client as `bench.run`:

- **people** (`people(first: 50)`, the first page and the page after row N/2)
  on a graph of only N plain Person nodes, N = 1k, 10k, 100k, 1M, in the
  `bench-scaling` Neo4j (port 7742, rebuilt every run): a keyset cursor stays
  flat as N grows; an offset cursor (the peer's) does not. The peer's own
  `peopleConnection` (which collects every node before slicing) is shown too.
- **result**: the nested view on the cached county (`bench` Neo4j, port 7741)
  with 1, 2, 4, 9 and 18 townships: latency against the answer's size (linear).
- **rest**: the nested view of one small county while unrelated counties are
  added beside it (0 to ~1.6M more rows): latency against the size of the rest
  of the graph (flat).
- **city**: every shape and analyst question on the county store and on the
  city store (`bench.city`, seeded once into .neo4j/bench-city): how each grows.

Every row's answers are compared first (floor, OrgGraph, peer); a row whose
answers differ is an error, is not measured and gives no ratio, and the run
exits 1. Writes bench/results/scaling.json, scaling.md and scaling.png (and
city.json, city.md), and stops what it started.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from typing import Any, LiteralString

import orjson
import uvloop

from bench import check, city, dataset
from bench.common import (
    AS_OF,
    BENCH_INSTANCE,
    DEADLINES,
    ORGGRAPH_PORT,
    PEER_PORT,
    RESULTS,
    SCALING_INSTANCE,
    commit,
    database,
    load_average,
    machine,
)
from bench.floor import Floor
from bench.load import Target, fetch_once, graphql_request, measure
from bench.queries import (
    PEOPLE,
    PEOPLE_CONNECTION_PEER,
    PEOPLE_PEER,
    adapt_nested,
    adapt_people,
    nested_orggraph,
    nested_peer,
    peer_offset_cursor,
)
from bench.servers import Server, start_orggraph, start_peer
from graph import launcher
from graph.constraints import apply_constraints
from graph.driver import Connection, Database
from graph.seed import load as load_dataset
from graph.seed_data import Dataset, generate
from schema.relay import encode_cursor

PEOPLE_SIZES = (1_000, 10_000, 100_000, 1_000_000)
TOWNSHIPS = (1, 2, 4, 9, 18)
# Unrelated counties added beside the measured one: (scale, seed), cumulatively.
REST = (("medium", 7), ("county", 8))
PEER_CONNECTION_TIMEOUT = 60.0
SYSTEMS = ("floor", "orggraph", "neo4j-graphql")
# Requests per target before the first point of a study (JVM, query plans, pools).
COLD_WARMUP = 200
RESULT_COLD_WARMUP = 10
REST_COLD_WARMUP = 30

# The people live in the county QX (one township, one village, grids of 200
# households of two), so the bench caller, an EDITOR of QX, sees every one of them
# as the floor does: the page is the same answer on both sides, and OrgGraph's
# scope test runs on each person of the page as it does in production.
PEOPLE_COUNTY: LiteralString = """
MERGE (c:Organization {id: 'S-QX'})
  ON CREATE SET c.code = 'QX', c.name = '青溪县妇联', c.kind = 'FEDERATION', c.level = 'COUNTY'
MERGE (t:Organization {id: 'S-QX-T01'})
  ON CREATE SET t.code = 'QX-T01', t.name = '清水镇妇联', t.kind = 'FEDERATION', t.level = 'TOWNSHIP'
MERGE (v:Organization {id: 'S-QX-T01-V01'})
  ON CREATE SET v.code = 'QX-T01-V01', v.name = '石桥村妇联', v.kind = 'FEDERATION', v.level = 'VILLAGE'
MERGE (t)-[:PART_OF]->(c)
MERGE (v)-[:PART_OF]->(t)
"""
ADD_HOMES: LiteralString = """
MATCH (v:Organization {id: 'S-QX-T01-V01'})
UNWIND range($start / 400, ($end - 1) / 400) AS g
MERGE (grid:Grid {id: 'S-G' + toString(g)})
  ON CREATE SET grid.code = 'QX-T01-V01-G' + right('00000' + toString(g), 5), grid.name = '第' + toString(g) + '网格'
MERGE (grid)-[:PART_OF]->(v)
WITH DISTINCT v
UNWIND range($start / 2, ($end - 1) / 2) AS h
MATCH (grid:Grid {id: 'S-G' + toString(h / 200)})
MERGE (home:Household {id: 'S-H' + toString(h)})
  ON CREATE SET home.code = 'QX-T01-V01-H' + right('0000000' + toString(h), 7),
                home.address = '石桥村' + toString(h) + '号', home.tags = []
MERGE (home)-[:IN_GRID]->(grid)
"""
ADD_PEOPLE: LiteralString = """
UNWIND range($start, $end - 1) AS i
MATCH (home:Household {id: 'S-H' + toString(i / 2)})
CREATE (p:Person {
  id: 'S-' + toString(i),
  code: 'S' + right('000000000' + toString(i), 9),
  name: '人' + toString(i % 9973),
  gender: CASE WHEN i % 10 = 0 THEN 'MALE' ELSE 'FEMALE' END,
  birthDate: date('1960-01-01') + duration({days: i % 15000}),
  education: ['JUNIOR_HIGH', 'SENIOR_HIGH', 'JUNIOR_COLLEGE', 'BACHELOR'][i % 4],
  politicalStatus: ['MASSES', 'PARTY_MEMBER', 'LEAGUE_MEMBER'][i % 3],
  phone: '138' + right('00000000' + toString(i), 8)
})-[:LIVES_IN]->(home)
"""
PERSON_COUNT: LiteralString = "RETURN COUNT { (:Person) } AS n"
ROW_COUNT: LiteralString = "CALL () { MATCH (n) RETURN count(n) AS nodes } CALL () { MATCH ()-[r]->() RETURN count(r) AS rels } RETURN nodes + rels AS n"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench.scaling", description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--parts", default="people,result,rest,city", help="comma-separated, of: people, result, rest, city"
    )
    p.add_argument("--quick", action="store_true", help="fewer requests and smaller sizes (development)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="server workers (default: cores)")
    p.add_argument("--keep-neo4j", action="store_true", help="leave the bench Neo4j running afterwards")
    p.add_argument("--report-only", action="store_true", help="rewrite scaling.md/png from scaling.json")
    args = p.parse_args(argv)
    args.parts = [x for x in args.parts.split(",") if x]
    return args


@contextmanager
def servers(connection: Connection, workers: int) -> Iterator[dict[str, Server]]:
    started: dict[str, Server] = {}
    try:
        started["orggraph"] = start_orggraph(connection, ORGGRAPH_PORT, workers, env=DEADLINES)
        started["neo4j-graphql"] = start_peer(connection, PEER_PORT, workers)
        yield started
    finally:
        for s in started.values():
            s.stop()


def http_target(server: Server, query: str, variables: dict[str, Any]) -> Target:
    return Target(
        server.name if server.name != "peer" else "neo4j-graphql",
        pids=server.pids,
        port=server.port,
        request=graphql_request("127.0.0.1", server.port, query, variables),
    )


class Study:
    """Measurements of one scaling run, appended as flat points."""

    def __init__(self, quick: bool, workers: int) -> None:
        self.quick = quick
        self.workers = workers
        self.peer_connection_failed: set[str] = set()
        self.points: list[dict[str, Any]] = []
        self.checks: list[str] = []
        self.failed: list[str] = []

    def requests(self, n: int) -> int:
        return max(n // 4, 3) if self.quick else n

    async def point(
        self,
        study: str,
        target: Target,
        x: float,
        requests: int,
        db_pid: int | None,
        *,
        warmup: int | None = None,
        **extra: Any,
    ) -> None:
        if warmup is None:
            warmup = 10 if study == "people" else 2
        m = await measure(
            target, concurrency=1, requests=self.requests(requests), warmup=warmup, db_pid=db_pid
        )
        row = {
            "study": study,
            "system": target.system,
            "x": x,
            **extra,
            **m.row(),
            "load_avg_1m": load_average()[0],
        }
        self.points.append(row)
        label = " ".join(f"{k}={v}" for k, v in extra.items())
        print(
            f"  {study} {label} x={x:,.0f} {target.system:>13}: p50 {row['p50_ms']:9.2f} ms  "
            f"p95 {row['p95_ms']:9.2f}  cpu {row['cpu_ms_per_request']:8.2f} ms/req",
            flush=True,
        )

    def compare(
        self,
        label: str,
        orggraph: bytes,
        others: dict[str, bytes],
        *,
        adapt_peer: Any = None,
        peer_ignore: tuple[str, ...] = (),
    ) -> bool:
        """Compare each other system's answer with OrgGraph's: the floor's exactly,
        the peer's (reshaped by `adapt_peer`) up to list order, without the fields
        in `peer_ignore`. A row whose answers differ is an error: it is recorded
        in `failed` and the caller measures nothing for it."""
        try:
            reference = check.data_of(orggraph)
        except ValueError as e:
            self.checks.append(f"{label}: OrgGraph gave no answer ({str(e)[:200]}) — ERROR, not measured")
            self.failed.append(label)
            print(f"  ! {label}: OrgGraph gave no answer: {str(e)[:200]}", flush=True)
            return False
        verdicts = {}
        for system, body in others.items():
            try:
                data = check.data_of(body)
                if system == "neo4j-graphql" and adapt_peer is not None:
                    data = adapt_peer(data)
                ignore = peer_ignore if system == "neo4j-graphql" else ()
                verdicts[system] = check.compare(reference, data, ignore)
            except Exception as e:  # an answer with errors is a difference here
                verdicts[system] = f"DIFFERENT (no answer: {str(e)[:200]})"
        ok = all(
            v == check.EXACT or (s == "neo4j-graphql" and v == check.SAME_UP_TO_ORDER)
            for s, v in verdicts.items()
        )
        text = "; ".join(f"{s}: {v}" for s, v in verdicts.items())
        self.checks.append(f"{label}: OrgGraph vs {text}" + ("" if ok else " — ERROR, not measured"))
        if not ok:
            self.failed.append(label)
            print(f"  ! {label}: {text} — ERROR: the row is not measured", flush=True)
        return ok

    def error_row(self, study: str, x: float, systems: tuple[str, ...], **extra: Any) -> None:
        """A row whose answers differ: one error point per system, no figures."""
        for system in systems:
            self.points.append({"study": study, "system": system, "x": x, **extra,
                                "error": "answers differ", "seconds_to_fail": None})  # fmt: skip


# --- people pages against the number of rows --------------------------------------------


async def grow_people(db: Database, target: int) -> None:
    await db.write(PEOPLE_COUNTY)
    have = (await db.read(PERSON_COUNT))[0]["n"]
    step = 50_000
    for start in range(have, target, step):
        end = min(start + step, target)
        await db.write(ADD_HOMES, start=start, end=end)
        await db.write(ADD_PEOPLE, start=start, end=end)


async def people_study(s: Study, workers: int) -> None:
    print("\npeople pages against the number of Person rows (bench-scaling Neo4j)", flush=True)
    connection = launcher.start(SCALING_INSTANCE, fresh=True)
    db = database(connection)
    floor = Floor(connection)
    try:
        await apply_constraints(db)
        sizes = PEOPLE_SIZES[:3] if s.quick else PEOPLE_SIZES
        with servers(connection, workers) as up:
            og = up["orggraph"]
            db_pid = launcher.running_pid(SCALING_INSTANCE)
            for n in sizes:
                t0 = time.perf_counter()
                await grow_people(db, n)
                print(f" {n:,} people (+{time.perf_counter() - t0:.0f} s to add)", flush=True)
                # The first size also warms every process up (JVM, query plans, pools),
                # so the smallest size is not measured cold.
                warmup = COLD_WARMUP if n == sizes[0] else None
                middle = n // 2  # the page after row `middle`
                after = (
                    await db.read(
                        "MATCH (p:Person) WITH p ORDER BY p.code SKIP $k LIMIT 1 RETURN p.code AS c",
                        k=middle - 1,
                    )
                )[0]["c"]
                for page, og_vars, peer_offset, floor_after in (
                    ("first", {"after": None}, 0, None),
                    ("middle", {"after": encode_cursor(after)}, middle, after),
                ):
                    fl_call = partial(floor.people, floor_after)
                    if warmup:  # the first answer of a cold server may miss its deadline
                        for _ in range(3):
                            await fetch_once("127.0.0.1", og.port, PEOPLE, og_vars)
                    og_body = await fetch_once("127.0.0.1", og.port, PEOPLE, og_vars)
                    peer = up["neo4j-graphql"]
                    peer_body = await fetch_once("127.0.0.1", peer.port, PEOPLE_PEER, {"offset": peer_offset})
                    label = f"people {page} page at {n:,}"
                    others = {"floor": await fl_call(), "neo4j-graphql": peer_body}
                    if not s.compare(
                        label, og_body, others, adapt_peer=adapt_people, peer_ignore=("pageInfo",)
                    ):
                        s.error_row("people", n, ("floor", "orggraph"), page=page)
                        s.error_row("people", n, ("neo4j-graphql",), page=page, variant="limit/offset")
                        continue
                    floor_target = Target("floor", pids=lambda: [os.getpid()], call=fl_call)
                    await s.point("people", floor_target, n, 40, db_pid, warmup=warmup, page=page)
                    og_target = http_target(og, PEOPLE, og_vars)
                    await s.point("people", og_target, n, 40, db_pid, warmup=warmup, page=page)
                    peer_target = http_target(peer, PEOPLE_PEER, {"offset": peer_offset})
                    await s.point(
                        "people", peer_target, n, 20, db_pid, warmup=warmup, page=page, variant="limit/offset"
                    )
                    await peer_connection_point(s, up, connection, n, page, middle, db_pid, og_body)
    finally:
        await floor.close()
        await db.close()
        launcher.stop(SCALING_INSTANCE)


async def peer_connection_point(
    s: Study,
    up: dict[str, Server],
    connection: Connection,
    n: int,
    page: str,
    middle: int,
    db_pid: int | None,
    orggraph_body: bytes,
) -> None:
    """The peer's `peopleConnection`, unless it already failed at a smaller size or
    fails (or times out) on a first try. After a failure the peer is restarted, so
    its retries (the driver retries Neo4j's memory errors for ~30 s) cannot load
    Neo4j during the next measurements."""
    if page in s.peer_connection_failed:
        s.points.append({"study": "people", "system": "neo4j-graphql", "x": n, "page": page,
                         "variant": "connection", "error": "not run: failed at a smaller size",
                         "seconds_to_fail": None})  # fmt: skip
        return
    peer = up["neo4j-graphql"]
    variables = {"after": None if page == "first" else peer_offset_cursor(middle - 1)}
    target = http_target(peer, PEOPLE_CONNECTION_PEER, variables)
    started = time.perf_counter()
    try:
        body = await _with_timeout(fetch_once("127.0.0.1", peer.port, PEOPLE_CONNECTION_PEER, variables))
        check.data_of(body)
    except Exception as e:  # a failure is a result here
        reason = (str(e).strip().splitlines() or [type(e).__name__])[-1][:200]
        s.peer_connection_failed.add(page)
        s.points.append({"study": "people", "system": "neo4j-graphql", "x": n, "page": page,
                         "variant": "connection", "error": reason,
                         "seconds_to_fail": round(time.perf_counter() - started, 1)})  # fmt: skip
        print(f"  people page={page} x={n:,} neo4j-graphql connection: FAILED after "
              f"{time.perf_counter() - started:.0f} s: {reason}", flush=True)  # fmt: skip
        peer.stop()
        up["neo4j-graphql"] = start_peer(connection, PEER_PORT, s.workers)
        return
    requests = 5 if time.perf_counter() - started > 1 else 40
    label = f"people {page} page at {n:,} (the peer's peopleConnection)"
    if not s.compare(label, orggraph_body, {"neo4j-graphql": body}, adapt_peer=_adapt_connection,
                     peer_ignore=("pageInfo",)):  # fmt: skip
        s.error_row("people", n, ("neo4j-graphql",), page=page, variant="connection")
        return
    await s.point("people", target, n, requests, db_pid, page=page, variant="connection")


def _adapt_connection(data: Any) -> Any:
    """The peer's `peopleConnection` as OrgGraph's `people` (its cursors are offsets: not compared)."""
    return {"people": {"pageInfo": None, "nodes": [e["node"] for e in data["peopleConnection"]["edges"]]}}


async def _with_timeout(pending: Any) -> bytes:
    import asyncio

    result: bytes = await asyncio.wait_for(pending, PEER_CONNECTION_TIMEOUT)
    return result


# --- the nested view against its result size ---------------------------------------------


async def result_study(s: Study, workers: int) -> None:
    print("\nthe nested view against its result size (bench Neo4j, the county)", flush=True)
    connection, _ = await dataset.ensure_county()
    params = await dataset.params(connection)
    floor = Floor(connection)
    try:
        with servers(connection, workers) as up:
            og, peer = up["orggraph"], up["neo4j-graphql"]
            db_pid = launcher.running_pid(BENCH_INSTANCE)
            variables = {"code": params.county, "on": AS_OF.isoformat()}
            for townships in TOWNSHIPS[:3] if s.quick else TOWNSHIPS:
                query = nested_orggraph(100, townships)
                body = await fetch_once("127.0.0.1", og.port, query, variables)
                fields = check.count_fields(check.data_of(body))
                fl_call = partial(floor.nested, params.county, AS_OF, 100, townships)
                peer_body = await fetch_once("127.0.0.1", peer.port, nested_peer(100, townships), variables)
                others = {"floor": await fl_call(), "neo4j-graphql": peer_body}
                if not s.compare(
                    f"nested view, {townships} townships", body, others, adapt_peer=adapt_nested
                ):
                    s.error_row("result", fields, SYSTEMS, townships=townships, fields=fields)
                    continue
                requests = 4 if townships >= 9 else 8
                warm = RESULT_COLD_WARMUP if townships == TOWNSHIPS[0] else None
                extra = {"townships": townships, "fields": fields}
                await s.point(
                    "result",
                    Target("floor", pids=lambda: [os.getpid()], call=fl_call),
                    fields,
                    requests,
                    db_pid,
                    warmup=warm,
                    **extra,
                )
                og_target = http_target(og, query, variables)
                await s.point("result", og_target, fields, requests, db_pid, warmup=warm, **extra)
                peer_target = http_target(peer, nested_peer(100, townships), variables)
                await s.point("result", peer_target, fields, requests, db_pid, warmup=warm, **extra)
    finally:
        await floor.close()


# --- the nested view against the rest of the graph -----------------------------------------


def relabel(data: Dataset, prefix: str) -> Dataset:
    """The same county with every id and code prefixed, so it can sit beside another."""

    def nodes(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**r, "id": prefix + r["id"], "code": prefix + r["code"]} for r in rows]

    def rels(rows: list[dict[str, Any]], *, b: bool = True) -> list[dict[str, Any]]:
        out = []
        for r in rows:
            new = {**r, "a": prefix + r["a"], "b": prefix + r["b"] if b else r["b"]}
            if "id" in r:
                new["id"] = prefix + r["id"]
            out.append(new)
        return out

    return replace(
        data,
        stages=[],
        organizations=nodes(data.organizations),
        grids=nodes(data.grids),
        households=nodes(data.households),
        persons=nodes(data.persons),
        org_part_of=rels(data.org_part_of),
        grid_part_of=rels(data.grid_part_of),
        in_grid=rels(data.in_grid),
        lives_in=rels(data.lives_in),
        holds=rels(data.holds),
        covers_grid=rels(data.covers_grid),
        covers_household=rels(data.covers_household),
        guides=rels(data.guides),
        mentors=rels(data.mentors),
        reached=rels(data.reached, b=False),
    )


async def rest_study(s: Study, workers: int) -> None:
    print("\nthe nested view against the rest of the graph (bench-scaling Neo4j)", flush=True)
    connection = launcher.start(SCALING_INSTANCE, fresh=True)
    db = database(connection)
    floor = Floor(connection)
    try:
        await apply_constraints(db)
        subject = generate("small")
        await load_dataset(db, subject)
        county = subject.organizations[0]["code"]
        subject_rows = subject.rows
        variables = {"code": county, "on": AS_OF.isoformat()}
        query, peer_query = nested_orggraph(100), nested_peer(100)
        with servers(connection, workers) as up:
            og, peer = up["orggraph"], up["neo4j-graphql"]
            db_pid = launcher.running_pid(SCALING_INSTANCE)
            steps: list[tuple[str, int] | None] = [None, *REST[: 1 if s.quick else len(REST)]]
            for i, step in enumerate(steps):
                if step is not None:
                    t0 = time.perf_counter()
                    await load_dataset(db, relabel(generate(step[0], step[1]), f"X{i}-"))
                    print(
                        f" + a {step[0]} county beside it ({time.perf_counter() - t0:.0f} s to load)",
                        flush=True,
                    )
                total = (await db.read(ROW_COUNT))[0]["n"]
                rest = max(total - subject_rows, 0)
                body = await fetch_once("127.0.0.1", og.port, query, variables)
                fl_call = partial(floor.nested, county, AS_OF, 100)
                peer_body = await fetch_once("127.0.0.1", peer.port, peer_query, variables)
                others = {"floor": await fl_call(), "neo4j-graphql": peer_body}
                if not s.compare(
                    f"nested view with {rest:,} other rows", body, others, adapt_peer=adapt_nested
                ):
                    s.error_row("rest", rest, SYSTEMS, fields=check.count_fields(check.data_of(body)))
                    continue
                extra = {"fields": check.count_fields(check.data_of(body))}
                warm = REST_COLD_WARMUP if i == 0 else None
                await s.point(
                    "rest",
                    Target("floor", pids=lambda: [os.getpid()], call=fl_call),
                    rest,
                    20,
                    db_pid,
                    warmup=warm,
                    **extra,
                )
                og_target = http_target(og, query, variables)
                await s.point("rest", og_target, rest, 20, db_pid, warmup=warm, **extra)
                peer_target = http_target(peer, peer_query, variables)
                await s.point("rest", peer_target, rest, 20, db_pid, warmup=warm, **extra)
    finally:
        await floor.close()
        await db.close()
        launcher.stop(SCALING_INSTANCE)


# --- results ---------------------------------------------------------------------------------


def first_page_ratio(points: list[dict[str, Any]]) -> float | None:
    """OrgGraph's first-page p50 at the largest size over the smallest, or None
    unless both sizes were measured (a size whose answers differed has no figure)."""
    first = [
        p for p in points if p["study"] == "people" and p["system"] == "orggraph" and p.get("page") == "first"
    ]
    if not first:
        return None
    smallest = min(first, key=lambda p: p["x"])
    largest = max(first, key=lambda p: p["x"])
    if smallest is largest or "error" in smallest or "error" in largest:
        return None
    return round(float(largest["p50_ms"]) / float(smallest["p50_ms"]), 2)


def write(points: list[dict[str, Any]], meta: dict[str, Any]) -> None:
    from bench import scaling_report

    RESULTS.mkdir(parents=True, exist_ok=True)
    # A run of some parts keeps the other parts' points of the previous run,
    # each part with the date, load and commit it was measured at.
    path = RESULTS / "scaling.json"
    parts = sorted({p["study"] for p in points})
    runs = [{"parts": parts, **{k: meta[k] for k in ("date", "commit", "load_avg_start", "load_avg_end")}}]
    previous = orjson.loads(path.read_bytes()) if path.exists() else {}
    if previous.get("runs"):  # a file of this harness (older ones predate the answer checks)
        kept = [p for p in previous.get("points", []) if p["study"] not in parts]
        if kept:
            points = kept + points
            runs = [r for r in previous.get("runs", []) if set(r["parts"]) - set(parts)] + runs
            meta = {**meta, "checks": previous.get("checks", []) + meta["checks"],
                    "failed": previous.get("failed", []) + meta["failed"]}  # fmt: skip
    doc = {**meta, "runs": runs, "first_page_ratio": first_page_ratio(points), "points": points}
    (RESULTS / "scaling.json").write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n")
    (RESULTS / "scaling.md").write_text(scaling_report.markdown(doc))
    scaling_report.chart(doc, RESULTS / "scaling.png")
    print("wrote bench/results/scaling.json, scaling.md, scaling.png", flush=True)


async def run(args: argparse.Namespace) -> int:
    started = dt.datetime.now().astimezone()
    load_start = load_average()
    s = Study(args.quick, args.workers)
    try:
        if "people" in args.parts:
            await people_study(s, args.workers)
        if "result" in args.parts:
            await result_study(s, args.workers)
        if "rest" in args.parts:
            await rest_study(s, args.workers)
        if "city" in args.parts:
            found = await city.city_study(args.workers, started, load_start)
            s.failed += found.failed
    finally:
        # Only what this run's parts started (another run may use the others).
        if not args.keep_neo4j and "result" in args.parts:
            dataset.stop()
        if {"people", "rest"} & set(args.parts):
            launcher.stop(SCALING_INSTANCE)
    if not s.points:  # the city alone: scaling.* stays as it was
        return 1 if s.failed else 0
    write(
        s.points,
        {
            "date": started.isoformat(timespec="seconds"),
            "duration_s": round((dt.datetime.now().astimezone() - started).total_seconds()),
            "machine": machine(),
            "commit": commit(),
            "load_avg_start": load_start,
            "load_avg_end": load_average(),
            "quick": args.quick,
            "workers": args.workers,
            "checks": s.checks,
            "failed": s.failed,
        },
    )
    if s.failed:
        print(
            f"ERROR: answers differ in {len(s.failed)} row(s), not measured: {'; '.join(s.failed)}",
            flush=True,
        )
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.report_only:
        from bench import scaling_report

        doc = orjson.loads((RESULTS / "scaling.json").read_bytes())
        (RESULTS / "scaling.md").write_text(scaling_report.markdown(doc))
        scaling_report.chart(doc, RESULTS / "scaling.png")
        return 0
    return uvloop.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
