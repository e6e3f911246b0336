"""The CSV folder format: which files, which columns, and the typed rows they
hold. Import and export both go through these definitions, so a folder that was
exported imports back as it was.

Files are UTF-8 (a byte-order mark is allowed), comma-separated, with a header
row naming every column of the file. Rows reference each other by code. Empty
cells are empty values. Dates are YYYY-MM-DD; enums are the English names (the
Chinese labels are accepted too); household tags are separated by `;`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import ClassVar

from graph.model import (
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

TAG_SEPARATOR = ";"


@dataclass(frozen=True, slots=True)
class Column:
    """A column of a file; `required` columns have a value in every row."""

    name: str
    required: bool
    meaning: str


@dataclass(frozen=True, slots=True)
class FileFormat:
    """One file of the folder: its columns and what identifies a row."""

    name: str
    columns: tuple[Column, ...]
    identity: str

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]


def _c(name: str, meaning: str, *, required: bool = True) -> Column:
    return Column(name, required, meaning)


ORGANIZATIONS = FileFormat(
    "organizations.csv",
    (
        _c("code", "unique code"),
        _c("name", "name"),
        _c("kind", "FEDERATION, WOMENS_COMMITTEE, SISTERS_COUNCIL, DELIBERATION_COUNCIL, ..."),
        _c("level", "PROVINCE, CITY, COUNTY, TOWNSHIP, VILLAGE or UNIT"),
        _c("parent", "code of the federation it belongs to; empty for a root", required=False),
    ),
    "code",
)
GRIDS = FileFormat(
    "grids.csv",
    (_c("code", "unique code"), _c("name", "name"), _c("organization", "code of its village federation")),
    "code",
)
HOUSEHOLDS = FileFormat(
    "households.csv",
    (
        _c("code", "unique code"),
        _c("grid", "code of its grid"),
        _c("address", "address", required=False),
        _c("tags", "tags separated by ';' (LEFT_BEHIND_CHILD;LOW_INCOME)", required=False),
    ),
    "code",
)
PEOPLE = FileFormat(
    "people.csv",
    (
        _c("code", "unique code"),
        _c("name", "name"),
        _c("gender", "FEMALE or MALE", required=False),
        _c("birthDate", "date of birth", required=False),
        _c("education", "BELOW_JUNIOR_HIGH ... POSTGRADUATE", required=False),
        _c("politicalStatus", "MASSES ... PARTY_MEMBER", required=False),
        _c("phone", "phone number (store the column as text)", required=False),
        _c("household", "code of the household she lives in", required=False),
    ),
    "code",
)
POSITIONS = FileFormat(
    "positions.csv",
    (
        _c("person", "person code"),
        _c("organization", "organization code"),
        _c("role", "CHAIR, VICE_CHAIR, EXECUTIVE, ..."),
        _c("since", "first day of the term"),
        _c("until", "the day the term ended (exclusive); empty while it runs", required=False),
    ),
    "(person, organization, role, since)",
)
COVERAGE = FileFormat(
    "coverage.csv",
    (
        _c("person", "person code"),
        _c("grid", "code of the grid covered (or give household)", required=False),
        _c("household", "code of the household covered (or give grid)", required=False),
        _c("role", "LEAD or ASSIST"),
        _c("since", "first day"),
        _c("until", "the day it ended (exclusive); empty while it runs", required=False),
    ),
    "(person, grid or household, role, since)",
)
GUIDANCE = FileFormat(
    "guidance.csv",
    (
        _c("guide", "code of the chair or vice chair"),
        _c("executive", "code of the executive guided"),
        _c("since", "first day"),
        _c("until", "the day it ended (exclusive)", required=False),
    ),
    "(guide, executive, since)",
)
MENTORSHIPS = FileFormat(
    "mentorships.csv",
    (
        _c("mentor", "mentor's code"),
        _c("mentee", "mentee's code"),
        _c("since", "first day"),
        _c("until", "the day it ended (exclusive)", required=False),
    ),
    "(mentor, mentee, since)",
)
MILESTONES = FileFormat(
    "milestones.csv",
    (
        _c("person", "person code"),
        _c("stage", "VILLAGE_SISTER, PARTY_ACTIVIST, ..."),
        _c("on", "the day the stage was reached"),
    ),
    "(person, stage)",
)

# In the order they are validated, written and documented.
FILES: tuple[FileFormat, ...] = (
    ORGANIZATIONS,
    GRIDS,
    HOUSEHOLDS,
    PEOPLE,
    POSITIONS,
    COVERAGE,
    GUIDANCE,
    MENTORSHIPS,
    MILESTONES,
)
FILE_NAMES = tuple(f.name for f in FILES)


def cell(value: object) -> str:
    """How a value is written in a cell."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return TAG_SEPARATOR.join(str(v) for v in value)
    return str(value)


