"""Known answers for the faster paths of search, filters, group-bys and the
start-up pinyin check (docs/search.md, "Speed"), on the village world with a
few people added where the old and new paths could part:

- search below the top of the tree tests hits against the subtree's
  organizations and grids (most hits of a broad text are outside);
- the role filter finds holders with all its conditions at once;
- group-by CHILD_ORGANIZATION walks each child's subtree down once (a person
  under two children counts in both; one attached to the root only is keyed '');
- a people count without a page reads the count only;
- start-up fills in missing pinyin and skips the scan when nothing is missing.
"""

from __future__ import annotations

from typing import Any

from graph.access import Grant
from graph.pinyin import backfill_pinyin
from schema.relay import to_global_id
from tests.conftest import CallerClient, GraphQLClient
from tests.graphs import NEW_TERM, GraphBuilder, rid
from tests.helpers import RolledBackDatabase

SEARCH = """
query($text: String!, $under: ID, $types: [SearchType!], $first: Int, $after: String) {
  search(text: $text, under: $under, types: $types, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      __typename
      ... on Person { code }
      ... on Organization { code }
      ... on Household { code }
      ... on Grid { code }
    }
  }
}
"""
PEOPLE = """
query($filter: PersonFilter, $under: ID) {
  people(filter: $filter, under: $under, first: 50) { totalCount nodes { code } }
}
"""
PEOPLE_STATS = """
query($under: ID, $groupBy: [PeopleDimension!]!, $filter: PersonFilter) {
  peopleStats(under: $under, groupBy: $groupBy, filter: $filter) {
    rows { keys { value } count }
  }
}
"""


def org_id(code: str) -> str:
    return to_global_id("Organization", rid(code))


async def _more_wangs(world: RolledBackDatabase) -> None:
    """Twelve people named 王 in 西村 (C-T1-V2: H11), one in 东村 holding a
    position in its sisters' council only, one holding a position at the county
    only (C), one at the county who lives in 西村, and one at 二号镇 (C-T2) who
    lives in 东村 (H02)."""
    g = GraphBuilder()
    for n in range(12):
        g.person(f"W{n:02d}", f"王{'一二三四五六七八九十甲乙'[n]}")
        g.lives.append({"person": rid(f"W{n:02d}"), "household": rid("C-T1-V2-H11")})
    g.person("W20", "王东")
    g.person("W21", "王县")
    g.person("W22", "王县西")
    g.person("W23", "王二镇")
    await g.write(world)
    extra = GraphBuilder()
    extra.hold("W20", "C-T1-V1-SC", "VILLAGE_SISTER", NEW_TERM)
    extra.hold("W21", "C", "EXECUTIVE", NEW_TERM)
    extra.hold("W22", "C", "EXECUTIVE", NEW_TERM)
    extra.hold("W23", "C-T2", "EXECUTIVE", NEW_TERM)
    extra.live("W22", "C-T1-V2-H11")
    extra.live("W23", "C-T1-V1-H02")
    await world.execute(
        "UNWIND $rows AS r MATCH (p:Person {id: r.person}), (o:Organization {id: r.org})"
        " CREATE (p)-[:HOLDS {id: r.id, role: r.role, since: r.since, until: r.until}]->(o)",
        rows=extra.holds,
    )
    await world.execute(
        "UNWIND $rows AS r MATCH (p:Person {id: r.person}), (h:Household {id: r.household})"
        " CREATE (p)-[:LIVES_IN]->(h)",
        rows=extra.lives,
    )


async def _search(client: GraphQLClient, text: str, **variables: Any) -> tuple[list[str], int]:
    found = (await client.data(SEARCH, text=text, first=50, **variables))["search"]
    return sorted(n["code"] for n in found["nodes"]), found["totalCount"]


