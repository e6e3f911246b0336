"""The subtree's people pages and pipeline funnel, each answered two ways (the
people page: probing the code index, else expanding the subtree; the funnel:
from the subtree's people, else from every milestone), with known answers.

The two-county city: city C over counties A and B (each a township and a
village with one grid), person codes interleaved across the county boundary:

    A's village households: P01-P08 and P17-P20 live there (P01 has a phone)
    B's village households: P09-P16 live there
    P21  lives in B, EXECUTIVE of A's village (so she is A's too)
    P22  lives nowhere, CHAIR of county A itself (A's, not A's township's)
    P23  lives in B, was EXECUTIVE of A's village until 2022 (still A's person,
         but not an EXECUTIVE of A today)
    P24  lives in A, CHAIR of B's village (A's and B's)
    P00  lives nowhere, holds nothing (nobody's but an unrestricted caller's)

Milestones (Party path VS -> PA -> DT):

    P01  VS 2020-01-01  PA 2021-01-01           (A)
    P21  VS 2020-01-01  PA 2020-06-01           (A via her post, B via her home)
    P09  VS 2020-03-01                          (B)
    P24  VS 2019-01-01  PA 2019-07-01  DT 2020-01-01   (A via home, B via post)
    P23  VS 2018-01-01                          (A via her ended post, B via home)
    P00  VS 2020-01-01                          (nobody's)
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from graph import people
from graph.access import Access, Grant
from graph.analytics import funnel
from graph.filters import WHOLE_TREE
from graph.model import NEXT_STAGE, Stage
from schema.relay import encode_cursor, to_global_id
from service.app import create_app
from tests.conftest import GraphQLClient
from tests.graphs import TODAY, GraphBuilder, rid
from tests.helpers import RolledBackDatabase

d = dt.date
A_PEOPLE = [f"P{i:02d}" for i in (*range(1, 9), *range(17, 21))]
B_PEOPLE = [f"P{i:02d}" for i in range(9, 17)]
HOMES = {**{p: "A" for p in A_PEOPLE}, **{p: "B" for p in B_PEOPLE}, "P21": "B", "P23": "B", "P24": "A"}
POSTS = [  # person, organization, role, since, until
    ("P21", "A-T-V", "EXECUTIVE", d(2021, 4, 1), None),
    ("P22", "A", "CHAIR", d(2021, 4, 1), None),
    ("P23", "A-T-V", "EXECUTIVE", d(2016, 4, 1), d(2022, 1, 1)),
    ("P24", "B-T-V", "CHAIR", d(2021, 4, 1), None),
]
MILESTONES = {
    "P01": [("VILLAGE_SISTER", d(2020, 1, 1)), ("PARTY_ACTIVIST", d(2021, 1, 1))],
    "P21": [("VILLAGE_SISTER", d(2020, 1, 1)), ("PARTY_ACTIVIST", d(2020, 6, 1))],
    "P09": [("VILLAGE_SISTER", d(2020, 3, 1))],
    "P24": [("VILLAGE_SISTER", d(2019, 1, 1)), ("PARTY_ACTIVIST", d(2019, 7, 1)),
            ("DEVELOPMENT_TARGET", d(2020, 1, 1))],
    "P23": [("VILLAGE_SISTER", d(2018, 1, 1))],
    "P00": [("VILLAGE_SISTER", d(2020, 1, 1))],
}  # fmt: skip
# Each organization's parent, and the village a county's households are in.
PARENTS = {"C": None, "A": "C", "B": "C", "A-T": "A", "B-T": "B", "A-T-V": "A-T", "B-T-V": "B-T"}
LEVELS = {"C": "CITY", "A": "COUNTY", "B": "COUNTY", "A-T": "TOWNSHIP", "B-T": "TOWNSHIP",
          "A-T-V": "VILLAGE", "B-T-V": "VILLAGE"}  # fmt: skip


def two_county_city() -> GraphBuilder:
    g = GraphBuilder()
    for code, parent in PARENTS.items():
        g.org(code, f"{code}妇联", "FEDERATION", LEVELS[code], parent)
    for county in ("A", "B"):
        g.grid(f"{county}-T-V-G1", f"{county}网格", f"{county}-T-V")
        g.household(f"{county}-H1", f"{county}-T-V-G1")
    for code in sorted([*HOMES, "P22", "P00"]):
        g.person(code, f"人{code}", **({"phone": "13800001111"} if code == "P01" else {}))
    for code, county in HOMES.items():
        g.live(code, f"{county}-H1")
    for person, org, role, since, until in POSTS:
        g.hold(person, org, role, since, until)
    for person, stages in MILESTONES.items():
        for stage, on in stages:
            g.reach(person, stage, on)
    return g


def under(org: str | None) -> set[str]:
    """The organizations of org's subtree (every organization for None)."""
    found = {o for o in PARENTS if org is None}
    for o in PARENTS:
        up: str | None = o
        while up is not None:
            if up == org:
                found.add(o)
            up = PARENTS[up]
    return found


