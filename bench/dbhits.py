"""`python -m bench.dbhits`: what each shape costs Neo4j, the floor against OrgGraph.

    python -m bench.dbhits [--shapes a,b] [--requests 20] [--out dbhits]

Per shape, two figures for each side:

Beside the floor, the floor with the guarantee kept (`bench.floor`'s
`for_shape_guarded`: the same statement with the scope tests of the edges
leaving the subtree, and its READ event committed): what OrgGraph cannot beat.

- **db hits** (exact, unaffected by machine load): the floor's one statement,
  and every statement OrgGraph sent while answering it (in this process,
  through the app as deployed: an EDITOR of the county, so the scope tests run
  and the READ event is written), each run once more under PROFILE and summed.
  The audit event's write is counted apart (`audit hits`).
- **Neo4j CPU ms per request**: the database process's CPU (user + system from
  /proc) over `--requests` requests after two warm-ups, the audit write
  included on OrgGraph's side. Noisier than db hits, but it is what caps
  throughput when Neo4j and the servers share the cores.

Writes bench/results/<out>.json and .md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any, LiteralString

import httpx
from neo4j import AsyncGraphDatabase

from bench import dataset
from bench.common import AS_OF, BENCH_INSTANCE, RESULTS, commit
from bench.floor import COVERAGE as FLOOR_COVERAGE
from bench.floor import FUNNEL as FLOOR_FUNNEL
from bench.floor import (
    LINEAGE,
    LINEAGE_SCOPED,
    NESTED,
    NESTED_SCOPED,
    NEXT_STAGE,
    PEOPLE,
    PEOPLE_SCOPED,
    Floor,
)
from bench.load import usage
from bench.queries import SHAPES, Params
from graph import launcher
from graph.access import Access, Grant
from graph.driver import Connection, Database
from graph.people import ROLE_RANK
from service.app import create_app

CALLER = Access("bench", "QX", frozenset({Grant.EDITOR}))


class Recording(Database):
    """A Database that remembers the statements it sent, reads and writes apart."""

    sent: list[tuple[str, LiteralString, dict[str, Any]]]

    async def read(self, cypher: LiteralString, **params: Any) -> list[Any]:
        self.sent.append(("read", cypher, {**params, **self.access.cypher_params}))
        return await super().read(cypher, **params)

    async def write_grouped(self, cypher: LiteralString, row: dict[str, Any]) -> None:
        self.sent.append(("audit", cypher, {"rows": [row]}))
        await super().write_grouped(cypher, row)


def floor_statement(shape: str, p: Params) -> tuple[LiteralString, dict[str, Any]] | None:
    """The floor's one statement for `shape` and its parameters."""
    nested = {"code": p.county, "on": AS_OF, "rank": ROLE_RANK}
    found: dict[str, tuple[LiteralString, dict[str, Any]]] = {
        "county-nested": (NESTED, {**nested, "first": 100, "townships": 100}),
        "screen-nested": (NESTED, {**nested, "first": 20, "townships": 20}),
        "coverage": (FLOOR_COVERAGE, {"code": p.township, "on": AS_OF, "first": 20}),
        "people-first": (PEOPLE, {"after": "", "limit": 51}),
        "people-deep": (PEOPLE, {"after": p.deep_after_code, "limit": 51}),
        "pipeline-funnel": (FLOOR_FUNNEL, {"code": p.county, "to": AS_OF, "next": NEXT_STAGE}),
        "lineage": (LINEAGE, {"code": p.lineage_root}),
    }
    return found.get(shape)


def scoped_floor_statement(shape: str, p: Params) -> tuple[LiteralString, dict[str, Any]] | None:
    """The floor's statement with the guarantee kept (bench.floor's *_SCOPED), for
    the shapes where OrgGraph pays more than the floor: the caller's $scope added."""
    found = floor_statement(shape, p)
    scoped = {"county-nested": NESTED_SCOPED, "screen-nested": NESTED_SCOPED, "people-first": PEOPLE_SCOPED,
              "people-deep": PEOPLE_SCOPED, "lineage": LINEAGE_SCOPED}.get(shape)  # fmt: skip
    if found is None or scoped is None:
        return None
    return scoped, {**found[1], **CALLER.cypher_params}


def _hits(plan: Any) -> int:
    return int(plan.get("dbHits", 0)) + sum(_hits(c) for c in plan.get("children", []))


async def profiled(connection: Connection, statements: list[tuple[LiteralString, dict[str, Any]]]) -> int:
    """The db hits of `statements`, each run once under PROFILE (writes rolled back)."""
    driver = AsyncGraphDatabase.driver(connection.uri, auth=(connection.user, connection.password))
    hits = 0
    try:
        async with driver.session(database=connection.database) as session:
            for cypher, params in statements:
                tx = await session.begin_transaction()
                try:
                    result = await tx.run("PROFILE " + cypher, params)
                    summary = await result.consume()
                    hits += _hits(summary.profile or {})
                finally:
                    await tx.rollback()
    finally:
        await driver.close()
    return hits


