"""A nested query costs a bounded number of Cypher round trips, whatever its size:
one when the compiled read path (schema/compiled.py) covers it, one per level
through the loaders when it does not."""

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

# The same view with one field the compiler does not cover (`parent`), so the
# loaders serve the whole operation.
NESTED_LOADERS = NESTED.replace("{ name", "{ name parent { code }", 1)


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


async def count_round_trips(db: RolledBackDatabase, graph: GraphBuilder, query: str) -> tuple[int, int]:
    await graph.write(db)
    app = create_app(db=db, today=lambda: TODAY)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        db.queries = 0
        body = (await http.post("/graphql", json={"query": query})).json()
    assert "errors" not in body, body
    people = sum(
        len(v["positions"]["nodes"])
        for t in body["data"]["organization"]["children"]["nodes"]
        for v in t["children"]["nodes"]
    )
    return db.queries, people


async def test_small_county(db: RolledBackDatabase) -> None:
    queries, people = await count_round_trips(db, county(townships=2, villages=2, officers=3), NESTED)
    assert (people, queries) == (12, 1)


async def test_county_six_times_larger_costs_the_same(db: RolledBackDatabase) -> None:
    queries, people = await count_round_trips(db, county(townships=4, villages=6, officers=3), NESTED)
    assert (people, queries) == (72, 1)


async def test_through_the_loaders_one_query_per_level(db: RolledBackDatabase) -> None:
    small, people = await count_round_trips(db, county(townships=2, villages=2, officers=3), NESTED_LOADERS)
    assert people == 12
    # organization, parent, townships, villages, positions, person, household.
    assert small == 7


async def test_through_the_loaders_six_times_larger_costs_the_same(db: RolledBackDatabase) -> None:
    large, people = await count_round_trips(db, county(townships=4, villages=6, officers=3), NESTED_LOADERS)
    assert (people, large) == (72, 7)
