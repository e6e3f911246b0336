"""Coverage tallies on the county: the report live vs from the tallies (db hits
by PROFILE, cold and warm times), the API questions that use it, the tallies'
rebuild, and what a write pays to keep them.

    ORGGRAPH_BENCH_NEO4J_PORT=7754 .venv/bin/python -m bench.aggregates [--runs 5]

Starts the bench Neo4j (`.neo4j/bench`, the county seed), counts every village
on the bench day (`orggraph aggregates rebuild`), and writes
bench/results/aggregates.json. "Cold" is the first run of a query text in a
fresh process (plan compiled, page cache as the rebuild left it); "warm" the
median of the runs after it. The write-side rows run each mutation and undo
it (coverage started then deleted), so the store is left as it was.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import statistics
import time
from typing import Any, LiteralString

import httpx

from bench.common import AS_OF, BENCH_INSTANCE, RESULTS, database
from graph import aggregates, launcher
from graph.access import Access, Grant
from graph.coverage import COVERAGE_REPORT, TALLIED_REPORT
from graph.driver import Database
from graph.model import CoverRole
from graph.writes import coverage
from service.app import create_app
from service.settings import Settings

OUT = RESULTS / "aggregates.json"
ANALYST = Access("bench", "QX", frozenset({Grant.ANALYST}))


def _params(org_id: str) -> dict[str, Any]:
    return {
        "id": org_id,
        "on": AS_OF,
        "asks": [
            {"min": 0, "max": 0, "after": None, "limit": 101},
            {"min": 2, "max": 10**6, "after": None, "limit": 1},
        ],
        "memberAsks": [{"after": None, "limit": 101}],
    }


async def _hits(db: Database, cypher: LiteralString, params: dict[str, Any]) -> int:
    """Total db hits of `cypher` by PROFILE, with the caller's parameters."""
    driver = db._driver
    async with driver.session() as session:
        result = await session.run("PROFILE " + cypher, {**params, **db.access.cypher_params})
        summary = await result.consume()

    def total(plan: Any) -> int:
        return int(plan.get("dbHits", 0)) + sum(total(c) for c in plan.get("children", []))

    return total(summary.profile or {})


async def _timed(
    db: Database, cypher: LiteralString, params: dict[str, Any], runs: int
) -> tuple[float, float]:
    times = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        await db.read(cypher, **params)
        times.append((time.perf_counter() - start) * 1000)
    return round(times[0], 1), round(statistics.median(times[1:]), 1)


async def run(runs: int) -> dict[str, Any]:
    connection = launcher.start(BENCH_INSTANCE)
    db = database(connection)
    out: dict[str, Any] = {"day": str(AS_OF)}
    ids = {
        r["code"]: r["id"]
        for r in await db.read(
            "MATCH (o:Organization) WHERE o.code IN ['QX', 'QX-T01', 'QX-T01-V01'] RETURN o.code AS code, o.id AS id"
        )
    }
    start = time.perf_counter()
    counted = await aggregates.rebuild(db, AS_OF)
    out["rebuild"] = {"organizations": counted, "seconds": round(time.perf_counter() - start, 1)}
    rows = []
    for code in ("QX", "QX-T01", "QX-T01-V01"):
        params = _params(ids[code])
        for who, view in (("unrestricted", db), ("ANALYST of QX", db.for_caller(ANALYST))):
            row: dict[str, Any] = {"root": code, "caller": who}
            for name, cypher, extra in (
                ("live", COVERAGE_REPORT, {}),
                ("tallied", TALLIED_REPORT, aggregates.reader_params()),
            ):
                found = await view.read(cypher, **params, **extra)
                assert found, (code, who, name)
                cold, warm = await _timed(view, cypher, params | extra, runs)
                row[name] = {
                    "db_hits": await _hits(view, cypher, params | extra),
                    "cold_ms": cold,
                    "warm_ms": warm,
                }
            rows.append(row)
            print(row)
    out["report"] = rows
    out["api"] = await _api(db, runs)
    out["writes"] = await _writes(db, runs)
    await db.close()
    return out


