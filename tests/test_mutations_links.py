"""Coverage, guidance, mentoring and the cadre pipeline's milestones."""

from __future__ import annotations

import pytest

from schema.relay import to_global_id
from tests.conftest import GraphQLClient
from tests.helpers import RolledBackDatabase
from tests.writes import gid, refused

ASSIGN = """mutation($p: ID!, $role: CoverRole!, $since: Date!, $g: ID, $h: ID) {
  assignCoverage(personId: $p, role: $role, since: $since, gridId: $g, householdId: $h) {
    coverage { id role since until active person { code } grid { code } household { code } } } }"""
END_COVERAGE = """mutation($id: ID!, $until: Date!) {
  endCoverage(coverageId: $id, until: $until) { coverage { since until active household { code } } } }"""
GUIDE = """mutation($g: ID!, $e: ID!, $since: Date!) {
  setGuidance(guideId: $g, executiveId: $e, since: $since) {
    guidance { since until guide { code } executive { code } }
    ended { since until guide { code } executive { code } } } }"""
MENTOR = """mutation($m: ID!, $e: ID!, $since: Date!) {
  recordMentorship(mentorId: $m, menteeId: $e, since: $since) {
    mentorship { since until mentor { code } mentee { code mentors { person { code } } } } } }"""
END_MENTORING = """mutation($m: ID!, $e: ID!, $until: Date!) {
  endMentorship(mentorId: $m, menteeId: $e, until: $until) { mentorship { since until mentor { code } } } }"""
MILESTONE = """mutation($p: ID!, $stage: Stage!, $on: Date!) {
  recordMilestone(personId: $p, stage: $stage, on: $on) {
    milestone { stage on } person { code currentStage milestones { stage on } } } }"""


def person(code: str) -> str:
    return gid("Person", code)


# --- coverage --------------------------------------------------------------------------


async def test_assign_and_end_coverage(api: GraphQLClient) -> None:
    data = await api.data(
        ASSIGN, p=person("P05"), role="ASSIST", since="2024-05-01", h=gid("Household", "C-T1-V1-H10")
    )
    coverage = data["assignCoverage"]["coverage"]
    assert {k: v for k, v in coverage.items() if k != "id"} == {
        "role": "ASSIST", "since": "2024-05-01", "until": None, "active": True, "person": {"code": "P05"},
        "grid": None, "household": {"code": "C-T1-V1-H10"},
    }  # fmt: skip
    report = await api.data('{ organization(code: "C-T1-V1") { coverage { uncoveredCount } } }')
    assert report["organization"]["coverage"]["uncoveredCount"] == 0
    ended = await api.data(END_COVERAGE, id=coverage["id"], until="2024-05-20")
    assert ended["endCoverage"]["coverage"] == {
        "since": "2024-05-01", "until": "2024-05-20", "active": False, "household": {"code": "C-T1-V1-H10"},
    }  # fmt: skip
    grid = await api.data(
        ASSIGN, p=person("P02"), role="ASSIST", since="2024-05-01", g=gid("Grid", "C-T1-V1-G3")
    )
    assert grid["assignCoverage"]["coverage"]["grid"] == {"code": "C-T1-V1-G3"}


async def test_coverage_rules(api: GraphQLClient) -> None:
    error = await refused(
        api,
        ASSIGN,
        "CONFLICT",
        p=person("P03"),
        role="ASSIST",
        since="2024-05-01",
        g=gid("Grid", "C-T1-V1-G1"),
    )
    assert error["message"] == "张敏 (P03) already covers C-T1-V1-G1 as LEAD from 2021-05-01 (running)"
    error = await refused(api, ASSIGN, "BAD_USER_INPUT", p=person("P03"), role="LEAD", since="2024-05-01",
                          g=gid("Grid", "C-T1-V1-G1"), h=gid("Household", "C-T1-V1-H10"))  # fmt: skip
    assert error["extensions"]["argument"] == "gridId"
    error = await refused(api, ASSIGN, "BAD_USER_INPUT", p=person("P03"), role="LEAD", since="2024-05-01")
    assert error["message"] == "give exactly one of gridId and householdId"
    error = await refused(
        api,
        ASSIGN,
        "NOT_FOUND",
        p=person("P03"),
        role="LEAD",
        since="2024-05-01",
        h=to_global_id("Household", "x"),
    )
    assert error["message"] == "householdId: no household has that id"
    ended = to_global_id("Coverage", "cov-P06-C-T1-V1-H10-2016-05-01")
    error = await refused(api, END_COVERAGE, "CONFLICT", id=ended, until="2024-01-01")
    assert error["message"] == "the coverage already ended on 2021-04-01"
    running = to_global_id("Coverage", "cov-P03-C-T1-V1-G1-2021-05-01")
    error = await refused(api, END_COVERAGE, "CONFLICT", id=running, until="2021-01-01")
    assert error["message"] == "until (2021-01-01) is before the coverage began (2021-05-01)"


