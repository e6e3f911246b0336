"""Times search, filtered and sorted lists and group-by counts on a seeded
county (issue #17: search ≤ 50 ms p50, a filter's first page ≤ 100 ms,
group-by over the county ≤ 500 ms), with the database hits of their Cypher.

    NEO4J_URI=bolt://127.0.0.1:7717 .venv/bin/python -m bench.search [--runs 20]

Uses the Neo4j of the environment (NEO4J_URI, else the project's dev server),
which must hold the county seed (`orggraph seed --scale county`). Each query
runs in-process through the GraphQL app as the caller named beside it, after
one warm-up; then every Cypher statement it sent is run once more with PROFILE
and its database hits summed. Writes bench/results/search.json and prints a
Markdown table (bench/results/search.md keeps the last one).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from pathlib import Path
from typing import Any, LiteralString

import httpx
from neo4j import AsyncGraphDatabase

from graph.access import Access, Grant
from graph.driver import Database
from service.app import create_app
from service.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results" / "search.json"

COUNTY_EDITOR = Access("bench", "QX", frozenset({Grant.EDITOR}))
COUNTY_ANALYST = Access("bench", "QX", frozenset({Grant.ANALYST}))
TOWNSHIP_VIEWER = Access("bench", "QX-T05", frozenset({Grant.VIEWER}))

_S = "{ nodes { __typename ... on Person { code name } ... on Organization { code name } ... on Household { code } } }"
_P = "{ nodes { code name } }"
_O = "{ nodes { code name } }"

# (name, caller, query)
QUERIES: list[tuple[str, Access, str]] = [
    ("reference: one organization by code", COUNTY_EDITOR, '{ organization(code: "QX") { code name } }'),
    ("search 王芳 (name)", COUNTY_EDITOR, '{ search(text: "王芳", first: 10) ' + _S + " }"),
    ("search 王 (one character)", COUNTY_EDITOR, '{ search(text: "王", first: 10) ' + _S + " }"),
    ("search wangfang (pinyin)", COUNTY_EDITOR, '{ search(text: "wangfang", first: 10) ' + _S + " }"),
    ("search wang fang (spaced)", COUNTY_EDITOR, '{ search(text: "wang fang", first: 10) ' + _S + " }"),
    ("search wf (initials)", COUNTY_EDITOR, '{ search(text: "wf", first: 10) ' + _S + " }"),
    ("search P0000067 (code)", COUNTY_EDITOR, '{ search(text: "P0000067", first: 10) ' + _S + " }"),
    ("search 梁岗 (village)", COUNTY_EDITOR, '{ search(text: "梁岗", first: 10) ' + _S + " }"),
    ("search 王 as a township VIEWER", TOWNSHIP_VIEWER, '{ search(text: "王", first: 10) ' + _S + " }"),
    ("search wf as a township VIEWER", TOWNSHIP_VIEWER, '{ search(text: "wf", first: 10) ' + _S + " }"),
    (
        "people: no filter, by pinyin",
        COUNTY_EDITOR,
        "{ people(orderBy: {field: NAME}, first: 20) " + _P + " }",
    ),
    (
        "people: village chairs aged ≤45, college+",
        COUNTY_EDITOR,
        "{ people(filter: {holds: {roles: [CHAIR], level: VILLAGE}, ageMax: 45, "
        "educationAtLeast: JUNIOR_COLLEGE}, first: 20) " + _P + " }",
    ),
    (
        "people: Party members covering nothing, by name",
        COUNTY_EDITOR,
        "{ people(filter: {politicalStatusIn: [PARTY_MEMBER], covers: false}, orderBy: {field: NAME}, first: 20) "
        + _P
        + " }",
    ),
    (
        "people: current stage PARTY_ACTIVIST, by date reached",
        COUNTY_EDITOR,
        "{ people(filter: {stageIn: [PARTY_ACTIVIST]}, orderBy: {field: STAGE_REACHED_ON}, first: 20) "
        + _P
        + " }",
    ),
    (
        "people: executives by birth date",
        COUNTY_EDITOR,
        "{ people(filter: {holds: {roles: [EXECUTIVE]}}, orderBy: {field: BIRTH_DATE}, first: 20) "
        + _P
        + " }",
    ),
    (
        "people: aged 30-40 as a township VIEWER",
        TOWNSHIP_VIEWER,
        "{ people(filter: {ageMin: 30, ageMax: 40}, first: 20) " + _P + " }",
    ),
    (
        "organizations: villages by pinyin",
        COUNTY_EDITOR,
        "{ organizations(filter: {level: VILLAGE, kind: FEDERATION}, orderBy: {field: NAME}, first: 20) "
        + _O
        + " }",
    ),
    (
        "organizations: villages with a chair ≤45, board ≥ 9",
        COUNTY_EDITOR,
        "{ organizations(filter: {level: VILLAGE, kind: FEDERATION, chairAged45OrUnder: true, boardSizeMin: 9}, "
        "first: 20) " + _O + " }",
    ),
    (
        "organizations: villages by coverage ratio (aggregate)",
        COUNTY_EDITOR,
        "{ organizations(filter: {level: VILLAGE, kind: FEDERATION}, orderBy: {field: COVERAGE_RATIO}, first: 20) "
        + _O
        + " }",
    ),
    (
        "organizations: townships by young-chair share (aggregate)",
        COUNTY_EDITOR,
        "{ organizations(filter: {level: TOWNSHIP}, orderBy: {field: YOUNG_CHAIR_SHARE, direction: DESC}, first: 20) "
        + _O
        + " }",
    ),
    (
        "households: uncovered with left-behind children",
        COUNTY_EDITOR,
        "{ households(filter: {tags: [LEFT_BEHIND_CHILD], coverage: UNCOVERED}, first: 20) { nodes { code } } }",
    ),
    (
        "households: multiply covered as a township VIEWER",
        TOWNSHIP_VIEWER,
        "{ households(filter: {coverage: MULTIPLY_COVERED}, first: 20) { nodes { code } } }",
    ),
    (
        "peopleStats: officers by age band × education",
        COUNTY_ANALYST,
        "{ peopleStats(groupBy: [AGE_BAND, EDUCATION], filter: {holds: {roles: [CHAIR, VICE_CHAIR, EXECUTIVE]}}) "
        "{ rows { count } suppressedGroups } }",
    ),
    (
        "peopleStats: officers by township × role",
        COUNTY_ANALYST,
        "query($c: ID!) { peopleStats(under: $c, groupBy: [CHILD_ORGANIZATION, ROLE], "
        "filter: {holds: {}}) { rows { count } } }",
    ),
    (
        "peopleStats: everyone by political status",
        COUNTY_ANALYST,
        "{ peopleStats(groupBy: [POLITICAL_STATUS]) { rows { count } } }",
    ),
    (
        "householdStats: by township × coverage status",
        COUNTY_ANALYST,
        "query($c: ID!) { householdStats(under: $c, groupBy: [CHILD_ORGANIZATION, COVERAGE_STATUS]) "
        "{ rows { count } } }",
    ),
    ("householdStats: by tag", COUNTY_ANALYST, "{ householdStats(groupBy: [TAG]) { rows { count } } }"),
]


class Recording(Database):
    """A Database that remembers the statements it read with, for PROFILE."""

    sent: list[tuple[LiteralString, dict[str, Any]]]

    async def read(self, cypher: LiteralString, **params: Any) -> list[Any]:
        self.sent.append((cypher, {**params, **self.access.cypher_params}))
        return await super().read(cypher, **params)


async def db_hits(uri: str, auth: tuple[str, str], sent: list[tuple[LiteralString, dict[str, Any]]]) -> int:
    def total(plan: Any) -> int:
        return int(plan.get("dbHits", 0)) + sum(total(c) for c in plan.get("children", []))

    driver = AsyncGraphDatabase.driver(uri, auth=auth)
    hits = 0
    async with driver.session() as session:
        for cypher, params in sent:
            result = await session.run("PROFILE " + cypher, params)
            summary = await result.consume()
            hits += total(summary.profile or {})
    await driver.close()
    return hits


async def run(runs: int) -> list[dict[str, Any]]:
    settings = Settings()
    connection = settings.connection
    results = []
    for name, caller, query in QUERIES:
        db = Recording(connection, query_timeout=120)
        db.sent = []  # shared with the per-request copies (`for_caller`)
        app = create_app(db=db, caller=caller)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://b", timeout=120
        ) as http:

            async def ask(q: str, variables: dict[str, Any]) -> dict[str, Any]:
                body: dict[str, Any] = (
                    await http.post("/graphql", json={"query": q, "variables": variables})
                ).json()
                if "errors" in body:
                    raise RuntimeError(body["errors"])
                return body

            variables = {}
            if "$c" in query:
                variables = {
                    "c": (await ask('{ organization(code: "QX") { id } }', {}))["data"]["organization"]["id"]
                }
            await ask(query, variables)  # warm-up (and plans cached)
            times = []
            for _ in range(runs):
                db.sent.clear()
                start = time.perf_counter()
                await ask(query, variables)
                times.append((time.perf_counter() - start) * 1000)
            hits = await db_hits(connection.uri, (connection.user, connection.password), db.sent)
        await db.close()
        row = {
            "query": name,
            "caller": f"{caller.scope} {'/'.join(sorted(caller.grants))}",
            "p50_ms": round(statistics.median(times), 1),
            "max_ms": round(max(times), 1),
            "statements": len(db.sent),
            "db_hits": hits,
        }
        results.append(row)
        print(f"| {name} | {row['caller']} | {row['p50_ms']} | {row['max_ms']} | {hits:,} |", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    print("| query | caller | p50 ms | max ms | db hits |\n|---|---|---:|---:|---:|")
    results = asyncio.run(run(args.runs))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
