"""A nested query costs a bounded number of Cypher round trips, whatever its size."""

from __future__ import annotations

import datetime as dt

import httpx

from service.app import create_app
from tests.graphs import TODAY, GraphBuilder
from tests.helpers import RolledBackDatabase

NESTED = """{ organization(code: "K") { name
  children(first: 100) { nodes { code
    children(first: 100) { nodes { code
      positions(first: 100) { nodes { role
        person { name household { code } } } } } } } } } }"""


def county(townships: int, villages: int, officers: int) -> GraphBuilder:
    g = GraphBuilder()
    g.org("K", "县", "FEDERATION", "COUNTY")
    for t in range(townships):
        g.org(f"K-T{t}", f"镇{t}", "FEDERATION", "TOWNSHIP", "K")
        for v in range(villages):
            village = f"K-T{t}-V{v}"
            g.org(village, f"村{v}", "FEDERATION", "VILLAGE", f"K-T{t}")
            g.grid(f"{village}-G", "网格", village)
            for o in range(officers):
                person = f"{village}-P{o}"
                g.person(person, f"人{o}")
                g.household(f"{village}-H{o}", f"{village}-G")
                g.live(person, f"{village}-H{o}")
                g.hold(person, village, "CHAIR" if o == 0 else "EXECUTIVE", dt.date(2021, 4, 1))
    return g


async def count_round_trips(db: RolledBackDatabase, graph: GraphBuilder) -> tuple[int, int]:
    await graph.write(db)
    app = create_app(db=db, today=lambda: TODAY)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        db.queries = 0
        body = (await http.post("/graphql", json={"query": NESTED})).json()
    assert "errors" not in body, body
    people = sum(
        len(v["positions"]["nodes"])
        for t in body["data"]["organization"]["children"]["nodes"]
        for v in t["children"]["nodes"]
    )
    return db.queries, people


async def test_small_county(db: RolledBackDatabase) -> None:
    queries, people = await count_round_trips(db, county(townships=2, villages=2, officers=3))
    assert people == 12
    # organization, townships, villages, positions, person, household: one query per level.
    assert queries == 6


async def test_county_six_times_larger_costs_the_same(db: RolledBackDatabase) -> None:
    queries, people = await count_round_trips(db, county(townships=4, villages=6, officers=3))
    assert people == 72
    assert queries == 6
