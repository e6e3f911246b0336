"""`search`: Chinese (one character too), pinyin (full, spaced, initials,
prefix), codes, types, `under`, paging, scope and masking, on the village world."""

from __future__ import annotations

from typing import Any

from graph.access import Grant
from graph.pinyin import pinyin_keys, pinyin_properties, pinyin_sort_key
from graph.search import lucene_query
from schema.relay import to_global_id
from tests.conftest import CallerClient, GraphQLClient
from tests.graphs import rid
from tests.helpers import RolledBackDatabase

SEARCH = """
query($text: String!, $under: ID, $types: [SearchType!], $first: Int, $after: String) {
  search(text: $text, under: $under, types: $types, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      __typename
      ... on Person { code name }
      ... on Organization { code name }
      ... on Household { code address }
      ... on Grid { code name }
    }
  }
}
"""


async def _codes(api: GraphQLClient, text: str, **variables: Any) -> list[str]:
    data = await api.data(SEARCH, text=text, **variables)
    return [n["code"] for n in data["search"]["nodes"]]


def test_pinyin_of_names() -> None:
    assert pinyin_sort_key("王芳") == "wang fang"
    assert pinyin_keys("王芳") == "wangfang wf wang fang 王 芳"
    # Syllable by syllable: 李娜 (li na) sorts before 梁 (liang).
    assert pinyin_sort_key("李娜") < pinyin_sort_key("梁红")


def test_lucene_query_escapes_and_splits() -> None:
    assert lucene_query("王") == "(王* OR pinyinKeys:王)"
    assert lucene_query("王芳") == '"王芳"'
    assert lucene_query("wang fang") == '"wang fang" OR wangfang*'
    assert lucene_query('a"b\\') == '"a\\"b\\\\" OR ab*'


async def test_chinese_name_ranks_the_person_first(api: GraphQLClient) -> None:
    assert (await _codes(api, "王芳"))[0] == "P01"
    assert await _codes(api, "李娜") == ["P02"]


async def test_one_character_finds_every_name_holding_it(
    api: GraphQLClient, world: RolledBackDatabase
) -> None:
    await world.execute(
        "CREATE (p:Person {id: 'id-P20', code: 'P20', name: '欧阳王'}) SET p += $pinyin",
        pinyin=pinyin_properties("欧阳王"),
    )
    await world.execute(
        "MATCH (p:Person {code: 'P20'}), (h:Household {code: 'C-T1-V1-H04'}) CREATE (p)-[:LIVES_IN]->(h)"
    )
    assert sorted(await _codes(api, "王")) == ["P01", "P20"]  # first and last character
    assert sorted(await _codes(api, "阳")) == ["P20"]  # middle character


async def test_pinyin_full_spaced_initials_and_prefix(api: GraphQLClient) -> None:
    for text in ("wangfang", "wang fang", "WangFang", "wf", "wangf"):
        assert (await _codes(api, text, types=["PERSON"]))[0] == "P01", text
    assert await _codes(api, "lina", types=["PERSON"]) == ["P02"]


async def test_codes_types_and_under(api: GraphQLClient) -> None:
    assert await _codes(api, "P03") == ["P03"]
    assert (await _codes(api, "C-T1-V2", types=["ORGANIZATION"]))[0] == "C-T1-V2"
    assert sorted(await _codes(api, "东村", types=["ORGANIZATION"])) == [
        "C-T1-V1",
        "C-T1-V1-SC",
        "C-T1-V1-VC",
    ]
    assert sorted(await _codes(api, "东村", types=["GRID"])) == ["C-T1-V1-G1", "C-T1-V1-G2", "C-T1-V1-G3"]
    v2 = to_global_id("Organization", rid("C-T1-V2"))
    assert await _codes(api, "东村", under=v2) == []
    assert await _codes(api, "郑红", under=v2) == ["P09"]


async def test_paging_through_hits(api: GraphQLClient) -> None:
    every = await _codes(api, "东村", first=100)
    assert len(every) == 6
    seen: list[str] = []
    after = None
    while True:
        data = (await api.data(SEARCH, text="东村", first=4, after=after))["search"]
        assert data["totalCount"] == 6
        seen += [n["code"] for n in data["nodes"]]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert seen == every


async def test_empty_and_long_text_are_bad_input(api: GraphQLClient) -> None:
    for text in ("   ", "王" * 51):
        body = await api.query(SEARCH, text=text)
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = await api.query(SEARCH, text="王", after="bm90IGEgY3Vyc29y")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_outside_the_scope_answers_as_nothing(api_as: CallerClient) -> None:
    west = await api_as("C-T1-V2", Grant.VIEWER)
    outside = await west.query(SEARCH, text="王芳")  # P01 lives and serves in 东村
    nothing = await west.query(SEARCH, text="不存在的人")
    assert outside == nothing
    assert outside["data"]["search"]["totalCount"] == 0
    assert await _codes(west, "郑红") == ["P09"]
    east = await api_as("C-T1-V1", Grant.VIEWER)
    assert (await _codes(east, "王芳"))[0] == "P01"
    v2 = to_global_id("Organization", rid("C-T1-V2"))
    assert await east.query(SEARCH, text="郑红", under=v2) == await east.query(
        SEARCH, text="不存在", under=v2
    )


async def test_masked_address_is_not_searchable(api_as: CallerClient, world: RolledBackDatabase) -> None:
    await world.execute("MATCH (h:Household {code: 'C-T1-V1-H03'}) SET h.address = '一号镇东村3组12号'")
    viewer = await api_as("C", Grant.VIEWER)
    editor = await api_as("C", Grant.EDITOR)
    assert await _codes(editor, "12号") == ["C-T1-V1-H03"]
    assert await viewer.query(SEARCH, text="12号") == await viewer.query(SEARCH, text="不存在")
    found = (await viewer.data(SEARCH, text="3组"))["search"]["nodes"]
    assert found == [{"__typename": "Household", "code": "C-T1-V1-H03", "address": "一号镇东村3组***"}]
    assert await _codes(viewer, "C-T1-V1-H03") == ["C-T1-V1-H03"]


async def test_written_names_get_pinyin(api: GraphQLClient) -> None:
    created = await api.data(
        'mutation($h: ID!) { createPerson(input: {code: "P30", name: "欧阳娜", householdId: $h})'
        " { person { code } } }",
        h=to_global_id("Household", rid("C-T1-V1-H04")),
    )
    assert created["createPerson"]["person"]["code"] == "P30"
    assert await _codes(api, "oyn") == ["P30"]
    assert await _codes(api, "ouyangna") == ["P30"]
