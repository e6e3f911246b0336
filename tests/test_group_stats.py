"""`peopleStats` and `householdStats`: cross-tables with known counts on the
village world (today 2024-06-01), the minimum group size for ANALYST, and roles."""

from __future__ import annotations

from typing import Any

from graph.access import Grant
from schema.relay import to_global_id
from tests.conftest import CallerClient, GraphQLClient
from tests.graphs import rid

PEOPLE_STATS = """
query($under: ID, $groupBy: [PeopleDimension!]!, $filter: PersonFilter, $asOf: Date) {
  peopleStats(under: $under, groupBy: $groupBy, filter: $filter, asOf: $asOf) {
    rows { keys { dimension value label } count }
    suppressedGroups
    minGroupSize
  }
}
"""
HOUSEHOLD_STATS = """
query($under: ID, $groupBy: [HouseholdDimension!]!, $filter: HouseholdFilter) {
  householdStats(under: $under, groupBy: $groupBy, filter: $filter) {
    rows { keys { value label } count }
    suppressedGroups
  }
}
"""


def org_id(code: str) -> str:
    return to_global_id("Organization", rid(code))


def table(data: dict[str, Any]) -> dict[tuple[str, ...], int]:
    return {tuple(k["value"] for k in row["keys"]): row["count"] for row in data["rows"]}


async def test_people_by_role(api: GraphQLClient) -> None:
    data = (await api.data(PEOPLE_STATS, under=org_id("C-T1-V1"), groupBy=["ROLE"]))["peopleStats"]
    assert table(data) == {
        ("CHAIR",): 1,
        ("COMMITTEE_MEMBER",): 1,
        ("COUNCIL_HEAD",): 1,
        ("EXECUTIVE",): 2,
        ("NONE",): 3,  # P06 (her term ended), P07 and P08 (residents)
        ("VICE_CHAIR",): 1,
        ("VILLAGE_SISTER",): 1,
    }
    labels = {row["keys"][0]["value"]: row["keys"][0]["label"] for row in data["rows"]}
    assert labels["EXECUTIVE"] == "执委" and labels["NONE"] == "无"


async def test_people_by_age_band_and_education(api: GraphQLClient) -> None:
    data = (await api.data(PEOPLE_STATS, under=org_id("C"), groupBy=["AGE_BAND", "EDUCATION"]))["peopleStats"]
    assert table(data) == {
        ("AGE_35_OR_UNDER", "UNKNOWN"): 2,  # P02 34, P05 29
        ("AGE_36_TO_45", "JUNIOR_COLLEGE"): 1,  # P01 44
        ("AGE_36_TO_45", "UNKNOWN"): 1,  # P03 38
        ("AGE_56_OR_OVER", "UNKNOWN"): 1,  # P06 64
        ("UNKNOWN", "UNKNOWN"): 5,
    }
    older = await api.data(PEOPLE_STATS, under=org_id("C"), groupBy=["AGE_BAND"], asOf="2034-06-01")
    assert table(older["peopleStats"])[("AGE_46_TO_55",)] == 2  # P01 54, P03 48


async def test_people_by_stage_level_and_child(api: GraphQLClient) -> None:
    data = await api.data(
        PEOPLE_STATS, under=org_id("C"), groupBy=["CHILD_ORGANIZATION", "STAGE"], filter={"covers": True}
    )
    assert table(data["peopleStats"]) == {("C-T1", "NONE"): 3, ("C-T1", "PARTY_ACTIVIST"): 1}
    assert data["peopleStats"]["rows"][0]["keys"][0]["label"] == "一号镇妇联"
    levels = await api.data(
        PEOPLE_STATS, under=org_id("C"), groupBy=["LEVEL"], filter={"holds": {"roles": ["CHAIR"]}}
    )
    assert table(levels["peopleStats"]) == {("TOWNSHIP",): 1, ("VILLAGE",): 2}


async def test_small_groups_withheld_from_analysts(api_as: CallerClient) -> None:
    analyst = await api_as("C", Grant.ANALYST)
    data = (await analyst.data(PEOPLE_STATS, groupBy=["POLITICAL_STATUS"]))["peopleStats"]
    assert table(data) == {("UNKNOWN",): 9}
    assert data["suppressedGroups"] == 1  # PARTY_MEMBER: P01 alone
    assert data["minGroupSize"] == 5
    editor = await api_as("C", Grant.EDITOR)
    data = (await editor.data(PEOPLE_STATS, groupBy=["POLITICAL_STATUS"]))["peopleStats"]
    assert table(data) == {("PARTY_MEMBER",): 1, ("UNKNOWN",): 9}
    viewer = await api_as("C", Grant.VIEWER)
    body = await viewer.query(PEOPLE_STATS, groupBy=["ROLE"])
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_analyst_ages_by_birth_year(api_as: CallerClient) -> None:
    # P03 (1985-07-01) is 38 exactly, 39 by birth year; P01 44 either way.
    analyst = await api_as("C", Grant.ANALYST)
    data = await analyst.data(PEOPLE_STATS, groupBy=["AGE_BAND"], filter={"ageMin": 36})
    assert table(data["peopleStats"]) == {} and data["peopleStats"]["suppressedGroups"] == 2


async def test_stats_keep_to_the_scope(api_as: CallerClient) -> None:
    west = await api_as("C-T1-V2", Grant.EDITOR)
    data = (await west.data(PEOPLE_STATS, groupBy=["ROLE"]))["peopleStats"]
    assert table(data) == {("CHAIR",): 1}
    outside = (await west.data(PEOPLE_STATS, groupBy=["ROLE"], under=org_id("C-T1-V1")))["peopleStats"]
    assert outside["rows"] == []
    households = (await west.data(HOUSEHOLD_STATS, groupBy=["COVERAGE_STATUS"]))["householdStats"]
    assert table(households) == {("COVERED_ONCE",): 2}


async def test_households_by_coverage_tag_and_child(api: GraphQLClient) -> None:
    data = (await api.data(HOUSEHOLD_STATS, under=org_id("C-T1-V1"), groupBy=["COVERAGE_STATUS"]))[
        "householdStats"
    ]
    assert table(data) == {("COVERED_ONCE",): 8, ("MULTIPLY_COVERED",): 1, ("UNCOVERED",): 1}
    data = (await api.data(HOUSEHOLD_STATS, under=org_id("C"), groupBy=["TAG"]))["householdStats"]
    assert table(data) == {
        ("HARDSHIP_WOMAN",): 1,
        ("LEFT_BEHIND_CHILD",): 2,
        ("MODEL_FAMILY",): 1,
        ("NONE",): 8,
    }
    data = (await api.data(HOUSEHOLD_STATS, under=org_id("C-T1"), groupBy=["CHILD_ORGANIZATION"]))[
        "householdStats"
    ]
    assert table(data) == {("C-T1-V1",): 10, ("C-T1-V2",): 2}


async def test_bad_group_by(api: GraphQLClient) -> None:
    body = await api.query(PEOPLE_STATS, groupBy=[])
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = await api.query(PEOPLE_STATS, groupBy=["ROLE", "ROLE"])
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = await api.query(PEOPLE_STATS, groupBy=["CHILD_ORGANIZATION"])  # no scope, no under
    assert body["errors"][0]["extensions"]["argument"] == "under"
