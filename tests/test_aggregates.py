"""Coverage tallies (graph/aggregates.py): known answers on the village world,
the day moving past a tally, and a differential test: after every step of a
random sequence of writes (coverage started and ended, terms, residence
moves, households created, moved and retagged, grids created, an import), the report from
the tallies equals the live report for every organization, caller and day
the tallies answer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph import aggregates
from graph.access import Access, Grant
from graph.analytics.stats import organization_figures
from graph.coverage import COVERAGE_REPORT, TALLIED_REPORT
from graph.driver import Connection, Database
from graph.errors import OrgGraphError
from graph.household_lists import HouseholdFilter, filter_households
from graph.model import CoverRole, HouseholdTag, PageArgs, Role
from graph.org_lists import OrgFilter, OrgSort, filter_organizations
from graph.transfer.importer import import_folder
from graph.writes import coverage, people, places, terms
from tests.conftest import GraphQLClient
from tests.graphs import TODAY, rid, village_world
from tests.helpers import RolledBackDatabase, rolled_back

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "county"
EVERYTHING = frozenset(Grant)
MANY = 1_000_000

TALLY = """
MATCH (o:Organization {code: $code})
RETURN o {.tallyHouseholds, .tallyCovered, .tallyMultiply, .tallyUncoveredCare, .tallyCoverers,
          .tallyFrom, .tallyUntil, .tallyDay, .tallyVersion} AS tally,
       COLLECT { MATCH (o)<-[:PART_OF]-(:Grid)<-[:IN_GRID]-(h) RETURN [h.code, h.tallyCoverers] } AS households