# --- guidance --------------------------------------------------------------------------


async def test_set_guidance_replaces_the_executives_guide(api: GraphQLClient) -> None:
    data = await api.data(GUIDE, g=person("P02"), e=person("P03"), since="2024-01-01")
    assert data["setGuidance"] == {
        "guidance": {"since": "2024-01-01", "until": None, "guide": {"code": "P02"}, "executive": {"code": "P03"}},
        "ended": [{"since": "2021-04-01", "until": "2024-01-01", "guide": {"code": "P01"}, "executive": {"code": "P03"}}],
    }  # fmt: skip
    now = await api.data('{ person(code: "P03") { guidedBy { person { code } } } }')
    assert now["person"]["guidedBy"] == [{"person": {"code": "P02"}}]


async def test_guidance_rules(api: GraphQLClient, world: RolledBackDatabase) -> None:
    error = await refused(api, GUIDE, "CONFLICT", g=person("P05"), e=person("P03"), since="2024-01-01")
    assert error["message"] == (
        "on 2024-01-01, 陈静 (P05) is not CHAIR or VICE_CHAIR of an organization where 张敏 (P03) is an EXECUTIVE"
    )
    error = await refused(api, GUIDE, "CONFLICT", g=person("P01"), e=person("P03"), since="2024-01-01")
    assert error["message"] == "王芳 (P01) already guides 张敏 (P03) since 2021-04-01"
    error = await refused(api, GUIDE, "CONFLICT", g=person("P02"), e=person("P03"), since="2021-03-01")
    assert "is not CHAIR or VICE_CHAIR" in error["message"]  # her term began 2021-04-01
    error = await refused(api, GUIDE, "BAD_USER_INPUT", g=person("P02"), e=person("P02"), since="2024-01-01")
    assert error["extensions"]["argument"] == "executiveId"
    # Four executives guided by P01 already: a fifth is refused.
    await world.execute(
        "UNWIND ['id-P05', 'id-P07', 'id-P08'] AS id MATCH (p:Person {id: id}), (o:Organization {id: 'id-C-T1-V1'})"
        " CREATE (p)-[:HOLDS {id: 'extra-' + id, role: 'EXECUTIVE', since: date('2022-01-01')}]->(o)"
    )
    for executive in ("P05", "P07"):
        await api.data(GUIDE, g=person("P01"), e=person(executive), since="2024-01-01")
    error = await refused(api, GUIDE, "CONFLICT", g=person("P01"), e=person("P08"), since="2024-01-01")
    assert error["message"] == "王芳 (P01) already guides 4 executives, the most one guide takes"


# --- mentoring --------------------------------------------------------------------------


async def test_record_and_end_mentorship(api: GraphQLClient) -> None:
    data = await api.data(MENTOR, m=person("P02"), e=person("P04"), since="2024-01-01")
    assert data["recordMentorship"]["mentorship"] == {
        "since": "2024-01-01", "until": None, "mentor": {"code": "P02"},
        "mentee": {"code": "P04", "mentors": [{"person": {"code": "P02"}}]},
    }  # fmt: skip
    ended = await api.data(END_MENTORING, m=person("P02"), e=person("P04"), until="2024-05-01")
    assert ended["endMentorship"]["mentorship"] == {
        "since": "2024-01-01",
        "until": "2024-05-01",
        "mentor": {"code": "P02"},
    }
    again = await api.data(MENTOR, m=person("P02"), e=person("P04"), since="2024-05-01")
    assert again["recordMentorship"]["mentorship"]["since"] == "2024-05-01"


async def test_mentoring_never_closes_a_cycle(api: GraphQLClient) -> None:
    # The reference chain: P06 → P01 → P03 → P05.
    error = await refused(api, MENTOR, "CONFLICT", m=person("P05"), e=person("P06"), since="2024-01-01")
    assert error["message"] == (
        "this mentorship would close a cycle of mentoring: "
        "赵丽 (P06) → 王芳 (P01) → 张敏 (P03) → 陈静 (P05) → 赵丽 (P06)"
    )
    error = await refused(api, MENTOR, "CONFLICT", m=person("P03"), e=person("P01"), since="2024-01-01")
    assert error["message"].endswith("王芳 (P01) → 张敏 (P03) → 王芳 (P01)")
    error = await refused(api, MENTOR, "CONFLICT", m=person("P01"), e=person("P03"), since="2024-01-01")
    assert error["message"] == "王芳 (P01) already mentors 张敏 (P03) since 2021-05-01"
    error = await refused(api, MENTOR, "BAD_USER_INPUT", m=person("P01"), e=person("P01"), since="2024-01-01")
    assert error["extensions"]["argument"] == "menteeId"
    error = await refused(
        api, END_MENTORING, "NOT_FOUND", m=person("P05"), e=person("P06"), until="2024-01-01"
    )
    assert error["message"] == "陈静 (P05) has no running mentorship of 赵丽 (P06)"
    error = await refused(
        api, END_MENTORING, "CONFLICT", m=person("P01"), e=person("P03"), until="2021-01-01"
    )
    assert error["message"] == "until (2021-01-01) is before the mentorship began (2021-05-01)"


