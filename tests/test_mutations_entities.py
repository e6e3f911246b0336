"""Creating and changing organizations, grids, households and people."""

from __future__ import annotations

import pytest

from schema.relay import to_global_id
from tests.conftest import GraphQLClient
from tests.writes import gid, refused

CREATE_ORG = """mutation($input: OrganizationInput!) {
  createOrganization(input: $input) { organization { id code name kind level parent { code } } } }"""
UPDATE_ORG = """mutation($id: ID!, $input: OrganizationPatch!) {
  updateOrganization(id: $id, input: $input) { organization { code name kind level parent { code } } } }"""
CREATE_GRID = """mutation($input: GridInput!) {
  createGrid(input: $input) { grid { code name organization { code } } } }"""
CREATE_HOUSEHOLD = """mutation($input: HouseholdInput!) {
  createHousehold(input: $input) { household { code address tags grid { code } } } }"""
UPDATE_HOUSEHOLD = """mutation($id: ID!, $input: HouseholdPatch!) {
  updateHousehold(id: $id, input: $input) { household { code address tags } } }"""
MOVE = """mutation($h: ID!, $g: ID!) {
  moveHousehold(householdId: $h, gridId: $g) { household { code grid { code } coveredBy { person { code } } } } }"""
CREATE_PERSON = """mutation($input: PersonInput!) {
  createPerson(input: $input) { person { code name gender birthDate education politicalStatus phone
    household { code } } } }"""
UPDATE_PERSON = """mutation($id: ID!, $input: PersonPatch!) {
  updatePerson(id: $id, input: $input) { person { code name gender birthDate phone education } } }"""
RESIDENCE = """mutation($p: ID!, $h: ID!) {
  setResidence(personId: $p, householdId: $h) { person { code household { code } } household { code members { code } } } }"""


def org(code: str, name: str, kind: str, level: str, parent: str | None) -> dict[str, object]:
    return {"code": code, "name": name, "kind": kind, "level": level,
            "parentId": gid("Organization", parent) if parent else None}  # fmt: skip


async def test_create_organizations_in_their_place(api: GraphQLClient) -> None:
    village = await api.data(CREATE_ORG, input=org("C-T2-V1", " 南村妇联 ", "FEDERATION", "VILLAGE", "C-T2"))
    assert village["createOrganization"]["organization"].pop("id")
    assert village["createOrganization"]["organization"] == {
        "code": "C-T2-V1", "name": "南村妇联", "kind": "FEDERATION", "level": "VILLAGE", "parent": {"code": "C-T2"},
    }  # fmt: skip
    village_id = (await api.data('{ organization(code: "C-T2-V1") { id } }'))["organization"]["id"]
    council = await api.data(
        CREATE_ORG,
        input={
            **org("C-T2-V1-DC", "南村议事会", "DELIBERATION_COUNCIL", "VILLAGE", None),
            "parentId": village_id,
        },
    )
    assert council["createOrganization"]["organization"]["parent"] == {"code": "C-T2-V1"}
    unit = await api.data(CREATE_ORG, input=org("C-U1", "县医院妇委会", "WOMENS_COMMITTEE", "UNIT", "C"))
    assert unit["createOrganization"]["organization"]["level"] == "UNIT"
    root = await api.data(CREATE_ORG, input=org("K", "另一县妇联", "FEDERATION", "COUNTY", None))
    assert root["createOrganization"]["organization"]["parent"] is None
    children = await api.data('{ organization(code: "C-T2") { children { nodes { code } } } }')
    assert children["organization"]["children"]["nodes"] == [{"code": "C-T2-V1"}]


@pytest.mark.parametrize(
    ("input", "code", "message"),
    [
        (org("C-V9", "跳级村", "FEDERATION", "VILLAGE", "C"), "CONFLICT",
         "input.parentId: a VILLAGE federation sits one level below its parent, so under a TOWNSHIP "
         "federation, not a COUNTY one"),
        (org("C-T1-V1-X", "理事会", "SISTERS_COUNCIL", "TOWNSHIP", "C-T1-V1"), "CONFLICT",
         "input.parentId: a SISTERS_COUNCIL has its federation's level (VILLAGE), not TOWNSHIP"),
        (org("C-T1-V1-Y", "队", "VOLUNTEER_TEAM", "VILLAGE", "C-T1-V1-SC"), "CONFLICT",
         "input.parentId: a VOLUNTEER_TEAM sits under a federation, not under a SISTERS_COUNCIL"),
        (org("C-X", "无主理事会", "SISTERS_COUNCIL", "COUNTY", None), "CONFLICT",
         "input.parentId: a SISTERS_COUNCIL sits under a federation: give its parent"),
        (org("C-T1", "重复", "FEDERATION", "TOWNSHIP", "C"), "CONFLICT",
         "input.code: the code C-T1 is not available"),
        (org("bad code", "坏", "FEDERATION", "TOWNSHIP", "C"), "BAD_USER_INPUT",
         "input.code: 'bad code' is not a valid code: use 1-64 letters, digits, '.', '_' or '-'"),
        (org("C-T3", "  ", "FEDERATION", "TOWNSHIP", "C"), "BAD_USER_INPUT", "input.name must not be empty"),
        ({**org("C-T3", "三号镇", "FEDERATION", "TOWNSHIP", None), "parentId": to_global_id("Organization", "x")},
         "NOT_FOUND", "input.parentId: no organization has that id"),
    ],
    ids=["skips-a-level", "council-level", "under-a-council", "council-root", "duplicate", "bad-code", "blank",
         "unknown-parent"],
)  # fmt: skip
async def test_create_organization_rules(
    api: GraphQLClient, input: dict[str, object], code: str, message: str
) -> None:
    error = await refused(api, CREATE_ORG, code, input=input)
    assert error["message"] == message
    if code == "BAD_USER_INPUT":
        assert error["extensions"]["argument"] in {"input.code", "input.name"}