"""


async def tally_of(db: RolledBackDatabase, code: str) -> dict[str, Any]:
    [row] = await db.execute(TALLY, code=code)
    return {**row["tally"], "households": dict(sorted(row["households"]))}


async def test_a_village_tally_holds_the_coverage_known_today(world: RolledBackDatabase) -> None:
    v1 = await tally_of(world, "C-T1-V1")
    assert (v1["tallyHouseholds"], v1["tallyCovered"], v1["tallyMultiply"], v1["tallyUncoveredCare"]) == (
        10,
        9,
        1,
        1,  # H10, a left-behind child, nobody covers
    )
    assert v1["tallyCoverers"] == ["P03", "P04", "P05"]
    # The last coverage date on or before today: P03, P04 and P05 began on 2021-05-01; none ends.
    assert (v1["tallyFrom"].to_native(), v1["tallyUntil"], v1["tallyDay"].to_native()) == (
        dt.date(2021, 5, 1),
        None,
        TODAY,
    )
    assert v1["households"]["C-T1-V1-H01"] == 2 and v1["households"]["C-T1-V1-H10"] == 0
    v2 = await tally_of(world, "C-T1-V2")
    assert (v2["tallyHouseholds"], v2["tallyCovered"], v2["tallyCoverers"]) == (2, 2, ["P09"])
    # A township owns no grid: no tally.
    assert (await tally_of(world, "C-T1"))["tallyVersion"] is None


async def test_the_report_comes_from_the_tallies_and_equals_the_live_one(world: RolledBackDatabase) -> None:
    for code in ("C", "C-T1", "C-T1-V1", "C-T1-V2", "C-T2"):
        tallied, live = await both(world, code, TODAY, None)
        assert tallied is not None, code
        assert tallied == live, code
    tallied, live = await both(world, "C-T1", TODAY, None)
    assert (tallied or {})["households"] == 12 and (tallied or {})["covered"] == 11


async def test_another_day_outside_the_tally_is_answered_live(world: RolledBackDatabase) -> None:
    # Before 2021-05-01 the coverage was different (P06 covered H10 until 2021-04-01).
    tallied, live = await both(world, "C-T1-V1", dt.date(2021, 3, 1), None)
    assert tallied is None
    assert live["covered"] == 1 and live["members"] == 1


async def test_a_write_counts_its_village_again_in_its_transaction(world: RolledBackDatabase) -> None:
    await coverage.assign_coverage(
        world, person_id=rid("P05"), grid_id=None, household_id=rid("C-T1-V1-H10"),
        role=CoverRole.ASSIST, since=dt.date(2024, 1, 1),
    )  # fmt: skip
    v1 = await tally_of(world, "C-T1-V1")
    assert (v1["tallyCovered"], v1["tallyUncoveredCare"], v1["tallyFrom"].to_native()) == (
        10,
        0,
        dt.date(2024, 1, 1),
    )
    tallied, live = await both(world, "C-T1-V1", TODAY, None)
    assert tallied == live and tallied is not None and tallied["covered"] == 10


async def test_when_today_passes_an_until_the_village_is_counted_again(world: RolledBackDatabase) -> None:
    [cov] = await world.execute(
        "MATCH (:Person {code: 'P03'})-[c:COVERS]->(:Grid {code: 'C-T1-V1-G1'}) RETURN c.id AS id"
    )
    await coverage.end_coverage(world, cov["id"], dt.date(2024, 7, 1))
    assert (await tally_of(world, "C-T1-V1"))["tallyUntil"].to_native() == dt.date(2024, 7, 1)
    later = dt.date(2024, 7, 2)
    tallied, live = await both(world, "C-T1-V1", later, None)
    assert tallied is None  # the tally of 2024-06-01 does not hold on 2024-07-02: live
    assert live["covered"] == 6  # G1's H02-H04 lost their coverer; H01 keeps P04
    assert await aggregates.refresh(world, later) == 1  # only that village
    tallied, live = await both(world, "C-T1-V1", later, None)
    assert tallied == live and tallied is not None
    assert await aggregates.refresh(world, later) == 0


async def test_a_coverer_outside_the_callers_scope_sends_the_report_live(world: RolledBackDatabase) -> None:
    # P10 (the township's chair) covers V1's H10: outside a scope of V1.
    await coverage.assign_coverage(
        world, person_id=rid("P10"), grid_id=None, household_id=rid("C-T1-V1-H10"),
        role=CoverRole.ASSIST, since=dt.date(2024, 1, 1),
    )  # fmt: skip
    tallied, live = await both(world, "C-T1-V1", TODAY, "C-T1-V1")
    assert tallied is None
    assert live["covered"] == 9  # P10 does not exist for this caller
    tallied, live = await both(world, "C-T1-V1", TODAY, "C-T1")
    assert tallied == live and tallied is not None and tallied["covered"] == 10


async def test_the_api_answers_the_same_from_the_tallies(api: GraphQLClient) -> None:
    query = """{ organization(code: "C-T1") { coverage { householdCount coveredCount uncoveredCount
        multiplyCovered(first: 5) { totalCount nodes { code } }
        uncovered(first: 5) { totalCount nodes { code } }
        members(first: 2) { totalCount nodes { person { code } householdsReached } } } } }"""
    got = (await api.data(query))["organization"]["coverage"]
    assert got["householdCount"] == 12 and got["coveredCount"] == 11
    assert got["multiplyCovered"]["nodes"] == [{"code": "C-T1-V1-H01"}]
    assert got["uncovered"] == {"totalCount": 1, "nodes": [{"code": "C-T1-V1-H10"}]}
    assert got["members"]["totalCount"] == 4
    assert got["members"]["nodes"] == [
        {"person": {"code": "P03"}, "householdsReached": 4},
        {"person": {"code": "P04"}, "householdsReached": 4},
    ]


# --- the differential test


async def both(
    db: RolledBackDatabase, code: str, on: dt.date, scope: str | None
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """(the report from the tallies, or None when they do not answer; the live report)."""
    view = db.for_caller(Access("tester", scope, EVERYTHING))
    [org] = await db.execute("MATCH (o:Organization {code: $code}) RETURN o.id AS id", code=code)
    params = {
        "id": org["id"],
        "on": on,
        "asks": [
            {"min": 0, "max": 0, "after": None, "limit": 50},
            {"min": 2, "max": MANY, "after": None, "limit": 50},
            {"min": 2, "max": 2, "after": "C-T1-V1-H00", "limit": 2},
        ],
        "memberAsks": [{"after": None, "limit": 50}, {"after": "P03", "limit": 1}],
    }
    tallied = await view.read(TALLIED_REPORT, **params, **aggregates.reader_params())
    live = await view.read(COVERAGE_REPORT, **params)
    return (_plain(tallied[0]) if tallied else None), (_plain(live[0]) if live else {})


def _plain(row: Any) -> dict[str, Any]:
    """A report row with the members' places sorted (collect() keeps no order)."""
    found = dict(row)
    found["memberPages"] = [
        [
            {**m, "value": {**m["value"], "grids": _sorted(m["value"]["grids"]),
                            "households": _sorted(m["value"]["households"])}}
            for m in page
        ]
        for page in found["memberPages"]
    ]  # fmt: skip
    return found