async def test_one_character_below_the_top_finds_only_the_subtree(
    api_as: CallerClient, world: RolledBackDatabase
) -> None:
    await _more_wangs(world)
    east = await api_as("C-T1-V1", Grant.VIEWER)
    # 王 is in 17 names; in 东村: P01 (lives in H03), W20 (holds a position
    # there only), W23 (lives in H02, holds in C-T2).
    assert await _search(east, "王") == (["P01", "W20", "W23"], 3)
    west = await api_as("C-T1-V2", Grant.VIEWER)
    wests = sorted([f"W{n:02d}" for n in range(12)] + ["W22"])
    assert await _search(west, "王") == (wests, 13)
    # Paged: the second page of 西村's hits continues the first.
    first = (await west.data(SEARCH, text="王", first=5))["search"]
    rest = (await west.data(SEARCH, text="王", first=50, after=first["pageInfo"]["endCursor"]))["search"]
    assert sorted(n["code"] for n in first["nodes"] + rest["nodes"]) == wests
    # The county sees all 17; `under` below the top takes the subtree's lists too.
    county = await api_as("C", Grant.VIEWER)
    assert (await _search(county, "王"))[1] == 17
    assert await _search(county, "王", under=org_id("C-T1-V2")) == (wests, 13)
    assert await _search(county, "王", under=org_id("C-T2")) == (["W23"], 1)
    # Grids and organizations by membership, households by their grid.
    assert await _search(east, "网格", types=["GRID"]) == (
        ["C-T1-V1-G1", "C-T1-V1-G2", "C-T1-V1-G3"],
        3,
    )
    assert await _search(east, "C-T1-V2-H12") == ([], 0)
    assert await _search(west, "C-T1-V2-H12") == (["C-T1-V2-H12"], 1)
    assert await _search(west, "村", types=["ORGANIZATION"]) == (["C-T1-V2"], 1)
    # An `under` outside the scope finds nothing, as before.
    assert await _search(west, "王", under=org_id("C-T1-V1")) == ([], 0)


async def test_role_filter_holds_every_condition_at_the_top(
    api_as: CallerClient, world: RolledBackDatabase
) -> None:
    await _more_wangs(world)
    county = await api_as("C", Grant.VIEWER)

    async def codes(client: GraphQLClient, flt: dict[str, Any], **v: Any) -> tuple[list[str], int]:
        found = (await client.data(PEOPLE, filter=flt, **v))["people"]
        return [n["code"] for n in found["nodes"]], found["totalCount"]

    # Active executives today: P03, P04 (village), W21, W22 (county), W23 (township).
    assert await codes(county, {"holds": {"roles": ["EXECUTIVE"]}}) == (
        ["P03", "P04", "W21", "W22", "W23"],
        5,
    )
    assert await codes(county, {"holds": {"roles": ["EXECUTIVE"], "level": "VILLAGE"}}) == (["P03", "P04"], 2)
    assert await codes(county, {"holds": {"roles": ["EXECUTIVE"], "level": "COUNTY"}}) == (["W21", "W22"], 2)
    assert await codes(
        county, {"holds": {"roles": ["COUNCIL_HEAD", "VILLAGE_SISTER"], "kind": "SISTERS_COUNCIL"}}
    ) == (["P01", "P05", "W20"], 3)
    assert await codes(county, {"holds": {"roles": ["CHAIR"], "kind": "SISTERS_COUNCIL"}}) == ([], 0)
    # A township's viewer: only positions in her township count (W23 holds in C-T2).
    township = await api_as("C-T1", Grant.VIEWER)
    assert await codes(township, {"holds": {"roles": ["EXECUTIVE"]}}) == (["P03", "P04"], 2)
    # Without a scope, `under` the top tests each holder upward.
    everyone = await api_as(None, Grant.EDITOR)
    assert await codes(everyone, {"holds": {"roles": ["EXECUTIVE"]}}, under=org_id("C")) == (
        ["P03", "P04", "W21", "W22", "W23"],
        5,
    )