def people_under(org: str, role: str | None = None) -> list[str]:
    """Those holding a post under org (with role: that role, active today) or,
    without role, living under it; in code order."""
    orgs = under(org)
    found = {
        p
        for p, o, r, since, until in POSTS
        if o in orgs and (role is None or (r == role and since <= TODAY and (until is None or until > TODAY)))
    }
    if role is None:
        found |= {p for p, county in HOMES.items() if f"{county}-T-V" in orgs}
    return sorted(found)


@pytest.fixture
async def city(db: RolledBackDatabase) -> RolledBackDatabase:
    await two_county_city().write(db)
    return db


@pytest.fixture
async def client_of(city: RolledBackDatabase) -> AsyncIterator[Any]:
    clients: list[httpx.AsyncClient] = []

    async def make(scope: str, grant: Grant = Grant.EDITOR) -> GraphQLClient:
        app = create_app(db=city, today=lambda: TODAY, caller=Access("t", scope, frozenset({grant})))
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        clients.append(http)
        return GraphQLClient(http, city)

    yield make
    for http in clients:
        await http.aclose()


PAGE = """query($after: String, $under: ID, $role: Role) {
  people(first: 3, after: $after, under: $under, role: $role) {
    pageInfo { hasNextPage endCursor } nodes { code phone } } }"""