def _sorted(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda x: str(x["code"]))


PEOPLE = [f"P{n:02d}" for n in range(1, 11)]
GRIDS = ["C-T1-V1-G1", "C-T1-V1-G2", "C-T1-V1-G3", "C-T1-V2-G4"]
HOUSEHOLDS = [f"C-T1-V1-H{n:02d}" for n in range(1, 11)] + ["C-T1-V2-H11", "C-T1-V2-H12"]
DAYS = [dt.date(2021, 1, 1), dt.date(2023, 1, 1), dt.date(2024, 5, 1), TODAY, dt.date(2024, 6, 2)]
CHECKED_DAYS = [TODAY, dt.date(2025, 1, 1)]
SCOPES = [None, "C-T1-V1"]
ORGS = ["C", "C-T1", "C-T1-V1", "C-T1-V2"]
KINDS = [
    "cover",
    "cover",
    "end",
    "end",
    "move",
    "tags",
    "household",
    "grid",
    "residence",
    "appoint",
    "import",
]
STEP = st.tuples(
    st.sampled_from(KINDS), st.integers(0, 99), st.integers(0, 99), st.sampled_from(DAYS), st.booleans()
)


async def apply(db: Database, step: tuple[str, int, int, dt.date, bool], n: int) -> None:
    kind, a, b, day, flag = step
    if kind == "cover":
        grid = flag
        await coverage.assign_coverage(
            db, person_id=rid(PEOPLE[a % len(PEOPLE)]),
            grid_id=rid(GRIDS[b % len(GRIDS)]) if grid else None,
            household_id=None if grid else rid(HOUSEHOLDS[b % len(HOUSEHOLDS)]),
            role=CoverRole.LEAD if grid else CoverRole.ASSIST, since=day,
        )  # fmt: skip
    elif kind == "end":
        running = await db.read("MATCH ()-[c:COVERS]->() WHERE c.until IS NULL RETURN c.id AS id ORDER BY id")
        if running:
            await coverage.end_coverage(db, running[a % len(running)]["id"], day)
    elif kind == "move":
        await places.move_household(db, rid(HOUSEHOLDS[a % len(HOUSEHOLDS)]), rid(GRIDS[b % len(GRIDS)]))
    elif kind == "tags":
        tags = [HouseholdTag.LEFT_BEHIND_ELDERLY] if flag else [HouseholdTag.MODEL_FAMILY]
        await places.update_household(
            db, rid(HOUSEHOLDS[a % len(HOUSEHOLDS)]), set_address=False, address=None, tags=tags
        )
    elif kind == "household":
        await places.create_household(
            db, code=f"C-T1-V1-N{n:02d}", grid_id=rid(GRIDS[b % len(GRIDS)]), address=None,
            tags=[HouseholdTag.HARDSHIP_WOMAN] if flag else [],
        )  # fmt: skip
    elif kind == "grid":
        village = "C-T1-V1" if flag else "C-T1-V2"
        await places.create_grid(
            db, code=f"{village}-NG{n:02d}", name=f"新网格{n}", organization_id=rid(village)
        )
    elif kind == "residence":
        await people.set_residence(db, rid(PEOPLE[a % len(PEOPLE)]), rid(HOUSEHOLDS[b % len(HOUSEHOLDS)]))
    elif kind == "appoint":
        org = ["C-T1-V1", "C-T1-V2", "C-T1", "C"][b % 4]
        await terms.appoint(
            db,
            person_id=rid(PEOPLE[a % len(PEOPLE)]),
            organization_id=rid(org),
            role=Role.EXECUTIVE,
            since=day,
        )
    elif kind == "import":
        await import_folder(db, EXAMPLE)


