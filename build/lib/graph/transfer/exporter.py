"""`orggraph export DIR`: the database as a CSV folder that `orggraph import`
reads back.

The output is deterministic: node files are ordered by code; relationship files
by their first column's code and then the rest of the row (milestones in
pipeline order); household tags in the order HouseholdTag declares them. Ids are
not exported (rows refer to each other by code), so exporting, importing into an
empty database and exporting again gives identical files.
"""

from __future__ import annotations

import csv
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, LiteralString

from tqdm import tqdm

from graph import rows as neo
from graph.driver import Database
from graph.model import (
    STAGE_ORDER,
    CoverRole,
    Education,
    Gender,
    HouseholdTag,
    Level,
    OrgKind,
    PoliticalStatus,
    Role,
    Stage,
)
from graph.transfer.formats import (
    CoverageRow,
    FileFormat,
    Folder,
    GridRow,
    GuidanceRow,
    HouseholdRow,
    MentorshipRow,
    MilestoneRow,
    OrganizationRow,
    PersonRow,
    PositionRow,
    Row,
)

PAGE = 10_000

SIZES: LiteralString = """
RETURN COUNT { (:Organization) } + COUNT { (:Grid) } + COUNT { (:Household) } + COUNT { (:Person) } AS nodes
"""

ORGANIZATIONS: LiteralString = """
MATCH (o:Organization) USING INDEX SEEK o:Organization(code)
WHERE o.code > $after
WITH o ORDER BY o.code LIMIT $limit
RETURN collect({code: o.code, name: o.name, kind: o.kind, level: o.level,
  parent: head(COLLECT { MATCH (o)-[:PART_OF]->(p:Organization) RETURN p.code ORDER BY p.code })}) AS page
"""

GRIDS: LiteralString = """
MATCH (g:Grid) USING INDEX SEEK g:Grid(code)
WHERE g.code > $after
WITH g ORDER BY g.code LIMIT $limit
RETURN collect({code: g.code, name: g.name, organization: head(COLLECT {
  MATCH (g)-[:PART_OF]->(o:Organization) RETURN o.code ORDER BY o.code
})}) AS page
"""

HOUSEHOLDS: LiteralString = """
MATCH (h:Household) USING INDEX SEEK h:Household(code)
WHERE h.code > $after
WITH h ORDER BY h.code LIMIT $limit
RETURN collect({code: h.code, address: h.address, tags: h.tags,
  grid: head(COLLECT { MATCH (h)-[:IN_GRID]->(g:Grid) RETURN g.code ORDER BY g.code })}) AS page
"""

