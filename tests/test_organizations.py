"""Organizations: lookups, the tree, positions, grids and households of a subtree."""

from __future__ import annotations

from schema.relay import to_global_id
from tests.conftest import GraphQLClient
from tests.graphs import rid

V1 = to_global_id("Organization", rid("C-T1-V1"))


async def test_lookup_by_code_and_by_global_id(api: GraphQLClient) -> None:
    by_code = await api.data('{ organization(code: "C-T1-V1") { id code name kind level } }')
    assert by_code["organization"] == {
        "id": V1, "code": "C-T1-V1", "name": "东村妇联", "kind": "FEDERATION", "level": "VILLAGE",
    }  # fmt: skip
    by_id = await api.data("query($id: ID!) { organization(id: $id) { code } }", id=V1)
    assert by_id["organization"] == {"code": "C-T1-V1"}


async def test_missing_organization_is_null(api: GraphQLClient) -> None:
    data = await api.data('{ organization(code: "NOPE") { code } }')
    assert data == {"organization": None}
    data = await api.data(
        "query($id: ID!) { organization(id: $id) { code } }", id=to_global_id("Organization", "x")
    )
    assert data == {"organization": None}


async def test_parent_ancestors_and_children(api: GraphQLClient) -> None:
    data = await api.data(
        '{ organization(code: "C-T1-V1") { parent { code } ancestors { code }'
        "  children { totalCount nodes { code kind } } } }"
    )
    org = data["organization"]
    assert org["parent"] == {"code": "C-T1"}
    assert [a["code"] for a in org["ancestors"]] == ["C-T1", "C"]
    assert org["children"] == {
        "totalCount": 2,
        "nodes": [
            {"code": "C-T1-V1-SC", "kind": "SISTERS_COUNCIL"},
            {"code": "C-T1-V1-VC", "kind": "VILLAGE_COMMITTEE"},
        ],
    }
    top = await api.data('{ organization(code: "C") { parent { code } ancestors { code } } }')
    assert top["organization"] == {"parent": None, "ancestors": []}


async def test_children_filters_and_descendants(api: GraphQLClient) -> None:
    data = await api.data(
        '{ organization(code: "C") {'
        "  villages: descendants(level: VILLAGE, kind: FEDERATION) { totalCount nodes { code } }"
        "  all: descendants { totalCount }"
        "  townships: children(level: TOWNSHIP) { nodes { code } } } }"
    )
    org = data["organization"]
    assert org["villages"] == {"totalCount": 2, "nodes": [{"code": "C-T1-V1"}, {"code": "C-T1-V2"}]}
    assert org["all"] == {"totalCount": 6}
    assert org["townships"] == {"nodes": [{"code": "C-T1"}, {"code": "C-T2"}]}


async def test_keyset_pagination_walks_every_item_once(api: GraphQLClient) -> None:
    query = """query($after: String) { organization(code: "C") {
      descendants(first: 4, after: $after) {
        totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { code } } } } }"""
    first = (await api.data(query))["organization"]["descendants"]
    assert [e["node"]["code"] for e in first["edges"]] == ["C-T1", "C-T1-V1", "C-T1-V1-SC", "C-T1-V1-VC"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["hasPreviousPage"] is False
    assert first["pageInfo"]["endCursor"] == first["edges"][-1]["cursor"]
    second = (await api.data(query, after=first["pageInfo"]["endCursor"]))["organization"]["descendants"]
    assert [e["node"]["code"] for e in second["edges"]] == ["C-T1-V2", "C-T2"]
    assert second["pageInfo"]["hasNextPage"] is False
    assert second["pageInfo"]["hasPreviousPage"] is True
    assert second["totalCount"] == 6


async def test_positions_active_today_chair_first(api: GraphQLClient) -> None:
    data = await api.data(
        '{ organization(code: "C-T1-V1") { positions { totalCount nodes {'
        "  role since until active person { code } organization { code } } } } }"
    )
    nodes = data["organization"]["positions"]["nodes"]
    assert data["organization"]["positions"]["totalCount"] == 4
    assert [(n["role"], n["person"]["code"]) for n in nodes] == [
        ("CHAIR", "P01"), ("VICE_CHAIR", "P02"), ("EXECUTIVE", "P03"), ("EXECUTIVE", "P04"),
    ]  # fmt: skip
    assert all(n["active"] and n["until"] is None and n["since"] == "2021-04-01" for n in nodes)
    assert {n["organization"]["code"] for n in nodes} == {"C-T1-V1"}


async def test_positions_on_a_past_date_history_and_the_term_boundary(api: GraphQLClient) -> None:
    query = """query($on: Date, $history: Boolean!, $role: Role) { organization(code: "C-T1-V1") {
      positions(activeOn: $on, history: $history, role: $role) { nodes { role active(on: $on) person { code } } } } }"""

    async def codes(**variables: object) -> list[tuple[str, str, bool]]:
        nodes = (await api.data(query, **variables))["organization"]["positions"]["nodes"]
        return [(n["person"]["code"], n["role"], n["active"]) for n in nodes]

    assert await codes(on="2020-01-01", history=False) == [
        ("P01", "EXECUTIVE", True),
        ("P06", "EXECUTIVE", True),
    ]
    # The term change day: the new board runs, the old terms have ended (until is exclusive).
    assert len(await codes(on="2021-04-01", history=False)) == 4
    assert await codes(on="2021-03-31", history=False, role="CHAIR") == []
    history = await codes(history=True)
    assert len(history) == 6
    assert ("P06", "EXECUTIVE", False) in history


async def test_grids_and_households_of_a_subtree(api: GraphQLClient) -> None:
    data = await api.data(
        '{ organization(code: "C-T1") {'
        "  grids { totalCount nodes { code } }"
        "  households(first: 3) { totalCount pageInfo { hasNextPage } nodes { code } }"
        "  leftBehind: households(tag: LEFT_BEHIND_CHILD) { totalCount nodes { code tags } } } }"
    )
    org = data["organization"]
    assert org["grids"]["totalCount"] == 4
    assert [g["code"] for g in org["grids"]["nodes"]] == [
        "C-T1-V1-G1",
        "C-T1-V1-G2",
        "C-T1-V1-G3",
        "C-T1-V2-G4",
    ]
    assert org["households"]["totalCount"] == 12
    assert [h["code"] for h in org["households"]["nodes"]] == ["C-T1-V1-H01", "C-T1-V1-H02", "C-T1-V1-H03"]
    assert org["households"]["pageInfo"]["hasNextPage"] is True
    assert org["leftBehind"] == {
        "totalCount": 2,
        "nodes": [
            {"code": "C-T1-V1-H02", "tags": ["LEFT_BEHIND_CHILD"]},
            {"code": "C-T1-V1-H10", "tags": ["LEFT_BEHIND_CHILD"]},
        ],
    }


async def test_search_organizations(api: GraphQLClient) -> None:
    under = to_global_id("Organization", rid("C-T1"))
    data = await api.data(
        "query($under: ID!) {"
        "  villages: organizations(level: VILLAGE, kind: FEDERATION) { totalCount nodes { code } }"
        '  named: organizations(nameContains: "东村") { nodes { code } }'
        "  subtree: organizations(under: $under) { totalCount } }",
        under=under,
    )
    assert data["villages"] == {"totalCount": 2, "nodes": [{"code": "C-T1-V1"}, {"code": "C-T1-V2"}]}
    assert [n["code"] for n in data["named"]["nodes"]] == ["C-T1-V1", "C-T1-V1-SC", "C-T1-V1-VC"]
    assert data["subtree"] == {"totalCount": 5}  # C-T1 itself, V1, its two councils, V2
