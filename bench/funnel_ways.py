"""The pipeline funnel's two ways compared on a seeded store (issue #20): for
each root, whole and by child, the answer from the subtree's people and from
the milestones (they must be equal, row for row), each way's db hits (PROFILE)
and its Neo4j time (the server's, median of `--runs`), and the way chosen
without `startFrom` (the one whose db hits it repeats). Read-only.

    .venv/bin/python -m bench.funnel_ways --uri bolt://127.0.0.1:7744 --roots QZ,QX,QX-T01

The seed's "today" is 2024-12-31 (the window's end); no `from`. Each root is
asked by an ANALYST of it, with the parameters `pipeline_funnel` passes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from typing import Any, LiteralString

from neo4j import GraphDatabase, Session
from neo4j.time import Date

from graph.analytics import funnel
from graph.model import NEXT_STAGE

TO = Date(2024, 12, 31)
WAYS = ("SUBTREE", "MILESTONES")


def _hits(plan: Any) -> int:
    return int(plan.get("dbHits", 0)) + sum(_hits(c) for c in plan.get("children", []))


def _way(
    s: Session, cypher: LiteralString, params: dict[str, Any], way: str, runs: int
) -> tuple[str, int, float]:
    """The answer (its rows sorted, as JSON), db hits and median Neo4j ms of one way."""
    rows = [r.data() for r in s.run(cypher, params, startFrom=way)]
    hits = _hits(s.run("PROFILE " + cypher, params, startFrom=way).consume().profile or {})
    times = []
    for _ in range(runs):
        done = s.run(cypher, params, startFrom=way).consume()
        times.append((done.result_available_after or 0) + (done.result_consumed_after or 0))
    answer = json.dumps(sorted(json.dumps(r, sort_keys=True, default=str) for r in rows))
    return answer, hits, statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uri", default="bolt://127.0.0.1:7744")
    parser.add_argument("--user", default="neo4j")
    parser.add_argument("--password", default="orggraph-bench")
    parser.add_argument("--roots", default="QZ,QX,QX-T01")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()}")
    print("| root | by child | way | rows | db hits | Neo4j ms p50 | chosen |")
    print("|---|---|---|--:|--:|--:|---|")
    with GraphDatabase.driver(args.uri, auth=(args.user, args.password)) as driver, driver.session() as s:
        for code in args.roots.split(","):
            found = s.run("MATCH (o:Organization {code: $code}) RETURN o.id AS id", code=code).single()
            if found is None:
                raise SystemExit(f"no organization {code}")
            params: dict[str, Any] = {
                "under": found["id"],
                "scope": code,
                "reveal": False,
                "milestoneCost": funnel.MILESTONE_COST,
                "role": None,
                "on": TO,
                "from": None,
                "to": TO,
                "next": {a.value: b.value for a, b in NEXT_STAGE.items()},
            }
            for by_child, cypher in ((False, funnel.FUNNEL), (True, funnel.FUNNEL_BY_CHILD)):
                chosen = _hits(s.run("PROFILE " + cypher, params, startFrom=None).consume().profile or {})
                figures = {way: _way(s, cypher, params, way, args.runs) for way in WAYS}
                if len({answer for answer, _, _ in figures.values()}) > 1:
                    raise SystemExit(f"{code}: the two ways differ")
                closest = min(WAYS, key=lambda w: abs(figures[w][1] - chosen))
                for way, (answer, hits, ms) in figures.items():
                    print(
                        f"| {code} | {'yes' if by_child else 'no'} | {way} | {len(json.loads(answer))} | "
                        f"{hits:,} | {ms:,.0f} | {'yes' if way == closest else ''} |"
                    )
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