@dataclass(frozen=True, slots=True)
class Row:
    """Base of the typed rows: `line` is where the row was read (0 when exported)."""

    FORMAT: ClassVar[FileFormat]
    line: int = field(default=0, compare=False, kw_only=True)

    def cells(self) -> list[str]:
        return [cell(getattr(self, _attr(c.name))) for c in self.FORMAT.columns]


@dataclass(frozen=True, slots=True)
class LinkRow(Row):
    """A row of a relationship file; `key` is what identifies it (the file's
    `identity`): two rows with the same key are the same relationship."""

    def key(self) -> tuple[object, ...]:
        raise NotImplementedError


def _attr(column: str) -> str:
    return {"birthDate": "birth_date", "politicalStatus": "political_status"}.get(column, column)


@dataclass(frozen=True, slots=True)
class OrganizationRow(Row):
    FORMAT: ClassVar[FileFormat] = ORGANIZATIONS
    code: str
    name: str
    kind: OrgKind
    level: Level
    parent: str | None


@dataclass(frozen=True, slots=True)
class GridRow(Row):
    FORMAT: ClassVar[FileFormat] = GRIDS
    code: str
    name: str
    organization: str


@dataclass(frozen=True, slots=True)
class HouseholdRow(Row):
    FORMAT: ClassVar[FileFormat] = HOUSEHOLDS
    code: str
    grid: str
    address: str | None
    tags: tuple[HouseholdTag, ...]


@dataclass(frozen=True, slots=True)
class PersonRow(Row):
    FORMAT: ClassVar[FileFormat] = PEOPLE
    code: str
    name: str
    gender: Gender | None
    birth_date: dt.date | None
    education: Education | None
    political_status: PoliticalStatus | None
    phone: str | None
    household: str | None


@dataclass(frozen=True, slots=True)
class PositionRow(LinkRow):
    FORMAT: ClassVar[FileFormat] = POSITIONS
    person: str
    organization: str
    role: Role
    since: dt.date
    until: dt.date | None

    def key(self) -> tuple[object, ...]:
        return (self.person, self.organization, self.role, self.since)


@dataclass(frozen=True, slots=True)
class CoverageRow(LinkRow):
    FORMAT: ClassVar[FileFormat] = COVERAGE
    person: str
    grid: str | None
    household: str | None
    role: CoverRole
    since: dt.date
    until: dt.date | None

    def key(self) -> tuple[object, ...]:
        return (self.person, self.grid, self.household, self.role, self.since)


@dataclass(frozen=True, slots=True)
class GuidanceRow(LinkRow):
    FORMAT: ClassVar[FileFormat] = GUIDANCE
    guide: str
    executive: str
    since: dt.date
    until: dt.date | None

    def key(self) -> tuple[object, ...]:
        return (self.guide, self.executive, self.since)


@dataclass(frozen=True, slots=True)
class MentorshipRow(LinkRow):
    FORMAT: ClassVar[FileFormat] = MENTORSHIPS
    mentor: str
    mentee: str
    since: dt.date
    until: dt.date | None

    def key(self) -> tuple[object, ...]:
        return (self.mentor, self.mentee, self.since)


@dataclass(frozen=True, slots=True)
class MilestoneRow(LinkRow):
    FORMAT: ClassVar[FileFormat] = MILESTONES
    person: str
    stage: Stage
    on: dt.date

    def key(self) -> tuple[object, ...]:
        return (self.person, self.stage)


@dataclass
class Folder:
    """The rows of a folder, file by file."""

    organizations: list[OrganizationRow] = field(default_factory=list)
    grids: list[GridRow] = field(default_factory=list)
    households: list[HouseholdRow] = field(default_factory=list)
    people: list[PersonRow] = field(default_factory=list)
    positions: list[PositionRow] = field(default_factory=list)
    coverage: list[CoverageRow] = field(default_factory=list)
    guidance: list[GuidanceRow] = field(default_factory=list)
    mentorships: list[MentorshipRow] = field(default_factory=list)
    milestones: list[MilestoneRow] = field(default_factory=list)

    def files(self) -> list[tuple[FileFormat, list[Row]]]:
        """Each file with its rows, in FILES order."""
        rows: list[list[Row]] = [
            list(self.organizations),
            list(self.grids),
            list(self.households),
            list(self.people),
            list(self.positions),
            list(self.coverage),
            list(self.guidance),
            list(self.mentorships),
            list(self.milestones),
        ]
        return list(zip(FILES, rows, strict=True))

    @property
    def rows(self) -> int:
        return sum(len(r) for _, r in self.files())
