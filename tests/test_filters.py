"""`people(filter, orderBy)`, `organizations(filter, orderBy)` and
`households(filter)`: known answers on the village world (today 2024-06-01),
ties, nulls, empty results, paging across a tie, scope and masking."""

from __future__ import annotations

from typing import Any

import pytest

from graph.access import Grant
from schema.relay import to_global_id
from tests.conftest import CallerClient, GraphQLClient
from tests.graphs import rid
from tests.helpers import RolledBackDatabase

PEOPLE = """
query($filter: PersonFilter, $orderBy: PersonOrder, $first: Int, $after: String) {
  people(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { code }
  }
}
"""
ORGS = """
query($filter: OrganizationFilter, $orderBy: OrganizationOrder, $first: Int) {
  organizations(filter: $filter, orderBy: $orderBy, first: $first) { totalCount nodes { code } }
}
"""
HOUSEHOLDS = """
query($filter: HouseholdFilter, $under: ID) {
  households(filter: $filter, under: $under, first: 50) { totalCount nodes { code } }
}
"""


def org_id(code: str) -> str:
    return to_global_id("Organization", rid(code))


async def people(api: GraphQLClient, **variables: Any) -> list[str]:
    data = (await api.data(PEOPLE, first=50, **variables))["people"]
    codes = [n["code"] for n in data["nodes"]]
    assert data["totalCount"] == len(codes)
    return codes


async def orgs(api: GraphQLClient, **variables: Any) -> list[str]:
    data = (await api.data(ORGS, first=50, **variables))["organizations"]
    codes = [n["code"] for n in data["nodes"]]
    assert data["totalCount"] == len(codes)
    return codes


async def households(api: GraphQLClient, **variables: Any) -> list[str]:
    data = (await api.data(HOUSEHOLDS, **variables))["households"]
    codes = [n["code"] for n in data["nodes"]]
    assert data["totalCount"] == len(codes)
    return codes


def error_of(body: dict[str, Any]) -> tuple[str, str | None]:
    error = body["errors"][0]
    return error["extensions"]["code"], error["extensions"].get("argument")


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ({"ageMax": 40}, ["P02", "P03", "P05"]),
        ({"ageMin": 44, "ageMax": 44}, ["P01"]),
        ({"ageMin": 100}, []),
        ({"educationAtLeast": "SENIOR_HIGH"}, ["P01"]),
        ({"politicalStatusIn": ["PARTY_MEMBER", "MASSES"]}, ["P01"]),
        ({"stageIn": ["PARTY_ACTIVIST"]}, ["P05"]),
        ({"stageIn": ["VILLAGE_SISTER"]}, []),  # P05 went on: her current stage is PARTY_ACTIVIST
        ({"reached": {"stage": "VILLAGE_SISTER", "from": "2021-01-01", "to": "2021-12-31"}}, ["P05"]),
        ({"reached": {"stage": "VILLAGE_SISTER", "from": "2022-01-01"}}, []),
        ({"holds": {"roles": ["CHAIR"]}}, ["P01", "P09", "P10"]),
        ({"holds": {"roles": ["CHAIR"], "level": "VILLAGE"}}, ["P01", "P09"]),
        ({"holds": {"kind": "SISTERS_COUNCIL"}}, ["P01", "P05"]),
        ({"holds": {"roles": ["EXECUTIVE"]}, "asOf": "2018-01-01"}, ["P01", "P06"]),
        ({"covers": True}, ["P03", "P04", "P05", "P09"]),
        ({"covers": False}, ["P01", "P02", "P06", "P07", "P08", "P10"]),
        ({"covers": True, "asOf": "2020-01-01"}, ["P06"]),
        ({"gender": "MALE"}, ["P08"]),
        ({"under": org_id("C-T1-V2")}, ["P09"]),
        ({"gender": "FEMALE", "covers": True, "holds": {"roles": ["EXECUTIVE"]}}, ["P03", "P04"]),
    ],
)
async def test_people_filters(api: GraphQLClient, flt: dict[str, Any], expected: list[str]) -> None:
    assert await people(api, filter=flt) == expected


