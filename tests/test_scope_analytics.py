"""The analysts' questions inside a caller's scope, on a county of two townships
whose links cross the border between them (today = 2024-06-01):

    K  县妇联 (COUNTY)
    ├── K-A  甲镇妇联 (TOWNSHIP)
    │   └── K-A-V1  甲一村妇联 (VILLAGE)   A1 CHAIR since 2021-04-01 (born 1990-02-03, junior
    │       │                              college, Party member, phone 13900000001)
    │       │                              A2, A3 VILLAGE_SISTER since 2020-01-01
    │       └── grid G1: H1 (甲一村1组12号: A1 and A5 live here; A3 covers it)
    │                    H2 (甲一村2组3号: A4 lives here; covered only by B3)
    └── K-B  乙镇妇联 (TOWNSHIP)
        └── K-B-V1  乙一村妇联 (VILLAGE)   B1 CHAIR since 2021-04-01 (born 1995-05-05,
            │                              phone 13700000001); B2, B3 VILLAGE_SISTER
            ├── K-B-V1-VC 乙一村村两委      B1 and A1 COMMITTEE_MEMBER since 2021-04-01
            └── grid G1: H3 (B2 covers it)

    Pipeline: A2 VS 2020-01-01, PA 2021-01-01; A3 VS 2020-01-01, PA 2022-01-01;
              B2 VS 2020-06-01, PA 2020-12-01, DT 2022-01-01.
    Mentoring (传帮带): B1 → A1 (2019), A1 → A3 (2022-02-01), A3 → B3 (2023-01-01),
              B3 → A4 (2023-06-01), B2 → A2 (2022-01-01).
    Guidance: B1 guides A1, A2, A3 and A4; A5 guides A3.

For a caller of 甲镇 (K-A), everything of 乙镇 is outside: B1, B2, B3, H3, K-B and
its village and committee, and the county K itself. So A1's committee seat, A2's
mentor B2, A1's mentor B1 and A3's mentee B3 (with B3's mentee A4 beyond her),
B1's guidance and B3's coverage of H2 do not exist for her.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from neo4j import AsyncGraphDatabase

from graph.access import Access, Grant
from graph.analytics.paths import MAX_HOPS, SHORTEST_PATH
from graph.driver import Connection
from schema.relay import to_global_id
from service.app import create_app
from service.settings import Settings
from tests.conftest import GraphQLClient
from tests.graphs import TODAY, GraphBuilder, rid
from tests.helpers import RolledBackDatabase

d = dt.date
TERM = d(2021, 4, 1)


def two_townships() -> GraphBuilder:
    g = GraphBuilder()
    g.org("K", "县妇联", "FEDERATION", "COUNTY")
    g.org("K-A", "甲镇妇联", "FEDERATION", "TOWNSHIP", "K")
    g.org("K-A-V1", "甲一村妇联", "FEDERATION", "VILLAGE", "K-A")
    g.org("K-B", "乙镇妇联", "FEDERATION", "TOWNSHIP", "K")
    g.org("K-B-V1", "乙一村妇联", "FEDERATION", "VILLAGE", "K-B")
    g.org("K-B-V1-VC", "乙一村村两委", "VILLAGE_COMMITTEE", "VILLAGE", "K-B-V1")

    g.person("A1", "王一", gender="FEMALE", birthDate=d(1990, 2, 3), education="JUNIOR_COLLEGE",
             politicalStatus="PARTY_MEMBER", phone="13900000001")  # fmt: skip
    g.person("A2", "王二", gender="FEMALE")
    g.person("A3", "王三", gender="FEMALE", phone="13900000003")
    g.person("A4", "王四", gender="FEMALE")
    g.person("A5", "王五", gender="FEMALE")
    g.person("B1", "李一", gender="FEMALE", birthDate=d(1995, 5, 5), phone="13700000001")
    g.person("B2", "李二", gender="FEMALE")
    g.person("B3", "李三", gender="FEMALE")

    g.grid("K-A-V1-G1", "甲一村G1网格", "K-A-V1")
    g.household("K-A-V1-H1", "K-A-V1-G1", address="甲一村1组12号")
    g.household("K-A-V1-H2", "K-A-V1-G1", address="甲一村2组3号")
    g.grid("K-B-V1-G1", "乙一村G1网格", "K-B-V1")
    g.household("K-B-V1-H3", "K-B-V1-G1", address="乙一村1组1号")

    g.hold("A1", "K-A-V1", "CHAIR", TERM)
    g.hold("A1", "K-B-V1-VC", "COMMITTEE_MEMBER", TERM)
    g.hold("A2", "K-A-V1", "VILLAGE_SISTER", d(2020, 1, 1))
    g.hold("A3", "K-A-V1", "VILLAGE_SISTER", d(2020, 1, 1))
    g.hold("B1", "K-B-V1", "CHAIR", TERM)
    g.hold("B1", "K-B-V1-VC", "COMMITTEE_MEMBER", TERM)
    g.hold("B2", "K-B-V1", "VILLAGE_SISTER", d(2020, 6, 1))
    g.hold("B3", "K-B-V1", "VILLAGE_SISTER", d(2020, 6, 1))
    g.live("A1", "K-A-V1-H1")
    g.live("A5", "K-A-V1-H1")
    g.live("A4", "K-A-V1-H2")

    g.cover("A3", "K-A-V1-H1", "ASSIST", d(2021, 5, 1))
    g.cover("B3", "K-A-V1-H2", "ASSIST", d(2021, 5, 1))
    g.cover("B2", "K-B-V1-H3", "ASSIST", d(2021, 5, 1))

    for stage, on in (("VILLAGE_SISTER", d(2020, 1, 1)), ("PARTY_ACTIVIST", d(2021, 1, 1))):
        g.reach("A2", stage, on)
    for stage, on in (("VILLAGE_SISTER", d(2020, 1, 1)), ("PARTY_ACTIVIST", d(2022, 1, 1))):
        g.reach("A3", stage, on)
    for stage, on in (
        ("VILLAGE_SISTER", d(2020, 6, 1)),
        ("PARTY_ACTIVIST", d(2020, 12, 1)),
        ("DEVELOPMENT_TARGET", d(2022, 1, 1)),
    ):
        g.reach("B2", stage, on)

    g.link("MENTORS", "B1", "A1", d(2019, 1, 1))
    g.link("MENTORS", "A1", "A3", d(2022, 2, 1))
    g.link("MENTORS", "A3", "B3", d(2023, 1, 1))
    g.link("MENTORS", "B3", "A4", d(2023, 6, 1))
    g.link("MENTORS", "B2", "A2", d(2022, 1, 1))
    for mentee in ("A1", "A2", "A3", "A4"):
        g.link("GUIDES", "B1", mentee, TERM)
    g.link("GUIDES", "A5", "A3", TERM)
    return g


Caller = Callable[..., Awaitable[GraphQLClient]]


@pytest.fixture
async def as_caller(db: RolledBackDatabase) -> AsyncIterator[Caller]:
    """`await as_caller("K-A", Grant.ANALYST)`: a client of the two-township county
    whose requests are made by that caller (scope None: the unrestricted CLI access)."""
    await two_townships().write(db)
    async with AsyncExitStack() as stack:

        async def make(scope: str | None, *grants: Grant) -> GraphQLClient:
            caller = Access("tester", scope, frozenset(grants)) if grants else Access.everything()
            # Groups of one are counted: these tests are about scope (suppression of
            # small groups is tests/test_privacy.py's).
            app = create_app(Settings(min_group_size=1), db=db, today=lambda: TODAY, caller=caller)
            http = await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
            )
            return GraphQLClient(http, db)

        yield make


def org(code: str) -> str:
    return to_global_id("Organization", rid(code))


def person(code: str) -> str:
    return to_global_id("Person", rid(code))


NOWHERE = to_global_id("Organization", "id-nowhere")

FUNNEL = """query($u: ID!, $by: FunnelBreakdown! = NONE) { pipelineFunnel(under: $u, by: $by) {
  organization { code } stages { stage reached advanced }
  children { organization { code } stages { stage reached advanced } } } }"""

CANDIDATES = """query($u: ID!) { pipelineCandidates(under: $u, stage: PARTY_ACTIVIST) {
  totalCount nodes { person { code phone birthDate birthYear } waitedDays mentors { code phone } } } }"""

TERMS = """query($u: ID!) { termStatistics(under: $u, role: CHAIR) {
  total { count aged45OrUnder collegeOrAbove partyMembers onVillageCommittee youngestAge
          youngest { code phone birthDate birthYear } }
  organizations { organization { code } count onVillageCommittee } } }"""

STATS = """query($id: ID!) { organizationStats(id: $id) {
  households coveredHouseholds peopleByRole { role people }
  children { organization { code } households coveredHouseholds } } }"""

LINEAGE = """query($p: ID!) { mentorLineage(personId: $p, depth: 5) {
  person { code }
  mentors { person { code phone } branches { person { code } branches { person { code } } } }
  mentees { person { code } branches { person { code } branches { person { code } } } } } }"""

PATH = """query($a: ID!, $b: ID!, $via: [RelationshipKind!]) {
  connection(fromId: $a, toId: $b, via: $via) {
    length
    nodes { __typename ... on Person { code phone birthDate } ... on Household { code address tags } } } }"""

GUIDES_AND_HOMES = ["GUIDES", "LIVES_IN"]


def stage_counts(funnel: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """{stage: (reached, advanced)} of the stages anyone reached."""
    return {s["stage"]: (s["reached"], s["advanced"]) for s in funnel["stages"] if s["reached"]}


def without_id(body: dict[str, Any], global_id: str) -> list[dict[str, Any]]:
    """The errors of an answer with the id the caller sent blanked out of the
    messages, so that two answers about different ids can be compared."""
    return [{**e, "message": e["message"].replace(global_id, "<id>")} for e in body["errors"]]


# --- an organization outside the scope is answered like one that does not exist


@pytest.mark.parametrize(
    ("query", "variable", "outside"),
    [(FUNNEL, "u", "K-B"), (FUNNEL, "u", "K"), (CANDIDATES, "u", "K-B-V1"), (TERMS, "u", "K"),
     (STATS, "id", "K-B")],
)  # fmt: skip
async def test_a_root_outside_the_scope_is_not_found_like_a_missing_one(
    as_caller: Caller, query: str, variable: str, outside: str
) -> None:
    analyst = await as_caller("K-A", Grant.ANALYST)
    beyond = await analyst.query(query, **{variable: org(outside)})
    missing = await analyst.query(query, **{variable: NOWHERE})
    assert beyond["data"] == missing["data"] is None
    assert without_id(beyond, org(outside)) == without_id(missing, NOWHERE)
    assert beyond["errors"][0]["extensions"] == {"code": "NOT_FOUND"}
    assert beyond["errors"][0]["message"] == f"no organization with id {org(outside)}"


async def test_a_person_or_path_end_outside_the_scope_is_null_like_a_missing_one(as_caller: Caller) -> None:
    analyst = await as_caller("K-A", Grant.ANALYST)
    nobody = to_global_id("Person", "id-nobody")
    assert await analyst.data(LINEAGE, p=person("B1")) == {"mentorLineage": None}
    assert await analyst.data(LINEAGE, p=nobody) == {"mentorLineage": None}
    # Both a B person and a missing one end in nothing, whatever the route.
    for other in (person("B1"), nobody):
        assert await analyst.data(PATH, a=person("A1"), b=other) == {"connection": None}
        assert await analyst.data(PATH, a=other, b=person("A1")) == {"connection": None}
    # The unrestricted caller does reach B1 (A1 sits on B's village committee).
    everyone = await as_caller(None)
    found = (await everyone.data(PATH, a=person("A1"), b=person("B1")))["connection"]
    assert found["length"] == 1


# --- the aggregates are for analysts


@pytest.mark.parametrize(("query", "variable"), [(FUNNEL, "u"), (TERMS, "u"), (STATS, "id")])
async def test_a_viewer_is_refused_the_aggregates(as_caller: Caller, query: str, variable: str) -> None:
    viewer = await as_caller("K-A", Grant.VIEWER)
    # The same refusal inside her scope, outside it and for a missing id: the
    # role check comes first and says nothing about the organization.
    for target in (org("K-A"), org("K-B"), NOWHERE):
        body = await viewer.query(query, **{variable: target})
        assert body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    fields = await viewer.query("""{ organization(code: "K-A") { pipelineFunnel { stages { reached } } } }""")
    assert fields["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    for field in ("termStatistics(role: CHAIR) { total { count } }", "stats { households }"):
        body = await viewer.query('{ organization(code: "K-A") { ' + field + " } }")
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


# --- a township analyst counts only her township


async def test_the_funnel_of_a_township_counts_only_the_township(as_caller: Caller) -> None:
    county = (await (await as_caller(None)).data(FUNNEL, u=org("K"), by="CHILD"))["pipelineFunnel"]
    assert stage_counts(county) == {
        "VILLAGE_SISTER": (3, 3), "PARTY_ACTIVIST": (3, 1), "DEVELOPMENT_TARGET": (1, 0),
    }  # fmt: skip
    by_child = {c["organization"]["code"]: stage_counts(c) for c in county["children"]}
    analyst = await as_caller("K-A", Grant.ANALYST)
    township = (await analyst.data(FUNNEL, u=org("K-A"), by="CHILD"))["pipelineFunnel"]
    assert township["organization"] == {"code": "K-A"}
    assert stage_counts(township) == {"VILLAGE_SISTER": (2, 2), "PARTY_ACTIVIST": (2, 0)}
    assert stage_counts(township) == by_child["K-A"]
    assert [c["organization"]["code"] for c in township["children"]] == ["K-A-V1"]
    # A county analyst sees what the unrestricted caller sees.
    county_analyst = await as_caller("K", Grant.ANALYST)
    assert (await county_analyst.data(FUNNEL, u=org("K"), by="CHILD"))["pipelineFunnel"] == county


async def test_term_statistics_of_a_township_count_only_the_township(as_caller: Caller) -> None:
    analyst = await as_caller("K-A", Grant.ANALYST)
    township = (await analyst.data(TERMS, u=org("K-A")))["termStatistics"]
    # A1's seat on 乙一村's committee lies outside 甲镇: it does not count there.
    assert township == {
        "total": {"count": 1, "aged45OrUnder": 1, "collegeOrAbove": 1, "partyMembers": 1,
                  "onVillageCommittee": 0, "youngestAge": 34,
                  "youngest": {"code": "A1", "phone": "139****0001", "birthDate": None, "birthYear": 1990}},
        "organizations": [{"organization": {"code": "K-A-V1"}, "count": 1, "onVillageCommittee": 0}],
    }  # fmt: skip
    county = (await (await as_caller("K", Grant.ANALYST)).data(TERMS, u=org("K")))["termStatistics"]
    assert (county["total"]["count"], county["total"]["onVillageCommittee"]) == (2, 2)
    assert county["total"]["youngest"] == {
        "code": "B1", "phone": "137****0001", "birthDate": None, "birthYear": 1995,
    }  # fmt: skip
    editor = await as_caller("K-A", Grant.EDITOR)
    youngest = (await editor.data(TERMS, u=org("K-A")))["termStatistics"]["total"]["youngest"]
    assert (youngest["phone"], youngest["birthDate"]) == ("13900000001", "1990-02-03")


async def test_stats_of_a_township_count_only_coverage_from_inside(as_caller: Caller) -> None:
    analyst = await as_caller("K-A", Grant.ANALYST)
    township = (await analyst.data(STATS, id=org("K-A")))["organizationStats"]
    # H2 is covered only by B3 of 乙镇, who does not exist for a 甲镇 caller.
    assert township == {
        "households": 2, "coveredHouseholds": 1,
        "peopleByRole": [{"role": "CHAIR", "people": 1}, {"role": "VILLAGE_SISTER", "people": 2}],
        "children": [{"organization": {"code": "K-A-V1"}, "households": 2, "coveredHouseholds": 1}],
    }  # fmt: skip
    county = (await (await as_caller("K", Grant.ANALYST)).data(STATS, id=org("K")))["organizationStats"]
    assert (county["households"], county["coveredHouseholds"]) == (3, 3)
    assert {c["organization"]["code"]: c["coveredHouseholds"] for c in county["children"]} == {
        "K-A": 2,
        "K-B": 1,
    }


# --- candidates, lineage and paths: within the scope, people masked for a viewer


async def test_candidates_are_the_townships_and_outside_mentors_stay_hidden(as_caller: Caller) -> None:
    viewer = await as_caller("K-A", Grant.VIEWER)
    found = (await viewer.data(CANDIDATES, u=org("K-A")))["pipelineCandidates"]
    # A2's only mentor is B2 of 乙镇: she is eligible (she has a mentor) but the
    # mentor is not shown; A3's mentor A1 is, masked.
    assert found == {
        "totalCount": 2,
        "nodes": [
            {"person": {"code": "A2", "phone": None, "birthDate": None, "birthYear": None},
             "waitedDays": 1247, "mentors": []},
            {"person": {"code": "A3", "phone": "139****0003", "birthDate": None, "birthYear": None},
             "waitedDays": 882, "mentors": [{"code": "A1", "phone": "139****0001"}]},
        ],
    }  # fmt: skip
    everyone = await as_caller(None)
    county = (await everyone.data(CANDIDATES, u=org("K")))["pipelineCandidates"]
    assert [(n["person"]["code"], [m["code"] for m in n["mentors"]]) for n in county["nodes"]] == [
        ("A2", ["B2"]),
        ("A3", ["A1"]),
    ]


async def test_the_lineage_stops_at_the_scope_boundary(as_caller: Caller) -> None:
    viewer = await as_caller("K-A", Grant.VIEWER)
    inside = (await viewer.data(LINEAGE, p=person("A3")))["mentorLineage"]
    # Upward A1 (masked), not her mentor B1; downward nothing: B3 is outside and
    # A4, though of 甲镇, is reached only through B3.
    assert inside == {
        "person": {"code": "A3"},
        "mentors": [{"person": {"code": "A1", "phone": "139****0001"}, "branches": []}],
        "mentees": [],
    }
    everyone = await as_caller(None)
    whole = (await everyone.data(LINEAGE, p=person("A3")))["mentorLineage"]
    assert whole["mentors"] == [
        {
            "person": {"code": "A1", "phone": "13900000001"},
            "branches": [{"person": {"code": "B1"}, "branches": []}],
        }
    ]
    assert whole["mentees"] == [
        {"person": {"code": "B3"}, "branches": [{"person": {"code": "A4"}, "branches": []}]}
    ]
    # The same on Person.lineage.
    field = await viewer.data(
        '{ person(code: "A3") { lineage { mentors { person { code } } mentees { person { code } } } } }'
    )
    assert field["person"]["lineage"] == {"mentors": [{"person": {"code": "A1"}}], "mentees": []}


async def test_a_connection_only_through_an_outsider_is_not_found(as_caller: Caller) -> None:
    everyone = await as_caller(None)
    outside = (await everyone.data(PATH, a=person("A2"), b=person("A4"), via=GUIDES_AND_HOMES))["connection"]
    assert [n["code"] for n in outside["nodes"]] == ["A2", "B1", "A4"]
    analyst = await as_caller("K-A", Grant.ANALYST)
    assert await analyst.data(PATH, a=person("A2"), b=person("A4"), via=GUIDES_AND_HOMES) == {
        "connection": None
    }


async def test_a_connection_with_an_inside_route_takes_it_masked(as_caller: Caller) -> None:
    everyone = await as_caller(None)
    shortest = (await everyone.data(PATH, a=person("A1"), b=person("A3"), via=GUIDES_AND_HOMES))["connection"]
    assert [n["code"] for n in shortest["nodes"]] == ["A1", "B1", "A3"]
    # Inside 甲镇 the shortest route avoiding B1 is one hop longer: through the
    # household A1 shares with A5, who guides A3.
    viewer = await as_caller("K-A", Grant.VIEWER)
    inside = (await viewer.data(PATH, a=person("A1"), b=person("A3"), via=GUIDES_AND_HOMES))["connection"]
    assert inside == {
        "length": 3,
        "nodes": [
            {"__typename": "Person", "code": "A1", "phone": "139****0001", "birthDate": None},
            {"__typename": "Household", "code": "K-A-V1-H1", "address": "甲一村1组***", "tags": []},
            {"__typename": "Person", "code": "A5", "phone": None, "birthDate": None},
            {"__typename": "Person", "code": "A3", "phone": "139****0003", "birthDate": None},
        ],
    }
    editor = await as_caller("K-A", Grant.EDITOR)
    revealed = (await editor.data(PATH, a=person("A1"), b=person("A3"), via=GUIDES_AND_HOMES))["connection"]
    assert (revealed["nodes"][0]["phone"], revealed["nodes"][0]["birthDate"]) == ("13900000001", "1990-02-03")
    assert revealed["nodes"][1]["address"] == "甲一村1组12号"


async def test_the_scoped_connection_is_still_one_shortest_path_search(
    neo4j_connection: Connection,
) -> None:
    """The scope test is evaluated during the breadth-first search: the plan has
    the ShortestPath operator and no exhaustive fallback (which Neo4j plans as an
    AntiConditionalApply over a VarLengthExpand when a path predicate cannot be
    checked during the search)."""
    driver = AsyncGraphDatabase.driver(
        neo4j_connection.uri, auth=(neo4j_connection.user, neo4j_connection.password)
    )
    try:
        async with driver.session(database=neo4j_connection.database) as session:
            result = await session.run(
                "EXPLAIN " + SHORTEST_PATH[MAX_HOPS],
                {"from": "x", "to": "y", "types": ["GUIDES"], "scope": "K-A", "reveal": False},
            )
            plan = (await result.consume()).plan
    finally:
        await driver.close()
    assert plan is not None
    operators = _operators(plan)
    assert operators.count("ShortestPath") == 1
    assert not {"AntiConditionalApply", "VarLengthExpand(Into)", "VarLengthExpand(All)"} & set(operators)


def _operators(plan: Any) -> list[str]:
    own = [plan["operatorType"].split("@")[0]]
    return own + [op for child in plan.get("children", []) for op in _operators(child)]


# --- the village world: a viewer of 东村 and of 一号镇


async def test_village_world_people_are_masked_for_a_viewer(api_as: Any) -> None:
    viewer = await api_as("C-T1", Grant.VIEWER)
    p03 = to_global_id("Person", rid("P03"))
    lineage = (await viewer.data(LINEAGE, p=p03))["mentorLineage"]
    assert lineage["mentors"][0]["person"] == {"code": "P01", "phone": "138****0001"}
    path = (await viewer.data(PATH, a=to_global_id("Person", rid("P01")), b=p03, via=["MENTORS"]))[
        "connection"
    ]
    assert path["nodes"][0] == {
        "__typename": "Person",
        "code": "P01",
        "phone": "138****0001",
        "birthDate": None,
    }
    # 二号镇 has nobody and nothing: its figures are zero, and 一号镇 is not found there.
    other = await api_as("C-T2", Grant.ANALYST)
    body = await other.query(STATS, id=to_global_id("Organization", rid("C-T1")))
    assert body["errors"][0]["extensions"] == {"code": "NOT_FOUND"}
    empty = (await other.data(STATS, id=to_global_id("Organization", rid("C-T2"))))["organizationStats"]
    assert (empty["households"], empty["peopleByRole"], empty["children"]) == (0, [], [])