# --- milestones ----------------------------------------------------------------------------


async def test_the_party_path_step_by_step(api: GraphQLClient) -> None:
    # P05: VILLAGE_SISTER 2021-04-01, PARTY_ACTIVIST 2022-03-01.
    steps = [("DEVELOPMENT_TARGET", "2023-03-01"), ("PROBATIONARY_MEMBER", "2023-03-01"),
             ("PARTY_MEMBER", "2024-02-29"), ("RESERVE_CADRE", "2021-06-01")]  # fmt: skip
    for stage, on in steps:
        data = await api.data(MILESTONE, p=person("P05"), stage=stage, on=on)
        assert data["recordMilestone"]["milestone"] == {"stage": stage, "on": on}
    assert data["recordMilestone"]["person"]["currentStage"] == "PARTY_MEMBER"
    assert [m["stage"] for m in data["recordMilestone"]["person"]["milestones"]] == [
        "VILLAGE_SISTER", "RESERVE_CADRE", "PARTY_ACTIVIST", "DEVELOPMENT_TARGET", "PROBATIONARY_MEMBER", "PARTY_MEMBER",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("who", "stage", "on", "message"),
    [
        ("P05", "VILLAGE_SISTER", "2021-05-01", "陈静 (P05) already reached VILLAGE_SISTER on 2021-04-01"),
        ("P05", "DEVELOPMENT_TARGET", "2023-02-28",
         "陈静 (P05): DEVELOPMENT_TARGET (发展对象) on 2023-02-28 is less than 365 days after "
         "PARTY_ACTIVIST (入党积极分子) on 2022-03-01"),
        ("P05", "PROBATIONARY_MEMBER", "2024-01-01",
         "陈静 (P05): PROBATIONARY_MEMBER (预备党员) needs DEVELOPMENT_TARGET (发展对象) recorded first"),
        ("P05", "REPRESENTATIVE", "2021-03-31",
         "陈静 (P05): REPRESENTATIVE (两代表一委员) on 2021-03-31 is before VILLAGE_SISTER (村嫂) on 2021-04-01"),
        ("P01", "PARTY_MEMBER", "2020-01-01",
         "王芳 (P01): PARTY_MEMBER (党员) needs PROBATIONARY_MEMBER (预备党员) recorded first"),
    ],
    ids=["twice", "activist-less-than-a-year", "skips-a-stage", "parallel-before-sister", "member-first"],
)  # fmt: skip
async def test_milestone_rules(api: GraphQLClient, who: str, stage: str, on: str, message: str) -> None:
    error = await refused(api, MILESTONE, "CONFLICT", p=person(who), stage=stage, on=on)
    assert error["message"] == message


async def test_stages_keep_the_pipeline_order(api: GraphQLClient) -> None:
    await api.data(
        MILESTONE, p=person("P02"), stage="PARTY_ACTIVIST", on="2020-01-01"
    )  # no village sister needed
    error = await refused(
        api, MILESTONE, "CONFLICT", p=person("P02"), stage="VILLAGE_SISTER", on="2020-06-01"
    )
    assert error["message"] == (
        "李娜 (P02): PARTY_ACTIVIST (入党积极分子) on 2020-01-01 is before VILLAGE_SISTER (村嫂) on 2020-06-01: "
        "stages follow the pipeline order"
    )
    await api.data(MILESTONE, p=person("P02"), stage="DEVELOPMENT_TARGET", on="2021-01-01")
    await api.data(MILESTONE, p=person("P02"), stage="PROBATIONARY_MEMBER", on="2021-02-01")
    error = await refused(api, MILESTONE, "CONFLICT", p=person("P02"), stage="PARTY_MEMBER", on="2022-01-31")
    assert error["message"] == (
        "李娜 (P02): PARTY_MEMBER (党员) on 2022-01-31 is less than 365 days after "
        "PROBATIONARY_MEMBER (预备党员) on 2021-02-01"
    )
    error = await refused(
        api, MILESTONE, "NOT_FOUND", p=to_global_id("Person", "x"), stage="PARTY_MEMBER", on="2022-01-31"
    )
    assert error["message"] == "personId: no person has that id"
