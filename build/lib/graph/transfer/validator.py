"""Reading and validating a CSV folder, in pure Python: every bad row is found
and reported as `file:line: column: reason`, nothing is written.

Three steps. `read_folder` reads the files (UTF-8, a byte-order mark allowed)
and checks their headers. `parse` turns each row into a typed row, checking each
cell on its own (required values, codes, enums, dates, phones) and duplicates
within a file. `check` then checks what rows say about each other and about the
database (`Known`, looked up by the importer for the codes the folder
`wanted`): references, where organizations and grids sit, the cadre pipeline's
rules and acyclic mentoring (`graph.rules`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
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
from graph.rules import (
    code_problem,
    grid_owner_problem,
    mentoring_path,
    milestone_problems,
    phone_problem,
    placement_problem,
)
from graph.transfer.formats import (
    COVERAGE,
    FILE_NAMES,
    FILES,
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

E = TypeVar("E", bound=Labeled)
N = TypeVar("N", bound=Row)
L = TypeVar("L", bound=LinkRow)
MAX_TEXT = 200
DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")


@dataclass(frozen=True, slots=True)
class Problem:
    """Why one cell (or file) cannot be imported."""

    file: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.reason}"


@dataclass(frozen=True, slots=True)
class RawRow:
    """A data row as read: its line in the file and its cells by column."""

    line: int
    cells: dict[str, str]


RawFolder = dict[str, list[RawRow]]


def read_folder(path: Path) -> tuple[RawFolder, list[Problem]]:
    """The rows of each known file present in `path`, and what is wrong with the
    files themselves (encoding, header, unknown files)."""
    raw: RawFolder = {}
    problems: list[Problem] = []
    if not path.is_dir():
        return raw, [Problem(str(path), 0, "-", "not a folder")]
    for extra in sorted(p.name for p in path.glob("*.csv") if p.name not in FILE_NAMES):
        problems.append(Problem(extra, 1, "-", f"unknown file; expected {', '.join(FILE_NAMES)}"))
    for fmt in FILES:
        file = path / fmt.name
        if file.exists():
            raw[fmt.name] = _read_file(fmt, file.read_bytes(), problems)
    if not raw and not problems:
        problems.append(Problem(str(path), 0, "-", f"no files to import; expected {', '.join(FILE_NAMES)}"))
    return raw, problems


def _read_file(fmt: FileFormat, data: bytes, problems: list[Problem]) -> list[RawRow]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        problems.append(
            Problem(fmt.name, line, "-", 'not UTF-8 text: save the file as "CSV UTF-8" (not GBK/ANSI)')
        )
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        problems.append(Problem(fmt.name, 1, "-", f"empty file: expected the header {','.join(fmt.header)}"))
        return []
    names = [h.strip() for h in header]
    bad_header = False
    for i, name in enumerate(names):
        if name not in fmt.header:
            problems.append(
                Problem(fmt.name, 1, name or f"#{i + 1}", f"unknown column; expected {fmt.header}")
            )
            bad_header = True
        elif names.index(name) != i:
            problems.append(Problem(fmt.name, 1, name, "column given twice"))
            bad_header = True
    for missing in (c for c in fmt.header if c not in names):
        problems.append(
            Problem(fmt.name, 1, missing, "missing column (cells may be empty, the column may not)")
        )
        bad_header = True
    if bad_header:
        return []
    rows: list[RawRow] = []
    line = reader.line_num + 1
    for cells in reader:
        if any(c.strip() for c in cells):
            extra = [c for c in cells[len(names) :] if c.strip()]
            if extra:
                problems.append(
                    Problem(
                        fmt.name, line, "-", f"{len(cells)} cells, but the header has {len(names)} columns"
                    )
                )
            else:
                values = [c.strip() for c in cells] + [""] * (len(names) - len(cells))
                rows.append(RawRow(line, dict(zip(names, values, strict=False))))
        line = reader.line_num + 1
    return rows


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


@dataclass
class Wanted:
    """Codes the folder refers to without declaring them: the importer looks them
    up in the database, with the existing milestones of the people in
    milestones.csv and, when mentorships.csv has rows, all existing mentoring."""

    organizations: set[str] = field(default_factory=set)
    grids: set[str] = field(default_factory=set)
    households: set[str] = field(default_factory=set)
    people: set[str] = field(default_factory=set)
    milestone_people: set[str] = field(default_factory=set)
    mentorships: bool = False


@dataclass
class Known:
    """What the database already holds, as far as the folder refers to it."""

    organizations: dict[str, tuple[OrgKind, Level]] = field(default_factory=dict)
    grids: set[str] = field(default_factory=set)
    households: set[str] = field(default_factory=set)
    people: set[str] = field(default_factory=set)
    milestones: dict[str, dict[Stage, dt.date]] = field(default_factory=dict)
    mentorships: list[tuple[str, str]] = field(default_factory=list)


def wanted(parsed: Parsed) -> Wanted:
    f, declared = parsed.folder, parsed.declared
    w = Wanted()
    w.organizations = {r.parent for r in f.organizations if r.parent} | {r.organization for r in f.grids}
    w.organizations |= {r.organization for r in f.positions}
    w.grids = {r.grid for r in f.households} | {r.grid for r in f.coverage if r.grid}
    w.households = {r.household for r in f.people if r.household}
    w.households |= {r.household for r in f.coverage if r.household}
    w.people = {r.person for r in f.positions} | {r.person for r in f.coverage}
    w.people |= {x for r in f.guidance for x in (r.guide, r.executive)}
    w.people |= {x for r in f.mentorships for x in (r.mentor, r.mentee)}
    w.people |= {r.person for r in f.milestones}
    w.organizations -= declared[ORGANIZATIONS.name]
    w.grids -= declared[GRIDS.name]
    w.households -= declared[HOUSEHOLDS.name]
    w.people -= declared[PEOPLE.name]
    w.milestone_people = {r.person for r in f.milestones}
    w.mentorships = bool(f.mentorships)
    return w


def check(parsed: Parsed, known: Known) -> list[Problem]:
    """Problems of rows with one another and with the database."""
    f, declared = parsed.folder, parsed.declared
    problems: list[Problem] = []

    def reference(
        what: str, file: str, known_codes: Iterable[str]
    ) -> Callable[[FileFormat, int, str, str], None]:
        codes = declared[file] | set(known_codes)

        def need(fmt: FileFormat, line: int, column: str, code: str) -> None:
            if code not in codes:
                problems.append(
                    Problem(
                        fmt.name, line, column, f"unknown {what} {code} (not in {file} nor in the database)"
                    )
                )

        return need

    organization = reference("organization", ORGANIZATIONS.name, known.organizations)
    grid = reference("grid", GRIDS.name, known.grids)
    household = reference("household", HOUSEHOLDS.name, known.households)
    person = reference("person", PEOPLE.name, known.people)
    kinds = dict(known.organizations) | {r.code: (r.kind, r.level) for r in f.organizations}

    for o in f.organizations:
        if o.parent is not None:
            organization(ORGANIZATIONS, o.line, "parent", o.parent)
        if o.parent is None or o.parent in kinds:
            problem = placement_problem(o.kind, o.level, kinds[o.parent] if o.parent else None)
            if problem:
                problems.append(
                    Problem(ORGANIZATIONS.name, o.line, "parent" if o.parent else "kind", problem)
                )
    for g in f.grids:
        organization(GRIDS, g.line, "organization", g.organization)
        if g.organization in kinds and (problem := grid_owner_problem(*kinds[g.organization])):
            problems.append(Problem(GRIDS.name, g.line, "organization", problem))
    for h in f.households:
        grid(HOUSEHOLDS, h.line, "grid", h.grid)
    for p in f.people:
        if p.household is not None:
            household(PEOPLE, p.line, "household", p.household)
    for t in f.positions:
        person(POSITIONS, t.line, "person", t.person)
        organization(POSITIONS, t.line, "organization", t.organization)
    for c in f.coverage:
        person(COVERAGE, c.line, "person", c.person)
        if c.grid is not None:
            grid(COVERAGE, c.line, "grid", c.grid)
        if c.household is not None:
            household(COVERAGE, c.line, "household", c.household)
    for g2 in f.guidance:
        person(GUIDANCE, g2.line, "guide", g2.guide)
        person(GUIDANCE, g2.line, "executive", g2.executive)
    for m in f.mentorships:
        person(MENTORSHIPS, m.line, "mentor", m.mentor)
        person(MENTORSHIPS, m.line, "mentee", m.mentee)
    for s in f.milestones:
        person(MILESTONES, s.line, "person", s.person)
    problems += _pipeline_problems(f.milestones, known)
    problems += _cycle_problems(f.mentorships, known)
    return problems


def _pipeline_problems(rows: list[MilestoneRow], known: Known) -> list[Problem]:
    """The pipeline rules on each person's milestones: those in the database,
    with the file's rows replacing the same stages."""
    by_person: dict[str, dict[Stage, MilestoneRow]] = defaultdict(dict)
    for row in rows:
        by_person[row.person][row.stage] = row
    problems = []
    for code, mine in by_person.items():
        reached = known.milestones.get(code, {}) | {stage: row.on for stage, row in mine.items()}
        for problem in milestone_problems(reached):
            at = [mine[s] for s in problem.stages if s in mine]
            if at:
                problems.append(Problem(MILESTONES.name, at[-1].line, "on", f"{code}: {problem.message}"))
    return problems


def _cycle_problems(rows: list[MentorshipRow], known: Known) -> list[Problem]:
    """Rows that would close a cycle of mentoring, given the database's and the
    earlier rows' mentoring."""
    mentees: dict[str, set[str]] = defaultdict(set)
    for mentor, mentee in known.mentorships:
        mentees[mentor].add(mentee)
    problems = []
    for row in rows:
        chain = mentoring_path(mentees, row.mentee, row.mentor)
        if chain is not None:
            cycle = " → ".join([*chain, row.mentee])
            problems.append(
                Problem(MENTORSHIPS.name, row.line, "mentee", f"closes a cycle of mentoring: {cycle}")
            )
        else:
            mentees[row.mentor].add(row.mentee)
    return problems


def validate(parsed: Parsed, known: Known, problems: list[Problem]) -> list[Problem]:
    """The problems found parsing and those `check` finds, in file and line order."""
    order = {name: i for i, name in enumerate(FILE_NAMES)}
    found = problems + check(parsed, known)
    return sorted(found, key=lambda p: (order.get(p.file, -1), p.file, p.line))
