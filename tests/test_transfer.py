"""Bulk import and export: a broken folder reports every bad row and writes
nothing; imports are idempotent and update what changed; seed → export →
import → export gives identical files; the CLI commands."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from graph.driver import Database
from graph.seed import load, wipe
from graph.seed_data import generate
from graph.transfer.exporter import export_folder
from graph.transfer.formats import FILES as FORMATS
from graph.transfer.importer import InvalidFolder, import_folder
from service.app import create_app
from service.cli import main as cli
from tests.conftest import GraphQLClient
from tests.helpers import RolledBackDatabase
from tests.writes import fingerprint

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "county"
BROKEN = Path(__file__).resolve().parent / "data" / "broken"

ORG_KINDS = (
    "FEDERATION, WOMENS_COMMITTEE, SISTERS_COUNCIL, DELIBERATION_COUNCIL, VOLUNTEER_TEAM, VILLAGE_COMMITTEE"
)
STAGES = ("VILLAGE_SISTER, PARTY_ACTIVIST, DEVELOPMENT_TARGET, PROBATIONARY_MEMBER, PARTY_MEMBER, "
          "REPRESENTATIVE, RESERVE_CADRE, VILLAGE_COMMITTEE")  # fmt: skip
FILES = ("organizations.csv, grids.csv, households.csv, people.csv, positions.csv, coverage.csv, "
         "guidance.csv, mentorships.csv, milestones.csv")  # fmt: skip

# tests/data/broken against the reference village (households.csv starts with a
# byte-order mark, people.csv has Windows line ends: both are fine).
BROKEN_PROBLEMS = [
    f"notes.csv:1: -: unknown file; expected {FILES}",
    "organizations.csv:4: parent: unknown organization C-T9 (not in organizations.csv nor in the database)",
    "organizations.csv:5: code: duplicate code C-T1-V3 (first on line 2)",
    "organizations.csv:6: parent: a VILLAGE federation sits one level below its parent, so under a TOWNSHIP "
    "federation, not a COUNTY one",
    f"organizations.csv:7: kind: 'COMMITTEE' is not a OrgKind; expected one of {ORG_KINDS}",
    "grids.csv:3: organization: grids belong to village federations, not to a VILLAGE SISTERS_COUNCIL",
    "households.csv:3: grid: unknown grid C-T1-V3-G9 (not in grids.csv nor in the database)",
    "households.csv:4: tags: 'RICH' is not a HouseholdTag; expected names separated by ';'",
    "people.csv:2: birthDate: '1990-02-30' is not a date: write it as YYYY-MM-DD",
    "people.csv:3: phone: '1.38E+10' looks like a number a spreadsheet reformatted: store the column as text",
    "people.csv:4: name: required, but empty",
    "people.csv:5: gender: 'F' is not a Gender; expected one of FEMALE, MALE",
    "positions.csv:3: person: unknown person P99 (not in people.csv nor in the database)",
    "positions.csv:4: until: 2023-01-01 is before since (2024-01-01)",
    "positions.csv:5: person: the same row as line 2 (same (person, organization, role, since))",
    "coverage.csv:3: grid: give the grid or the household covered",
    "coverage.csv:4: household: give the grid or the household covered, not both",
    "guidance.csv:1: executve: unknown column; expected ['guide', 'executive', 'since', 'until']",
    "guidance.csv:1: executive: missing column (cells may be empty, the column may not)",
    "mentorships.csv:2: mentee: closes a cycle of mentoring: P06 → P01 → P03 → P05 → P06",
    "mentorships.csv:4: mentee: a person does not mentor herself",
    "milestones.csv:2: on: P05: DEVELOPMENT_TARGET (发展对象) on 2022-06-01 is less than 365 days after "
    "PARTY_ACTIVIST (入党积极分子) on 2022-03-01",
    "milestones.csv:4: on: P21: PARTY_ACTIVIST (入党积极分子) on 2024-01-01 is before VILLAGE_SISTER (村嫂) on "
    "2024-03-05: stages follow the pipeline order",
    f"milestones.csv:5: stage: 'SAINT' is not a Stage; expected one of {STAGES}",
]


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.csv"))}


async def test_a_broken_folder_reports_every_problem_and_writes_nothing(world: RolledBackDatabase) -> None:
    before = await fingerprint(world)
    with pytest.raises(InvalidFolder) as caught:
        await import_folder(world, BROKEN)
    assert [str(p) for p in caught.value.problems] == BROKEN_PROBLEMS
    assert await fingerprint(world) == before


async def test_the_example_imports_round_trips_and_reimports_unchanged(
    db: RolledBackDatabase, tmp_path: Path
) -> None:
    first = await import_folder(db, EXAMPLE)
    assert {name: (c.created, c.updated, c.unchanged) for name, c in first.files.items()} == {
        "organizations.csv": (9, 0, 0), "grids.csv": (3, 0, 0), "households.csv": (7, 0, 0),
        "people.csv": (16, 0, 0), "positions.csv": (20, 0, 0), "coverage.csv": (5, 0, 0),
        "guidance.csv": (3, 0, 0), "mentorships.csv": (3, 0, 0), "milestones.csv": (5, 0, 0),
    }  # fmt: skip
    graph = await fingerprint(db)
    again = await import_folder(db, EXAMPLE)
    assert {c.created + c.updated for c in again.files.values()} == {0}
    assert again.rows == first.rows == 71
    assert await fingerprint(db) == graph, "re-importing the same folder changed the graph"
    summary = await export_folder(db, tmp_path / "out")
    assert summary.files["people.csv"] == 16
    assert files_of(tmp_path / "out") == files_of(EXAMPLE)


async def test_imported_data_reads_back_through_the_api(db: RolledBackDatabase) -> None:
    await import_folder(db, EXAMPLE)
    app = create_app(db=db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        api = GraphQLClient(http, db)
        data = await api.data(
            '{ organization(code: "LX-T01-V01") { parent { code } coverage(asOf: "2022-01-01") { householdCount coveredCount }'
            '  positions(activeOn: "2022-01-01") { nodes { role person { code household { code } } } } } }'
        )
    village = data["organization"]
    assert village["parent"] == {"code": "LX-T01"}
    assert village["coverage"] == {"householdCount": 5, "coveredCount": 5}
    assert [(p["role"], p["person"]["code"]) for p in village["positions"]["nodes"]] == [
        ("CHAIR", "P0001"), ("VICE_CHAIR", "P0002"), ("EXECUTIVE", "P0003"), ("EXECUTIVE", "P0004"),
        ("EXECUTIVE", "P0005"),
    ]  # fmt: skip


async def test_a_changed_folder_updates_only_what_changed(db: RolledBackDatabase, tmp_path: Path) -> None:
    await import_folder(db, EXAMPLE)
    changed = tmp_path / "changed"
    shutil.copytree(EXAMPLE, changed)
    people = (changed / "people.csv").read_text(encoding="utf-8")
    people = people.replace("13905710003,LX-T01-V01-G02-H001", ",LX-T01-V02-G01-H002")  # phone cleared, moved
    (changed / "people.csv").write_text(people, encoding="utf-8")
    positions = (changed / "positions.csv").read_text(encoding="utf-8")
    positions = positions.replace(
        "P0005,LX-T01-V01,EXECUTIVE,2021-04-10,", "P0005,LX-T01-V01,EXECUTIVE,2021-04-10,2024-01-01"
    )
    (changed / "positions.csv").write_text(positions, encoding="utf-8")
    organizations = (changed / "organizations.csv").read_text(encoding="utf-8")
    (changed / "organizations.csv").write_text(
        organizations + "LX-T02,柳溪镇妇联,FEDERATION,TOWNSHIP,LX\n", encoding="utf-8"
    )
    (changed / "organizations.csv").write_text(
        (changed / "organizations.csv")
        .read_text(encoding="utf-8")
        .replace("石桥村妇联,FEDERATION,VILLAGE,LX-T01", "石桥村妇联,FEDERATION,VILLAGE,LX-T02"),
        encoding="utf-8",
    )
    summary = await import_folder(db, changed)
    assert {n: (c.created, c.updated) for n, c in summary.files.items() if c.created or c.updated} == {
        "organizations.csv": (1, 1), "people.csv": (0, 1), "positions.csv": (0, 1),
    }  # fmt: skip
    await export_folder(db, tmp_path / "out")
    exported = files_of(tmp_path / "out")
    assert (
        b"P0003,\xe7\x8e\x8b\xe9\x9d\x99,FEMALE,1988-06-21,SENIOR_HIGH,MASSES,,LX-T01-V02-G01-H002\n"
        in exported["people.csv"]
    )
    assert b"P0005,LX-T01-V01,EXECUTIVE,2021-04-10,2024-01-01\n" in exported["positions.csv"]
    assert "LX-T01-V02,石桥村妇联,FEDERATION,VILLAGE,LX-T02\n".encode() in exported["organizations.csv"]
    lives = await db.execute("MATCH (:Person {code: 'P0003'})-[r:LIVES_IN]->(h) RETURN h.code AS code")
    assert [r["code"] for r in lives] == ["LX-T01-V02-G01-H002"]


async def test_seed_export_import_export_gives_identical_files(
    db: RolledBackDatabase, tmp_path: Path
) -> None:
    dataset = generate("tiny")
    await load(db, dataset)
    first = await export_folder(db, tmp_path / "first")
    assert first.files["people.csv"] == len(dataset.persons)
    assert first.files["positions.csv"] == len(dataset.holds)
    await wipe(db)
    await import_folder(db, tmp_path / "first")
    await export_folder(db, tmp_path / "second", bom=True)
    bom = b"\xef\xbb\xbf"
    second = {name: data.removeprefix(bom) for name, data in files_of(tmp_path / "second").items()}
    assert second == files_of(tmp_path / "first")
    await import_folder(db, tmp_path / "second")  # a byte-order mark is fine


async def test_a_file_that_is_not_utf8(db: RolledBackDatabase, tmp_path: Path) -> None:
    (tmp_path / "grids.csv").write_bytes("code,name,organization\nG1,网格,V1\n".encode("gbk"))
    with pytest.raises(InvalidFolder) as caught:
        await import_folder(db, tmp_path)
    assert [str(p) for p in caught.value.problems] == [
        'grids.csv:2: -: not UTF-8 text: save the file as "CSV UTF-8" (not GBK/ANSI)'
    ]


# --- the CLI, against the committed test database --------------------------------------


@pytest.fixture
async def empty(database: Database, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Database]:
    """The committed test database, empty, with the CLI pointed at it; wiped afterwards."""
    assert not await database.read("MATCH (n) RETURN n LIMIT 1"), "the test database should be empty"
    monkeypatch.setenv("NEO4J_URI", database.connection.uri)
    monkeypatch.setenv("NEO4J_USER", database.connection.user)
    monkeypatch.setenv("NEO4J_PASSWORD", database.connection.password)
    yield database
    await wipe(database)


def test_cli_import_and_export(empty: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["import", str(BROKEN), "--quiet"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert "people.csv:4: name: required, but empty" in err
    assert "positions.csv:2: person: unknown person P01 (not in people.csv nor in the database)" in err
    assert err[-1] == f"orggraph import: {len(err) - 1} problem(s) found; nothing was imported"
    assert cli.main(["import", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"imported {EXAMPLE}: 71 rows checked in ")
    assert out[-1] == "  total              created       71  updated        0  unchanged        0"
    assert cli.main(["import", str(EXAMPLE)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "  total              created        0  updated        0  unchanged       71"
    )
    assert cli.main(["export", str(tmp_path / "out"), "--quiet"]) == 0
    assert files_of(tmp_path / "out") == files_of(EXAMPLE)


def test_the_docs_document_the_format_and_real_problems() -> None:
    section = (ROOT / "docs" / "import.md").read_text(encoding="utf-8")
    for fmt in FORMATS:
        [row] = [line for line in section.splitlines() if line.startswith(f"| `{fmt.name}` |")]
        columns = row.split("|")[2]
        positions = [columns.index(c.name if not c.required else f"**{c.name}**") for c in fmt.columns]
        assert positions == sorted(positions), fmt.name
    block = section[section.index("```\norganizations.csv:") + 4 :]
    for line in block[: block.index("```")].splitlines():
        assert line in BROKEN_PROBLEMS