async def test_household_tag_filter(
    api: GraphQLClient, api_as: CallerClient, world: RolledBackDatabase
) -> None:
    await world.execute(
        "MATCH (p:Person {code: 'P02'}), (h:Household {code: 'C-T1-V1-H02'}) CREATE (p)-[:LIVES_IN]->(h)"
    )
    assert await people(api, filter={"householdTags": ["LEFT_BEHIND_CHILD"]}) == ["P02"]
    viewer = await api_as("C", Grant.VIEWER)
    body = await viewer.query(PEOPLE, filter={"householdTags": ["LEFT_BEHIND_CHILD"]})
    assert error_of(body)[0] == "FORBIDDEN"


async def test_viewer_ages_by_birth_year(api_as: CallerClient) -> None:
    # P03 was born 1985-07-01: 38 on 2024-06-01, but 2024 - 1985 = 39.
    editor = await api_as("C", Grant.EDITOR)
    viewer = await api_as("C", Grant.VIEWER)
    assert await people(editor, filter={"ageMin": 39, "ageMax": 39}) == []
    assert await people(editor, filter={"ageMin": 38, "ageMax": 38}) == ["P03"]
    assert await people(viewer, filter={"ageMin": 39, "ageMax": 39}) == ["P03"]
    assert await people(viewer, filter={"ageMin": 38, "ageMax": 38}) == []


async def test_viewer_may_not_sort_by_birth_date(api_as: CallerClient) -> None:
    viewer = await api_as("C", Grant.ANALYST)
    body = await viewer.query(PEOPLE, orderBy={"field": "BIRTH_DATE"})
    assert error_of(body)[0] == "FORBIDDEN"
    assert body["data"] is None


@pytest.mark.parametrize(
    ("flt", "argument"),
    [
        ({"ageMin": 50, "ageMax": 40}, "filter.ageMin"),
        ({"ageMin": -1}, "filter.ageMin"),
        ({"ageMax": 151}, "filter.ageMax"),
        (
            {"reached": {"stage": "PARTY_MEMBER", "from": "2022-01-01", "to": "2021-01-01"}},
            "filter.reached.from",
        ),
        ({"stageIn": []}, "filter.stageIn"),
    ],
)
async def test_contradictory_people_filters(api: GraphQLClient, flt: dict[str, Any], argument: str) -> None:
    assert error_of(await api.query(PEOPLE, filter=flt)) == ("BAD_USER_INPUT", argument)


NAME_ORDER = ["P05", "P02", "P04", "P10", "P01", "P08", "P03", "P06", "P09", "P07"]


async def test_people_sorted_by_pinyin_birth_date_and_stage(api: GraphQLClient) -> None:
    # 陈静 chen, 李娜 li, 刘洋 liu, 孙梅 sun, 王芳 wang, 吴强 wu, 张敏 zhang, 赵丽 zhao, 郑红 zheng, 周婷 zhou
    assert await people(api, orderBy={"field": "NAME"}) == NAME_ORDER
    assert await people(api, orderBy={"field": "NAME", "direction": "DESC"}) == NAME_ORDER[::-1]
    # Without a birth date (P04, P07-P10) last either way, by code.
    born = ["P06", "P01", "P03", "P02", "P05"]
    unknown = ["P04", "P07", "P08", "P09", "P10"]
    assert await people(api, orderBy={"field": "BIRTH_DATE"}) == born + unknown
    assert await people(api, orderBy={"field": "BIRTH_DATE", "direction": "DESC"}) == born[::-1] + unknown
    assert (await people(api, orderBy={"field": "STAGE_REACHED_ON"}))[0] == "P05"


async def test_paging_across_a_tie(api: GraphQLClient, world: RolledBackDatabase) -> None:
    # Three more 王芳: four people share the sort key "wang fang".
    for code in ("P11", "P12", "P13"):
        await world.execute(
            "CREATE (p:Person {id: $id, code: $code, name: '王芳', pinyin: 'wang fang'})"
            " WITH p MATCH (h:Household {code: 'C-T1-V1-H04'}) CREATE (p)-[:LIVES_IN]->(h)",
            id=rid(code),
            code=code,
        )
    everyone = await people(api, orderBy={"field": "NAME"})
    assert everyone[4:8] == ["P01", "P11", "P12", "P13"]
    seen: list[str] = []
    after = None
    while True:
        data = (await api.data(PEOPLE, orderBy={"field": "NAME"}, first=3, after=after))["people"]
        seen += [n["code"] for n in data["nodes"]]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert seen == everyone