async def live_too(db: RolledBackDatabase, ask: Callable[[], Awaitable[Any]]) -> tuple[Any, Any]:
    """(`ask`'s answer, its answer with the tallies held: live)."""
    answer = await ask()
    await db.execute("CREATE (:TallyHold {id: 'test'})")
    try:
        return answer, await ask()
    finally:
        await db.execute("MATCH (t:TallyHold {id: 'test'}) DELETE t")


async def check_all(db: RolledBackDatabase, imported: bool) -> None:
    for on in CHECKED_DAYS:
        for scope in SCOPES:
            view = db.for_caller(Access("tester", scope, frozenset({Grant.ANALYST})))
            for sort in (OrgSort.COVERAGE_RATIO, OrgSort.UNCOVERED_HOUSEHOLDS):
                flt = OrgFilter(on=on, coverage_below=1.0 if sort is OrgSort.UNCOVERED_HOUSEHOLDS else None)
                tallied, live = await live_too(
                    db, partial(filter_organizations, view, flt, sort, False, PageArgs(50, total=True))
                )
                assert tallied == live, (sort, on, scope)
            for code in ("C", "C-T1"):
                [org] = await db.execute("MATCH (o:Organization {code: $code}) RETURN o.id AS id", code=code)
                tallied, live = await live_too(
                    db, partial(organization_figures, view, org["id"], on, min_group_size=2)
                )
                assert tallied == live, (code, on, scope)
    for code in ORGS + (["LX"] if imported else []):
        for on in CHECKED_DAYS:
            for scope in SCOPES:
                tallied, live = await both(db, code, on, scope)
                if on == TODAY and scope is None and code != "LX":
                    assert tallied is not None, (code, on, scope)
                if tallied is not None:
                    assert tallied == live, (code, on, scope)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=2, max_size=5))
async def test_tallies_equal_the_live_report_after_any_writes(
    database: Database, neo4j_connection: Connection, steps: list[tuple[str, int, int, dt.date, bool]]
) -> None:
    async with rolled_back(neo4j_connection) as db:
        await village_world().write(db)
        imported = False
        for n, step in enumerate(steps):
            try:
                await apply(db, step, n)
            except OrgGraphError:
                continue  # refused by a rule (overlap, an end before the start, ...): nothing written
            imported = imported or step[0] == "import"
            await check_all(db, imported)


async def test_a_subtrees_household_count_comes_from_the_tallies(world: RolledBackDatabase) -> None:
    await places.create_household(world, code="C-T1-V2-H13", grid_id=rid("C-T1-V2-G4"), address=None, tags=[])
    [t1] = await world.execute("MATCH (o:Organization {code: 'C-T1'}) RETURN o.id AS id")
    assert await aggregates.households_under(world, t1["id"]) == 13
    flt = HouseholdFilter(on=TODAY, under=t1["id"])
    tallied, live = await live_too(world, partial(filter_households, world, flt, PageArgs(0, total=True)))
    assert tallied.total == live.total == 13
    await world.execute("CREATE (:TallyHold {id: 'importing'})")
    assert await aggregates.households_under(world, t1["id"]) is None


async def test_a_new_grid_without_households_is_tallied(world: RolledBackDatabase) -> None:
    grid = await places.create_grid(
        world, code="C-T1-V2-G5", name="西村G5网格", organization_id=rid("C-T1-V2")
    )
    await coverage.assign_coverage(
        world, person_id=rid("P09"), grid_id=grid.id, household_id=None,
        role=CoverRole.LEAD, since=dt.date(2024, 1, 1),
    )  # fmt: skip
    v2 = await tally_of(world, "C-T1-V2")
    assert (v2["tallyHouseholds"], v2["tallyCovered"], v2["tallyCoverers"]) == (2, 2, ["P09"])
    tallied, live = await both(world, "C-T1-V2", TODAY, None)
    assert tallied == live and tallied is not None


