"""The edges that leave a subtree, with known answers.

Inside a view rooted in the caller's scope everything reached downward is in
scope (organizations, their positions and holders), so the compiled views test
only the edges that lead out of it: a holder's household, links to other people
(mentors, mentees, guides) and coverers. Here each of those edges leads to
二号镇 (C-T2), outside a township scope of 一号镇 (C-T1), and the township's
VIEWER and EDITOR must see nothing of what lies there, on the compiled path and
on the standard one alike, and the READ event must not name it.

Added to the village world:

    C-T2-V1 外村 (under C-T2), grid C-T2-V1-G1 with household C-T2-V1-H01
    PX 外人: CHAIR of C-T2-V1, lives in C-T2-V1-H01; mentors P01, guides P03,
        is mentored by P05 and mentors P04 (a chain out of the scope and back);
        covers C-T1-V1-H10
    P02 (vice chair of 东村) lives in C-T2-V1-H01 (another township)
    P09 (chair of 西村) lives in C-T1-V1-H05 (another village of her township)
"""

from __future__ import annotations

from typing import Any

import pytest

from graph import aggregates
from graph.access import Access, Grant
from tests.conftest import CallerClient
from tests.graphs import TODAY, rid
from tests.helpers import RolledBackDatabase
from tests.test_compiled import accepted, assert_same

OUTSIDE = """
MATCH (t2:Organization {id: 'id-C-T2'})
CREATE (v:Organization {id: 'id-C-T2-V1', code: 'C-T2-V1', name: '外村妇联', kind: 'FEDERATION', level: 'VILLAGE'})
       -[:PART_OF]->(t2)
CREATE (g:Grid {id: 'id-C-T2-V1-G1', code: 'C-T2-V1-G1', name: '外村网格'})-[:PART_OF]->(v)
CREATE (h:Household {id: 'id-C-T2-V1-H01', code: 'C-T2-V1-H01', address: '二号镇外村1组9号', tags: ['HARDSHIP_WOMAN']})
       -[:IN_GRID]->(g)
CREATE (px:Person {id: 'id-PX', code: 'PX', name: '外人', gender: 'FEMALE', phone: '13900000099',
                   birthDate: date('1970-02-02')})
CREATE (px)-[:HOLDS {id: 'pos-PX', role: 'CHAIR', since: date('2021-04-01')}]->(v)
CREATE (px)-[:LIVES_IN]->(h)
WITH px, h
MATCH (p01:Person {id: 'id-P01'}), (p02:Person {id: 'id-P02'}), (p03:Person {id: 'id-P03'}),
      (p04:Person {id: 'id-P04'}), (p05:Person {id: 'id-P05'}), (p09:Person {id: 'id-P09'}),
      (h05:Household {id: 'id-C-T1-V1-H05'}), (h10:Household {id: 'id-C-T1-V1-H10'})
CREATE (px)-[:MENTORS {since: date('2020-01-01')}]->(p01)
CREATE (px)-[:GUIDES {since: date('2021-04-01')}]->(p03)
CREATE (p05)-[:MENTORS {since: date('2023-01-01')}]->(px)
CREATE (px)-[:MENTORS {since: date('2023-06-01')}]->(p04)
CREATE (px)-[:COVERS {id: 'cov-PX-H10', role: 'ASSIST', since: date('2021-05-01')}]->(h10)
CREATE (p02)-[:LIVES_IN]->(h)
CREATE (p09)-[:LIVES_IN]->(h05)
"""

TOWNSHIP_VIEW = """{ organization(code: "C-T1") { code children { nodes { code positions { nodes {
  role person { code phone birthDate household { code address tags } } } } } } } }"""

ROLES = (Grant.VIEWER, Grant.EDITOR)


@pytest.fixture
async def edges(world: RolledBackDatabase) -> RolledBackDatabase:
    await world.execute(OUTSIDE)
    await aggregates.rebuild(world, TODAY)  # written with raw Cypher: the coverage tallies counted again
    return world


