"""Grassroots work: visits, commitments (with their completion rate) and meetings,
written by mutations and read back through Person and Organization."""

from __future__ import annotations

from schema.relay import to_global_id
from tests.conftest import GraphQLClient
from tests.writes import gid, refused

VISIT = """mutation($p: ID!, $h: ID!, $on: Date!, $purpose: String!, $note: String) {
  recordVisit(visitorId: $p, householdId: $h, on: $on, purpose: $purpose, note: $note) {
    visit { on purpose note visitor { code } household { code } } } }"""
COMMIT = """mutation($p: ID!, $year: Int!, $text: String!) {
  makeCommitment(personId: $p, year: $year, text: $text) { commitment { id year text status completedOn person { code } } } }"""
COMPLETE = """mutation($id: ID!, $on: Date!) {
  completeCommitment(id: $id, on: $on) { commitment { year status completedOn } } }"""
MEETING = """mutation($org: ID!, $on: Date!, $topic: String!, $form: MeetingForm!, $people: [ID!]!, $place: String) {
  recordMeeting(organizationId: $org, on: $on, topic: $topic, form: $form, attendeeIds: $people, place: $place) {
    meeting { on topic form place organization { code } attendees { code } } } }"""


async def test_visits_newest_first_in_pages(api: GraphQLClient) -> None:
    for household, on, purpose in [("C-T1-V1-H02", "2024-03-01", "留守儿童关爱"), ("C-T1-V1-H10", "2024-05-01", "访三情"),
                                   ("C-T1-V1-H01", "2024-03-01", "四必访：生病住院")]:  # fmt: skip
        data = await api.data(
            VISIT, p=gid("Person", "P05"), h=gid("Household", household), on=on, purpose=purpose
        )
    assert data["recordVisit"]["visit"] == {
        "on": "2024-03-01", "purpose": "四必访：生病住院", "note": None, "visitor": {"code": "P05"},
        "household": {"code": "C-T1-V1-H01"},
    }  # fmt: skip
    query = """query($after: String) { person(code: "P05") { visits(first: 2, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } nodes { on household { code } } } } }"""
    first = (await api.data(query))["person"]["visits"]
    assert first["totalCount"] == 3 and first["pageInfo"]["hasNextPage"]
    assert [(v["on"], v["household"]["code"]) for v in first["nodes"]] == [
        ("2024-05-01", "C-T1-V1-H10"), ("2024-03-01", "C-T1-V1-H02"),
    ]  # fmt: skip
    rest = (await api.data(query, after=first["pageInfo"]["endCursor"]))["person"]["visits"]
    assert [(v["on"], v["household"]["code"]) for v in rest["nodes"]] == [("2024-03-01", "C-T1-V1-H01")]
    assert not rest["pageInfo"]["hasNextPage"]
    error = await refused(api, VISIT, "BAD_USER_INPUT", p=gid("Person", "P05"), h=gid("Household", "C-T1-V1-H01"),
                          on="2024-03-01", purpose=" ")  # fmt: skip
    assert error["extensions"]["argument"] == "purpose"
    error = await refused(api, VISIT, "NOT_FOUND", p=gid("Person", "P05"), h=to_global_id("Household", "x"),
                          on="2024-03-01", purpose="访")  # fmt: skip
    assert error["message"] == "householdId: no household has that id"


