"""Analysts' questions against hand-built graphs with known answers.

The pipeline world: township X with villages A (sisters S1-S4, S7) and B (S5,
S6, S8); every sister reached VILLAGE_SISTER, then:

    S1  VS 2020-01-01  PA 2020-07-01  DT 2021-07-01  PROB 2021-10-01  PM 2022-10-01
    S2  VS 2020-01-01  PA 2021-01-01  DT 2022-03-01
    S3  VS 2020-01-01  PA 2022-01-01  DT 2023-01-01
    S4  VS 2021-01-01
    S5  VS 2020-06-01  REPRESENTATIVE 2022-01-01
    S6  VS 2020-06-01
    S7  VS 2020-01-01  PA 2022-06-01  (mentored by S1 since 2022-07-01)
    S8  VS 2020-01-01  PA 2022-05-01  (no mentor)

Days from VS to PA: S1 182, S2 366, S3 731, S8 851, S7 882 -> median 731, p90 882.
Days from PA to DT: S1 365, S3 365, S2 424 -> median 365, p90 424.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import httpx
import pytest

from schema.relay import to_global_id
from service.app import create_app
from tests.conftest import GraphQLClient
from tests.graphs import TODAY, GraphBuilder, rid
from tests.helpers import RolledBackDatabase

d = dt.date
MILESTONES = {
    "S1": [("VILLAGE_SISTER", d(2020, 1, 1)), ("PARTY_ACTIVIST", d(2020, 7, 1)), ("DEVELOPMENT_TARGET", d(2021, 7, 1)),
           ("PROBATIONARY_MEMBER", d(2021, 10, 1)), ("PARTY_MEMBER", d(2022, 10, 1))],
    "S2": [("VILLAGE_SISTER", d(2020, 1, 1)), ("PARTY_ACTIVIST", d(2021, 1, 1)), ("DEVELOPMENT_TARGET", d(2022, 3, 1))],
    "S3": [("VILLAGE_SISTER", d(2020, 1, 1)), ("PARTY_ACTIVIST", d(2022, 1, 1)), ("DEVELOPMENT_TARGET", d(2023, 1, 1))],
    "S4": [("VILLAGE_SISTER", d(2021, 1, 1))],
    "S5": [("VILLAGE_SISTER", d(2020, 6, 1)), ("REPRESENTATIVE", d(2022, 1, 1))],
    "S6": [("VILLAGE_SISTER", d(2020, 6, 1))],
    "S7": [("VILLAGE_SISTER", d(2020, 1, 1)), ("PARTY_ACTIVIST", d(2022, 6, 1))],
    "S8": [("VILLAGE_SISTER", d(2020, 1, 1)), ("PARTY_ACTIVIST", d(2022, 5, 1))],
}  # fmt: skip


def pipeline_world() -> GraphBuilder:
    g = GraphBuilder()
    g.org("X", "X镇妇联", "FEDERATION", "TOWNSHIP")
    g.org("X-A", "A村妇联", "FEDERATION", "VILLAGE", "X")
    g.org("X-B", "B村妇联", "FEDERATION", "VILLAGE", "X")
    for code, stages in MILESTONES.items():
        g.person(code, f"村嫂{code}")
        village = "X-A" if code in ("S1", "S2", "S3", "S4", "S7") else "X-B"
        g.hold(code, village, "VILLAGE_SISTER", d(2020, 1, 1))
        for stage, on in stages:
            g.reach(code, stage, on)
    g.link("MENTORS", "S1", "S7", d(2022, 7, 1))
    return g


@pytest.fixture
async def pipeline(db: RolledBackDatabase) -> AsyncIterator[GraphQLClient]:
    await pipeline_world().write(db)
    app = create_app(db=db, today=lambda: TODAY)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        yield GraphQLClient(http, db)


X = to_global_id("Organization", rid("X"))
FUNNEL = """query($u: ID!, $from: Date, $to: Date, $by: FunnelBreakdown! = NONE) {
  pipelineFunnel(under: $u, from: $from, to: $to, by: $by) {
    organization { code }
    stages { stage nextStage reached advanced conversion medianDays p90Days }
    children { organization { code } stages { stage reached advanced } } } }"""


def by_stage(funnel: dict[str, object]) -> dict[str, dict[str, object]]:
    return {s["stage"]: s for s in funnel["stages"]}  # type: ignore[attr-defined,index]


async def test_funnel(pipeline: GraphQLClient) -> None:
    funnel = (await pipeline.data(FUNNEL, u=X))["pipelineFunnel"]
    assert funnel["organization"] == {"code": "X"}
    stages = by_stage(funnel)
    assert [s["stage"] for s in funnel["stages"]][:5] == [
        "VILLAGE_SISTER", "PARTY_ACTIVIST", "DEVELOPMENT_TARGET", "PROBATIONARY_MEMBER", "PARTY_MEMBER",
    ]  # fmt: skip
    assert stages["VILLAGE_SISTER"] == {
        "stage": "VILLAGE_SISTER", "nextStage": "PARTY_ACTIVIST", "reached": 8, "advanced": 5,
        "conversion": 5 / 8, "medianDays": 731, "p90Days": 882,
    }  # fmt: skip
    pa = stages["PARTY_ACTIVIST"]
    assert (pa["reached"], pa["advanced"], pa["medianDays"], pa["p90Days"]) == (5, 3, 365, 424)
    dt_ = stages["DEVELOPMENT_TARGET"]
    assert (dt_["reached"], dt_["advanced"], dt_["medianDays"]) == (3, 1, 92)
    assert (stages["PROBATIONARY_MEMBER"]["reached"], stages["PROBATIONARY_MEMBER"]["medianDays"]) == (1, 365)
    assert stages["PARTY_MEMBER"] == {
        "stage": "PARTY_MEMBER", "nextStage": None, "reached": 1, "advanced": 0,
        "conversion": None, "medianDays": None, "p90Days": None,
    }  # fmt: skip
    assert (stages["REPRESENTATIVE"]["reached"], stages["RESERVE_CADRE"]["reached"]) == (1, 0)
    assert funnel["children"] == []


async def test_funnel_in_a_window(pipeline: GraphQLClient) -> None:
    funnel = (await pipeline.data(FUNNEL, u=X, **{"from": "2021-01-01", "to": "2021-12-31"}))[
        "pipelineFunnel"
    ]
    got = {k: (v["reached"], v["advanced"]) for k, v in by_stage(funnel).items() if v["reached"]}
    # S4 became a sister, S2 an activist, S1 a target (probationary by October) and probationary.
    assert got == {
        "VILLAGE_SISTER": (1, 0),
        "PARTY_ACTIVIST": (1, 0),
        "DEVELOPMENT_TARGET": (1, 1),
        "PROBATIONARY_MEMBER": (1, 0),
    }


async def test_funnel_by_child(pipeline: GraphQLClient) -> None:
    funnel = (await pipeline.data(FUNNEL, u=X, by="CHILD"))["pipelineFunnel"]
    children = {c["organization"]["code"]: by_stage(c) for c in funnel["children"]}
    assert set(children) == {"X-A", "X-B"}
    assert (children["X-A"]["VILLAGE_SISTER"]["reached"], children["X-A"]["PARTY_ACTIVIST"]["reached"]) == (
        5,
        4,
    )
    assert (children["X-B"]["VILLAGE_SISTER"]["reached"], children["X-B"]["VILLAGE_SISTER"]["advanced"]) == (
        3,
        1,
    )
    assert children["X-B"]["REPRESENTATIVE"]["reached"] == 1


CANDIDATES = """query($u: ID!, $stage: Stage!, $asOf: Date) {
  pipelineCandidates(under: $u, stage: $stage, asOf: $asOf) {
    totalCount nodes { person { code } stage nextStage reachedOn waitedDays mentors { code } } } }"""


async def test_candidates_follow_the_rules(pipeline: GraphQLClient) -> None:
    activists = (await pipeline.data(CANDIDATES, u=X, stage="PARTY_ACTIVIST"))["pipelineCandidates"]
    # S7 and S8 have been activists for two years, but only S7 has a mentor.
    assert activists == {
        "totalCount": 1,
        "nodes": [{"person": {"code": "S7"}, "stage": "PARTY_ACTIVIST", "nextStage": "DEVELOPMENT_TARGET",
                   "reachedOn": "2022-06-01", "waitedDays": 731, "mentors": [{"code": "S1"}]}],
    }  # fmt: skip
    sisters = (await pipeline.data(CANDIDATES, u=X, stage="VILLAGE_SISTER"))["pipelineCandidates"]
    assert [n["person"]["code"] for n in sisters["nodes"]] == ["S5", "S6", "S4"]  # longest-waiting first
    # A year of probation is required: on 2022-09-30 S1 has served 364 days.
    early = await pipeline.data(CANDIDATES, u=X, stage="PROBATIONARY_MEMBER", asOf="2022-09-30")
    assert early["pipelineCandidates"]["totalCount"] == 0
    body = await pipeline.query(CANDIDATES, u=X, stage="PARTY_MEMBER")
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "stage"}


LINEAGE = """query($p: ID!, $depth: Int!) { mentorLineage(personId: $p, depth: $depth) {
  person { code }
  mentors { person { code } since depth branches { person { code } since depth branches { person { code } } } }
  mentees { person { code } since depth branches { person { code } } } } }"""


async def test_mentor_lineage(api: GraphQLClient) -> None:
    p03 = to_global_id("Person", rid("P03"))
    lineage = (await api.data(LINEAGE, p=p03, depth=3))["mentorLineage"]
    assert lineage == {
        "person": {"code": "P03"},
        "mentors": [{"person": {"code": "P01"}, "since": "2021-05-01", "depth": 1,
                     "branches": [{"person": {"code": "P06"}, "since": "2016-06-01", "depth": 2, "branches": []}]}],
        "mentees": [{"person": {"code": "P05"}, "since": "2022-01-01", "depth": 1, "branches": []}],
    }  # fmt: skip
    shallow = (await api.data(LINEAGE, p=p03, depth=1))["mentorLineage"]
    assert shallow["mentors"] == [
        {"person": {"code": "P01"}, "since": "2021-05-01", "depth": 1, "branches": []}
    ]
    body = await api.query(LINEAGE, p=p03, depth=11)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    missing = await api.data(LINEAGE, p=to_global_id("Person", "nobody"), depth=2)
    assert missing == {"mentorLineage": None}


PATH = """query($a: ID!, $b: ID!, $via: [RelationshipKind!], $max: Int! = 6) {
  connection(fromId: $a, toId: $b, via: $via, maxHops: $max) {
    length nodes { __typename ... on Person { code } ... on Household { code } ... on Organization { code } }
    relationships { type fromId toId role since } } }"""


async def test_connection_through_chosen_relationships(api: GraphQLClient) -> None:
    def pid(code: str) -> str:
        return to_global_id("Person", rid(code))

    path = (await api.data(PATH, a=pid("P07"), b=pid("P04"), via=["LIVES_IN", "COVERS"]))["connection"]
    assert path == {
        "length": 2,
        "nodes": [{"__typename": "Person", "code": "P07"}, {"__typename": "Household", "code": "C-T1-V1-H01"},
                  {"__typename": "Person", "code": "P04"}],
        "relationships": [
            {"type": "LIVES_IN", "fromId": pid("P07"), "toId": to_global_id("Household", rid("C-T1-V1-H01")),
             "role": None, "since": None},
            {"type": "COVERS", "fromId": pid("P04"), "toId": to_global_id("Household", rid("C-T1-V1-H01")),
             "role": "ASSIST", "since": "2021-05-01"},
        ],
    }  # fmt: skip
    mentors = (await api.data(PATH, a=pid("P05"), b=pid("P06"), via=["MENTORS"]))["connection"]
    assert [n["code"] for n in mentors["nodes"]] == ["P05", "P03", "P01", "P06"]
    assert (await api.data(PATH, a=pid("P05"), b=pid("P06"), via=["MENTORS"], max=2)) == {"connection": None}
    assert (await api.data(PATH, a=pid("P05"), b=pid("P09"), via=["GUIDES"])) == {"connection": None}


TERMS = """query($u: ID!, $role: Role!, $level: Level) { termStatistics(under: $u, role: $role, level: $level) {
  role asOf total { count aged45OrUnder collegeOrAbove partyMembers onVillageCommittee shareAged45OrUnder
                    shareOnVillageCommittee youngestAge youngest { code } }
  organizations { organization { code } count youngestAge } } }"""


async def test_term_statistics(api: GraphQLClient) -> None:
    county = to_global_id("Organization", rid("C"))
    stats = (await api.data(TERMS, u=county, role="CHAIR"))["termStatistics"]
    # Chairs: P01 of V1 (44, junior college, Party member, on the village committee),
    # P09 of V2 and P10 of T1 (nothing recorded about them).
    assert stats["total"] == {
        "count": 3, "aged45OrUnder": 1, "collegeOrAbove": 1, "partyMembers": 1, "onVillageCommittee": 1,
        "shareAged45OrUnder": 1 / 3, "shareOnVillageCommittee": 1 / 3, "youngestAge": 44, "youngest": {"code": "P01"},
    }  # fmt: skip
    assert stats["organizations"] == [
        {"organization": {"code": "C-T1"}, "count": 1, "youngestAge": None},
        {"organization": {"code": "C-T1-V1"}, "count": 1, "youngestAge": 44},
        {"organization": {"code": "C-T1-V2"}, "count": 1, "youngestAge": None},
    ]
    villages = (await api.data(TERMS, u=county, role="CHAIR", level="VILLAGE"))["termStatistics"]
    assert villages["total"]["count"] == 2
    executives = (await api.data(TERMS, u=county, role="EXECUTIVE"))["termStatistics"]
    assert executives["total"]["count"] == 2  # P03, P04; the 2016 board has ended


STATS = """query($id: ID!, $asOf: Date) { organizationStats(id: $id, asOf: $asOf) {
  households coveredHouseholds coverageRatio peopleByRole { role people } householdsByTag { tag households }
  children { organization { code } households coveredHouseholds peopleByRole { role people } } } }"""


async def test_organization_stats(api: GraphQLClient) -> None:
    township = (await api.data(STATS, id=to_global_id("Organization", rid("C-T1"))))["organizationStats"]
    assert (township["households"], township["coveredHouseholds"]) == (12, 11)
    roles = {r["role"]: r["people"] for r in township["peopleByRole"]}
    assert roles == {"CHAIR": 3, "VICE_CHAIR": 1, "EXECUTIVE": 2, "COUNCIL_HEAD": 1, "VILLAGE_SISTER": 1,
                     "COMMITTEE_MEMBER": 1}  # fmt: skip
    tags = {t["tag"]: t["households"] for t in township["householdsByTag"]}
    assert (tags["LEFT_BEHIND_CHILD"], tags["MODEL_FAMILY"], tags["HARDSHIP_WOMAN"], tags["DISABILITY"]) == (
        2,
        1,
        1,
        0,
    )
    children = {c["organization"]["code"]: c for c in township["children"]}
    assert (children["C-T1-V1"]["households"], children["C-T1-V1"]["coveredHouseholds"]) == (10, 9)
    assert (children["C-T1-V2"]["households"], children["C-T1-V2"]["coveredHouseholds"]) == (2, 2)
    assert {r["role"]: r["people"] for r in children["C-T1-V2"]["peopleByRole"]} == {"CHAIR": 1}
    # Before the 2021 term change only P06 covered anything (H10) and the old board held office.
    old = await api.data(STATS, id=to_global_id("Organization", rid("C-T1-V1")), asOf="2020-01-01")
    assert old["organizationStats"]["coveredHouseholds"] == 1
    assert {r["role"]: r["people"] for r in old["organizationStats"]["peopleByRole"]} == {"EXECUTIVE": 2}
    # V1's grids hang on V1 itself: its councils' subtrees hold no households.
    village = (await api.data(STATS, id=to_global_id("Organization", rid("C-T1-V1"))))["organizationStats"]
    assert {c["organization"]["code"]: c["households"] for c in village["children"]} == {
        "C-T1-V1-SC": 0,
        "C-T1-V1-VC": 0,
    }


async def test_unknown_subtree_is_not_found(api: GraphQLClient) -> None:
    body = await api.query(FUNNEL, u=to_global_id("Organization", "nowhere"))
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_organization_and_person_fields_answer_like_the_root_fields(api: GraphQLClient) -> None:
    county = to_global_id("Organization", rid("C"))
    p03 = to_global_id("Person", rid("P03"))
    root = await api.data(
        """query($c: ID!, $p: ID!) {
          termStatistics(under: $c, role: CHAIR) { total { count youngestAge } }
          organizationStats(id: $c) { households coveredHouseholds }
          pipelineFunnel(under: $c) { stages { stage reached } }
          mentorLineage(personId: $p) { mentors { person { code } } } }""",
        c=county,
        p=p03,
    )
    fields = await api.data(
        """{ organization(code: "C") {
          termStatistics(role: CHAIR) { total { count youngestAge } }
          stats { households coveredHouseholds }
          pipelineFunnel { stages { stage reached } } }
          person(code: "P03") { lineage { mentors { person { code } } } } }"""
    )
    org = fields["organization"]
    assert org["termStatistics"] == root["termStatistics"] == {"total": {"count": 3, "youngestAge": 44}}
    assert org["stats"] == root["organizationStats"] == {"households": 12, "coveredHouseholds": 11}
    assert org["pipelineFunnel"] == root["pipelineFunnel"]
    assert fields["person"]["lineage"] == root["mentorLineage"] == {"mentors": [{"person": {"code": "P01"}}]}
