"""Group-bys and totals at the top of a whole tree (graph.filters.whole_tree,
docs/search.md "Speed"): everyone placed is taken from the relationship index
instead of walking the tree, and positions need no test upward. Known answers
on the village world (with the people of tests/test_fast_paths.py added), and
a differential check: the same tables asked again once a second top makes the
tree not whole (so the walk answers) are equal, cell for cell.
"""

from __future__ import annotations

from typing import Any

from graph import aggregates
from graph.access import Grant
from graph.filters import Source, whole_tree
from tests.conftest import CallerClient
from tests.graphs import TODAY
from tests.helpers import RolledBackDatabase
from tests.test_fast_paths import _more_wangs, org_id

PEOPLE_STATS = """
query($under: ID, $groupBy: [PeopleDimension!]!, $filter: PersonFilter) {
  peopleStats(under: $under, groupBy: $groupBy, filter: $filter) { rows { keys { value } count } }
}
"""
HOUSEHOLD_STATS = """
query($under: ID, $groupBy: [HouseholdDimension!]!, $filter: HouseholdFilter) {
  householdStats(under: $under, groupBy: $groupBy, filter: $filter) { rows { keys { value } count } }
}
"""
PEOPLE_TOTAL = "query($filter: PersonFilter) { people(filter: $filter, first: 1) { totalCount } }"

# (groupBy, filter) of peopleStats asked on both paths.
PEOPLE_TABLES: list[tuple[list[str], dict[str, Any] | None]] = [
    (["POLITICAL_STATUS"], None),
    (["ROLE"], None),
    (["LEVEL"], None),
    (["CHILD_ORGANIZATION", "ROLE"], None),
    (["CHILD_ORGANIZATION", "LEVEL"], {"holds": {}}),
    (["AGE_BAND", "EDUCATION"], {"gender": "FEMALE"}),
    (["ROLE", "STAGE"], {"covers": True}),
    (["ROLE"], {"holds": {"roles": ["EXECUTIVE"]}}),
]
HOUSEHOLD_TABLES: list[tuple[list[str], dict[str, Any] | None]] = [
    (["TAG"], None),
    (["COVERAGE_STATUS"], None),
    (["CHILD_ORGANIZATION", "TAG"], None),
    (["COVERAGE_STATUS"], {"tags": ["LEFT_BEHIND_CHILD"]}),
]

# A second county with a household, a resident and an officer of its own, and
# someone placed nowhere: none of them is under C.
SECOND_TOP = """
CREATE (d:Organization {id: 'id-D', code: 'D', name: '乙县妇联', kind: 'FEDERATION', level: 'COUNTY'})
CREATE (g:Grid {id: 'id-D-G1', code: 'D-G1', name: '乙县一格'})-[:PART_OF]->(d)
CREATE (h:Household {id: 'id-D-H1', code: 'D-H1', address: '乙县一组', tags: ['LEFT_BEHIND_CHILD']})-[:IN_GRID]->(g)
CREATE (:Person {id: 'id-D1', code: 'D1', name: '赵乙', politicalStatus: 'PARTY_MEMBER'})-[:LIVES_IN]->(h)
CREATE (:Person {id: 'id-D2', code: 'D2', name: '钱乙', politicalStatus: 'PARTY_MEMBER'})
  -[:HOLDS {id: 'id-D2-H', role: 'CHAIR', since: date('2020-01-01')}]->(d)
"""
# Raw Cypher the writes never make: someone living in two households of 东村
# who holds a post there too: she is one person in every table.
TWO_HOMES = """
MATCH (a:Household {code: 'C-T1-V1-H01'}), (b:Household {code: 'C-T1-V1-H02'}), (v:Organization {code: 'C-T1-V1'})
CREATE (p:Person {id: 'id-Y2', code: 'Y2', name: '周两', politicalStatus: 'PARTY_MEMBER'})
CREATE (p)-[:LIVES_IN]->(a), (p)-[:LIVES_IN]->(b)
CREATE (p)-[:HOLDS {id: 'id-Y2-H', role: 'EXECUTIVE', since: date('2020-01-01')}]->(v)
"""
UNPLACED = "CREATE (:Person {id: 'id-X1', code: 'X1', name: '孙无', politicalStatus: 'PARTY_MEMBER'})"


def table(data: dict[str, Any]) -> dict[tuple[str, ...], int]:
    return {tuple(k["value"] for k in row["keys"]): row["count"] for row in data["rows"]}


