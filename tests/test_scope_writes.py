"""Mutations at the scope boundary: what a refusal may say, and what a write may
change beyond the objects it names (side effects).

The village world (tests/graphs.py) plus, written by the `border` fixture, a
second township's village and the people straddling the two:

    C-T2-V1 南村妇联 (VILLAGE under C-T2), grid C-T2-V1-G1 with household C-T2-V1-H01
    P11 林霞  EXECUTIVE of C-T1-V1 since 2021-04-01, lives in C-T2-V1-H01,
              guided by P12 since 2021-05-01
    P12 何丽  CHAIR of C-T2 since 2021-04-01 (only in C-T2's scope)
    P14 方园  EXECUTIVE of C-T2-V1 since 2021-04-01 (only in C-T2's scope)
    P10 孙梅  (chair of C-T1) covers grid C-T2-V1-G1 since 2021-05-01
    mentoring P07 → P12 → P14 → P08 since 2022-01-01 (P07, P08 live in C-T1-V1-H01)

The attacker is an EDITOR of C-T1 (one township) acting on C-T2's data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from graph.access import Grant
from schema.relay import to_global_id
from tests.conftest import CallerClient, GraphQLClient
from tests.graphs import NEW_TERM, GraphBuilder, rid
from tests.helpers import RolledBackDatabase
from tests.writes import gid, refused

T1, T2, COUNTY = "C-T1", "C-T2", "C"
COVERAGE_ID = "cov-P10-C-T2-V1-G1-2021-05-01"

MENTOR = """mutation($m: ID!, $e: ID!) { recordMentorship(mentorId: $m, menteeId: $e, since: "2024-05-01") {
  mentorship { since } } }"""
GUIDE = """mutation($g: ID!, $e: ID!, $since: Date!) { setGuidance(guideId: $g, executiveId: $e, since: $since) {
  guidance { since guide { code } } ended { since until guide { code } } } }"""
RESIDENCE = """mutation($p: ID!, $h: ID!) { setResidence(personId: $p, householdId: $h) {
  person { code household { code } } } }"""
END_COVERAGE = """mutation($id: ID!) { endCoverage(coverageId: $id, until: "2024-05-01") {
  coverage { until } } }"""
UPDATE_ORG = """mutation($id: ID!, $input: OrganizationPatch!) {
  updateOrganization(id: $id, input: $input) { organization { code level parent { code } } } }"""
CREATE_ORG = """mutation($taken: String!, $parent: ID!) { createOrganization(input: {code: $taken,
  name: "新村妇联", kind: FEDERATION, level: VILLAGE, parentId: $parent}) { organization { code } } }"""
CREATE_GRID = """mutation($taken: String!, $org: ID!) { createGrid(input: {code: $taken, name: "新网格",
  organizationId: $org}) { grid { code } } }"""
CREATE_HOUSEHOLD = """mutation($taken: String!, $grid: ID!) { createHousehold(input: {code: $taken,
  gridId: $grid}) { household { code } } }"""
CREATE_PERSON = """mutation($taken: String!, $home: ID!) { createPerson(input: {code: $taken, name: "新人",
  householdId: $home}) { person { code } } }"""
AUDIT = """{ auditLog(first: 10) { nodes { scope operation kind ids } } }"""
MEMBERS = """query($h: ID!) { household(id: $h) { code members { code } } }"""
MISSING = "id-NOPE"


@pytest.fixture
async def border(world: RolledBackDatabase) -> RolledBackDatabase:
    """The village world with the cross-township cases of the module docstring."""
    since = dt.date(2021, 5, 1)
    g = GraphBuilder()
    g.org("C-T2-V1", "南村妇联", "FEDERATION", "VILLAGE", T2)
    g.grid("C-T2-V1-G1", "南村G1网格", "C-T2-V1")
    g.household("C-T2-V1-H01", "C-T2-V1-G1")
    g.person("P11", "林霞", gender="FEMALE")
    g.person("P12", "何丽", gender="FEMALE")
    g.person("P14", "方园", gender="FEMALE")
    g.hold("P11", "C-T1-V1", "EXECUTIVE", NEW_TERM)
    g.hold("P12", T2, "CHAIR", NEW_TERM)
    g.hold("P14", "C-T2-V1", "EXECUTIVE", NEW_TERM)
    g.live("P11", "C-T2-V1-H01")
    g.link("GUIDES", "P12", "P11", since)
    g.cover("P10", "C-T2-V1-G1", "LEAD", since)
    for mentor, mentee in (("P07", "P12"), ("P12", "P14"), ("P14", "P08")):
        g.link("MENTORS", mentor, mentee, dt.date(2022, 1, 1))
    # Only new nodes and relationships: the builder's statements match existing ids.
    await g.write(world)
    return world


def person(code: str) -> str:
    return gid("Person", code)


async def audit_events(db: RolledBackDatabase) -> int:
    rows = await db.execute("MATCH (e:AuditEvent) RETURN count(e) AS n")
    return int(rows[0]["n"])


async def refused_like_missing(
    caller: GraphQLClient, query: str, argument: str, type_name: str, **variables: Any
) -> dict[str, Any]:
    """The mutation is refused with NOT_FOUND worded exactly as when the object
    named by `argument` does not exist; neither writes anything or an audit event."""
    error = await refused(caller, query, "NOT_FOUND", **variables)
    missing = await refused(
        caller, query, "NOT_FOUND", **{**variables, argument: to_global_id(type_name, MISSING)}
    )
    assert error["message"] == missing["message"]
    assert await audit_events(caller.db) == 0
    return error


# --- item 4: a refusal names only what the caller may see ----------------------------


async def test_a_mentoring_cycle_names_only_the_people_in_scope(
    border: RolledBackDatabase, api_as: CallerClient
) -> None:
    township = await api_as(T1, Grant.EDITOR)
    error = await refused(township, MENTOR, "CONFLICT", m=person("P08"), e=person("P07"))
    assert error["message"] == (
        "this mentorship would close a cycle of mentoring: "
        "周婷 (P07) → someone outside your scope → 吴强 (P08) → 周婷 (P07)"
    )
    county = await api_as(COUNTY, Grant.EDITOR)
    error = await refused(county, MENTOR, "CONFLICT", m=person("P08"), e=person("P07"))
    assert error["message"] == (
        "this mentorship would close a cycle of mentoring: "
        "周婷 (P07) → 何丽 (P12) → 方园 (P14) → 吴强 (P08) → 周婷 (P07)"
    )


async def test_a_guidance_refusal_never_names_a_guide_outside_the_scope(
    border: RolledBackDatabase, api_as: CallerClient
) -> None:
    # P12 guides P11 from 2021-05-01; a new guide from 2021-04-01 would come before her.
    variables = {"g": person("P02"), "e": person("P11"), "since": "2021-04-01"}
    township = await api_as(T1, Grant.EDITOR)
    error = await refused_like_missing(township, GUIDE, "e", "Person", **variables)
    assert error["message"] == "executiveId: no person has that id"
    county = await api_as(COUNTY, Grant.EDITOR)
    error = await refused(county, GUIDE, "CONFLICT", **variables)
    assert error["message"] == "林霞 (P11) is guided by 何丽 (P12) since 2021-05-01, after 2021-04-01"


# --- item 5: a relationship changes only when both its ends are in scope ---------------


async def test_set_guidance_does_not_end_a_guidance_from_outside_the_scope(
    border: RolledBackDatabase, api_as: CallerClient
) -> None:
    variables = {"g": person("P02"), "e": person("P11"), "since": "2024-05-01"}
    township = await api_as(T1, Grant.EDITOR)
    await refused_like_missing(township, GUIDE, "e", "Person", **variables)
    county = await api_as(COUNTY, Grant.ADMIN)
    done = (await county.data(GUIDE, **variables))["setGuidance"]
    assert done["ended"] == [{"since": "2021-05-01", "until": "2024-05-01", "guide": {"code": "P12"}}]
    [event] = (await county.data(AUDIT))["auditLog"]["nodes"]
    assert rid("P12") in event["ids"], "the audit event lists the guide whose guidance ended"


async def test_set_residence_does_not_move_a_resident_out_of_another_townships_household(
    border: RolledBackDatabase, api_as: CallerClient
) -> None:
    variables = {"p": person("P11"), "h": gid("Household", "C-T1-V1-H02")}
    township = await api_as(T1, Grant.EDITOR)
    await refused_like_missing(township, RESIDENCE, "p", "Person", **variables)
    neighbour = await api_as(T2, Grant.EDITOR)
    home = await neighbour.data(MEMBERS, h=gid("Household", "C-T2-V1-H01"))
    assert home["household"] == {"code": "C-T2-V1-H01", "members": [{"code": "P11"}]}
    county = await api_as(COUNTY, Grant.ADMIN)
    moved = await county.data(RESIDENCE, **variables)
    assert moved["setResidence"]["person"] == {"code": "P11", "household": {"code": "C-T1-V1-H02"}}
    [event] = (await county.data(AUDIT))["auditLog"]["nodes"]
    assert rid("C-T2-V1-H01") in event["ids"], "the audit event lists the household she left"


async def test_end_coverage_needs_the_coverer_and_what_she_covers_in_scope(
    border: RolledBackDatabase, api_as: CallerClient
) -> None:
    variables = {"id": to_global_id("Coverage", COVERAGE_ID)}
    for scope in (T1, T2):  # P10 is C-T1's, the grid C-T2's
        editor = await api_as(scope, Grant.EDITOR)
        error = await refused_like_missing(editor, END_COVERAGE, "id", "Coverage", **variables)
        assert error["message"] == "coverageId: no coverage has that id"
    county = await api_as(COUNTY, Grant.EDITOR)
    assert (await county.data(END_COVERAGE, **variables))["endCoverage"]["coverage"] == {
        "until": "2024-05-01"
    }


async def test_a_scope_root_cannot_be_moved_out_of_its_parent(
    world: RolledBackDatabase, api_as: CallerClient
) -> None:
    # In the plain village world C-T2 has no villages, so nothing below it objects to
    # a new level; any new parent inside C-T2's scope would leave C, outside it.
    variables = {
        "id": gid("Organization", T2),
        "input": {"level": "VILLAGE", "parentId": gid("Organization", T2)},
    }
    township = await api_as(T2, Grant.EDITOR)
    error = await refused(township, UPDATE_ORG, "NOT_FOUND", **variables)
    assert error["message"] == "id: no organization has that id"
    assert await audit_events(world) == 0


async def test_moving_a_household_lists_the_grid_it_left(
    border: RolledBackDatabase, api_as: CallerClient
) -> None:
    move = (
        """mutation($h: ID!, $g: ID!) { moveHousehold(householdId: $h, gridId: $g) { household { code } } }"""
    )
    township = await api_as(T1, Grant.ADMIN)
    await township.data(move, h=gid("Household", "C-T1-V1-H10"), g=gid("Grid", "C-T1-V2-G4"))
    [event] = (await township.data(AUDIT))["auditLog"]["nodes"]
    assert event["ids"] == [rid("C-T1-V1-H10"), rid("C-T1-V2-G4"), rid("C-T1-V1-G3")]


async def test_each_scope_a_write_changed_sees_it_in_the_audit_log(
    border: RolledBackDatabase, api_as: CallerClient
) -> None:
    county = await api_as(COUNTY, Grant.EDITOR, subject="county-editor")
    await county.data(RESIDENCE, p=person("P11"), h=gid("Household", "C-T1-V1-H02"))
    for scope, seen in ((T2, True), ("C-T2-V1", True), ("C-T1-V1", True), ("C-T1-V2", False)):
        admin = await api_as(scope, Grant.ADMIN)
        events = (await admin.data(AUDIT))["auditLog"]["nodes"]
        assert [e["operation"].split("/")[-1] for e in events] == (["setResidence"] if seen else []), scope


# --- item 6: a taken code gets one answer, whoever holds it ----------------------------


@pytest.mark.parametrize(
    ("query", "hidden", "visible", "variables"),
    [
        (CREATE_ORG, "C-T2-V1", "C-T1-V2", {"parent": gid("Organization", T1)}),
        (CREATE_GRID, "C-T2-V1-G1", "C-T1-V1-G1", {"org": gid("Organization", "C-T1-V1")}),
        (CREATE_HOUSEHOLD, "C-T2-V1-H01", "C-T1-V1-H01", {"grid": gid("Grid", "C-T1-V1-G1")}),
        (CREATE_PERSON, "P12", "P01", {"home": gid("Household", "C-T1-V1-H01")}),
    ],
    ids=["organization", "grid", "household", "person"],
)
async def test_a_taken_code_is_answered_alike_inside_and_outside_the_scope(
    border: RolledBackDatabase,
    api_as: CallerClient,
    query: str,
    hidden: str,
    visible: str,
    variables: dict[str, str],
) -> None:
    township = await api_as(T1, Grant.EDITOR)
    outside = await refused(township, query, "CONFLICT", taken=hidden, **variables)
    inside = await refused(township, query, "CONFLICT", taken=visible, **variables)
    assert outside["message"] == f"input.code: the code {hidden} is not available"
    assert inside["message"] == f"input.code: the code {visible} is not available"
    assert await audit_events(border) == 0


# --- item 7: no cycle of PART_OF ----------------------------------------------------------


@pytest.mark.parametrize(
    ("moved", "patch", "message"),
    [
        (T2, {"level": "VILLAGE", "parentId": gid("Organization", T2)},
         "input.parentId: C-T2 is C-T2 itself or lies below it; an organization cannot sit under itself"),
        (T1, {"parentId": gid("Organization", "C-T1-V1")},
         "input.parentId: C-T1-V1 is C-T1 itself or lies below it; an organization cannot sit under itself"),
    ],
    ids=["itself", "a-descendant"],
)  # fmt: skip
async def test_an_organization_is_never_placed_under_itself(
    world: RolledBackDatabase, api_as: CallerClient, moved: str, patch: dict[str, str], message: str
) -> None:
    admin = await api_as(COUNTY, Grant.ADMIN)
    error = await refused(admin, UPDATE_ORG, "CONFLICT", id=gid("Organization", moved), input=patch)
    assert error["message"] == message
    still = await admin.data("query($c: String!) { organization(code: $c) { parent { code } } }", c=moved)
    assert still["organization"]["parent"] == {"code": COUNTY}
