"""Terms of office: appoint, endPosition and the term change (换届), its rules and
its atomicity."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from graph.driver import Database
from graph.errors import Conflict
from graph.model import Role
from graph.writes import terms
from schema.relay import to_global_id
from service.app import create_app
from service.settings import Settings
from tests.conftest import GraphQLClient
from tests.graphs import NEW_TERM, TODAY, GraphBuilder, rid
from tests.helpers import RolledBackDatabase
from tests.writes import gid, refused

APPOINT = """mutation($person: ID!, $org: ID!, $role: Role!, $since: Date!) {
  appoint(personId: $person, organizationId: $org, role: $role, since: $since) {
    position { role since until active person { code positions { role organization { code } } } }
  } }"""
END = """mutation($id: ID!, $until: Date!) {
  endPosition(positionId: $id, until: $until) { position { role since until active person { code } } } }"""
TERM_CHANGE = """mutation($org: ID!, $on: Date!, $slate: [SlateSeat!]!) {
  holdTermChange(organizationId: $org, on: $on, slate: $slate) {
    organization { code }
    ended { role since until person { code } }
    started { role since until active person { code } }
  } }"""
BOARD = """{ organization(code: "C-T1-V1") {
  now: positions { nodes { role since person { code } } }
  all: positions(history: true, first: 50) { totalCount } } }"""

NEW_BOARD = [("P02", "CHAIR"), ("P01", "VICE_CHAIR"), ("P03", "EXECUTIVE"), ("P04", "EXECUTIVE"),
             ("P05", "EXECUTIVE"), ("P07", "EXECUTIVE"), ("P08", "EXECUTIVE")]  # fmt: skip
V1 = gid("Organization", "C-T1-V1")


def slate(seats: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"personId": gid("Person", code), "role": role} for code, role in seats]


def position(person: str, org: str, role: str, since: dt.date) -> str:
    """The global id of a term of tests/graphs.py."""
    return to_global_id("Position", f"pos-{person}-{org}-{role}-{since}")


# --- appoint and endPosition ---------------------------------------------------------


async def test_appoint_starts_a_term_that_the_same_request_then_reads(api: GraphQLClient) -> None:
    data = await api.data(APPOINT, person=gid("Person", "P05"), org=V1, role="EXECUTIVE", since="2024-05-01")
    created = data["appoint"]["position"]
    assert {k: created[k] for k in ("role", "since", "until", "active")} == {
        "role": "EXECUTIVE", "since": "2024-05-01", "until": None, "active": True,
    }  # fmt: skip
    assert {"role": "EXECUTIVE", "organization": {"code": "C-T1-V1"}} in created["person"]["positions"]
    board = await api.data(BOARD)
    assert ("EXECUTIVE", "P05") in {
        (p["role"], p["person"]["code"]) for p in board["organization"]["now"]["nodes"]
    }


async def test_appoint_refuses_overlapping_terms_and_a_second_chair(api: GraphQLClient) -> None:
    error = await refused(
        api, APPOINT, "CONFLICT", person=gid("Person", "P03"), org=V1, role="EXECUTIVE", since="2024-01-01"
    )
    assert (
        error["message"]
        == "张敏 (P03) already holds EXECUTIVE in 东村妇联 (C-T1-V1) from 2021-04-01 (running)"
    )
    # A term ended on 2021-04-01 does not overlap one starting that day, but one starting before does.
    error = await refused(
        api, APPOINT, "CONFLICT", person=gid("Person", "P06"), org=V1, role="EXECUTIVE", since="2021-03-31"
    )
    assert "from 2016-04-01 until 2021-04-01" in error["message"]
    error = await refused(
        api, APPOINT, "CONFLICT", person=gid("Person", "P05"), org=V1, role="CHAIR", since="2024-01-01"
    )
    assert error["message"].startswith("东村妇联 (C-T1-V1) has a chair from 2021-04-01: 王芳 (P01)")


async def test_appoint_refuses_unknown_and_malformed_ids(api: GraphQLClient) -> None:
    error = await refused(
        api, APPOINT, "NOT_FOUND", person=to_global_id("Person", "nobody"), org=V1, role="EXECUTIVE",
        since="2024-01-01",
    )  # fmt: skip
    assert error["message"] == "personId: no person has that id"
    error = await refused(
        api, APPOINT, "BAD_USER_INPUT", person=V1, org=V1, role="EXECUTIVE", since="2024-01-01"
    )
    assert error["extensions"]["argument"] == "personId"


async def test_end_position_then_a_new_chair(api: GraphQLClient) -> None:
    chair = position("P01", "C-T1-V1", "CHAIR", NEW_TERM)
    data = await api.data(END, id=chair, until="2024-05-01")
    assert data["endPosition"]["position"] == {
        "role": "CHAIR", "since": "2021-04-01", "until": "2024-05-01", "active": False,
        "person": {"code": "P01"},
    }  # fmt: skip
    await api.data(APPOINT, person=gid("Person", "P02"), org=V1, role="CHAIR", since="2024-05-01")
    board = await api.data(BOARD)
    chairs = [p for p in board["organization"]["now"]["nodes"] if p["role"] == "CHAIR"]
    assert chairs == [{"role": "CHAIR", "since": "2024-05-01", "person": {"code": "P02"}}]


async def test_end_position_rules(api: GraphQLClient) -> None:
    ended = position("P06", "C-T1-V1", "EXECUTIVE", dt.date(2016, 4, 1))
    error = await refused(api, END, "CONFLICT", id=ended, until="2024-01-01")
    assert error["message"] == "the term already ended on 2021-04-01"
    running = position("P03", "C-T1-V1", "EXECUTIVE", NEW_TERM)
    error = await refused(api, END, "CONFLICT", id=running, until="2021-03-31")
    assert error["message"] == "until (2021-03-31) is before the term began (2021-04-01)"
    error = await refused(api, END, "NOT_FOUND", id=to_global_id("Position", "nope"), until="2024-01-01")
    assert error["message"] == "positionId: no position has that id"


# --- the term change -----------------------------------------------------------------


async def test_term_change_ends_the_board_and_starts_the_slate(api: GraphQLClient) -> None:
    data = await api.data(TERM_CHANGE, org=V1, on="2024-04-01", slate=slate(NEW_BOARD))
    change = data["holdTermChange"]
    assert change["organization"] == {"code": "C-T1-V1"}
    assert [(p["role"], p["person"]["code"], p["since"], p["until"]) for p in change["ended"]] == [
        ("CHAIR", "P01", "2021-04-01", "2024-04-01"),
        ("VICE_CHAIR", "P02", "2021-04-01", "2024-04-01"),
        ("EXECUTIVE", "P03", "2021-04-01", "2024-04-01"),
        ("EXECUTIVE", "P04", "2021-04-01", "2024-04-01"),
    ]
    assert [(p["person"]["code"], p["role"]) for p in change["started"]] == NEW_BOARD
    assert {(p["since"], p["until"], p["active"]) for p in change["started"]} == {("2024-04-01", None, True)}
    board = (await api.data(BOARD))["organization"]
    assert sorted((p["person"]["code"], p["role"]) for p in board["now"]["nodes"]) == sorted(NEW_BOARD)
    assert board["all"]["totalCount"] == 6 + 7
    before = await api.data(
        '{ organization(code: "C-T1-V1") { positions(activeOn: "2024-03-31") { nodes { person { code } } } } }'
    )
    assert [p["person"]["code"] for p in before["organization"]["positions"]["nodes"]] == [
        "P01",
        "P02",
        "P03",
        "P04",
    ]


@pytest.mark.parametrize(
    ("seats", "on", "code", "message"),
    [
        ([("P02", "CHAIR"), ("P01", "CHAIR"), *NEW_BOARD[2:]], "2024-04-01", "CONFLICT",
         "slate: a board has exactly one CHAIR, this slate has 2"),
        ([("P02", "VICE_CHAIR"), *NEW_BOARD[1:]], "2024-04-01", "CONFLICT",
         "slate: a board has exactly one CHAIR, this slate has 0"),
        (NEW_BOARD[:6], "2024-04-01", "CONFLICT", "slate: a board has 7 to 15 members, this slate has 6"),
        ([*NEW_BOARD[:6], ("P03", "EXECUTIVE")], "2024-04-01", "CONFLICT",
         "slate[6].personId: this person is already on the slate at slate[2]"),
        (NEW_BOARD, "2021-03-31", "CONFLICT",
         "on (2021-03-31) is before terms of 东村妇联 (C-T1-V1) began or ended: "
         "王芳 (P01) CHAIR from 2021-04-01 (running)"),
        ([*NEW_BOARD[:6], ("P09", "VILLAGE_SISTER")], "2024-04-01", "BAD_USER_INPUT",
         "slate[6].role: a term change elects a board: CHAIR, VICE_CHAIR or EXECUTIVE, not VILLAGE_SISTER"),
        ([*NEW_BOARD[:6], ("P99", "EXECUTIVE")], "2024-04-01", "NOT_FOUND",
         "slate[6].personId: no person has that id"),
    ],
    ids=["two-chairs", "no-chair", "too-small", "twice", "before-outgoing", "not-a-board-role", "unknown"],
)  # fmt: skip
async def test_term_change_rules(
    api: GraphQLClient, seats: list[tuple[str, str]], on: str, code: str, message: str
) -> None:
    error = await refused(api, TERM_CHANGE, code, org=V1, on=on, slate=slate(seats))
    assert error["message"] == message
    if code == "BAD_USER_INPUT":
        assert error["extensions"]["argument"] == "slate[6].role"


async def test_term_change_of_a_council_or_a_board_too_large(api: GraphQLClient) -> None:
    council = gid("Organization", "C-T1-V1-SC")
    error = await refused(api, TERM_CHANGE, "CONFLICT", org=council, on="2024-04-01", slate=slate(NEW_BOARD))
    assert (
        error["message"] == "organizationId: term changes elect a federation's board, not a SISTERS_COUNCIL's"
    )
    everyone = [("P01", "CHAIR")] + [(f"P{n:02d}", "EXECUTIVE") for n in range(2, 11)]
    assert (await api.data(TERM_CHANGE, org=V1, on="2024-04-01", slate=slate(everyone)))["holdTermChange"]


async def test_board_size_comes_from_the_settings(world: RolledBackDatabase) -> None:
    app = create_app(Settings(board_min=3, board_max=4), db=world, today=lambda: TODAY)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        api = GraphQLClient(http, world)
        error = await refused(api, TERM_CHANGE, "CONFLICT", org=V1, on="2024-04-01", slate=slate(NEW_BOARD))
        assert error["message"] == "slate: a board has 3 to 4 members, this slate has 7"
        data = await api.data(TERM_CHANGE, org=V1, on="2024-04-01", slate=slate(NEW_BOARD[:3]))
        assert len(data["holdTermChange"]["started"]) == 3


# --- atomicity, against a real transaction that aborts ---------------------------------


class Committed:
    """Lets GraphBuilder write through a committing Database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def execute(self, cypher: Any, **params: Any) -> list[Any]:
        return await self.db.write(cypher, **params)