async def test_child_organization_counts_walk_each_child_once(
    api_as: CallerClient, world: RolledBackDatabase
) -> None:
    await _more_wangs(world)
    editor = await api_as("C", Grant.EDITOR)
    rows = (await editor.data(PEOPLE_STATS, under=org_id("C"), groupBy=["CHILD_ORGANIZATION"]))[
        "peopleStats"
    ]["rows"]
    counts = {r["keys"][0]["value"]: r["count"] for r in rows}
    # 一号镇: P01-P10 (P06's ended position counts: she is in the subtree), the
    # twelve W in 西村, W20, W22 (lives there), W23 (lives in 东村) = 25.
    # 二号镇: W23. The county itself only: W21.
    assert counts == {"C-T1": 25, "C-T2": 1, "": 1}
    # With a filter and a second dimension: active executives by child × level.
    rows = (
        await editor.data(
            PEOPLE_STATS,
            under=org_id("C"),
            groupBy=["CHILD_ORGANIZATION", "LEVEL"],
            filter={"holds": {"roles": ["EXECUTIVE"]}},
        )
    )["peopleStats"]["rows"]
    got = {(r["keys"][0]["value"], r["keys"][1]["value"]): r["count"] for r in rows}
    # W23 is under both townships (lives in 一号镇, holds in 二号镇), at TOWNSHIP level.
    # P01 holds a village COMMITTEE_MEMBER and COUNCIL_HEAD as well, but is no executive.
    assert got == {
        ("", "COUNTY"): 1,
        ("C-T1", "VILLAGE"): 2,
        ("C-T1", "COUNTY"): 1,
        ("C-T1", "TOWNSHIP"): 1,
        ("C-T2", "TOWNSHIP"): 1,
    }
    # Below the top: 一号镇's children are its villages.
    rows = (await editor.data(PEOPLE_STATS, under=org_id("C-T1"), groupBy=["CHILD_ORGANIZATION"]))[
        "peopleStats"
    ]["rows"]
    # 东村: P01-P08 + W20 + W23 = 10; 西村: P09, the twelve W, W22 = 14; 一号镇 itself: P10.
    assert {r["keys"][0]["value"]: r["count"] for r in rows} == {"C-T1-V1": 10, "C-T1-V2": 14, "": 1}


async def test_a_count_without_a_page(api: GraphQLClient) -> None:
    query = "query($u: ID!) { people(under: $u, first: 0) { totalCount pageInfo { hasNextPage } nodes { code } } }"
    v2 = (await api.data(query, u=org_id("C-T1-V2")))["people"]
    assert v2 == {"totalCount": 1, "pageInfo": {"hasNextPage": True}, "nodes": []}
    t2 = (await api.data(query, u=org_id("C-T2")))["people"]
    assert t2 == {"totalCount": 0, "pageInfo": {"hasNextPage": False}, "nodes": []}


async def test_start_up_fills_missing_pinyin_and_skips_when_complete(world: RolledBackDatabase) -> None:
    assert await backfill_pinyin(world) == 0  # the world is written with pinyin
    await world.execute(
        "CREATE (:Person {id: 'id-X1', code: 'X1', name: '欧阳娜'})"
        " CREATE (:Organization {id: 'id-X2', code: 'X2', name: '三号镇妇联', kind: 'FEDERATION', level: 'TOWNSHIP'})"
    )
    assert await backfill_pinyin(world) == 2
    found = await world.execute(
        "MATCH (n) WHERE n.code IN ['X1', 'X2'] RETURN n.code AS c, n.pinyin AS p ORDER BY c"
    )
    assert [(r["c"], r["p"]) for r in found] == [("X1", "ou yang na"), ("X2", "san hao zhen fu lian")]
    assert await backfill_pinyin(world) == 0
    # A person whose pinyin was removed by hand is found again.
    await world.execute("MATCH (p:Person {code: 'P02'}) REMOVE p.pinyin, p.pinyinKeys")
    assert await backfill_pinyin(world) == 1
    assert (await world.execute("MATCH (p:Person {code: 'P02'}) RETURN p.pinyin AS p"))[0]["p"] == "li na"


async def test_start_up_pinyin_ends_on_an_empty_name(world: RolledBackDatabase) -> None:
    # Only raw Cypher can write an empty name (every writer refuses blank names):
    # its pinyin is empty, not missing, so the scan is not caught in a loop.
    await world.execute("CREATE (:Person {id: 'id-X3', code: 'X3', name: ''})")
    assert await backfill_pinyin(world) == 1
    found = await world.execute("MATCH (p:Person {code: 'X3'}) RETURN p.pinyin AS p, p.pinyinKeys AS k")
    assert (found[0]["p"], found[0]["k"]) == ("", "")
    assert await backfill_pinyin(world) == 0