async def test_refresh_counts_a_village_never_tallied(world: RolledBackDatabase) -> None:
    # A store seeded or restored without tallies (a property never written): the
    # start-up refresh must count every village, not leave them all live.
    await world.execute(
        "MATCH (o:Organization) WHERE o.tallyVersion IS NOT NULL REMOVE o.tallyVersion, o.tallyFrom, o.tallyUntil"
    )
    owners = await world.execute(
        "MATCH (o:Organization) WHERE EXISTS { (o)<-[:PART_OF]-(:Grid) } RETURN o.code"
    )
    assert await aggregates.refresh(world, TODAY) == len(owners) >= 2
    tallied, live = await both(world, "C-T1", TODAY, None)
    assert tallied == live and tallied is not None
    assert await aggregates.refresh(world, TODAY) == 0


async def test_a_coverer_living_in_the_scope_without_a_position_there_counts(
    world: RolledBackDatabase,
) -> None:
    # The tallied reports find most coverers in scope through a position in the
    # report's subtree; one holding none is tested by where she lives.
    facts = people.PersonFacts(name="吴邻居", given=frozenset({"name"}))
    helper = await people.create_person(world, code="P90", facts=facts, household_id=rid("C-T1-V1-H01"))
    await coverage.assign_coverage(
        world, person_id=helper.id, grid_id=None, household_id=rid("C-T1-V1-H10"),
        role=CoverRole.ASSIST, since=dt.date(2024, 1, 1),
    )  # fmt: skip
    tallied, live = await both(world, "C-T1-V1", TODAY, "C-T1-V1")
    assert tallied == live and tallied is not None and tallied["covered"] == 10  # H10 now covered
    # Moved to the other village, she is outside a scope of V1: live, and H10 uncovered again.
    await people.set_residence(world, helper.id, rid("C-T1-V2-H11"))
    tallied, live = await both(world, "C-T1-V1", TODAY, "C-T1-V1")
    assert tallied is None and live["covered"] == 9
    tallied, live = await both(world, "C-T1-V1", TODAY, "C-T1")
    assert tallied == live and tallied is not None and tallied["covered"] == 10


async def test_the_organization_lists_use_the_tallies_only_without_outside_coverers(
    world: RolledBackDatabase,
) -> None:
    # The coverage sorts of the organization lists ask `tallies_hold` first.
    [v1] = await world.execute("MATCH (o:Organization {code: 'C-T1-V1'}) RETURN o.id AS id")
    [t1] = await world.execute("MATCH (o:Organization {code: 'C-T1'}) RETURN o.id AS id")

    async def hold(scope: str | None, root: str | None) -> bool:
        view = world.for_caller(Access("tester", scope, EVERYTHING))
        return await aggregates.tallies_hold(view, root, TODAY)

    assert await hold("C-T1-V1", v1["id"]) and await hold("C-T1", t1["id"]) and await hold(None, None)
    assert not await hold("C-T1-V1", None)  # a scoped caller's list has a root: fail closed
    # P10 (the township's chair) covers V1's H10: outside a scope of V1, inside the township's.
    await coverage.assign_coverage(
        world, person_id=rid("P10"), grid_id=None, household_id=rid("C-T1-V1-H10"),
        role=CoverRole.ASSIST, since=dt.date(2024, 1, 1),
    )  # fmt: skip
    assert not await hold("C-T1-V1", v1["id"])
    assert await hold("C-T1", t1["id"]) and await hold("C-T1", v1["id"]) and await hold(None, None)
    # A day before the tallies' first coverage date is answered live.
    view = world.for_caller(Access("tester", "C-T1", EVERYTHING))
    assert not await aggregates.tallies_hold(view, t1["id"], dt.date(2020, 1, 1))
