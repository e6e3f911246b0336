"""Analytics on the seeded demo county, checked against an independent
computation: plain Cypher reads the raw facts, Python derives the answer."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from graph.driver import Database
from graph.model import COLLEGE_OR_ABOVE, NEXT_STAGE, HouseholdTag, Stage
from service.app import create_app

AS_OF = dt.date(2024, 6, 1)


@pytest.fixture(scope="module")
async def gql(demo: Database) -> AsyncIterator[Any]:
    app = create_app(db=demo, today=lambda: AS_OF)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:

        async def run(query: str, **variables: Any) -> dict[str, Any]:
            body = (await http.post("/graphql", json={"query": query, "variables": variables})).json()
            assert "errors" not in body, body["errors"]
            data: dict[str, Any] = body["data"]
            return data

        yield run


async def raw(db: Database, cypher: str, **params: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in await db.read(cypher, **params)]  # type: ignore[arg-type]


async def county_id(gql: Any) -> str:
    return str((await gql('{ organization(code: "QX") { id } }'))["organization"]["id"])


def nearest_rank(values: list[int], p: float) -> int | None:
    """percentileDisc: the smallest value with at least p of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(p * len(ordered)) - 1, 0)]


async def test_funnel_matches_plain_cypher(demo: Database, gql: Any) -> None:
    facts = await raw(
        demo, "MATCH (p:Person)-[r:REACHED]->(s:Stage) RETURN p.id AS p, s.name AS stage, r.on AS on"
    )
    reached: dict[str, dict[str, dt.date]] = defaultdict(dict)
    for f in facts:
        reached[f["p"]][f["stage"]] = f["on"].to_native()
    expected = {}
    for stage in Stage:
        people = [
            p for p, stages in reached.items() if stage.value in stages and stages[stage.value] <= AS_OF
        ]
        following = NEXT_STAGE.get(stage)
        days = [
            (reached[p][following.value] - reached[p][stage.value]).days
            for p in people
            if following and following.value in reached[p] and reached[p][following.value] <= AS_OF
        ]
        expected[stage.value] = (len(people), len(days), nearest_rank(days, 0.5), nearest_rank(days, 0.9))
    data = await gql(
        "query($u: ID!) { pipelineFunnel(under: $u) { stages { stage reached advanced medianDays p90Days } } }",
        u=await county_id(gql),
    )
    got = {
        s["stage"]: (s["reached"], s["advanced"], s["medianDays"], s["p90Days"])
        for s in data["pipelineFunnel"]["stages"]
    }
    assert got == expected
    # The demo's shape follows Yingshang's: about 7% of sisters become activists, a sixth of those members.
    sisters, activists = expected["VILLAGE_SISTER"][0], expected["PARTY_ACTIVIST"][0]
    assert 0.05 < activists / sisters < 0.10


async def test_term_statistics_match_plain_cypher(demo: Database, gql: Any) -> None:
    chairs = await raw(
        demo,
        """MATCH (o:Organization {level: 'VILLAGE', kind: 'FEDERATION'})<-[h:HOLDS {role: 'CHAIR'}]-(p:Person)
           WHERE h.since <= $on AND (h.until IS NULL OR h.until > $on)
           RETURN DISTINCT p.id AS id, p.birthDate AS born, p.education AS education, p.politicalStatus AS status,
                  EXISTS { MATCH (p)-[v:HOLDS]->(:Organization {kind: 'VILLAGE_COMMITTEE'})
                           WHERE v.since <= $on AND (v.until IS NULL OR v.until > $on) } AS onCommittee""",
        on=AS_OF,
    )

    def age(born: dt.date) -> int:
        return AS_OF.year - born.year - ((AS_OF.month, AS_OF.day) < (born.month, born.day))

    ages = [age(c["born"].to_native()) for c in chairs]
    data = await gql(
        """query($u: ID!) { termStatistics(under: $u, role: CHAIR, level: VILLAGE, kind: FEDERATION) {
             total { count aged45OrUnder collegeOrAbove partyMembers onVillageCommittee youngestAge } } }""",
        u=await county_id(gql),
    )
    assert data["termStatistics"]["total"] == {
        "count": len(chairs),
        "aged45OrUnder": sum(a <= 45 for a in ages),
        "collegeOrAbove": sum(c["education"] in {e.value for e in COLLEGE_OR_ABOVE} for c in chairs),
        "partyMembers": sum(c["status"] == "PARTY_MEMBER" for c in chairs),
        "onVillageCommittee": sum(c["onCommittee"] for c in chairs),
        "youngestAge": min(ages),
    }
    # Every village chair sits on the village committee, as in the Quzhou round.
    assert data["termStatistics"]["total"]["onVillageCommittee"] == len(chairs) > 0