async def _tables(client: Any, *, care: bool) -> list[dict[tuple[str, ...], int]]:
    """Every table of PEOPLE_TABLES and HOUSEHOLD_TABLES under C (without the
    care-tag filters unless `care`: they are EDITOR/ADMIN only)."""
    found = []
    for dims, flt in PEOPLE_TABLES:
        data = await client.data(PEOPLE_STATS, under=org_id("C"), groupBy=dims, filter=flt)
        found.append(table(data["peopleStats"]))
    for dims, flt in HOUSEHOLD_TABLES:
        if flt and "tags" in flt and not care:
            continue
        data = await client.data(HOUSEHOLD_STATS, under=org_id("C"), groupBy=dims, filter=flt)
        found.append(table(data["householdStats"]))
    return found


async def test_the_tree_is_whole_with_one_top_and_everything_placed(world: RolledBackDatabase) -> None:
    assert await whole_tree(world, Source.TOP)
    assert not await whole_tree(world, Source.SUBTREE)  # below the top: never asked
    await world.execute(UNPLACED)  # a person placed nowhere changes nothing
    assert await whole_tree(world, Source.TOP)
    await world.execute("CREATE (:Household {id: 'id-Y', code: 'Y'})")  # in no grid
    assert not await whole_tree(world, Source.TOP)
    await world.execute(
        "MATCH (h:Household {code: 'Y'}), (g:Grid {code: 'C-T1-V1-G1'}) CREATE (h)-[:IN_GRID]->(g)"
    )
    assert await whole_tree(world, Source.TOP)
    await world.execute("CREATE (:Grid {id: 'id-Z', code: 'Z'})")  # in no organization
    assert not await whole_tree(world, Source.TOP)
    await world.execute("MATCH (g:Grid {code: 'Z'}) DELETE g")
    await world.execute(SECOND_TOP)
    assert not await whole_tree(world, Source.TOP)


async def test_county_tables_from_everyone_placed(api_as: CallerClient, world: RolledBackDatabase) -> None:
    await _more_wangs(world)
    await world.execute(UNPLACED)
    analyst = await api_as("C", Grant.ANALYST, Grant.EDITOR)
    statuses = table((await analyst.data(PEOPLE_STATS, groupBy=["POLITICAL_STATUS"]))["peopleStats"])
    # P01-P10 and the sixteen W: X1 is placed nowhere and is not under the county.
    assert sum(statuses.values()) == 26
    assert statuses[("PARTY_MEMBER",)] == 1  # P01
    roles = table((await analyst.data(PEOPLE_STATS, groupBy=["ROLE"]))["peopleStats"])
    # Active executives: P03, P04 (villages), W21, W22 (county), W23 (二号镇);
    # P06's term ended (NONE), as do the twelve W and P07, P08 living in 西村/东村.
    assert roles[("EXECUTIVE",)] == 5
    assert roles[("NONE",)] == 3 + 12
    levels = table(
        (await analyst.data(PEOPLE_STATS, groupBy=["LEVEL"], filter={"holds": {"roles": ["EXECUTIVE"]}}))[
            "peopleStats"
        ]
    )
    assert levels == {("COUNTY",): 2, ("TOWNSHIP",): 1, ("VILLAGE",): 2}
    total = (await analyst.data(PEOPLE_TOTAL, filter={"politicalStatusIn": ["PARTY_MEMBER"]}))["people"]
    assert total["totalCount"] == 1


async def test_the_walk_and_everyone_placed_give_the_same_tables(
    api_as: CallerClient, world: RolledBackDatabase
) -> None:
    await _more_wangs(world)
    await world.execute(UNPLACED)
    await world.execute(TWO_HOMES)
    editor = await api_as("C", Grant.EDITOR)
    analyst = await api_as("C", Grant.ANALYST)
    assert await whole_tree(world, Source.TOP)  # C's tables come from everyone placed
    placed = (await _tables(editor, care=True), await _tables(analyst, care=False))
    assert placed[0][0] and placed[0][3] and placed[0][8]  # not empty
    await world.execute(SECOND_TOP)  # now C's tables come from the walk down
    assert not await whole_tree(world, Source.TOP)
    walked = (await _tables(editor, care=True), await _tables(analyst, care=False))
    assert walked == placed
    # The second county's people never reach C's tables; without a scope, D's own are right.
    everyone = await api_as(None, Grant.EDITOR)
    d = table((await everyone.data(PEOPLE_STATS, under=org_id("D"), groupBy=["ROLE"]))["peopleStats"])
    assert d == {("CHAIR",): 1, ("NONE",): 1}