API = {
    "coverage report, county (explorer Coverage)": """query($c: String!) { organization(code: $c) {
        coverage { householdCount coveredCount coverageRatio multiplyCovered(first: 0) { totalCount }
          members(first: 100) { totalCount nodes { person { code name } grids { code } householdsReached } }
          uncovered(first: 100) { totalCount nodes { code tags } } }
        children(kind: FEDERATION, first: 100) { nodes { code coverage { householdCount coveredCount
          multiplyCovered(first: 0) { totalCount } } } } } }""",
    "organizations by coverage ratio": """{ organizations(orderBy: {field: COVERAGE_RATIO}, first: 50) {
        nodes { code } } }""",
    "dashboard organizationStats county": """query($id: ID!) { organizationStats(id: $id) {
        households coveredHouseholds coverageRatio peopleByRole { role people } householdsByTag { tag households }
        children { organization { code } households coveredHouseholds coverageRatio householdsByTag { tag households }
          peopleByRole { role people } } } }""",
    "explorer OrgFigures (county node)": """query($c: String!) { organization(code: $c) {
        households(first: 0) { totalCount } coverage { householdCount coveredCount coverageRatio } } }""",
    "explorer OrgTree (whole county)": """query($c: String!) { organization(code: $c) {
        children(first: 100) { nodes { id code name kind level children(first: 100) { nodes { id code name kind level
          children(first: 100) { nodes { id code name kind level children(first: 0) { totalCount } } } } } } } } }""",
}


async def _api(db: Database, runs: int) -> list[dict[str, Any]]:
    """Each question through the app in-process, from the tallies and live (the
    tallies held, as during an import)."""
    settings = dataclasses.replace(Settings(), request_timeout=600.0)
    app = create_app(settings, db=db, today=lambda: AS_OF, caller=ANALYST)
    results = []
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://b", timeout=900
    ) as http:

        async def timed(query: str) -> tuple[float, float]:
            times = []
            for _ in range(runs + 1):
                start = time.perf_counter()
                variables = {k: v for k, v in known.items() if f"${k}" in query}
                body = (await http.post("/graphql", json={"query": query, "variables": variables})).json()
                times.append((time.perf_counter() - start) * 1000)
                if "errors" in body:
                    raise RuntimeError(body["errors"])
            return round(times[0], 1), round(statistics.median(times[1:]), 1)

        found = (await http.post("/graphql", json={"query": '{ organization(code: "QX") { id } }'})).json()
        known = {"c": "QX", "id": found["data"]["organization"]["id"]}
        for name, query in API.items():
            row: dict[str, Any] = {"question": name}
            row["tallied_cold_ms"], row["tallied_warm_ms"] = await timed(query)
            await db.write(aggregates.HOLD, id="bench")
            try:
                row["live_cold_ms"], row["live_warm_ms"] = await timed(query)
            finally:
                await db.write(aggregates.RELEASE, id="bench")
            results.append(row)
            print(row)
    return results


UNDO: LiteralString = "MATCH ()-[c:COVERS {id: $id}]->() DELETE c"


async def _writes(db: Database, runs: int) -> dict[str, Any]:
    """startCoverage + endCoverage on a village household, each with its retally;
    and the retally alone (what maintenance adds to each)."""
    [target] = await db.read(
        "MATCH (o:Organization {code: 'QX-T01-V01'})<-[:PART_OF]-(:Grid)<-[:IN_GRID]-(h:Household) "
        "WITH o, h ORDER BY h.code LIMIT 1 "
        "MATCH (p:Person)-[:HOLDS]->(o) WITH o, h, p ORDER BY p.code LIMIT 1 "
        "RETURN o.id AS org, h.id AS household, p.id AS person"
    )
    assign, end = [], []
    for i in range(runs):
        start = time.perf_counter()
        made = await coverage.assign_coverage(
            db, person_id=target["person"], grid_id=None, household_id=target["household"],
            role=CoverRole.ASSIST, since=AS_OF.replace(year=2030, day=1 + i),
        )  # fmt: skip
        assign.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        await coverage.end_coverage(db, made.id, AS_OF.replace(year=2031))
        end.append((time.perf_counter() - start) * 1000)
        await db.write(UNDO, id=made.id)
    await aggregates.tally(db, [target["org"]], None)  # the village as before
    params = {
        "ids": [target["org"]],
        "day": None,
        "today": AS_OF,
        "tags": list(aggregates.TALLY_TAGS),
        "version": aggregates.TALLY_VERSION,
    }
    retally = []
    for _ in range(runs):
        start = time.perf_counter()
        await db.write(aggregates.TALLY, **params)
        retally.append((time.perf_counter() - start) * 1000)
    driver = db._driver
    async with driver.session() as session:
        summary = await (await session.run("PROFILE " + aggregates.TALLY, params)).consume()

    def total(plan: Any) -> int:
        return int(plan.get("dbHits", 0)) + sum(total(c) for c in plan.get("children", []))

    found = {
        "assignCoverage_ms": round(statistics.median(assign), 1),
        "endCoverage_ms": round(statistics.median(end), 1),
        "retally_one_village_ms": round(statistics.median(retally), 1),
        "retally_one_village_db_hits": total(summary.profile or {}),
    }
    print(found)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    found = asyncio.run(run(args.runs))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(found, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