CODES = [f"ATOM-P{n}" for n in range(1, 9)]


@pytest.fixture
async def committed_board(database: Database) -> AsyncIterator[Database]:
    """A village with a board of four, committed; deleted afterwards."""
    g = GraphBuilder()
    g.org("ATOM-V", "原子村妇联", "FEDERATION", "VILLAGE")
    for code in CODES:
        g.person(code, code)
    for code, role in zip(CODES[:4], ["CHAIR", "VICE_CHAIR", "EXECUTIVE", "EXECUTIVE"], strict=True):
        g.hold(code, "ATOM-V", role, NEW_TERM)
    await g.write(Committed(database))  # type: ignore[arg-type]
    try:
        yield database
    finally:
        await database.write(
            "UNWIND $ids AS id MATCH (n {id: id}) DETACH DELETE n", ids=[rid(c) for c in ["ATOM-V", *CODES]]
        )


ATOM_BOARD = """
MATCH (:Organization {id: $org})<-[h:HOLDS]-(p:Person)
RETURN p.code AS code, h.role AS role, h.since AS since, h.until AS until ORDER BY code
"""


async def test_a_failure_mid_slate_leaves_the_old_board_intact(committed_board: Database) -> None:
    before = [dict(r) for r in await committed_board.read(ATOM_BOARD, org=rid("ATOM-V"))]
    assert len(before) == 4 and all(r["until"] is None for r in before)
    # The third new term gets an id an existing term already has: the database
    # refuses it after the old terms were ended and two new ones created.
    taken = "pos-ATOM-P1-ATOM-V-CHAIR-2021-04-01"
    ids = iter([str(uuid.uuid4()), str(uuid.uuid4()), taken, *(str(uuid.uuid4()) for _ in range(5))])
    seats = [terms.Seat(rid(CODES[0]), Role.CHAIR)] + [terms.Seat(rid(c), Role.EXECUTIVE) for c in CODES[1:]]
    with pytest.raises(Conflict, match="already exists"):
        await terms.hold_term_change(
            committed_board,
            rid("ATOM-V"),
            dt.date(2024, 4, 1),
            seats,
            terms.BoardSize(),
            new_ids=lambda: next(ids),
        )
    after = [dict(r) for r in await committed_board.read(ATOM_BOARD, org=rid("ATOM-V"))]
    assert after == before
