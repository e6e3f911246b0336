"""`orggraph import DIR`: validate a CSV folder against itself and the database,
then write it only when nothing is wrong.

The database is asked only about what the folder refers to without declaring
it (codes of organizations, grids, households and people), the existing
milestones of the people in milestones.csv, and, when the folder has
mentorships, the existing mentoring (to refuse a cycle).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import LiteralString

from graph.driver import Database
from graph.errors import BadInput
from graph.model import Level, OrgKind, Stage
from graph.transfer.parser import parse
from graph.transfer.reader import Problem, read_folder
from graph.transfer.validator import Known, Wanted, validate, wanted
from graph.transfer.writer import BATCH_SIZE, FileCounts, write_folder

LOOKUP_BATCH = 10_000

KNOWN_ORGANIZATIONS: LiteralString = """
UNWIND $codes AS code
MATCH (o:Organization {code: code}) USING INDEX SEEK o:Organization(code)
RETURN code, o.kind AS kind, o.level AS level
"""
KNOWN_GRIDS: LiteralString = (
    "UNWIND $codes AS code MATCH (g:Grid {code: code}) USING INDEX SEEK g:Grid(code) RETURN code"
)
KNOWN_HOUSEHOLDS: LiteralString = (
    "UNWIND $codes AS code MATCH (h:Household {code: code}) USING INDEX SEEK h:Household(code) RETURN code"
)
KNOWN_PEOPLE: LiteralString = (
    "UNWIND $codes AS code MATCH (p:Person {code: code}) USING INDEX SEEK p:Person(code) RETURN code"
)
KNOWN_MILESTONES: LiteralString = """
UNWIND $codes AS code
MATCH (p:Person {code: code})-[r:REACHED]->(s:Stage)
USING INDEX SEEK p:Person(code)
RETURN code, s.name AS stage, r.on AS on
"""
KNOWN_MENTORSHIPS: LiteralString = """
MATCH (a:Person)-[:MENTORS]->(b:Person)
RETURN DISTINCT a.code AS mentor, b.code AS mentee
"""


class InvalidFolder(BadInput):
    """The folder has problems; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) found; nothing was imported", argument="DIR")
        self.problems = problems


@dataclass(frozen=True)
class ImportSummary:
    """What an import did, file by file, and how long writing took."""

    folder: Path
    files: dict[str, FileCounts] = field(default_factory=dict)
    validate_seconds: float = 0.0
    write_seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(c.created + c.updated + c.unchanged for c in self.files.values())

    def format(self) -> str:
        total = FileCounts()
        lines = []
        for name, c in self.files.items():
            total = FileCounts(
                total.created + c.created, total.updated + c.updated, total.unchanged + c.unchanged
            )
            lines.append(_counts(name, c))
        rate = self.rows / self.write_seconds if self.write_seconds > 0 else 0.0
        return "\n".join(
            [
                f"imported {self.folder}: {self.rows:,} rows checked in {self.validate_seconds:.1f} s, "
                f"written in {self.write_seconds:.1f} s ({rate:,.0f} rows/s)",
                *lines,
                _counts("total", total),
            ]
        )


def _counts(name: str, c: FileCounts) -> str:
    return f"  {name:<18} created {c.created:>8,}  updated {c.updated:>8,}  unchanged {c.unchanged:>8,}"


def _chunks(codes: set[str]) -> Iterator[list[str]]:
    ordered: Sequence[str] = sorted(codes)
    for start in range(0, len(ordered), LOOKUP_BATCH):
        yield list(ordered[start : start + LOOKUP_BATCH])


async def look_up(db: Database, want: Wanted) -> Known:
    """What the database holds of what the folder refers to."""
    known = Known()
    for codes in _chunks(want.organizations):
        for r in await db.read(KNOWN_ORGANIZATIONS, codes=codes):
            known.organizations[r["code"]] = (OrgKind[r["kind"]], Level[r["level"]])
    for statement, found in (
        (KNOWN_GRIDS, (want.grids, known.grids)),
        (KNOWN_HOUSEHOLDS, (want.households, known.households)),
        (KNOWN_PEOPLE, (want.people, known.people)),
    ):
        codes_wanted, into = found
        for codes in _chunks(codes_wanted):
            into.update(r["code"] for r in await db.read(statement, codes=codes))
    for codes in _chunks(want.milestone_people):
        for r in await db.read(KNOWN_MILESTONES, codes=codes):
            known.milestones.setdefault(r["code"], {})[Stage[r["stage"]]] = r["on"].to_native()
    if want.mentorships:
        known.mentorships = [(r["mentor"], r["mentee"]) for r in await db.read(KNOWN_MENTORSHIPS)]
    return known


async def import_folder(
    db: Database, path: Path, *, progress: bool = False, batch_size: int = BATCH_SIZE
) -> ImportSummary:
    """Validate the folder at `path` and write it. Raises InvalidFolder, listing
    every problem, without writing anything when something is wrong. Expects
    the constraints applied (`graph.constraints`): codes are unique."""
    started = time.perf_counter()
    raw, problems = read_folder(path)
    parsed, row_problems = parse(raw)
    problems = validate(parsed, await look_up(db, wanted(parsed)), problems + row_problems)
    if problems:
        raise InvalidFolder(problems)
    checked = time.perf_counter()
    files = await write_folder(db, parsed.folder, batch_size=batch_size, progress=progress)
    return ImportSummary(path, files, checked - started, time.perf_counter() - checked)