async def test_a_cursor_of_another_order_is_bad_input(api: GraphQLClient) -> None:
    data = (await api.data(PEOPLE, orderBy={"field": "NAME"}, first=2))["people"]
    body = await api.query(
        PEOPLE, orderBy={"field": "BIRTH_DATE"}, first=2, after=data["pageInfo"]["endCursor"]
    )
    assert error_of(body) == ("BAD_USER_INPUT", "after")


async def test_people_filters_keep_to_the_scope(api_as: CallerClient) -> None:
    west = await api_as("C-T1-V2", Grant.VIEWER)
    assert await people(west, filter={"holds": {"roles": ["CHAIR"]}}) == ["P09"]
    assert await people(west, filter={"under": org_id("C-T1-V1")}) == []
    assert await people(west, orderBy={"field": "NAME"}) == ["P09"]


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ({"level": "VILLAGE", "kind": "FEDERATION"}, ["C-T1-V1", "C-T1-V2"]),
        ({"boardSizeMin": 4}, ["C-T1-V1"]),
        ({"boardSizeMin": 1, "boardSizeMax": 1}, ["C-T1", "C-T1-V2"]),
        ({"coverageBelow": 0.95}, ["C", "C-T1", "C-T1-V1"]),
        ({"coverageAbove": 0.95}, ["C-T1-V2"]),
        ({"hasUncoveredCareHouseholds": True}, ["C", "C-T1", "C-T1-V1"]),
        ({"chairAged45OrUnder": True}, ["C-T1-V1"]),
        ({"under": org_id("C-T1"), "level": "TOWNSHIP"}, ["C-T1"]),
        ({"level": "PROVINCE"}, []),
    ],
)
async def test_organization_filters(api: GraphQLClient, flt: dict[str, Any], expected: list[str]) -> None:
    assert await orgs(api, filter=flt) == expected


async def test_organizations_sorted_on_figures(api: GraphQLClient) -> None:
    federations = {"kind": "FEDERATION"}
    # V1 0.9; C and C-T1 11/12 (a tie, by code); V2 1.0; C-T2 has no households: last.
    ratio = await orgs(api, filter=federations, orderBy={"field": "COVERAGE_RATIO"})
    assert ratio == ["C-T1-V1", "C", "C-T1", "C-T1-V2", "C-T2"]
    ratio_desc = await orgs(api, filter=federations, orderBy={"field": "COVERAGE_RATIO", "direction": "DESC"})
    assert ratio_desc == ["C-T1-V2", "C", "C-T1", "C-T1-V1", "C-T2"]
    most = await orgs(api, filter=federations, orderBy={"field": "HOUSEHOLDS", "direction": "DESC"})
    assert most == ["C", "C-T1", "C-T1-V1", "C-T1-V2", "C-T2"]
    uncovered = await orgs(
        api, filter=federations, orderBy={"field": "UNCOVERED_HOUSEHOLDS", "direction": "DESC"}
    )
    assert uncovered[:3] == ["C", "C-T1", "C-T1-V1"]
    # Active position holders: C 9 (P01-P05, P09, P10 + none ended), C-T1 the same, V1 5.
    staffed = await orgs(api, filter=federations, orderBy={"field": "PEOPLE", "direction": "DESC"})
    assert staffed == ["C", "C-T1", "C-T1-V1", "C-T1-V2", "C-T2"]
    # Chairs 45 or under: V1 1/1; C and C-T1 1/3 (P01 of P01, P09, P10); V2 0/1; C-T2 none.
    young = await orgs(api, filter=federations, orderBy={"field": "YOUNG_CHAIR_SHARE", "direction": "DESC"})
    assert young == ["C-T1-V1", "C", "C-T1", "C-T1-V2", "C-T2"]
    by_name = await orgs(api, filter=federations, orderBy={"field": "NAME"})
    # 测试县 ce, 东村 dong, 二号镇 er, 西村 xi, 一号镇 yi
    assert by_name == ["C", "C-T1-V1", "C-T2", "C-T1-V2", "C-T1"]