async def neo4j_cpu_ms(call: Callable[[], Awaitable[Any]], requests: int) -> float:
    """Neo4j's CPU per call of `call`, over `requests` calls after two warm-ups."""
    pid = launcher.running_pid(BENCH_INSTANCE)
    pids = [pid] if pid else []
    for _ in range(2):
        await call()
    before = usage(pids)
    for _ in range(requests):
        await call()
    return (usage(pids) - before).cpu_s * 1000 / requests


async def measure(
    connection: Connection, p: Params, shapes: list[str], requests: int
) -> list[dict[str, Any]]:
    floor = Floor(connection)
    db = Recording(connection, query_timeout=120)
    db.sent = []  # shared with the per-request views (`for_caller`)
    app = create_app(db=db, today=lambda: AS_OF, caller=CALLER)
    rows = []
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench", timeout=300
        ) as http:
            for name in shapes:
                shape = SHAPES[name]
                body = {"query": shape.orggraph, "variables": shape.variables(p)}

                async def ask(body: dict[str, Any] = body, name: str = name) -> None:
                    answer = (await http.post("/graphql", json=body)).json()
                    if answer.get("errors"):
                        raise RuntimeError(f"{name}: {answer['errors']}")

                row: dict[str, Any] = {"shape": name}
                await ask()
                db.sent.clear()
                await ask()
                sent = list(db.sent)
                audits = [(c, q) for k, c, q in sent if k == "audit"]
                row["statements"] = sum(1 for kind, _, _ in sent if kind == "read")
                row["orggraph_hits"] = await profiled(connection, [(c, q) for k, c, q in sent if k == "read"])
                row["audit_hits"] = await profiled(connection, audits)
                row["orggraph_cpu_ms"] = round(await neo4j_cpu_ms(ask, requests), 2)
                statement = floor_statement(name, p)
                call = floor.for_shape(name, p)
                if statement is not None and call is not None:
                    row["floor_hits"] = await profiled(connection, [statement])
                    row["floor_cpu_ms"] = round(await neo4j_cpu_ms(call, requests), 2)
                scoped = scoped_floor_statement(name, p)
                guarded = floor.for_shape_guarded(name, p)
                if scoped is not None and guarded is not None:
                    # Its read and its READ event (as large as OrgGraph's).
                    row["scoped_hits"] = await profiled(connection, [scoped, *audits])
                    row["scoped_cpu_ms"] = round(await neo4j_cpu_ms(guarded, requests), 2)
                rows.append(row)
                print(_line(row), flush=True)
    finally:
        await floor.close()
        await db.close()
    return rows


HEADER = (
    "| shape | db hits: floor | floor + scope | OrgGraph (reads + audit) | ÷ floor | ÷ floor + scope "
    "| Neo4j CPU ms/req: floor | floor + scope | OrgGraph | ÷ floor | ÷ floor + scope |\n"
    "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
)


def _ratio(a: float, b: float | None) -> str:
    return f"{a / b:.2f}×" if b else "—"


def _n(v: float | None, digits: int = 0) -> str:
    return "—" if v is None else f"{v:,.{digits}f}"


def _line(row: dict[str, Any]) -> str:
    fh, sh = row.get("floor_hits"), row.get("scoped_hits")
    oh = row["orggraph_hits"] + row["audit_hits"]
    fc, sc, oc = row.get("floor_cpu_ms"), row.get("scoped_cpu_ms"), row["orggraph_cpu_ms"]
    return (
        f"| {row['shape']} | {_n(fh)} | {_n(sh)} | {row['orggraph_hits']:,} + {row['audit_hits']} | "
        f"{_ratio(oh, fh)} | {_ratio(oh, sh)} | {_n(fc, 1)} | {_n(sc, 1)} | {_n(oc, 1)} | {_ratio(oc, fc)} | "
        f"{_ratio(oc, sc)} |"
    )


async def run(args: argparse.Namespace) -> None:
    connection, _ = await dataset.ensure_county()
    try:
        p = await dataset.params(connection)
        print(f"OrgGraph at {commit()}; Neo4j CPU over {args.requests} requests each\n" + HEADER, flush=True)
        rows = await measure(connection, p, args.shapes, args.requests)
    finally:
        if not args.keep_neo4j:
            dataset.stop()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(json.dumps({"commit": commit(), "rows": rows}, indent=2) + "\n")
    (RESULTS / f"{args.out}.md").write_text(
        f"OrgGraph at `{commit()}`, Neo4j CPU over {args.requests} requests each\n\n"
        + HEADER
        + "\n"
        + "\n".join(_line(r) for r in rows)
        + "\n"
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="bench.dbhits", description=__doc__.split("\n\n")[0])
    default = [s for s in SHAPES if s != "trivial"]
    p.add_argument("--shapes", default=",".join(default))
    p.add_argument("--requests", type=int, default=20)
    p.add_argument("--out", default="dbhits")
    p.add_argument("--keep-neo4j", action="store_true")
    args = p.parse_args(argv)
    args.shapes = [s for s in args.shapes.split(",") if s]
    asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