# A person with everything that starts at her: terms, coverage, guidance,
# mentoring and milestones, so the people are read once for six files.
PEOPLE: LiteralString = """
MATCH (p:Person) USING INDEX SEEK p:Person(code)
WHERE p.code > $after
WITH p ORDER BY p.code LIMIT $limit
RETURN collect({code: p.code, name: p.name, gender: p.gender, birthDate: p.birthDate,
  education: p.education, politicalStatus: p.politicalStatus, phone: p.phone,
  household: head(COLLECT { MATCH (p)-[:LIVES_IN]->(h:Household) RETURN h.code ORDER BY h.code }),
  positions: COLLECT { MATCH (p)-[h:HOLDS]->(o:Organization)
    RETURN {organization: o.code, role: h.role, since: h.since, until: h.until} },
  coverage: COLLECT { MATCH (p)-[c:COVERS]->(t)
    RETURN {grid: CASE WHEN t:Grid THEN t.code END, household: CASE WHEN t:Household THEN t.code END,
            role: c.role, since: c.since, until: c.until} },
  guidance: COLLECT { MATCH (p)-[r:GUIDES]->(e:Person)
    RETURN {other: e.code, since: r.since, until: r.until} },
  mentorships: COLLECT { MATCH (p)-[r:MENTORS]->(e:Person)
    RETURN {other: e.code, since: r.since, until: r.until} },
  milestones: COLLECT { MATCH (p)-[r:REACHED]->(s:Stage) RETURN {stage: s.name, on: r.on} }
}) AS page
"""


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote: rows per file, and how long it took."""

    folder: Path
    files: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def format(self) -> str:
        lines = [f"  {name:<18} {count:>9,} rows" for name, count in self.files.items()]
        total = sum(self.files.values())
        return "\n".join([f"exported {total:,} rows to {self.folder} in {self.seconds:.1f} s", *lines])


def _enum(cls: Any, value: str | None) -> Any:
    return None if value is None else cls[value]


def _iso(value: object) -> str:
    return "" if value is None else str(value)


async def _pages(db: Database, statement: LiteralString, bar: tqdm) -> list[Any]:
    """Every item of a keyset-paged statement (one record per page of PAGE
    codes: the driver handles one large record much faster than many)."""
    found: list[Any] = []
    after = ""
    while True:
        [record] = await db.read(statement, after=after, limit=PAGE)
        page = record["page"]
        found += page
        bar.update(len(page))
        if len(page) < PAGE:
            return found
        after = page[-1]["code"]


async def read_database(db: Database, *, progress: bool = False) -> Folder:
    """The database as typed rows, in export order."""
    folder = Folder()
    total = (await db.read(SIZES))[0]["nodes"]
    with tqdm(
        total=total, unit="node", unit_scale=True, file=sys.stderr, disable=not progress, leave=False
    ) as bar:
        for r in await _pages(db, ORGANIZATIONS, bar):
            folder.organizations.append(
                OrganizationRow(r["code"], r["name"], OrgKind[r["kind"]], Level[r["level"]], r["parent"])
            )
        for r in await _pages(db, GRIDS, bar):
            folder.grids.append(GridRow(r["code"], r["name"], r["organization"] or ""))
        for r in await _pages(db, HOUSEHOLDS, bar):
            tags = set(r["tags"] or ())
            folder.households.append(
                HouseholdRow(
                    r["code"], r["grid"] or "", r["address"], tuple(t for t in HouseholdTag if t.name in tags)
                )
            )
        for r in await _pages(db, PEOPLE, bar):
            _person(folder, r)
    return folder


def _person(folder: Folder, r: Any) -> None:
    code = r["code"]
    folder.people.append(
        PersonRow(
            code,
            r["name"] or "",
            _enum(Gender, r["gender"]),
            neo.date(r["birthDate"]),
            _enum(Education, r["education"]),
            _enum(PoliticalStatus, r["politicalStatus"]),
            r["phone"],
            r["household"],
        )
    )
    for h in sorted(
        r["positions"], key=lambda h: (h["organization"], _iso(h["since"]), h["role"], _iso(h["until"]))
    ):
        folder.positions.append(
            PositionRow(
                code, h["organization"], Role[h["role"]], h["since"].to_native(), neo.date(h["until"])
            )
        )
    for c in sorted(
        r["coverage"],
        key=lambda c: (c["grid"] or "", c["household"] or "", _iso(c["since"]), c["role"], _iso(c["until"])),
    ):
        folder.coverage.append(
            CoverageRow(
                code,
                c["grid"],
                c["household"],
                CoverRole[c["role"]],
                c["since"].to_native(),
                neo.date(c["until"]),
            )
        )
    for g in sorted(r["guidance"], key=lambda g: (g["other"], _iso(g["since"]), _iso(g["until"]))):
        folder.guidance.append(GuidanceRow(code, g["other"], g["since"].to_native(), neo.date(g["until"])))
    for m in sorted(r["mentorships"], key=lambda m: (m["other"], _iso(m["since"]), _iso(m["until"]))):
        folder.mentorships.append(
            MentorshipRow(code, m["other"], m["since"].to_native(), neo.date(m["until"]))
        )
    for s in sorted(r["milestones"], key=lambda s: (STAGE_ORDER[Stage[s["stage"]]], _iso(s["on"]))):
        folder.milestones.append(MilestoneRow(code, Stage[s["stage"]], s["on"].to_native()))


def write_csv(path: Path, fmt: FileFormat, rows: list[Row], *, bom: bool = False) -> None:
    """One file of the folder: the header, then a line per row."""
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(fmt.header)
        writer.writerows(row.cells() for row in rows)


async def export_folder(
    db: Database, path: Path, *, progress: bool = False, bom: bool = False
) -> ExportSummary:
    """Write every file of the folder format into `path` (created if missing)."""
    started = time.perf_counter()
    folder = await read_database(db, progress=progress)
    path.mkdir(parents=True, exist_ok=True)
    for fmt, rows in folder.files():
        write_csv(path / fmt.name, fmt, rows, bom=bom)
    return ExportSummary(
        path, {fmt.name: len(rows) for fmt, rows in folder.files()}, time.perf_counter() - started
    )
