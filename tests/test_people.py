"""People: lookups, search, positions, household, links, milestones."""

from __future__ import annotations

from schema.relay import to_global_id
from tests.conftest import GraphQLClient
from tests.graphs import rid


async def test_person_fields(api: GraphQLClient) -> None:
    data = await api.data(
        '{ person(code: "P01") { id code name gender birthDate education politicalStatus phone'
        '  age ageThen: age(asOf: "2020-05-19") household { code } } }'
    )
    assert data["person"] == {
        "id": to_global_id("Person", rid("P01")),
        "code": "P01",
        "name": "王芳",
        "gender": "FEMALE",
        "birthDate": "1980-05-20",
        "education": "JUNIOR_COLLEGE",
        "politicalStatus": "PARTY_MEMBER",
        "phone": "13800000001",
        "age": 44,  # today is 2024-06-01
        "ageThen": 39,  # the day before her 40th birthday
        "household": {"code": "C-T1-V1-H03"},
    }
    unknown = await api.data('{ person(code: "P04") { birthDate age household { code } } }')
    assert unknown["person"] == {"birthDate": None, "age": None, "household": None}


async def test_positions_of_a_person_hold_several_roles_at_once(api: GraphQLClient) -> None:
    data = await api.data(
        '{ person(code: "P01") { now: positions { role organization { code } }'
        "  all: positions(history: true) { role since until active } } }"
    )
    now = {(p["role"], p["organization"]["code"]) for p in data["person"]["now"]}
    assert now == {("CHAIR", "C-T1-V1"), ("COUNCIL_HEAD", "C-T1-V1-SC"), ("COMMITTEE_MEMBER", "C-T1-V1-VC")}
    ended = [p for p in data["person"]["all"] if not p["active"]]
    assert ended == [{"role": "EXECUTIVE", "since": "2016-04-01", "until": "2021-04-01", "active": False}]


async def test_guidance_and_mentoring_links(api: GraphQLClient) -> None:
    data = await api.data(
        '{ chair: person(code: "P01") { guides { person { code } since } mentors { person { code } }'
        "    mentees { person { code } since } }"
        '  exec: person(code: "P03") { guidedBy { person { code } } mentors { person { code } } } }'
    )
    chair = data["chair"]
    assert [g["person"]["code"] for g in chair["guides"]] == ["P03", "P04"]
    assert chair["guides"][0]["since"] == "2021-04-01"
    assert chair["mentors"] == [{"person": {"code": "P06"}}]
    assert chair["mentees"] == [{"person": {"code": "P03"}, "since": "2021-05-01"}]
    assert data["exec"] == {
        "guidedBy": [{"person": {"code": "P01"}}],
        "mentors": [{"person": {"code": "P01"}}],
    }
    before = await api.data('{ person(code: "P03") { mentees(asOf: "2021-12-31") { person { code } } } }')
    assert before["person"]["mentees"] == []


async def test_milestones_and_current_stage(api: GraphQLClient) -> None:
    data = await api.data('{ person(code: "P05") { milestones { stage on } currentStage } }')
    assert data["person"] == {
        "milestones": [
            {"stage": "VILLAGE_SISTER", "on": "2021-04-01"},
            {"stage": "PARTY_ACTIVIST", "on": "2022-03-01"},
        ],
        "currentStage": "PARTY_ACTIVIST",
    }
    none = await api.data('{ person(code: "P02") { milestones { stage } currentStage } }')
    assert none["person"] == {"milestones": [], "currentStage": None}


async def test_people_search(api: GraphQLClient) -> None:
    v1 = to_global_id("Organization", rid("C-T1-V1"))
    t1 = to_global_id("Organization", rid("C-T1"))
    data = await api.data(
        "query($v1: ID!, $t1: ID!) {"
        "  all: people { totalCount }"
        "  execs: people(role: EXECUTIVE) { totalCount nodes { code } }"
        '  oldExecs: people(role: EXECUTIVE, activeOn: "2019-01-01") { nodes { code } }'
        "  inV1: people(under: $v1) { totalCount nodes { code } }"
        "  chairsInT1: people(under: $t1, role: CHAIR) { nodes { code } }"
        '  named: people(nameContains: "王") { nodes { name } } }',
        v1=v1,
        t1=t1,
    )
    assert data["all"] == {"totalCount": 10}
    assert data["execs"] == {"totalCount": 2, "nodes": [{"code": "P03"}, {"code": "P04"}]}
    assert data["oldExecs"] == {"nodes": [{"code": "P01"}, {"code": "P06"}]}
    # Holding a position in V1's subtree (P01-P06) or living in it (P07, P08).
    assert data["inV1"]["totalCount"] == 8
    assert [n["code"] for n in data["inV1"]["nodes"]] == [
        "P01",
        "P02",
        "P03",
        "P04",
        "P05",
        "P06",
        "P07",
        "P08",
    ]
    assert data["chairsInT1"] == {"nodes": [{"code": "P01"}, {"code": "P09"}, {"code": "P10"}]}
    assert data["named"] == {"nodes": [{"name": "王芳"}]}


async def test_people_pages(api: GraphQLClient) -> None:
    query = "query($after: String) { people(first: 4, after: $after) { pageInfo { hasNextPage endCursor } nodes { code } } }"
    seen: list[str] = []
    after = None
    for _ in range(5):
        page = (await api.data(query, after=after))["people"]
        seen += [n["code"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [f"P{n:02d}" for n in range(1, 11)]