async def test_update_organization_moves_and_renames(api: GraphQLClient) -> None:
    data = await api.data(
        UPDATE_ORG,
        id=gid("Organization", "C-T1-V2"),
        input={"name": "新西村妇联", "parentId": gid("Organization", "C-T2")},
    )
    assert data["updateOrganization"]["organization"] == {
        "code": "C-T1-V2", "name": "新西村妇联", "kind": "FEDERATION", "level": "VILLAGE", "parent": {"code": "C-T2"},
    }  # fmt: skip
    tree = await api.data('{ a: organization(code: "C-T1") { children { nodes { code } } }'
                          '  b: organization(code: "C-T2") { children { nodes { code } } } }')  # fmt: skip
    assert tree["a"]["children"]["nodes"] == [{"code": "C-T1-V1"}]
    assert tree["b"]["children"]["nodes"] == [{"code": "C-T1-V2"}]


async def test_update_organization_checks_parent_children_and_grids(api: GraphQLClient) -> None:
    error = await refused(
        api, UPDATE_ORG, "CONFLICT", id=gid("Organization", "C-T1-V1"), input={"level": "TOWNSHIP"}
    )
    assert error["message"] == (
        "C-T1-V1: a TOWNSHIP federation sits one level below its parent, so under a COUNTY federation, "
        "not a TOWNSHIP one"
    )
    error = await refused(
        api, UPDATE_ORG, "CONFLICT", id=gid("Organization", "C-T1"), input={"level": "CITY", "parentId": None}
    )
    assert error["message"].startswith("C-T1: a CITY federation sits one level below its parent")
    error = await refused(api, UPDATE_ORG, "CONFLICT", id=gid("Organization", "C"), input={"level": "CITY"})
    assert error["message"] == (
        "C would no longer fit its child C-T1: a TOWNSHIP federation sits one level below its parent, "
        "so under a COUNTY federation, not a CITY one"
    )
    error = await refused(
        api, UPDATE_ORG, "CONFLICT", id=gid("Organization", "C-T1-V2"),
        input={"level": "TOWNSHIP", "parentId": gid("Organization", "C")},
    )  # fmt: skip
    assert (
        error["message"]
        == "C-T1-V2 has grids, and grids belong to village federations, not to a TOWNSHIP FEDERATION"
    )
    error = await refused(
        api, UPDATE_ORG, "NOT_FOUND", id=to_global_id("Organization", "x"), input={"name": "x"}
    )
    assert error["message"] == "id: no organization has that id"


async def test_grids_belong_to_village_federations(api: GraphQLClient) -> None:
    data = await api.data(
        CREATE_GRID,
        input={"code": "C-T1-V2-G5", "name": "西村G5网格", "organizationId": gid("Organization", "C-T1-V2")},
    )
    assert data["createGrid"]["grid"] == {
        "code": "C-T1-V2-G5",
        "name": "西村G5网格",
        "organization": {"code": "C-T1-V2"},
    }
    error = await refused(
        api,
        CREATE_GRID,
        "CONFLICT",
        input={"code": "C-T1-G1", "name": "镇网格", "organizationId": gid("Organization", "C-T1")},
    )
    assert (
        error["message"]
        == "input.organizationId: grids belong to village federations, not to a TOWNSHIP FEDERATION"
    )
    error = await refused(
        api,
        CREATE_GRID,
        "CONFLICT",
        input={"code": "C-T1-V1-G1", "name": "重复", "organizationId": gid("Organization", "C-T1-V1")},
    )
    assert error["message"] == "input.code: the code C-T1-V1-G1 is not available"


