"""The demo-data generator (`graph.seed_data`) and `orggraph seed` (`graph.seed`).

Pure tests check determinism and the headline figures at county scale without a
database. The rest load the `small` county once into the test server (committed,
so the module wipes it before and after) and check the graph's invariants there.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import AsyncIterator

import pytest

from graph.driver import Database
from graph.model import COLLEGE_OR_ABOVE, Education, Stage
from graph.seed import NotEmpty, SeedSummary, counts, seed, wipe
from graph.seed_data import Dataset, generate
from graph.seed_vocab import AS_OF, age_on
from service.cli import seed as seed_cli

PARTY_PATH = [Stage.VILLAGE_SISTER, Stage.PARTY_ACTIVIST, Stage.DEVELOPMENT_TARGET,
              Stage.PROBATIONARY_MEMBER, Stage.PARTY_MEMBER]  # fmt: skip


# --- the pure generator ------------------------------------------------------------


@pytest.fixture(scope="module")
def county() -> Dataset:
    return generate("county")


def test_same_seed_gives_the_same_dataset() -> None:
    assert generate("tiny") == generate("tiny")
    first, again = generate("small", 7), generate("small", 7)
    assert first == again
    assert [p["id"] for p in first.persons] == [p["id"] for p in again.persons]
    other = generate("small", 8)
    assert {p["id"] for p in other.persons}.isdisjoint(p["id"] for p in first.persons)


def test_unknown_scale_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown scale"):
        generate("planet")


def test_tiny_shape_and_codes() -> None:
    data = generate("tiny")
    levels = Counter((o["kind"], o["level"]) for o in data.organizations)
    assert levels[("FEDERATION", "COUNTY")] == 1
    assert levels[("FEDERATION", "TOWNSHIP")] == 2
    assert levels[("FEDERATION", "VILLAGE")] == 4
    assert levels[("SISTERS_COUNCIL", "VILLAGE")] == 4
    assert levels[("VILLAGE_COMMITTEE", "VILLAGE")] == 4
    assert levels[("VOLUNTEER_TEAM", "COUNTY")] == 1
    assert levels[("WOMENS_COMMITTEE", "UNIT")] >= 2
    assert len(data.grids) == 12 and len(data.households) == 72
    codes = {o["code"] for o in data.organizations}
    assert "QX" in codes and "QX-T01" in codes and "QX-T02-V02" in codes and "QX-T01-V01-SC" in codes
    assert all(re.fullmatch(r"QX-T\d\d-V\d\d-G\d\d", g["code"]) for g in data.grids)
    assert all(re.fullmatch(r"QX-T\d\d-V\d\d-G\d\d-H\d{3}", h["code"]) for h in data.households)
    assert all(re.fullmatch(r"P\d{7}", p["code"]) for p in data.persons)
    assert all(h["address"].endswith("号") and "村" in h["address"] for h in data.households)
    village = next(o for o in data.organizations if o["code"] == "QX-T01-V01")
    assert village["name"].endswith("村妇联")


def test_ids_and_codes_are_unique(county: Dataset) -> None:
    for rows in (county.organizations, county.persons, county.grids, county.households):
        assert len({r["id"] for r in rows}) == len(rows)
        assert len({r["code"] for r in rows}) == len(rows)
    holds_and_covers = county.holds + county.covers_grid + county.covers_household
    assert len({r["id"] for r in holds_and_covers}) == len(holds_and_covers)


def test_county_scale_headline_figures(county: Dataset) -> None:
    persons = {p["id"]: p for p in county.persons}
    orgs = {o["id"]: o for o in county.organizations}
    villages = [o for o in county.organizations if o["kind"] == "FEDERATION" and o["level"] == "VILLAGE"]
    assert 320 <= len(villages) <= 380
    assert 90_000 <= len(county.households) <= 110_000
    sisters = {h["a"] for h in county.holds if h["role"] == "VILLAGE_SISTER"}
    assert 3_700 <= len(sisters) <= 4_300

    chairs = [
        persons[h["a"]]
        for h in county.holds
        if h["role"] == "CHAIR" and h["until"] is None and orgs[h["b"]]["level"] == "VILLAGE"
    ]
    assert len(chairs) == len(villages)
    ages = [age_on(c["birthDate"]) for c in chairs]
    assert sum(a <= 45 for a in ages) / len(chairs) == pytest.approx(690 / 1591, abs=0.005)
    assert min(ages) == 22
    college = sum(Education[c["education"]] in COLLEGE_OR_ABOVE for c in chairs)
    assert college / len(chairs) == pytest.approx(306 / 1591, abs=0.005)

    reached = Counter(r["b"] for r in county.reached)
    assert reached["VILLAGE_SISTER"] == len(sisters)
    assert reached["PARTY_ACTIVIST"] / len(sisters) == pytest.approx(306 / 4240, abs=0.002)
    assert reached["PARTY_MEMBER"] / reached["PARTY_ACTIVIST"] == pytest.approx(51 / 306, abs=0.01)
    assert reached["PARTY_ACTIVIST"] > reached["DEVELOPMENT_TARGET"] >= reached["PROBATIONARY_MEMBER"]
    assert reached["PROBATIONARY_MEMBER"] >= reached["PARTY_MEMBER"]
    assert reached["REPRESENTATIVE"] / len(sisters) == pytest.approx(204 / 4240, abs=0.002)
    moved_on = {r["a"] for r in county.reached if r["b"] in ("RESERVE_CADRE", "VILLAGE_COMMITTEE")}
    assert len(moved_on) / len(sisters) == pytest.approx(130 / 4240, abs=0.002)


def test_boards_and_households_in_generated_county(county: Dataset) -> None:
    orgs = {o["id"]: o for o in county.organizations}
    boards: dict[str, Counter[str]] = defaultdict(Counter)
    for h in county.holds:
        org = orgs[h["b"]]
        if (
            h["until"] is None
            and org["kind"] == "FEDERATION"
            and h["role"] in ("CHAIR", "VICE_CHAIR", "EXECUTIVE")
        ):
            boards[org["code"]][h["role"]] += 1
    village_boards = [b for code, b in boards.items() if "-V" in code]
    assert all(7 <= b.total() <= 12 and b["CHAIR"] == 1 and 1 <= b["VICE_CHAIR"] <= 2 for b in village_boards)
    assert max(b.total() for b in village_boards) == 12
    assert all(b["CHAIR"] == 1 for b in boards.values())
    residents = Counter(r["b"] for r in county.lives_in)
    assert len(residents) == len(county.households) and set(residents.values()) == {1, 2, 3}
    assert len({r["a"] for r in county.lives_in}) == len(county.persons) == len(county.lives_in)
    tagged = Counter(t for h in county.households for t in h["tags"])
    assert 0.03 < tagged["LEFT_BEHIND_CHILD"] / len(county.households) < 0.07
    women = sum(p["gender"] == "FEMALE" for p in county.persons)
    assert women > len(county.persons) / 2


def test_milestones_follow_the_party_path(county: Dataset) -> None:
    by_person: dict[str, dict[str, dt.date]] = defaultdict(dict)
    for r in county.reached:
        by_person[r["a"]][r["b"]] = r["on"]
    persons = {p["id"]: p for p in county.persons}
    order = list(Stage)
    for pid, stages in by_person.items():
        dates = [stages[s.name] for s in order if s.name in stages]
        assert dates == sorted(dates) and len(set(dates)) == len(dates) and dates[-1] <= AS_OF
        party = [s for s in PARTY_PATH if s.name in stages]
        assert party == PARTY_PATH[: len(party)], "the Party path is taken in order, without gaps"
        if Stage.DEVELOPMENT_TARGET.name in stages:
            gap = stages["DEVELOPMENT_TARGET"] - stages["PARTY_ACTIVIST"]
            assert gap >= dt.timedelta(days=365)
        if Stage.PARTY_MEMBER.name in stages:
            probation = stages["PROBATIONARY_MEMBER"]
            assert stages["PARTY_MEMBER"] in (probation.replace(year=probation.year + 1),
                                              dt.date(probation.year + 1, 2, 28))  # fmt: skip
        status = persons[pid]["politicalStatus"]
        if len(party) > 1:
            assert status == party[-1].name
        else:
            assert status in ("MASSES", "LEAGUE_MEMBER", "PARTY_APPLICANT")


def test_mentoring_has_no_cycles_and_forms_lineages(county: Dataset) -> None:
    mentor_of = {}
    for m in county.mentors:
        assert m["b"] not in mentor_of, "one mentor per mentee"
        mentor_of[m["b"]] = m["a"]
    deepest = 0
    for mentee in mentor_of:
        chain, person = {mentee}, mentee
        while person in mentor_of:
            person = mentor_of[person]
            assert person not in chain, "mentoring cycle"
            chain.add(person)
        deepest = max(deepest, len(chain))
    assert deepest == 4


# --- loaded into Neo4j -------------------------------------------------------------


@pytest.fixture(scope="module")
async def loaded(database: Database) -> AsyncIterator[tuple[Dataset, SeedSummary]]:
    await wipe(database)
    summary = await seed(database, "small")
    yield generate("small"), summary
    await wipe(database)


async def scalar(db: Database, cypher: str) -> int:
    records = await db.read(cypher)
    return int(records[0][0])


async def test_loaded_counts_equal_generated_counts(loaded: tuple[Dataset, SeedSummary]) -> None:
    data, summary = loaded
    assert not summary.skipped
    assert summary.nodes == data.node_counts()
    assert summary.relationships == data.relationship_counts()
    assert summary.rows == data.rows and summary.rows_per_second > 0
    assert "Person 3," in summary.format()


async def test_village_boards(loaded: object, database: Database) -> None:
    records = await database.read(
        """
        MATCH (v:Organization {kind: 'FEDERATION', level: 'VILLAGE'})
        RETURN v.code AS code,
          COUNT { (v)<-[h:HOLDS]-(:Person)
                  WHERE h.until IS NULL AND h.role IN ['CHAIR', 'VICE_CHAIR', 'EXECUTIVE'] } AS board,
          COUNT { (v)<-[h:HOLDS {role: 'CHAIR'}]-(:Person) WHERE h.until IS NULL } AS chairs,
          COUNT { (v)<-[h:HOLDS]-(:Person) WHERE h.until IS NOT NULL } AS ended
        """
    )
    assert len(records) == 20
    for r in records:
        assert 7 <= r["board"] <= 12 and r["chairs"] == 1 and r["ended"] >= 7, r["code"]


async def test_previous_terms_end_when_the_new_one_starts(loaded: object, database: Database) -> None:
    mismatched = await scalar(
        database,
        """
        MATCH (v:Organization {kind: 'FEDERATION', level: 'VILLAGE'})<-[c:HOLDS {role: 'CHAIR'}]-()
        WHERE c.until IS NULL
        MATCH (v)<-[old:HOLDS]-() WHERE old.since.year = 2016
        RETURN count(CASE WHEN old.until <> c.since THEN 1 END)
        """,
    )
    assert mismatched == 0


async def test_every_chair_sits_on_the_village_committee(loaded: object, database: Database) -> None:
    records = await database.read(
        """
        MATCH (p:Person)-[h:HOLDS {role: 'CHAIR'}]->(v:Organization {kind: 'FEDERATION', level: 'VILLAGE'})
        WHERE h.until IS NULL
        RETURN count(p) AS chairs,
          count(CASE WHEN EXISTS {
            (p)-[s:HOLDS]->(:Organization {kind: 'VILLAGE_COMMITTEE'})-[:PART_OF]->(v)
            WHERE s.until IS NULL AND s.role IN ['COMMITTEE_MEMBER', 'SECRETARY'] } THEN 1 END) AS seated,
          count(CASE WHEN EXISTS {
            (p)-[s:HOLDS {role: 'COUNCIL_HEAD'}]->(:Organization {kind: 'SISTERS_COUNCIL'})-[:PART_OF]->(v)
          } THEN 1 END) AS heads
        """
    )
    assert records[0]["chairs"] == records[0]["seated"] == records[0]["heads"] == 20


async def test_chairs_and_vice_chairs_guide_two_to_four_executives(
    loaded: object, database: Database
) -> None:
    records = await database.read(
        """
        MATCH (p:Person)-[h:HOLDS]->(o:Organization {kind: 'FEDERATION'})
        WHERE h.until IS NULL AND h.role IN ['CHAIR', 'VICE_CHAIR']
        WITH COUNT { (p)-[g:GUIDES]->(:Person)-[e:HOLDS {role: 'EXECUTIVE'}]->(o)
                     WHERE g.until IS NULL AND e.until IS NULL } AS guided
        RETURN min(guided) AS least, max(guided) AS most
        """
    )
    assert records[0]["least"] >= 2 and records[0]["most"] <= 4


async def test_grids_households_and_residents(loaded: object, database: Database) -> None:
    assert (
        await scalar(
            database, "MATCH (h:Household) WHERE COUNT { (h)-[:IN_GRID]->(:Grid) } <> 1 RETURN count(h)"
        )
        == 0
    )
    assert (
        await scalar(
            database,
            """
            MATCH (g:Grid)
            WHERE COUNT { (g)-[:PART_OF]->(:Organization {kind: 'FEDERATION', level: 'VILLAGE'}) } <> 1
            RETURN count(g)
            """,
        )
        == 0
    )
    assert (
        await scalar(
            database,
            "MATCH (h:Household) WITH COUNT { (h)<-[:LIVES_IN]-(:Person) } AS n WHERE NOT n IN [1, 2, 3] "
            "RETURN count(*)",
        )
        == 0
    )
    assert (
        await scalar(database, "MATCH (p:Person) WHERE COUNT { (p)-[:LIVES_IN]->() } <> 1 RETURN count(p)")
        == 0
    )


async def test_officers_live_in_their_village(loaded: object, database: Database) -> None:
    elsewhere = await scalar(
        database,
        """
        MATCH (p:Person)-[h:HOLDS]->(v:Organization {kind: 'FEDERATION', level: 'VILLAGE'})
        WHERE NOT EXISTS { (p)-[:LIVES_IN]->(:Household)-[:IN_GRID]->(:Grid)-[:PART_OF]->(v) }
        RETURN count(p)
        """,
    )
    assert elsewhere == 0


async def test_some_households_uncovered_and_some_covered_twice(loaded: object, database: Database) -> None:
    records = await database.read(
        """
        MATCH (h:Household)-[:IN_GRID]->(g:Grid)
        WITH h,
          COUNT { (h)<-[c:COVERS]-(:Person) WHERE c.until IS NULL } AS direct,
          COUNT { (g)<-[c:COVERS]-(:Person) WHERE c.until IS NULL } AS viaGrid
        RETURN count(h) AS households,
          count(CASE WHEN direct = 0 AND viaGrid = 0 THEN 1 END) AS uncovered,
          count(CASE WHEN direct >= 2 THEN 1 END) AS twice
        """
    )
    r = records[0]
    assert 0.04 < r["uncovered"] / r["households"] < 0.10
    assert r["twice"] > 0


async def test_current_coverage_starts_after_the_term(loaded: object, database: Database) -> None:
    early = await scalar(
        database,
        """
        MATCH (p:Person)-[c:COVERS]->(x)
        WHERE c.until IS NULL
        MATCH (x)-[:IN_GRID|PART_OF*1..2]->(v:Organization {kind: 'FEDERATION', level: 'VILLAGE'})
        MATCH (v)<-[term:HOLDS {role: 'CHAIR'}]-() WHERE term.until IS NULL
        RETURN count(CASE WHEN c.since < term.since THEN 1 END)
        """,
    )
    assert early == 0
    lead_roles = await database.read(
        "MATCH ()-[c:COVERS]->(x) RETURN labels(x)[0] AS label, collect(DISTINCT c.role) AS roles"
    )
    assert {r["label"]: sorted(r["roles"]) for r in lead_roles} == {
        "Grid": ["ASSIST", "LEAD"], "Household": ["ASSIST"],
    }  # fmt: skip


async def test_mentoring_lineages_in_the_graph(loaded: object, database: Database) -> None:
    assert (
        await scalar(database, "MATCH (a:Person) WHERE EXISTS { (a)-[:MENTORS]->+(a) } RETURN count(a)") == 0
    )
    deepest = await scalar(database, "MATCH path = (:Person)-[:MENTORS]->+(:Person) RETURN max(length(path))")
    assert 2 <= deepest <= 3


async def test_milestones_in_the_graph(loaded: object, database: Database) -> None:
    records = await database.read(
        """
        MATCH (p:Person)-[r:REACHED]->(s:Stage)
        WITH p, r, s ORDER BY s.order
        RETURN p.id AS id, p.politicalStatus AS status, collect(s.name) AS stages, collect(r.on) AS dates
        """
    )
    assert records
    for r in records:
        dates = [d.to_native() for d in r["dates"]]
        assert dates == sorted(dates) and len(set(dates)) == len(dates)
        assert r["stages"][0] == "VILLAGE_SISTER"
        party = [s for s in r["stages"] if s in {p.name for p in PARTY_PATH[1:]}]
        assert r["status"] == (party[-1] if party else r["status"]), "status follows the furthest stage"
    sisters = await scalar(database, "MATCH ()-[h:HOLDS {role: 'VILLAGE_SISTER'}]->() RETURN count(h)")
    assert sisters == len(records)
    stages = await database.read("MATCH (s:Stage) RETURN s.name AS name, s.order AS order ORDER BY s.order")
    assert [(r["name"], r["order"]) for r in stages] == [(s.name, i) for i, s in enumerate(Stage)]


async def test_refuses_a_database_with_data(loaded: tuple[Dataset, SeedSummary], database: Database) -> None:
    with pytest.raises(NotEmpty, match="--force"):
        await seed(database, "tiny")
    skipped = await seed(database, "tiny", if_empty=True)
    assert skipped.skipped and "left it as it is" in skipped.format()
    assert (await counts(database))[0] == loaded[0].node_counts()


def test_cli_if_empty_leaves_data(
    loaded: object,
    neo4j_connection: object,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from graph.driver import Connection

    assert isinstance(neo4j_connection, Connection)
    monkeypatch.setenv("NEO4J_URI", neo4j_connection.uri)
    monkeypatch.setenv("NEO4J_USER", neo4j_connection.user)
    monkeypatch.setenv("NEO4J_PASSWORD", neo4j_connection.password)
    parser = argparse.ArgumentParser(prog="orggraph")
    seed_cli.add_parser(parser.add_subparsers())
    args = parser.parse_args(["seed", "--scale", "tiny", "--if-empty"])
    assert args.run(args) == 0
    assert "left it as it is" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parser.parse_args(["seed", "--force", "--if-empty"])
    assert parser.parse_args(["seed"]).scale == "small"


async def test_force_replaces_the_data(loaded: object, database: Database) -> None:
    # Last in the module: it swaps the small county for the tiny one.
    summary = await seed(database, "tiny", force=True)
    tiny = generate("tiny")
    assert summary.nodes == tiny.node_counts()
    assert summary.relationships == tiny.relationship_counts()