async def test_a_scope_below_the_top_walks_its_subtree(
    api_as: CallerClient, world: RolledBackDatabase
) -> None:
    await _more_wangs(world)
    township = await api_as("C-T1", Grant.EDITOR)
    statuses = table((await township.data(PEOPLE_STATS, groupBy=["POLITICAL_STATUS"]))["peopleStats"])
    # 一号镇: P01-P10, the twelve W of 西村, W20, W22 and W23 (they live there);
    # W21 holds a post at the county only and lives nowhere: not hers.
    assert sum(statuses.values()) == 25
    roles = table((await township.data(PEOPLE_STATS, groupBy=["ROLE"]))["peopleStats"])
    # W22 and W23 are counted, but their posts (the county's, 二号镇's) are outside 一号镇.
    assert roles[("EXECUTIVE",)] == 2 and roles[("NONE",)] == 3 + 12 + 2


COVERAGE_DIMS: list[list[str]] = [
    ["COVERAGE_STATUS"],
    ["CHILD_ORGANIZATION", "COVERAGE_STATUS"],
    ["COVERAGE_STATUS", "CHILD_ORGANIZATION"],
    ["CHILD_ORGANIZATION"],
]


async def _coverage_tables(client: Any, under: str) -> list[dict[tuple[str, ...], int]]:
    found = []
    for dims in COVERAGE_DIMS:
        data = await client.data(HOUSEHOLD_STATS, under=org_id(under), groupBy=dims)
        found.append(table(data["householdStats"]))
    return found


async def test_coverage_tables_from_the_tallies_equal_the_live_ones(
    api_as: CallerClient, world: RolledBackDatabase
) -> None:
    callers = [
        await api_as("C", Grant.EDITOR),
        await api_as("C", Grant.ANALYST),
        await api_as("C-T1", Grant.EDITOR),
    ]
    tallied = [await _coverage_tables(c, under) for c in callers for under in ("C", "C-T1")]
    # 东村: 10 households, 9 covered, 1 of them by two (H01); 西村: 2, both covered once.
    assert tallied[0][1] == {
        ("C-T1", "UNCOVERED"): 1,
        ("C-T1", "COVERED_ONCE"): 10,
        ("C-T1", "MULTIPLY_COVERED"): 1,
    }
    # The tallies are what answers: a tally changed by hand shows (then put back).
    await world.execute("MATCH (o:Organization {code: 'C-T1-V1'}) SET o.tallyMultiply = 3")
    changed = await _coverage_tables(callers[0], "C")
    assert changed[0][("MULTIPLY_COVERED",)] == 3
    await world.execute("MATCH (o:Organization {code: 'C-T1-V1'}) SET o.tallyMultiply = 1")
    # While an import holds the tallies every table is counted live: the same.
    await world.execute("CREATE (:TallyHold {id: 'test'})")
    live = [await _coverage_tables(c, under) for c in callers for under in ("C", "C-T1")]
    assert live == tallied


async def test_a_coverer_placed_nowhere_is_outside_the_county_scope(
    api_as: CallerClient, world: RolledBackDatabase
) -> None:
    await world.execute(UNPLACED)  # X1: no position, no home
    await world.execute(
        "MATCH (p:Person {code: 'X1'}), (h:Household {code: 'C-T1-V1-H10'})"
        " CREATE (p)-[:COVERS {id: 'cov-X1', role: 'VILLAGE_SISTER', since: date('2024-01-01')}]->(h)"
    )
    await aggregates.rebuild(world, TODAY)  # raw Cypher: count the villages again
    scoped = await api_as("C", Grant.EDITOR)
    everyone = await api_as(None, Grant.EDITOR)
    statuses = table(
        (await scoped.data(HOUSEHOLD_STATS, under=org_id("C"), groupBy=["COVERAGE_STATUS"]))["householdStats"]
    )
    # X1 is not in C's scope (she is under nothing): H10 is still uncovered for its callers.
    assert statuses == {("UNCOVERED",): 1, ("COVERED_ONCE",): 10, ("MULTIPLY_COVERED",): 1}
    unscoped = table(
        (await everyone.data(HOUSEHOLD_STATS, under=org_id("C"), groupBy=["COVERAGE_STATUS"]))[
            "householdStats"
        ]
    )
    assert unscoped == {("COVERED_ONCE",): 11, ("MULTIPLY_COVERED",): 1}