async def test_households_created_retagged_and_moved(api: GraphQLClient) -> None:
    created = await api.data(CREATE_HOUSEHOLD, input={
        "code": "C-T1-V2-H13", "gridId": gid("Grid", "C-T1-V2-G4"), "address": "西村13号",
        "tags": ["LOW_INCOME", "LEFT_BEHIND_CHILD", "LOW_INCOME"]})  # fmt: skip
    assert created["createHousehold"]["household"] == {
        "code": "C-T1-V2-H13", "address": "西村13号", "tags": ["LEFT_BEHIND_CHILD", "LOW_INCOME"],
        "grid": {"code": "C-T1-V2-G4"},
    }  # fmt: skip
    retagged = await api.data(
        UPDATE_HOUSEHOLD, id=gid("Household", "C-T1-V1-H02"), input={"tags": ["MODEL_FAMILY"]}
    )
    assert retagged["updateHousehold"]["household"] == {
        "code": "C-T1-V1-H02",
        "address": "C-T1-V1-H02",
        "tags": ["MODEL_FAMILY"],
    }
    cleared = await api.data(UPDATE_HOUSEHOLD, id=gid("Household", "C-T1-V1-H02"), input={"address": None})
    assert cleared["updateHousehold"]["household"]["address"] is None
    assert cleared["updateHousehold"]["household"]["tags"] == ["MODEL_FAMILY"]
    moved = await api.data(MOVE, h=gid("Household", "C-T1-V1-H02"), g=gid("Grid", "C-T1-V1-G2"))
    assert moved["moveHousehold"]["household"] == {
        "code": "C-T1-V1-H02", "grid": {"code": "C-T1-V1-G2"}, "coveredBy": [{"person": {"code": "P04"}}],
    }  # fmt: skip
    error = await refused(
        api, MOVE, "CONFLICT", h=gid("Household", "C-T1-V1-H02"), g=gid("Grid", "C-T1-V1-G2")
    )
    assert error["message"] == "gridId: the household is already in that grid"
    error = await refused(
        api, MOVE, "NOT_FOUND", h=gid("Household", "C-T1-V1-H02"), g=to_global_id("Grid", "x")
    )
    assert error["message"] == "gridId: no grid has that id"
    error = await refused(
        api,
        CREATE_HOUSEHOLD,
        "BAD_USER_INPUT",
        input={"code": "H99", "gridId": gid("Household", "C-T1-V1-H02")},
    )
    assert error["extensions"]["argument"] == "input.gridId"


async def test_people_created_changed_and_rehoused(api: GraphQLClient) -> None:
    created = await api.data(CREATE_PERSON, input={
        "code": "P11", "name": "钱芳", "gender": "FEMALE", "birthDate": "1992-02-29", "education": "BACHELOR",
        "politicalStatus": "LEAGUE_MEMBER", "phone": "+86 138-0000-0011", "householdId": gid("Household", "C-T1-V1-H04")})  # fmt: skip
    assert created["createPerson"]["person"] == {
        "code": "P11", "name": "钱芳", "gender": "FEMALE", "birthDate": "1992-02-29", "education": "BACHELOR",
        "politicalStatus": "LEAGUE_MEMBER", "phone": "+86 138-0000-0011", "household": {"code": "C-T1-V1-H04"},
    }  # fmt: skip
    updated = await api.data(UPDATE_PERSON, id=gid("Person", "P01"), input={"phone": None, "name": "王芳芳"})
    assert updated["updatePerson"]["person"] == {
        "code": "P01", "name": "王芳芳", "gender": "FEMALE", "birthDate": "1980-05-20", "phone": None,
        "education": "JUNIOR_COLLEGE",
    }  # fmt: skip
    moved = await api.data(RESIDENCE, p=gid("Person", "P07"), h=gid("Household", "C-T1-V1-H05"))
    assert moved["setResidence"] == {
        "person": {"code": "P07", "household": {"code": "C-T1-V1-H05"}},
        "household": {"code": "C-T1-V1-H05", "members": [{"code": "P07"}]},
    }
    old_home = await api.data('{ household(code: "C-T1-V1-H01") { members { code } } }')
    assert old_home["household"]["members"] == [{"code": "P08"}]


@pytest.mark.parametrize(
    ("query", "variables", "code", "argument_or_message"),
    [
        (UPDATE_PERSON, {"id": gid("Person", "P01"), "input": {"name": None}}, "BAD_USER_INPUT", "input.name"),
        (UPDATE_PERSON, {"id": gid("Person", "P01"), "input": {"phone": "1.38E+10"}}, "BAD_USER_INPUT", "input.phone"),
        (CREATE_PERSON, {"input": {"code": "P01", "name": "重名"}}, "CONFLICT",
         "input.code: the code P01 is not available"),
        (CREATE_PERSON, {"input": {"code": "P12", "name": "无家", "householdId": to_global_id("Household", "x")}},
         "NOT_FOUND", "input.householdId: no household has that id"),
        (RESIDENCE, {"p": to_global_id("Person", "x"), "h": gid("Household", "C-T1-V1-H05")}, "NOT_FOUND",
         "personId: no person has that id"),
    ],
    ids=["clear-name", "spreadsheet-phone", "duplicate", "unknown-household", "unknown-person"],
)  # fmt: skip
async def test_people_rules(
    api: GraphQLClient, query: str, variables: dict[str, object], code: str, argument_or_message: str
) -> None:
    error = await refused(api, query, code, **variables)
    if code == "BAD_USER_INPUT":
        assert error["extensions"]["argument"] == argument_or_message
    else:
        assert error["message"] == argument_or_message
