"""Parsing the raw rows of an import folder into typed rows (`graph.transfer.formats`),
checking each cell on its own (required values, codes, enums in English or
Chinese, dates, phones, tags) and duplicates within a file. Rows with a bad cell
are dropped; their codes are still noted as declared.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar, cast

from graph.model import (
    CoverRole,
    Education,
    Gender,
    HouseholdTag,
    Labeled,
    Level,
    OrgKind,
    PoliticalStatus,
    Role,
    Stage,
)
from graph.rules import code_problem, phone_problem
from graph.transfer.formats import (
    COVERAGE,
    GRIDS,
    GUIDANCE,
    HOUSEHOLDS,
    MENTORSHIPS,
    MILESTONES,
    ORGANIZATIONS,
    PEOPLE,
    POSITIONS,
    TAG_SEPARATOR,
    CoverageRow,
    FileFormat,
    Folder,
    GridRow,
    GuidanceRow,
    HouseholdRow,
    LinkRow,
    MentorshipRow,
    MilestoneRow,
    OrganizationRow,
    PersonRow,
    PositionRow,
    Row,
)
from graph.transfer.reader import Problem, RawFolder, RawRow

E = TypeVar("E", bound=Labeled)
N = TypeVar("N", bound=Row)
L = TypeVar("L", bound=LinkRow)
MAX_TEXT = 200
DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")

_SPELLINGS: dict[type[Labeled], dict[str, Labeled]] = {}


def _spelled(cls: type[E], value: str) -> E | None:
    """The member of `cls` whose English name or Chinese label is `value`."""
    if cls not in _SPELLINGS:
        members: list[Labeled] = list(cls)
        _SPELLINGS[cls] = {m.label: m for m in members} | {m.name: m for m in members}
    return cast(E | None, _SPELLINGS[cls].get(value))


class _Cells:
    """Reads the typed values of one raw row, noting every problem."""

    def __init__(self, fmt: FileFormat, row: RawRow, problems: list[Problem]) -> None:
        self.fmt = fmt
        self.row = row
        self.problems = problems
        self.ok = True
        self.required = {c.name for c in fmt.columns if c.required}

    def bad(self, column: str, reason: str) -> None:
        self.problems.append(Problem(self.fmt.name, self.row.line, column, reason))
        self.ok = False

    def value(self, column: str) -> str | None:
        value = self.row.cells[column]
        if value:
            return value
        if column in self.required:
            self.bad(column, "required, but empty")
        return None

    def text(self, column: str) -> str | None:
        value = self.value(column)
        if value is not None and len(value) > MAX_TEXT:
            self.bad(column, f"longer than {MAX_TEXT} characters")
        return value

    def code(self, column: str) -> str | None:
        value = self.value(column)
        if value is not None and (problem := code_problem(value)):
            self.bad(column, problem)
            return None
        return value

    def enum(self, column: str, cls: type[E]) -> E | None:
        value = self.value(column)
        if value is None:
            return None
        member = _spelled(cls, value)
        if member is not None:
            return member
        self.bad(
            column, f"{value!r} is not a {cls.__name__}; expected one of {', '.join(m.name for m in cls)}"
        )
        return None

    def date(self, column: str) -> dt.date | None:
        value = self.value(column)
        if value is None:
            return None
        match = DATE.fullmatch(value)
        try:
            if match is None:
                raise ValueError
            return dt.date(*(int(part) for part in match.groups()))
        except ValueError:
            self.bad(column, f"{value!r} is not a date: write it as YYYY-MM-DD")
            return None

    def phone(self, column: str) -> str | None:
        value = self.value(column)
        if value is not None and (problem := phone_problem(value)):
            self.bad(column, problem)
            return None
        return value

    def tags(self, column: str) -> tuple[HouseholdTag, ...]:
        found: set[HouseholdTag] = set()
        for part in (self.value(column) or "").split(TAG_SEPARATOR):
            if part.strip():
                for tag in HouseholdTag:
                    if part.strip() in (tag.name, tag.label):
                        found.add(tag)
                        break
                else:
                    self.bad(
                        column, f"{part.strip()!r} is not a HouseholdTag; expected names separated by ';'"
                    )
        return tuple(t for t in HouseholdTag if t in found)

    def period(self) -> tuple[dt.date | None, dt.date | None]:
        since, until = self.date("since"), self.date("until")
        if since is not None and until is not None and until < since:
            self.bad("until", f"{until} is before since ({since})")
        return since, until


@dataclass
class Parsed:
    """A folder's good rows, and every code its node files name (bad rows'
    codes too, so a bad row does not also make the rows referring to it bad)."""

    folder: Folder = field(default_factory=Folder)
    declared: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


def parse(raw: RawFolder) -> tuple[Parsed, list[Problem]]:
    """Typed rows of the folder and the problems of single cells and duplicates."""
    parsed, problems = Parsed(), list[Problem]()
    f = parsed.folder
    _nodes(ORGANIZATIONS, raw, _organization, f.organizations, parsed, problems)
    _nodes(GRIDS, raw, _grid, f.grids, parsed, problems)
    _nodes(HOUSEHOLDS, raw, _household, f.households, parsed, problems)
    _nodes(PEOPLE, raw, _person, f.people, parsed, problems)
    _links(POSITIONS, raw, _position, f.positions, problems)
    _links(COVERAGE, raw, _coverage, f.coverage, problems)
    _links(GUIDANCE, raw, _guidance, f.guidance, problems)
    _links(MENTORSHIPS, raw, _mentorship, f.mentorships, problems)
    _links(MILESTONES, raw, _milestone, f.milestones, problems)
    return parsed, problems


def _nodes(
    fmt: FileFormat,
    raw: RawFolder,
    build: Callable[[_Cells, str], N | None],
    rows: list[N],
    parsed: Parsed,
    problems: list[Problem],
) -> None:
    """Rows of a node file, whose codes are unique within it."""
    first: dict[str, int] = {}
    for raw_row in raw.get(fmt.name, []):
        cells = _Cells(fmt, raw_row, problems)
        code = cells.code("code")
        if code is not None and code in first:
            cells.bad("code", f"duplicate code {code} (first on line {first[code]})")
        elif code is not None:
            first[code] = raw_row.line
            parsed.declared[fmt.name].add(code)
        typed = build(cells, code or "")
        if cells.ok and typed is not None:
            rows.append(typed)


def _links(
    fmt: FileFormat,
    raw: RawFolder,
    build: Callable[[_Cells], L | None],
    rows: list[L],
    problems: list[Problem],
) -> None:
    """Rows of a relationship file, each relationship (`key`) once."""
    seen: dict[tuple[object, ...], int] = {}
    for raw_row in raw.get(fmt.name, []):
        cells = _Cells(fmt, raw_row, problems)
        typed = build(cells)
        if not cells.ok or typed is None:
            continue
        if typed.key() in seen:
            cells.bad(fmt.columns[0].name, f"the same row as line {seen[typed.key()]} (same {fmt.identity})")
            continue
        seen[typed.key()] = raw_row.line
        rows.append(typed)


def _organization(c: _Cells, code: str) -> OrganizationRow | None:
    name, kind, level, parent = (
        c.text("name"),
        c.enum("kind", OrgKind),
        c.enum("level", Level),
        c.code("parent"),
    )
    if not code or name is None or kind is None or level is None:
        return None
    return OrganizationRow(code, name, kind, level, parent, line=c.row.line)


def _grid(c: _Cells, code: str) -> GridRow | None:
    name, organization = c.text("name"), c.code("organization")
    if not code or name is None or organization is None:
        return None
    return GridRow(code, name, organization, line=c.row.line)


def _household(c: _Cells, code: str) -> HouseholdRow | None:
    grid, address, tags = c.code("grid"), c.text("address"), c.tags("tags")
    if not code or grid is None:
        return None
    return HouseholdRow(code, grid, address, tags, line=c.row.line)


def _person(c: _Cells, code: str) -> PersonRow | None:
    name, gender, born = c.text("name"), c.enum("gender", Gender), c.date("birthDate")
    education, status = c.enum("education", Education), c.enum("politicalStatus", PoliticalStatus)
    phone, household = c.phone("phone"), c.code("household")
    if not code or name is None:
        return None
    return PersonRow(code, name, gender, born, education, status, phone, household, line=c.row.line)


def _position(c: _Cells) -> PositionRow | None:
    person, organization, role = c.code("person"), c.code("organization"), c.enum("role", Role)
    since, until = c.period()
    if person is None or organization is None or role is None or since is None:
        return None
    return PositionRow(person, organization, role, since, until, line=c.row.line)


def _coverage(c: _Cells) -> CoverageRow | None:
    person, role = c.code("person"), c.enum("role", CoverRole)
    grid, household = c.code("grid"), c.code("household")
    since, until = c.period()
    if not c.row.cells["grid"] and not c.row.cells["household"]:
        c.bad("grid", "give the grid or the household covered")
    elif c.row.cells["grid"] and c.row.cells["household"]:
        c.bad("household", "give the grid or the household covered, not both")
    if person is None or role is None or since is None:
        return None
    return CoverageRow(person, grid, household, role, since, until, line=c.row.line)


def _guidance(c: _Cells) -> GuidanceRow | None:
    guide, executive = c.code("guide"), c.code("executive")
    since, until = c.period()
    if guide is not None and guide == executive:
        c.bad("executive", "a person does not guide herself")
    if guide is None or executive is None or since is None:
        return None
    return GuidanceRow(guide, executive, since, until, line=c.row.line)


def _mentorship(c: _Cells) -> MentorshipRow | None:
    mentor, mentee = c.code("mentor"), c.code("mentee")
    since, until = c.period()
    if mentor is not None and mentor == mentee:
        c.bad("mentee", "a person does not mentor herself")
    if mentor is None or mentee is None or since is None:
        return None
    return MentorshipRow(mentor, mentee, since, until, line=c.row.line)


def _milestone(c: _Cells) -> MilestoneRow | None:
    person, stage, on = c.code("person"), c.enum("stage", Stage), c.date("on")
    if person is None or stage is None or on is None:
        return None
    return MilestoneRow(person, stage, on, line=c.row.line)