async def test_organization_filter_errors_and_roles(api: GraphQLClient, api_as: CallerClient) -> None:
    body = await api.query(ORGS, filter={"boardSizeMin": 5, "boardSizeMax": 3})
    assert error_of(body) == ("BAD_USER_INPUT", "filter.boardSizeMin")
    body = await api.query(ORGS, filter={"coverageBelow": 1.5})
    assert error_of(body) == ("BAD_USER_INPUT", "filter.coverageBelow")
    body = await api.query(ORGS, filter={"coverageBelow": 0.5, "coverageAbove": 0.8})
    assert error_of(body) == ("BAD_USER_INPUT", "filter.coverageAbove")
    viewer = await api_as("C", Grant.VIEWER)
    body = await viewer.query(ORGS, filter={"hasUncoveredCareHouseholds": True})
    assert error_of(body)[0] == "FORBIDDEN"
    west = await api_as("C-T1-V2", Grant.VIEWER)
    assert await orgs(west, filter={"coverageAbove": 0.5}) == ["C-T1-V2"]
    assert await orgs(west, orderBy={"field": "HOUSEHOLDS"}) == ["C-T1-V2"]


async def test_household_filters(api: GraphQLClient) -> None:
    assert await households(api, filter={"coverage": "UNCOVERED"}) == ["C-T1-V1-H10"]
    assert await households(api, filter={"coverage": "MULTIPLY_COVERED"}) == ["C-T1-V1-H01"]
    once = await households(api, filter={"coverage": "COVERED_ONCE"})
    assert len(once) == 10 and "C-T1-V1-H01" not in once and "C-T1-V1-H10" not in once
    # Before the 2021 term only P06 covered H10.
    assert len(await households(api, filter={"coverage": "UNCOVERED", "asOf": "2020-01-01"})) == 11
    assert await households(api, filter={"tags": ["MODEL_FAMILY"]}) == ["C-T1-V1-H05"]
    assert await households(api, filter={"tags": ["LEFT_BEHIND_CHILD"], "coverage": "UNCOVERED"}) == [
        "C-T1-V1-H10"
    ]
    g4 = to_global_id("Grid", rid("C-T1-V2-G4"))
    assert await households(api, filter={"grid": g4}) == ["C-T1-V2-H11", "C-T1-V2-H12"]
    assert await households(api, filter={"village": org_id("C-T1-V2")}) == ["C-T1-V2-H11", "C-T1-V2-H12"]
    assert await households(api, filter={"grid": g4}, under=org_id("C-T1-V1")) == []
    nested = await api.data(
        '{ organization(code: "C-T1-V1") { households(filter: {coverage: UNCOVERED}) { nodes { code } } } }'
    )
    assert nested["organization"]["households"]["nodes"] == [{"code": "C-T1-V1-H10"}]


async def test_household_filters_keep_to_the_scope(api_as: CallerClient) -> None:
    west = await api_as("C-T1-V2", Grant.VIEWER)
    assert await households(west) == ["C-T1-V2-H11", "C-T1-V2-H12"]
    assert await households(west, filter={"grid": to_global_id("Grid", rid("C-T1-V1-G1"))}) == []
    assert await households(west, filter={"village": org_id("C-T1-V1")}) == []
    body = await west.query(HOUSEHOLDS, filter={"tags": ["HARDSHIP_WOMAN"]})
    assert error_of(body)[0] == "FORBIDDEN"
    assert await households(west, filter={"coverage": "UNCOVERED"}) == []


async def test_compiled_path_declines_the_new_arguments(world: RolledBackDatabase) -> None:
    """A nested view using `households(filter:)` is left to the standard executor,
    which answers it as it answers every read."""
    from schema.build import schema
    from tests.test_compiled import EVERYTHING, accepted, context

    query = (
        '{ organization(code: "C-T1") { children { nodes { code '
        "households(filter: {coverage: UNCOVERED}) { nodes { code } } } } } }"
    )
    assert not accepted(query, None, world)
    answer = await schema.execute(query, context_value=context(world, EVERYTHING))
    assert answer.errors is None
    villages = answer.data["organization"]["children"]["nodes"]  # type: ignore[index]
    assert [v["households"]["nodes"] for v in villages] == [[{"code": "C-T1-V1-H10"}], []]