async def test_commitments_and_their_completion_rate(api: GraphQLClient) -> None:
    made = {}
    for year, text in [(2023, "带头调解邻里纠纷"), (2024, "每月走访留守老人")]:
        data = await api.data(COMMIT, p=gid("Person", "P03"), year=year, text=text)
        made[year] = data["makeCommitment"]["commitment"]
    assert {k: v for k, v in made[2024].items() if k != "id"} == {
        "year": 2024, "text": "每月走访留守老人", "status": "OPEN", "completedOn": None, "person": {"code": "P03"},
    }  # fmt: skip
    done = await api.data(COMPLETE, id=made[2023]["id"], on="2023-12-20")
    assert done["completeCommitment"]["commitment"] == {
        "year": 2023,
        "status": "DONE",
        "completedOn": "2023-12-20",
    }
    read = await api.data('{ person(code: "P03") { commitments { year status } all: commitmentCompletionRate'
                          ' y2023: commitmentCompletionRate(year: 2023) y2024: commitmentCompletionRate(year: 2024)'
                          ' y2022: commitmentCompletionRate(year: 2022) only: commitments(year: 2024) { text } } }')  # fmt: skip
    assert read["person"] == {
        "commitments": [{"year": 2024, "status": "OPEN"}, {"year": 2023, "status": "DONE"}],
        "all": 0.5, "y2023": 1.0, "y2024": 0.0, "y2022": None, "only": [{"text": "每月走访留守老人"}],
    }  # fmt: skip
    error = await refused(api, COMMIT, "CONFLICT", p=gid("Person", "P03"), year=2024, text="另一句")
    assert error["message"] == "a commitment for 2024 was already made: 每月走访留守老人"
    error = await refused(api, COMPLETE, "CONFLICT", id=made[2023]["id"], on="2024-01-05")
    assert error["message"] == "the commitment was already completed on 2023-12-20"
    error = await refused(api, COMPLETE, "CONFLICT", id=made[2024]["id"], on="2023-12-31")
    assert error["message"] == "on (2023-12-31) is before the commitment's year 2024 began"
    error = await refused(api, COMMIT, "BAD_USER_INPUT", p=gid("Person", "P03"), year=1024, text="x")
    assert error["extensions"]["argument"] == "year"
    error = await refused(api, COMPLETE, "NOT_FOUND", id=to_global_id("Commitment", "x"), on="2024-01-05")
    assert error["message"] == "id: no commitment has that id"


async def test_meetings_of_an_organization(api: GraphQLClient) -> None:
    council = gid("Organization", "C-T1-V1-SC")
    people = [gid("Person", c) for c in ("P05", "P01", "P03")]
    for on, topic, form in [
        ("2024-04-10", "村道修缮议事", "DELIBERATION"),
        ("2024-05-20", "邻里纠纷调解", "MEDIATION"),
    ]:
        data = await api.data(
            MEETING, org=council, on=on, topic=topic, form=form, people=people, place="村文化礼堂"
        )
    assert data["recordMeeting"]["meeting"] == {
        "on": "2024-05-20", "topic": "邻里纠纷调解", "form": "MEDIATION", "place": "村文化礼堂",
        "organization": {"code": "C-T1-V1-SC"}, "attendees": [{"code": "P01"}, {"code": "P03"}, {"code": "P05"}],
    }  # fmt: skip
    read = await api.data(
        '{ organization(code: "C-T1-V1-SC") { meetings { totalCount nodes { on topic } } } }'
    )
    assert read["organization"]["meetings"] == {
        "totalCount": 2, "nodes": [{"on": "2024-05-20", "topic": "邻里纠纷调解"}, {"on": "2024-04-10", "topic": "村道修缮议事"}],
    }  # fmt: skip
    error = await refused(api, MEETING, "BAD_USER_INPUT", org=council, on="2024-06-01", topic="议", form="DIALOGUE",
                          people=[people[0], people[1], people[0]])  # fmt: skip
    assert error["extensions"]["argument"] == "attendeeIds[2]"
    error = await refused(
        api, MEETING, "BAD_USER_INPUT", org=council, on="2024-06-01", topic="议", form="DIALOGUE", people=[]
    )
    assert error["extensions"]["argument"] == "attendeeIds"
    error = await refused(api, MEETING, "NOT_FOUND", org=council, on="2024-06-01", topic="议", form="DIALOGUE",
                          people=[people[0], to_global_id("Person", "x")])  # fmt: skip
    assert error["message"] == "attendeeIds[1]: no person has that id"