def holders(data: dict[str, Any]) -> dict[str, Any]:
    """Each holder's code → her household's code (or None), over the township's villages."""
    found: dict[str, Any] = {}
    for village in data["organization"]["children"]["nodes"]:
        for position in village["positions"]["nodes"]:
            person = position["person"]
            found[person["code"]] = person["household"] and person["household"]["code"]
    return found


@pytest.mark.parametrize("grant", ROLES)
async def test_a_holders_household_in_another_township_is_not_shown(
    edges: RolledBackDatabase, api_as: CallerClient, grant: Grant
) -> None:
    client = await api_as("C-T1", grant)
    assert accepted(TOWNSHIP_VIEW, None, edges)
    edges.queries = 0
    data = await client.data(TOWNSHIP_VIEW)
    assert edges.queries == (2 if grant is Grant.EDITOR else 1)  # the view (and its READ event)
    # P02 lives in 二号镇: no household; P09 lives in 东村, outside her own village
    # but inside the township: shown (the walk behind the grid list).
    assert holders(data) == {
        "P01": "C-T1-V1-H03",
        "P02": None,
        "P03": None,
        "P04": None,
        "P09": "C-T1-V1-H05",
    }
    await assert_same(edges, TOWNSHIP_VIEW, None, Access("t", "C-T1", frozenset({grant})))


async def test_the_read_event_names_nothing_outside(edges: RolledBackDatabase, api_as: CallerClient) -> None:
    client = await api_as("C-T1", Grant.EDITOR)
    await client.data(TOWNSHIP_VIEW)
    await client.data('{ person(code: "P01") { phone mentors { person { code birthDate } } } }')
    events = await edges.execute("MATCH (e:AuditEvent {kind: 'READ'}) RETURN e.ids AS ids")
    named = {i for e in events for i in e["ids"]}
    assert {rid("P01"), rid("P06"), rid("C-T1-V1-H05")} <= named
    assert not named & {rid("PX"), rid("C-T2-V1-H01")}


LINKS = """{
  p01: person(code: "P01") { code mentors { person { code birthDate } } }
  p03: person(code: "P03") { guidedBy { person { code } } }
  p05: person(code: "P05") { mentees { person { code mentees { person { code } } } } }
  px: person(code: "PX") { code }
}"""


@pytest.mark.parametrize("grant", ROLES)
async def test_links_to_people_elsewhere_are_not_followed(
    edges: RolledBackDatabase, api_as: CallerClient, grant: Grant
) -> None:
    client = await api_as("C-T1", grant)
    assert accepted(LINKS, None, edges)
    data = await client.data(LINKS)
    born = "1960-01-01" if grant is Grant.EDITOR else None
    # PX mentors P01 and guides P03 from 二号镇; P05 mentors PX, who mentors P04:
    # the chain is not followed out of the scope, nor back into it.
    assert data == {
        "p01": {"code": "P01", "mentors": [{"person": {"code": "P06", "birthDate": born}}]},
        "p03": {"guidedBy": [{"person": {"code": "P01"}}]},
        "p05": {"mentees": []},
        "px": None,
    }
    await assert_same(edges, LINKS, None, Access("t", "C-T1", frozenset({grant})))


async def test_a_coverer_elsewhere_is_not_a_member(edges: RolledBackDatabase, api_as: CallerClient) -> None:
    query = """{ organization(code: "C-T1-V1") { coverage(asOf: "2024-06-01") {
      members { nodes { person { code } } } } } }"""
    township = await api_as("C-T1", Grant.VIEWER)
    members = (await township.data(query))["organization"]["coverage"]["members"]["nodes"]
    assert [m["person"]["code"] for m in members] == ["P03", "P04", "P05"]
    county = await api_as("C", Grant.VIEWER)
    members = (await county.data(query))["organization"]["coverage"]["members"]["nodes"]
    assert [m["person"]["code"] for m in members] == ["P03", "P04", "P05", "PX"]