async def all_pages(client: GraphQLClient, **variables: Any) -> list[str]:
    """Every page of 3 in turn, following the cursors; the codes seen."""
    seen: list[str] = []
    after = None
    while True:
        page = (await client.data(PAGE, after=after, **variables))["people"]
        seen += [n["code"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]


# --- people pages


@pytest.mark.parametrize(
    ("scope", "role"),
    [("A", None), ("B", None), ("C", None), ("A-T", None), ("A", "EXECUTIVE"), ("C", "CHAIR")],
)
async def test_a_subtrees_pages_walk_its_people_in_code_order(
    client_of: Any, scope: str, role: str | None
) -> None:
    client = await client_of(scope)
    assert await all_pages(client, role=role) == people_under(scope, role)


async def test_known_pages_of_a_county_inside_the_city(client_of: Any) -> None:
    a = await client_of("A")
    assert people_under("A") == [*A_PEOPLE[:8], *A_PEOPLE[8:], "P21", "P22", "P23", "P24"]
    # The page after P08 crosses B's block (P09-P16) to A's next people.
    page = (await a.data(PAGE, after=encode_cursor("P07")))["people"]
    assert [n["code"] for n in page["nodes"]] == ["P08", "P17", "P18"]
    assert page["pageInfo"] == {"hasNextPage": True, "endCursor": encode_cursor("P18")}
    assert people_under("A", "EXECUTIVE") == ["P21"]  # P23's term ended
    assert people_under("C", "CHAIR") == ["P22", "P24"]


async def test_under_another_subtree_or_outside_the_scope(client_of: Any) -> None:
    c, a, at = await client_of("C"), await client_of("A"), await client_of("A-T")
    assert await all_pages(c, under=to_global_id("Organization", rid("A-T"))) == people_under("A-T")
    assert await all_pages(c, under=to_global_id("Organization", rid("B"))) == people_under("B")
    assert "P22" not in people_under("A-T")  # the county's chair is above the township
    assert await all_pages(a, under=to_global_id("Organization", rid("B"))) == []
    assert await all_pages(at, under=to_global_id("Organization", rid("A"))) == []


async def test_masking_is_kept_on_the_probed_page(client_of: Any) -> None:
    editor, viewer = await client_of("A"), await client_of("A", Grant.VIEWER)
    assert (await editor.data(PAGE))["people"]["nodes"][0] == {"code": "P01", "phone": "13800001111"}
    assert (await viewer.data(PAGE))["people"]["nodes"][0] == {"code": "P01", "phone": "138****1111"}


@pytest.mark.parametrize("probe", [1, 2, 4, 7, 1000])
@pytest.mark.parametrize(("scope", "role"), [("A", None), ("B", None), ("C", None), ("A", "EXECUTIVE")])
async def test_every_probe_size_gives_the_same_pages(
    city: RolledBackDatabase, probe: int, scope: str, role: str | None
) -> None:
    # Small probes fail inside B's block and fall back to the expansion, larger
    # ones fill the page; both must give the same pages, across the boundary.
    db = city.for_caller(Access("t", scope, frozenset({Grant.EDITOR})))
    seen: list[str] = []
    after = None
    while True:
        found = await db.read(
            people.SEARCH_PEOPLE_WITHIN,
            under=None, nameContains=None, role=role, on=TODAY, after=after, limit=3, probe=probe,
            probedLevels=people.PROBED_LEVELS,
        )  # fmt: skip
        seen += [r["sortKey"] for r in found]
        if len(found) < 3:
            break
        after = found[-1]["sortKey"]
    assert seen == people_under(scope, role)


# --- the pipeline funnel


def nearest_rank(values: list[int], p: float) -> int | None:
    """percentileDisc: the smallest value with at least p of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(math.ceil(p * len(ordered)) - 1, 0)] if ordered else None


def expected_funnel(org: str, start: dt.date | None, end: dt.date) -> dict[str, tuple[Any, ...]]:
    """stage -> (reached, advanced, median days, p90 days) for org's people."""
    found = {}
    members = set(people_under(org))
    for stage in {s for ms in MILESTONES.values() for s, _ in ms}:
        days = []
        reached = 0
        for person, stages in MILESTONES.items():
            on = dict(stages)
            if person not in members or stage not in on or on[stage] > end or (start and on[stage] < start):
                continue
            reached += 1
            following = NEXT_STAGE.get(Stage[stage])
            if following is not None and following.value in on and on[following.value] <= end:
                days.append((on[following.value] - on[stage]).days)
        if reached:
            found[stage] = (reached, len(days), nearest_rank(days, 0.5), nearest_rank(days, 0.9))
    return found


def as_table(found: list[Any]) -> dict[str, dict[str, tuple[Any, ...]]]:
    table: dict[str, dict[str, tuple[Any, ...]]] = {}
    for r in found:
        table.setdefault(r["organization"]["code"], {})[r["stage"]] = (
            r["reached"], r["advanced"], r["medianDays"], r["p90Days"]
        )  # fmt: skip
    return table


FUNNEL_PARAMS = {
    "next": {a.value: b.value for a, b in NEXT_STAGE.items()},
    "milestoneCost": funnel.MILESTONE_COST,
    "role": None,
    "on": TODAY,
    "to": TODAY,
}


@pytest.mark.parametrize("window_from", [None, d(2020, 1, 1)])
@pytest.mark.parametrize("org", ["C", "A", "B", "A-T", "B-T-V"])
async def test_the_funnel_is_the_same_from_the_subtree_and_from_the_milestones(
    city: RolledBackDatabase, org: str, window_from: dt.date | None
) -> None:
    db = city.for_caller(Access("t", "C", frozenset({Grant.ANALYST})))
    expected = expected_funnel(org, window_from, TODAY)
    assert expected or org == "B-T-V"
    answers = {}
    starts = ("SUBTREE", "MILESTONES", None) + (("PLACED",) if org == "C" else ())  # C: the top
    for start in starts:
        found = await db.read(
            funnel.FUNNEL, under=rid(org), startFrom=start, **{"from": window_from}, **FUNNEL_PARAMS
        )
        answers[start] = as_table(found).get(org, {})
    assert answers == dict.fromkeys(starts, expected)


# A household in no grid, its resident a village sister: the tree is no longer
# whole, so "everyone placed" is not "everyone under the top".
LOOSE_RESIDENT = """
MATCH (vs:Stage {name: 'VILLAGE_SISTER'})
CREATE (vs)<-[:REACHED {on: $on}]-(:Person {id: 'loose-p', code: 'P99', name: '散户'})
       -[:LIVES_IN]->(:Household {id: 'loose-h', code: 'H99'})
"""


async def test_the_funnel_at_the_top_takes_everyone_placed_only_in_a_whole_tree(
    city: RolledBackDatabase,
) -> None:
    db = city.for_caller(Access("t", "C", frozenset({Grant.ANALYST})))
    assert (await db.read(WHOLE_TREE))[0]["whole"]
    expected = expected_funnel("C", None, TODAY)
    await city.write(LOOSE_RESIDENT, on=d(2024, 1, 1))
    assert not (await db.read(WHOLE_TREE))[0]["whole"]
    answers = {}
    for start in ("PLACED", None, "MILESTONES"):
        found = await db.read(
            funnel.FUNNEL, under=rid("C"), startFrom=start, **{"from": None}, **FUNNEL_PARAMS
        )
        answers[start] = as_table(found)["C"]
    # Forced, the placed way counts her; chosen, it is not taken, and she is not counted.
    assert answers["PLACED"]["VILLAGE_SISTER"][0] == expected["VILLAGE_SISTER"][0] + 1
    assert answers[None] == answers["MILESTONES"] == expected


async def test_known_funnels_of_the_two_counties(city: RolledBackDatabase) -> None:
    assert expected_funnel("A", None, TODAY) == {
        # P01, P21, P24, P23; P01 (366 days), P21 (152) and P24 (181) became activists.
        "VILLAGE_SISTER": (4, 3, 181, 366),
        "PARTY_ACTIVIST": (3, 1, 184, 184),
        "DEVELOPMENT_TARGET": (1, 0, None, None),
    }
    assert expected_funnel("B", None, TODAY)["VILLAGE_SISTER"] == (4, 2, 152, 181)  # P09 P21 P23 P24


@pytest.mark.parametrize("window_from", [None, d(2020, 1, 1)])
@pytest.mark.parametrize("org", ["C", "A", "A-T"])
async def test_the_funnel_by_child_counts_each_childs_people(
    city: RolledBackDatabase, org: str, window_from: dt.date | None
) -> None:
    db = city.for_caller(Access("t", org, frozenset({Grant.ANALYST})))
    children = [o for o, parent in PARENTS.items() if parent == org]
    expected = {c: expected_funnel(c, window_from, TODAY) for c in children}
    for start in ("SUBTREE", "MILESTONES", None):
        found = await db.read(
            funnel.FUNNEL_BY_CHILD, under=rid(org), startFrom=start, **{"from": window_from}, **FUNNEL_PARAMS
        )
        assert as_table(found) == {c: e for c, e in expected.items() if e}, start  # nobody: left out


async def test_the_funnel_outside_the_scope_counts_nothing(city: RolledBackDatabase) -> None:
    db = city.for_caller(Access("t", "B", frozenset({Grant.ANALYST})))
    for start in ("SUBTREE", "MILESTONES"):
        found = await db.read(
            funnel.FUNNEL, under=rid("A"), startFrom=start, **{"from": None}, **FUNNEL_PARAMS
        )
        assert found == []
    assert (
        await db.read(
            funnel.FUNNEL_BY_CHILD, under=rid("C"), startFrom=None, **{"from": None}, **FUNNEL_PARAMS
        )
        == []
    )


# Two more ways into the same places, and a milestone after the window: P01
# (living in A's village) also holds a post there, P21 holds an earlier term in
# A's village beside her current one, and P09 becomes an activist after TODAY.
# Nobody's membership changes (each is counted once per group), and the late
# milestone is neither reached nor an advance.
MORE_WAYS_IN = """
MATCH (v:Organization {code: 'A-T-V'}), (p01:Person {code: 'P01'}), (p21:Person {code: 'P21'}),
      (p09:Person {code: 'P09'}), (pa:Stage {name: 'PARTY_ACTIVIST'})
CREATE (p01)-[:HOLDS {id: 'h-p01', role: 'EXECUTIVE', since: date('2020-04-01'), until: null}]->(v),
       (p21)-[:HOLDS {id: 'h-p21-old', role: 'EXECUTIVE', since: date('2018-04-01'),
                      until: date('2020-04-01')}]->(v),
       (p09)-[:REACHED {on: $late}]->(pa)
"""


@pytest.mark.parametrize(
    ("org", "by_child"), [("C", False), ("A", False), ("A-T", False), ("C", True), ("A", True)]
)
async def test_the_funnel_counts_a_person_with_several_ways_in_once(
    city: RolledBackDatabase, org: str, by_child: bool
) -> None:
    await city.write(MORE_WAYS_IN, late=TODAY + dt.timedelta(days=1))
    db = city.for_caller(Access("t", org, frozenset({Grant.ANALYST})))
    groups = [o for o, parent in PARENTS.items() if parent == org] if by_child else [org]
    expected = {g: e for g in groups if (e := expected_funnel(g, None, TODAY))}
    for start in ("SUBTREE", "MILESTONES", None):
        found = await db.read(
            funnel.FUNNEL_BY_CHILD if by_child else funnel.FUNNEL,
            under=rid(org),
            startFrom=start,
            **{"from": None},
            **FUNNEL_PARAMS,
        )
        assert as_table(found) == expected, start
