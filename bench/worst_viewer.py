"""The heaviest requests a VIEWER of the whole county can send within the
operation limits (depth, 15 aliases, 1,000 tokens, cost 5,000,000 with 100,000
per analysis of a subtree), for measuring them against the request deadline.

    python -m bench.worst_viewer http://127.0.0.1:8013/graphql <VIEWER token> QX

Each candidate spends its cost budget on database work the answer does not
show: subtree analyses with distinct dates (so no two share a loader key), and
connections searched over the whole scope. tests/test_request_work.py runs
them on the small demo county and checks they finish before the deadline.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import httpx

# Distinct dates: each report is computed afresh (a loader key is organization + date).
DATES = [f"202{y}-{m:02d}-01" for y in (1, 2, 3) for m in (1, 4, 7, 10, 12)]


def _dates(n: int) -> str:
    return ", ".join(f"$d{i}: Date" for i in range(n))


def county_reports(n: int = 15) -> str:
    """`n` whole coverage reports of the county, each with its pages of 100."""
    body = (
        "coverage(asOf: $d{i}) {{ householdCount "
        "members(first: 100) {{ totalCount nodes {{ householdsReached }} }} "
        "uncovered(first: 100) {{ totalCount nodes {{ code }} }} "
        "multiplyCovered(first: 100) {{ totalCount nodes {{ code }} }} }}"
    )
    fields = " ".join(f"r{i}: organization(code: $code) {{ {body.format(i=i)} }}" for i in range(n))
    return f"query CountyReports($code: String!, {_dates(n)}) {{ {fields} }}"


def descendant_reports() -> str:
    """The reports of 100 descendants (at most 5 scopes: 500,000) and 14
    county reports beside them (1,400,000)."""
    county_fields = " ".join(
        f"r{i}: organization(code: $code) {{ coverage(asOf: $d{i}) {{ householdCount }} }}"
        for i in range(1, 15)
    )
    return (
        f"query DescendantReports($code: String!, {_dates(15)}) {{ organization(code: $code) "
        f"{{ descendants(first: 100) {{ nodes {{ coverage(asOf: $d0) {{ householdCount }} }} }} }} "
        f"{county_fields} }}"
    )


def county_candidates(n: int = 15) -> str:
    """`n` candidate lists of the county (distinct dates), 100 each with their mentors."""
    fields = " ".join(
        f"c{i}: pipelineCandidates(under: $county, stage: PARTY_ACTIVIST, asOf: $d{i}, first: 100) "
        "{ totalCount nodes { waitedDays person { name } mentors { name } } }"
        for i in range(n)
    )
    return f"query Candidates($county: ID!, {_dates(n)}) {{ {fields} }}"


def connections(n: int = 15) -> str:
    """`n` shortest-path searches of 15 hops through every relationship kind
    between households of different townships."""
    fields = " ".join(
        f"p{i}: connection(fromId: $a{i % 3}, toId: $b{i % 5}, maxHops: 15) {{ length }}" for i in range(n)
    )
    params = ", ".join([f"$a{i}: ID!" for i in range(3)] + [f"$b{i}: ID!" for i in range(5)])
    return f"query Connections({params}) {{ {fields} }}"


# Households at both ends of the county: five of its first township, five of its last.
ENDS = """query Ends($code: String!) { organization(code: $code) { id
  children(kind: FEDERATION, level: TOWNSHIP, first: 100) { nodes {
  households(first: 5) { nodes { id } } } } } }"""


def far_ends(answer: dict[str, Any]) -> tuple[str, list[str], list[str]]:
    """The county's id and the ids of the households ENDS found, at one end and the other."""
    townships = answer["organization"]["children"]["nodes"]

    def ids(township: dict[str, Any]) -> list[str]:
        return [h["id"] for h in township["households"]["nodes"]]

    return answer["organization"]["id"], ids(townships[0]), ids(townships[-1])


def candidates(
    county: str, county_id: str, near: list[str], far: list[str]
) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each candidate's document and variables."""
    dates = {f"d{i}": d for i, d in enumerate(DATES)}
    ends = {f"a{i}": near[i] for i in range(3)} | {f"b{i}": far[i] for i in range(5)}
    return {
        "15 county coverage reports": (county_reports(), {"code": county, **dates}),
        "100 descendants' + 14 county reports": (descendant_reports(), {"code": county, **dates}),
        "15 county candidate lists": (county_candidates(), {"county": county_id, **dates}),
        "15 connections of 15 hops": (connections(), ends),
    }


def _ask(http: httpx.Client, url: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    body = http.post(url, json={"query": query, "variables": variables}).json()
    if body.get("errors"):
        raise SystemExit(f"errors: {body['errors'][:2]}")
    data: dict[str, Any] = body["data"]
    return data


def main(argv: list[str]) -> int:
    url, token, county = argv
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=120) as http:
        county_id, near, far = far_ends(_ask(http, url, ENDS, {"code": county}))
        for name, (query, variables) in candidates(county, county_id, near, far).items():
            for _ in range(2):  # the second run is the one with warm caches
                started = time.perf_counter()
                response = http.post(url, json={"query": query, "variables": variables})
                elapsed = time.perf_counter() - started
            errors = response.json().get("errors") or []
            codes = sorted({e["extensions"].get("code", "?") for e in errors})
            print(f"{name}: {elapsed:.2f} s, {len(query)} bytes, HTTP {response.status_code}, errors {codes}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
