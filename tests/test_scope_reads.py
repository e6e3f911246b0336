"""Reads confined to the caller's scope, and personal data masked by role.

The village world (tests/graphs.py) plus, written by the `reach` fixture, the
cases it lacks:

    P11 林霞 (born 1988-08-08, phone 13912345678) lives in C-T1-V2-H11 and is an
        EXECUTIVE of C-T1-V2 and of the county C since 2021-04-01
    P09 (chair of C-T1-V2) lives in C-T1-V1-H04 and held an EXECUTIVE term in
        C-T1-V1 2016-04-01..2021-04-01; P01 (V1) mentors her since 2022-01-01,
        P10 (township chair) guides her since 2021-04-01; she covers V1's H05
        directly, visited H11 on 2024-03-01 and V1's H01 on 2024-04-01
    P10 assists grid C-T1-V2-G4 since 2021-05-01 (P09 leads it)
    P12 何丽 chairs C-T2; D 另县妇联 is a second county (a second root) that
        P14 chairs; P13 has no position and no household
    H11: address 一号镇西村3组12号, tags MODEL_FAMILY + LEFT_BEHIND_ELDERLY
    meeting-1 held by C-T1-V2 on 2024-05-01, attended by P01, P09, P11

So a caller scoped to C-T1-V2 sees two people (P09, P11) and one organization;
one scoped to C-T1 sees P01-P11; one scoped to C sees P01-P12.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from graph import aggregates, coverage, organizations, people, places
from graph.access import CARE_TAGS, Access, Grant
from graph.model import HouseholdTag, PageArgs
from tests.conftest import CallerClient
from tests.graphs import NEW_TERM, OLD_TERM, TODAY, GraphBuilder, rid
from tests.helpers import RolledBackDatabase
from tests.writes import gid

V2 = "C-T1-V2"
PAGE = PageArgs(first=50, after=None, total=True)


@pytest.fixture
async def reach(world: RolledBackDatabase) -> RolledBackDatabase:
    """The village world with the cross-scope cases of the module docstring."""
    d = dt.date
    g = GraphBuilder()
    g.org("D", "另县妇联", "FEDERATION", "COUNTY")
    g.person("P11", "林霞", gender="FEMALE", birthDate=d(1988, 8, 8), phone="13912345678")
    g.person("P12", "何丽", gender="FEMALE")
    g.person("P13", "无籍", gender="FEMALE")
    g.person("P14", "方园", gender="FEMALE")
    g.hold("P11", V2, "EXECUTIVE", NEW_TERM)
    g.hold("P11", "C", "EXECUTIVE", NEW_TERM)
    g.hold("P09", "C-T1-V1", "EXECUTIVE", OLD_TERM, NEW_TERM)
    g.hold("P12", "C-T2", "CHAIR", NEW_TERM)
    g.hold("P14", "D", "CHAIR", NEW_TERM)
    g.live("P11", "C-T1-V2-H11")
    g.live("P09", "C-T1-V1-H04")
    g.link("MENTORS", "P01", "P09", d(2022, 1, 1))
    g.link("GUIDES", "P10", "P09", NEW_TERM)
    g.cover("P10", "C-T1-V2-G4", "ASSIST", d(2021, 5, 1))
    g.cover("P09", "C-T1-V1-H05", "ASSIST", d(2021, 5, 1))
    # Only new nodes and relationships: the builder's statements match existing ids.
    await g.write(world)
    await world.execute(
        "MATCH (h:Household {id: $h}) SET h.address = '一号镇西村3组12号',"
        " h.tags = ['MODEL_FAMILY', 'LEFT_BEHIND_ELDERLY']",
        h=rid("C-T1-V2-H11"),
    )
    await world.execute(
        """MATCH (p:Person {id: $p})
        UNWIND [[$h11, '2024-03-01', 'v-1'], [$h01, '2024-04-01', 'v-2']] AS visit
        MATCH (h:Household {id: visit[0]})
        CREATE (p)-[:VISITED {id: visit[2], on: date(visit[1]), purpose: '四必访'}]->(h)""",
        p=rid("P09"),
        h11=rid("C-T1-V2-H11"),
        h01=rid("C-T1-V1-H01"),
    )
    await world.execute(
        """MATCH (o:Organization {id: $o})
        CREATE (m:Meeting {id: 'meeting-1', on: date('2024-05-01'), topic: '村道修缮', form: 'DELIBERATION'})
               -[:HELD_BY]->(o)
        WITH m UNWIND $attendees AS a MATCH (p:Person {id: a}) CREATE (p)-[:ATTENDED]->(m)""",
        o=rid(V2),
        attendees=[rid("P01"), rid("P09"), rid("P11")],
    )
    await aggregates.rebuild(world, TODAY)  # H11's tags were set with raw Cypher
    return world


def codes(nodes: list[dict[str, Any]], key: str | None = None) -> list[str]:
    """The code of each node (of its `key` child when given)."""
    return [(node[key] if key else node)["code"] for node in nodes]


# --- entry points: lookups by id and by code


LOOKUPS = """query($org: ID!, $person: ID!, $grid: ID!, $household: ID!) {
  byOrgCode: organization(code: "C-T1-V1") { code }
  byOrgId: organization(id: $org) { code }
  orgNode: node(id: $org) { id }
  byPersonCode: person(code: "P01") { code }
  byPersonId: person(id: $person) { code }
  personNode: node(id: $person) { id }
  byGridCode: grid(code: "C-T1-V1-G1") { code }
  byGridId: grid(id: $grid) { code }
  gridNode: node(id: $grid) { id }
  byHouseholdCode: household(code: "C-T1-V1-H01") { code }
  byHouseholdId: household(id: $household) { code }
  householdNode: node(id: $household) { id }
  county: organization(code: "C") { code }
  township: organization(code: "C-T1") { code }
  guide: person(code: "P10") { code }
}"""
V1_IDS = {
    "org": gid("Organization", "C-T1-V1"),
    "person": gid("Person", "P01"),
    "grid": gid("Grid", "C-T1-V1-G1"),
    "household": gid("Household", "C-T1-V1-H01"),
}
MISSING_IDS = {
    "org": gid("Organization", "NOPE"),
    "person": gid("Person", "NOPE"),
    "grid": gid("Grid", "NOPE"),
    "household": gid("Household", "NOPE"),
}


async def test_lookups_outside_the_scope_find_nothing_like_missing_ones(
    reach: RolledBackDatabase, api_as: CallerClient
) -> None:
    v2 = await api_as(V2, Grant.VIEWER)
    outside = await v2.query(LOOKUPS, **V1_IDS)
    assert outside == {"data": dict.fromkeys(outside["data"])}
    assert await v2.query(LOOKUPS, **MISSING_IDS) == outside
    own = await v2.data(
        """{ organization(code: "C-T1-V2") { code } person(code: "P09") { code }
        grid(code: "C-T1-V2-G4") { code } household(code: "C-T1-V2-H11") { code } }"""
    )
    assert [v["code"] for v in own.values()] == [V2, "P09", "C-T1-V2-G4", "C-T1-V2-H11"]
    # Nothing is missing for the unrestricted caller.
    everything = await (await api_as(None)).data(LOOKUPS, **V1_IDS)
    assert all(everything.values())


async def test_a_township_caller_sees_both_villages_but_not_above_or_beside(
    reach: RolledBackDatabase, api_as: CallerClient
) -> None:
    t1 = await api_as("C-T1", Grant.VIEWER)
    data = await t1.data(
        """{ county: organization(code: "C") { code } sibling: organization(code: "C-T2") { code }
        township: organization(code: "C-T1") { code parent { code } ancestors { code } }
        v1: organization(code: "C-T1-V1") { code } v2: organization(code: "C-T1-V2") { parent { code } }
        p12: person(code: "P12") { code } p09: person(code: "P09") { code } }"""
    )
    assert data == {
        "county": None,
        "sibling": None,
        "township": {"code": "C-T1", "parent": None, "ancestors": []},
        "v1": {"code": "C-T1-V1"},
        "v2": {"parent": {"code": "C-T1"}},
        "p12": None,
        "p09": {"code": "P09"},
    }


# --- searches and their totals


SEARCH = """query($under: ID, $role: Role) {
  organizations(under: $under) { totalCount nodes { code } }
  people(under: $under, role: $role) { totalCount nodes { code } }
}"""

T1_ORGS = ["C-T1", "C-T1-V1", "C-T1-V1-SC", "C-T1-V1-VC", "C-T1-V2"]
C_ORGS = ["C", *T1_ORGS, "C-T2"]


def persons(last: int) -> list[str]:
    return [f"P{n:02d}" for n in range(1, last + 1)]


async def test_searches_list_and_count_only_the_scope(
    reach: RolledBackDatabase, api_as: CallerClient
) -> None:
    cases: list[tuple[str | None, list[str], list[str]]] = [
        (V2, [V2], ["P09", "P11"]),
        ("C-T1", T1_ORGS, persons(11)),
        # C is a root, so its search walks the code index; D's tree and P13 (in
        # no tree at all) are still left out.
        ("C", C_ORGS, persons(12)),
        ("D", ["D"], ["P14"]),
        (None, [*C_ORGS, "D"], persons(14)),
    ]
    for scope, orgs, people_codes in cases:
        data = await (await api_as(scope, Grant.VIEWER)).data(SEARCH)
        assert data == {
            "organizations": {"totalCount": len(orgs), "nodes": [{"code": c} for c in orgs]},
            "people": {"totalCount": len(people_codes), "nodes": [{"code": c} for c in people_codes]},
        }, scope


async def test_a_role_search_finds_the_role_held_in_the_scope(
    reach: RolledBackDatabase, api_as: CallerClient
) -> None:
    cases = [
        (V2, ["P09"]),
        ("C-T1", ["P01", "P09", "P10"]),
        ("C", ["P01", "P09", "P10", "P12"]),
        ("D", ["P14"]),
    ]
    for scope, chairs in cases:
        data = await (await api_as(scope, Grant.VIEWER)).data(SEARCH, role="CHAIR")
        assert data["people"] == {"totalCount": len(chairs), "nodes": [{"code": c} for c in chairs]}, scope
    # P11 is an executive of V2 and of the county: V2 finds her, C-T2 nobody.
    for scope, executives in ((V2, ["P11"]), ("C-T2", [])):
        data = await (await api_as(scope, Grant.VIEWER)).data(SEARCH, role="EXECUTIVE")
        assert codes(data["people"]["nodes"]) == executives


async def test_scoped_searches_page_by_code(reach: RolledBackDatabase, api_as: CallerClient) -> None:
    query = """query($after: String) { people(first: 4, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } nodes { code } } }"""
    for scope, last in (("C", 12), ("C-T1", 11)):  # the code-index walk, the subtree expansion
        client = await api_as(scope, Grant.VIEWER)
        seen: list[str] = []
        after = None
        while True:
            page = (await client.data(query, after=after))["people"]
            assert page["totalCount"] == last
            seen += codes(page["nodes"])
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert seen == persons(last)


async def test_an_under_outside_the_scope_is_like_a_missing_one(
    reach: RolledBackDatabase, api_as: CallerClient
) -> None:
    v2 = await api_as(V2, Grant.VIEWER)
    outside = await v2.query(SEARCH, under=gid("Organization", "C-T1-V1"))
    above = await v2.query(SEARCH, under=gid("Organization", "C-T1"))
    missing = await v2.query(SEARCH, under=gid("Organization", "NOPE"))
    empty = {"totalCount": 0, "nodes": []}
    assert outside == above == missing == {"data": {"organizations": empty, "people": empty}}
    inside = await v2.data(SEARCH, under=gid("Organization", V2))
    assert codes(inside["organizations"]["nodes"]) == [V2]
    assert codes(inside["people"]["nodes"]) == ["P09", "P11"]
    t1 = await (await api_as("C-T1", Grant.VIEWER)).data(SEARCH, under=gid("Organization", "C-T1-V1"))
    assert codes(t1["organizations"]["nodes"]) == ["C-T1-V1", "C-T1-V1-SC", "C-T1-V1-VC"]
    assert codes(t1["people"]["nodes"]) == persons(9)  # P09 lives in V1


async def test_the_whole_graph_searches_find_nothing_under_a_scope(reach: RolledBackDatabase) -> None:
    # The index walks meant for unrestricted callers fail closed if run with a scope.
    db = reach.for_caller(Access("t", V2, frozenset({Grant.ADMIN})))
    params = {"nameContains": None, "after": None, "limit": 10}
    assert await db.read(people.SEARCH_PEOPLE, role=None, on=TODAY, **params) == []
    assert (await db.read(people.COUNT_PEOPLE, role=None, on=TODAY, **params))[0]["total"] == 0
    assert await db.read(organizations.SEARCH_ORGANIZATIONS, kind=None, level=None, **params) == []
    assert (await db.read(organizations.COUNT_ORGANIZATIONS, kind=None, level=None, **params))[0][
        "total"
    ] == 0


# --- edges leading up or sideways


async def test_the_parent_and_ancestors_stop_at_the_scope_root(
    reach: RolledBackDatabase, api_as: CallerClient
) -> None:
    query = '{ organization(code: "C-T1-V2") { parent { code } ancestors { code } } }'
    seen = {
        scope: (await (await api_as(scope, Grant.VIEWER)).data(query))["organization"]
        for scope in (V2, "C-T1", None)
    }
    assert seen == {
        V2: {"parent": None, "ancestors": []},
        "C-T1": {"parent": {"code": "C-T1"}, "ancestors": [{"code": "C-T1"}]},
        None: {"parent": {"code": "C-T1"}, "ancestors": [{"code": "C-T1"}, {"code": "C"}]},
    }


PERSON_EDGES = """query($code: String!) { person(code: $code) {
  now: positions { role organization { code } }
  all: positions(history: true) { role organization { code } }
  household { code }
  mentors { person { code } } mentees { person { code } }
  guides { person { code } } guidedBy { person { code } }
  covers { grid { code } household { code } }
  visits { totalCount nodes { on household { code } } }
} }"""


def roles(positions: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted((p["role"], p["organization"]["code"]) for p in positions)


async def test_a_persons_edges_lead_only_into_the_scope(
    reach: RolledBackDatabase, api_as: CallerClient
) -> None:
    v2 = await api_as(V2, Grant.VIEWER)
    p11 = (await v2.data(PERSON_EDGES, code="P11"))["person"]
    assert roles(p11["now"]) == [("EXECUTIVE", V2)]  # not her county seat
    assert p11["household"] == {"code": "C-T1-V2-H11"}
    p09 = (await v2.data(PERSON_EDGES, code="P09"))["person"]
    assert roles(p09["all"]) == [("CHAIR", V2)]  # not her old V1 term
    assert p09["household"] is None  # she lives in V1
    assert p09["mentors"] == p09["guidedBy"] == []  # P01 (V1), P10 (township)
    assert p09["covers"] == [{"grid": {"code": "C-T1-V2-G4"}, "household": None}]  # not V1's H05
    assert p09["visits"] == {
        "totalCount": 1,
        "nodes": [{"on": "2024-03-01", "household": {"code": "C-T1-V2-H11"}}],
    }

    # Seen from the township, everything is inside.
    t1 = await api_as("C-T1", Grant.VIEWER)
    p09 = (await t1.data(PERSON_EDGES, code="P09"))["person"]
    assert roles(p09["all"]) == [("CHAIR", V2), ("EXECUTIVE", "C-T1-V1")]
    assert p09["household"] == {"code": "C-T1-V1-H04"}
    assert codes(p09["mentors"], "person") == ["P01"]
    assert codes(p09["guidedBy"], "person") == ["P10"]
    assert p09["covers"] == [
        {"grid": None, "household": {"code": "C-T1-V1-H05"}},
        {"grid": {"code": "C-T1-V2-G4"}, "household": None},
    ]
    assert [v["household"]["code"] for v in p09["visits"]["nodes"]] == ["C-T1-V1-H01", "C-T1-V2-H11"]
    assert roles((await t1.data(PERSON_EDGES, code="P11"))["person"]["now"]) == [("EXECUTIVE", V2)]
    everything = (await (await api_as(None)).data(PERSON_EDGES, code="P11"))["person"]
    assert roles(everything["now"]) == [("EXECUTIVE", "C"), ("EXECUTIVE", V2)]

    # From V1, where P09 lives: her V1 term, mentor and coverage, not the rest;
    # and P01 mentors both P03 and her.
    v1 = await api_as("C-T1-V1", Grant.VIEWER)
    p09 = (await v1.data(PERSON_EDGES, code="P09"))["person"]
    assert roles(p09["all"]) == [("EXECUTIVE", "C-T1-V1")]
    assert codes(p09["mentors"], "person") == ["P01"] and p09["guidedBy"] == []
    assert p09["covers"] == [{"grid": None, "household": {"code": "C-T1-V1-H05"}}]
    assert [v["household"]["code"] for v in p09["visits"]["nodes"]] == ["C-T1-V1-H01"]
    p01 = (await v1.data(PERSON_EDGES, code="P01"))["person"]
    assert codes(p01["mentees"], "person") == ["P03", "P09"]
    p10 = (await t1.data(PERSON_EDGES, code="P10"))["person"]
    assert codes(p10["guides"], "person") == ["P09"]


COVERERS = """{ grid(code: "C-T1-V2-G4") { coveredBy { role person { code } } }
  household(code: "C-T1-V2-H11") { coveredBy { via person { code } } } }"""


async def test_coverers_from_outside_the_scope_are_not_seen(
    reach: RolledBackDatabase, api_as: CallerClient
) -> None:
    v2 = await (await api_as(V2, Grant.VIEWER)).data(COVERERS)
    assert v2 == {
        "grid": {"coveredBy": [{"role": "LEAD", "person": {"code": "P09"}}]},
        "household": {"coveredBy": [{"via": "GRID", "person": {"code": "P09"}}]},
    }
    t1 = await (await api_as("C-T1", Grant.VIEWER)).data(COVERERS)
    assert codes(t1["grid"]["coveredBy"], "person") == ["P09", "P10"]  # LEAD first
    assert sorted(codes(t1["household"]["coveredBy"], "person")) == ["P09", "P10"]


REPORT = """query($id: ID!) { coverage(organizationId: $id) {
  householdCount coveredCount uncoveredCount
  members { totalCount nodes { person { code } grids { code } households { code } householdsReached } }
  uncovered { totalCount nodes { code } }
  multiplyCovered { totalCount nodes { code } }
} }"""


async def test_the_coverage_report_counts_only_what_the_scope_holds(
    reach: RolledBackDatabase, api_as: CallerClient
) -> None:
    v2 = await api_as(V2, Grant.VIEWER)
    report = (await v2.data(REPORT, id=gid("Organization", V2)))["coverage"]
    assert report == {
        "householdCount": 2,
        "coveredCount": 2,
        "uncoveredCount": 0,
        "members": {
            "totalCount": 1,
            "nodes": [
                {
                    "person": {"code": "P09"},
                    "grids": [{"code": "C-T1-V2-G4"}],
                    "households": [],
                    "householdsReached": 2,
                },
            ],
        },
        "uncovered": {"totalCount": 0, "nodes": []},
        "multiplyCovered": {"totalCount": 0, "nodes": []},  # P10 assists G4 from outside
    }
    # The township sees P10 too: both households are covered twice.
    t1 = (await (await api_as("C-T1", Grant.VIEWER)).data(REPORT, id=gid("Organization", V2)))["coverage"]
    assert codes(t1["members"]["nodes"], "person") == ["P09", "P10"]
    assert t1["members"]["totalCount"] == 2
    assert t1["multiplyCovered"] == {
        "totalCount": 2,
        "nodes": [{"code": "C-T1-V2-H11"}, {"code": "C-T1-V2-H12"}],
    }


async def test_a_coverage_report_outside_the_scope_is_null_like_a_missing_one(
    reach: RolledBackDatabase, api_as: CallerClient
) -> None:
    v2 = await api_as(V2, Grant.VIEWER)
    outside = await v2.query(REPORT, id=gid("Organization", "C-T1-V1"))
    missing = await v2.query(REPORT, id=gid("Organization", "NOPE"))
    assert outside == missing == {"data": {"coverage": None}}
    # Under the API, the report's queries find nothing for a root outside the scope.
    db = reach.for_caller(Access("t", V2, frozenset({Grant.VIEWER})))
    uncovered = coverage.HouseholdsAsked(0, 0, PAGE)
    report = await coverage.coverage_report(db, rid("C-T1-V1"), TODAY, [uncovered], [PAGE])
    assert report.summary == coverage.CoverageSummary(0, 0, 0, 0)
    assert report.households[0].items == report.members[0].items == []
    report = await coverage.coverage_report(reach, rid("C-T1-V1"), TODAY, [uncovered], [PAGE])
    assert report.summary.households == 10
    assert len(report.households[0].items) == report.summary.households - report.summary.covered
    assert len(report.members[0].items) == report.summary.members > 0


async def test_meeting_attendees_from_outside_the_scope_are_left_out(
    reach: RolledBackDatabase, api_as: CallerClient
) -> None:
    query = """{ organization(code: "C-T1-V2") { meetings { totalCount nodes {
      topic organization { code } attendees { code } } } } }"""
    v2 = (await (await api_as(V2, Grant.VIEWER)).data(query))["organization"]["meetings"]
    assert v2 == {
        "totalCount": 1,
        "nodes": [
            {
                "topic": "村道修缮",
                "organization": {"code": V2},
                "attendees": [{"code": "P09"}, {"code": "P11"}],
            }
        ],
    }
    everyone = (await (await api_as(None)).data(query))["organization"]["meetings"]
    assert codes(everyone["nodes"][0]["attendees"]) == ["P01", "P09", "P11"]


async def test_below_an_in_scope_organization_everything_is_seen(
    reach: RolledBackDatabase, api_as: CallerClient
) -> None:
    data = await (await api_as(V2, Grant.VIEWER)).data(
        """{ organization(code: "C-T1-V2") {
          positions { nodes { role person { code } organization { code } } }
          grids { nodes { code organization { code } households { nodes { code grid { code } } } } }
          households { totalCount } children { totalCount } descendants { totalCount }
        } household(code: "C-T1-V2-H11") { members { code } } }"""
    )
    org = data["organization"]
    assert [
        (p["role"], p["person"]["code"], p["organization"]["code"]) for p in org["positions"]["nodes"]
    ] == [
        ("CHAIR", "P09", V2),
        ("EXECUTIVE", "P11", V2),
    ]
    grid = {"code": "C-T1-V2-G4"}
    assert org["grids"]["nodes"] == [
        {**grid, "organization": {"code": V2},
         "households": {"nodes": [{"code": "C-T1-V2-H11", "grid": grid}, {"code": "C-T1-V2-H12", "grid": grid}]}},
    ]  # fmt: skip
    assert org["households"] == {"totalCount": 2}
    assert org["children"] == org["descendants"] == {"totalCount": 0}
    assert data["household"] == {"members": [{"code": "P11"}]}


# --- masking by role


MASKED = """{ person(code: "P11") { phone birthDate birthYear age household { address tags } }
  household(code: "C-T1-V2-H11") { address tags members { phone birthDate } }
  people(nameContains: "林") { nodes { phone birthDate birthYear } }
  organization(code: "C-T1-V2") {
    positions { nodes { person { code phone } } }
    households { nodes { code address tags } }
  } }"""


async def test_viewers_and_analysts_see_personal_data_masked(
    reach: RolledBackDatabase, api_as: CallerClient
) -> None:
    household = {"address": "一号镇西村3组***", "tags": ["MODEL_FAMILY"]}  # no LEFT_BEHIND_ELDERLY
    for grant in (Grant.VIEWER, Grant.ANALYST):
        data = await (await api_as(V2, grant)).data(MASKED)
        assert data["person"] == {
            "phone": "139****5678", "birthDate": None, "birthYear": 1988, "age": None, "household": household,
        }  # fmt: skip
        assert data["household"] == {**household, "members": [{"phone": "139****5678", "birthDate": None}]}
        assert data["people"]["nodes"] == [{"phone": "139****5678", "birthDate": None, "birthYear": 1988}]
        org = data["organization"]
        assert [p["person"]["phone"] for p in org["positions"]["nodes"]] == [None, "139****5678"]
        assert org["households"]["nodes"] == [
            {"code": "C-T1-V2-H11", **household},
            # H12's address is its code (no 组); HARDSHIP_WOMAN is a care tag.
            {"code": "C-T1-V2-H12", "address": "***", "tags": []},
        ]


async def test_editors_and_admins_see_everything(reach: RolledBackDatabase, api_as: CallerClient) -> None:
    household = {"address": "一号镇西村3组12号", "tags": ["MODEL_FAMILY", "LEFT_BEHIND_ELDERLY"]}
    for grant in (Grant.EDITOR, Grant.ADMIN):
        data = await (await api_as(V2, grant)).data(MASKED)
        assert data["person"] == {
            "phone": "13912345678", "birthDate": "1988-08-08", "birthYear": 1988, "age": 35,
            "household": household,
        }  # fmt: skip
        assert data["household"] == {
            **household,
            "members": [{"phone": "13912345678", "birthDate": "1988-08-08"}],
        }
        assert data["organization"]["households"]["nodes"] == [
            {"code": "C-T1-V2-H11", **household},
            {"code": "C-T1-V2-H12", "address": "C-T1-V2-H12", "tags": ["HARDSHIP_WOMAN"]},
        ]


# --- filtering by a care tag reveals it


TAG_FILTER = """query($tag: HouseholdTag!) {
  organization(code: "C-T1-V2") { households(tag: $tag) { totalCount nodes { code } } }
  grid(code: "C-T1-V2-G4") { households(tag: $tag) { totalCount nodes { code } } }
}"""


async def test_filtering_by_a_care_tag_is_forbidden_without_reveal(
    reach: RolledBackDatabase, api_as: CallerClient
) -> None:
    cases = [(Grant.VIEWER, tag) for tag in CARE_TAGS] + [(Grant.ANALYST, "LEFT_BEHIND_CHILD")]
    for grant, tag in cases:
        body = await (await api_as(V2, grant)).query(TAG_FILTER, tag=tag)
        assert body["data"] == {"organization": None, "grid": None}, tag
        assert sorted(e["path"] for e in body["errors"]) == [
            ["grid", "households"],
            ["organization", "households"],
        ]
        for error in body["errors"]:
            assert error["extensions"] == {"code": "FORBIDDEN"}
            assert error["message"] == "filtering households by a care tag needs the EDITOR or ADMIN role"


async def test_honor_tags_filter_for_everyone_care_tags_for_editors(
    reach: RolledBackDatabase, api_as: CallerClient
) -> None:
    h11 = {"totalCount": 1, "nodes": [{"code": "C-T1-V2-H11"}]}
    h12 = {"totalCount": 1, "nodes": [{"code": "C-T1-V2-H12"}]}
    cases = [
        (Grant.VIEWER, "MODEL_FAMILY", h11),
        (Grant.ANALYST, "MODEL_FAMILY", h11),
        (Grant.VIEWER, "CLEAN_HOUSEHOLD", {"totalCount": 0, "nodes": []}),
        (Grant.EDITOR, "HARDSHIP_WOMAN", h12),
        (Grant.ADMIN, "LEFT_BEHIND_ELDERLY", h11),
    ]
    for grant, tag, expected in cases:
        data = await (await api_as(V2, grant)).data(TAG_FILTER, tag=tag)
        assert data == {"organization": {"households": expected}, "grid": {"households": expected}}, tag


async def test_a_care_tag_filter_matches_nothing_in_cypher_without_reveal(reach: RolledBackDatabase) -> None:
    # Behind the API's refusal, the query does not answer it either.
    viewer = reach.for_caller(Access("t", V2, frozenset({Grant.VIEWER})))
    editor = reach.for_caller(Access("t", V2, frozenset({Grant.EDITOR})))
    tag = HouseholdTag.HARDSHIP_WOMAN
    for db, expected in ((viewer, []), (editor, ["C-T1-V2-H12"])):
        [page] = await organizations.load_households_by_organization(db, [rid(V2)], tag=tag, page=PAGE)
        assert [h.code for _, h in page.items] == expected and page.total == len(expected)
        [page] = await places.load_households_by_grid(db, [rid("C-T1-V2-G4")], tag=tag, page=PAGE)
        assert [h.code for _, h in page.items] == expected and page.total == len(expected)