async def test_organization_stats_match_plain_cypher(demo: Database, gql: Any) -> None:
    households = await raw(
        demo, "MATCH (h:Household)-[:IN_GRID]->(g:Grid) RETURN h.id AS h, g.id AS g, h.tags AS tags"
    )
    covers = await raw(
        demo,
        "MATCH (:Person)-[c:COVERS]->(t) WHERE c.since <= $on AND (c.until IS NULL OR c.until > $on) RETURN t.id AS t",
        on=AS_OF,
    )
    covered_targets = {c["t"] for c in covers}
    covered = sum(h["h"] in covered_targets or h["g"] in covered_targets for h in households)
    data = await gql(
        "query($u: ID!) { organizationStats(id: $u) { households coveredHouseholds householdsByTag { tag households } } }",
        u=await county_id(gql),
    )
    stats = data["organizationStats"]
    assert (stats["households"], stats["coveredHouseholds"]) == (len(households), covered)
    assert {t["tag"]: t["households"] for t in stats["householdsByTag"]} == {
        tag.value: sum(tag.value in h["tags"] for h in households) for tag in HouseholdTag
    }


async def test_candidates_match_plain_cypher(demo: Database, gql: Any) -> None:
    facts = await raw(
        demo, "MATCH (p:Person)-[r:REACHED]->(s:Stage) RETURN p.code AS p, s.name AS stage, r.on AS on"
    )
    mentored = {
        r["p"]
        for r in await raw(
            demo,
            "MATCH (:Person)-[x:MENTORS]->(p:Person) WHERE x.since <= $on AND (x.until IS NULL OR x.until > $on) "
            "RETURN DISTINCT p.code AS p",
            on=AS_OF,
        )
    }
    reached: dict[str, dict[str, dt.date]] = defaultdict(dict)
    for f in facts:
        reached[f["p"]][f["stage"]] = f["on"].to_native()
    expected = sorted(
        (stages["PARTY_ACTIVIST"].isoformat(), p)
        for p, stages in reached.items()
        if "PARTY_ACTIVIST" in stages
        and stages["PARTY_ACTIVIST"] <= AS_OF
        and not ("DEVELOPMENT_TARGET" in stages and stages["DEVELOPMENT_TARGET"] <= AS_OF)
        and (AS_OF - stages["PARTY_ACTIVIST"]).days >= 365
        and p in mentored
    )
    data = await gql(
        """query($u: ID!) { pipelineCandidates(under: $u, stage: PARTY_ACTIVIST, first: 100) {
             totalCount nodes { person { code } reachedOn } } }""",
        u=await county_id(gql),
    )
    got = [(n["reachedOn"], n["person"]["code"]) for n in data["pipelineCandidates"]["nodes"]]
    assert data["pipelineCandidates"]["totalCount"] == len(expected)
    assert got == expected[:100]


async def test_lineage_and_connection_match_a_breadth_first_search(demo: Database, gql: Any) -> None:
    edges = await raw(demo, "MATCH (a:Person)-[:MENTORS]->(b:Person) RETURN a.code AS a, b.code AS b")
    mentees: dict[str, list[str]] = defaultdict(list)
    for e in edges:
        mentees[e["a"]].append(e["b"])

    # The person with the deepest tree of mentees, and everyone in it by generation.
    def generations(root: str) -> list[set[str]]:
        levels, frontier, seen = [], {root}, {root}
        while frontier:
            frontier = {m for p in frontier for m in mentees[p]} - seen
            seen |= frontier
            if frontier:
                levels.append(frontier)
        return levels

    root = max(sorted(mentees), key=lambda p: len(generations(p)))
    expected = generations(root)
    person = await gql(f'{{ person(code: "{root}") {{ id }} }}')
    data = await gql(
        """query($p: ID!) { mentorLineage(personId: $p, depth: 10) { mentees {
             person { code } branches { person { code } branches { person { code } branches { person { code } } } } } } }""",
        p=person["person"]["id"],
    )

    def flatten(nodes: list[dict[str, Any]], depth: int, out: list[set[str]]) -> None:
        for n in nodes:
            while len(out) <= depth:
                out.append(set())
            out[depth].add(n["person"]["code"])
            flatten(n.get("branches", []), depth + 1, out)

    got: list[set[str]] = []
    flatten(data["mentorLineage"]["mentees"], 0, got)
    assert got == expected[: len(got)] and len(got) == min(len(expected), 4)

    # The shortest MENTORS path from the root to her deepest mentee has one hop per generation.
    deepest = sorted(expected[-1])[0]
    target = await gql(f'{{ person(code: "{deepest}") {{ id }} }}')
    path = await gql(
        "query($a: ID!, $b: ID!) { connection(fromId: $a, toId: $b, via: [MENTORS], maxHops: 10) { length } }",
        a=person["person"]["id"],
        b=target["person"]["id"],
    )
    distance = {root: 0}
    queue = deque([root])
    while queue:
        p = queue.popleft()
        for m in mentees[p]:
            if m not in distance:
                distance[m] = distance[p] + 1
                queue.append(m)
    assert path["connection"]["length"] == distance[deepest] == len(expected)
