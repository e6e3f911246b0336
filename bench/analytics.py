"""Times each analyst question on a seeded county (issue: each under one second).

    NEO4J_URI=... .venv/bin/python -m bench.analytics [--runs 5]

Uses the Neo4j of the environment (NEO4J_URI, else the project's dev server),
which must hold the county seed (`orggraph seed --scale county`). Runs every
question in-process through the GraphQL app, after one warm-up, and writes
bench/results/analytics.json with the median and worst time of each.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from pathlib import Path
from typing import Any

import httpx

from graph.access import Access, Grant
from graph.driver import Database
from service.app import create_app
from service.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results" / "analytics.json"

QUESTIONS = {
    "pipelineFunnel": "query($c: ID!) { pipelineFunnel(under: $c) { stages { stage reached advanced medianDays } } }",
    "pipelineFunnel by CHILD": """query($c: ID!) { pipelineFunnel(under: $c, by: CHILD) {
        children { organization { code } stages { stage reached advanced } } } }""",
    "pipelineCandidates": """query($c: ID!) { pipelineCandidates(under: $c, stage: PARTY_ACTIVIST, first: 50) {
        totalCount nodes { person { name } waitedDays mentors { name } } } }""",
    "mentorLineage depth 4": """query($p: ID!) { mentorLineage(personId: $p, depth: 4) {
        mentors { person { name } branches { person { name } } } mentees { person { name } } } }""",
    "connection": """query($p: ID!, $q: ID!) { connection(fromId: $p, toId: $q, maxHops: 8) {
        length nodes { id } relationships { type } } }""",
    "termStatistics village chairs": """query($c: ID!) { termStatistics(under: $c, role: CHAIR, level: VILLAGE,
        kind: FEDERATION) { total { count shareAged45OrUnder shareCollegeOrAbove shareOnVillageCommittee youngestAge }
        organizations { organization { code } count } } }""",
    "termStatistics executives": """query($c: ID!) { termStatistics(under: $c, role: EXECUTIVE) {
        total { count shareAged45OrUnder } } }""",
    "organizationStats": """query($c: ID!) { organizationStats(id: $c) { households coverageRatio
        peopleByRole { role people } householdsByTag { tag households }
        children { organization { code } households coverageRatio peopleByRole { role people } } } }""",
}


async def run(runs: int) -> list[dict[str, Any]]:
    db = Database(Settings().connection, query_timeout=120)
    # An ANALYST of the whole county, as the analysts who ask these questions.
    app = create_app(db=db, caller=Access("bench", "QX", frozenset({Grant.ANALYST})))
    results = []
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://b", timeout=120
    ) as http:

        async def ask(query: str, **variables: str) -> dict[str, Any]:
            body: dict[str, Any] = (
                await http.post("/graphql", json={"query": query, "variables": variables})
            ).json()
            if "errors" in body:
                raise RuntimeError(body["errors"])
            return body

        ids = (
            await ask("""{ c: organization(code: "QX") { id }
                people(role: VILLAGE_SISTER, first: 1) { nodes { id } }
                other: people(role: CHAIR, first: 1) { nodes { id } } }""")
        )["data"]
        variables = {
            "c": ids["c"]["id"],
            "p": ids["people"]["nodes"][0]["id"],
            "q": ids["other"]["nodes"][0]["id"],
        }
        for name, query in QUESTIONS.items():
            used = {k: v for k, v in variables.items() if f"${k}" in query}
            await ask(query, **used)  # warm-up
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                await ask(query, **used)
                times.append((time.perf_counter() - start) * 1000)
            results.append(
                {
                    "question": name,
                    "median_ms": round(statistics.median(times), 1),
                    "max_ms": round(max(times), 1),
                }
            )
            print(f"{name:32s} median {statistics.median(times):7.1f} ms   max {max(times):7.1f} ms")
    await db.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    results = asyncio.run(run(args.runs))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
