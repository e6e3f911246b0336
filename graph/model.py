"""The organization graph's vocabulary: enums with their Chinese labels, and the
records that `graph/` returns.

Records are plain frozen dataclasses built from Neo4j rows; everything above
`graph/` (loaders, schema) works on them and never sees a driver object. The
README's "Graph model" section documents how these map onto nodes and
relationships.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, Self, TypeVar


class Labeled(StrEnum):
    """Base of the project's enums: a string enum whose members also carry the
    Chinese label users read. `Role.CHAIR == "CHAIR"` (what Neo4j and GraphQL
    store) and `Role.CHAIR.label == "主席"`."""

    label: str

    def __new__(cls, value: str, label: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def parse(cls, value: str) -> Self:
        """The member named `value`, or ValueError naming the allowed values."""
        try:
            return cls[value]
        except KeyError:
            allowed = ", ".join(m.name for m in cls)
            raise ValueError(f"{value!r} is not a {cls.__name__}; expected one of {allowed}") from None


class OrgKind(Labeled):
    """What kind of body an organization is."""

    FEDERATION = ("FEDERATION", "妇联")
    WOMENS_COMMITTEE = ("WOMENS_COMMITTEE", "妇委会")
    SISTERS_COUNCIL = ("SISTERS_COUNCIL", "村嫂理事会")
    DELIBERATION_COUNCIL = ("DELIBERATION_COUNCIL", "妇女议事会")
    VOLUNTEER_TEAM = ("VOLUNTEER_TEAM", "巾帼志愿服务队")
    VILLAGE_COMMITTEE = ("VILLAGE_COMMITTEE", "村两委")


class Level(Labeled):
    """The territorial level an organization sits at; UNIT is an agency, firm or
    social organization below a township or county."""

    PROVINCE = ("PROVINCE", "省")
    CITY = ("CITY", "市")
    COUNTY = ("COUNTY", "县/区")
    TOWNSHIP = ("TOWNSHIP", "乡镇/街道")
    VILLAGE = ("VILLAGE", "村/社区")
    UNIT = ("UNIT", "单位")


LEVEL_ORDER: tuple[Level, ...] = tuple(Level)


class Role(Labeled):
    """A role a person holds in an organization, for a term."""

    CHAIR = ("CHAIR", "主席")
    VICE_CHAIR = ("VICE_CHAIR", "副主席")
    EXECUTIVE = ("EXECUTIVE", "执委")
    REPRESENTATIVE = ("REPRESENTATIVE", "妇女代表")
    GROUP_LEADER = ("GROUP_LEADER", "妇女组长")
    VILLAGE_SISTER = ("VILLAGE_SISTER", "村嫂")
    VOLUNTEER = ("VOLUNTEER", "巾帼志愿者")
    GRID_LEADER = ("GRID_LEADER", "网格长")
    COUNCIL_HEAD = ("COUNCIL_HEAD", "会长")
    MEMBER = ("MEMBER", "会员")
    SECRETARY = ("SECRETARY", "书记")
    COMMITTEE_MEMBER = ("COMMITTEE_MEMBER", "两委委员")


class CoverRole(Labeled):
    """How a person covers a grid or household in "1+2+N" grid service."""

    LEAD = ("LEAD", "牵头")
    ASSIST = ("ASSIST", "协助")


class CoverageVia(Labeled):
    """How a coverage reaches households: every household of a whole grid, or one."""

    DIRECT = ("DIRECT", "直接联系")
    GRID = ("GRID", "网格包干")


class HouseholdTag(Labeled):
    """Care needs and honors recorded on a household."""

    LEFT_BEHIND_CHILD = ("LEFT_BEHIND_CHILD", "留守儿童")
    LEFT_BEHIND_ELDERLY = ("LEFT_BEHIND_ELDERLY", "留守老人")
    HARDSHIP_WOMAN = ("HARDSHIP_WOMAN", "困境妇女")
    LOW_INCOME = ("LOW_INCOME", "低保/困难")
    DISABILITY = ("DISABILITY", "残疾")
    MODEL_FAMILY = ("MODEL_FAMILY", "最美家庭")
    BEAUTIFUL_COURTYARD = ("BEAUTIFUL_COURTYARD", "美丽庭院")
    CLEAN_HOUSEHOLD = ("CLEAN_HOUSEHOLD", "清洁文明户")


class Stage(Labeled):
    """A stage of the cadre pipeline (后备干部培养). Declaration order is the
    Party path; the last three run in parallel with it."""

    VILLAGE_SISTER = ("VILLAGE_SISTER", "村嫂")
    PARTY_ACTIVIST = ("PARTY_ACTIVIST", "入党积极分子")
    DEVELOPMENT_TARGET = ("DEVELOPMENT_TARGET", "发展对象")
    PROBATIONARY_MEMBER = ("PROBATIONARY_MEMBER", "预备党员")
    PARTY_MEMBER = ("PARTY_MEMBER", "党员")
    REPRESENTATIVE = ("REPRESENTATIVE", "两代表一委员")
    RESERVE_CADRE = ("RESERVE_CADRE", "后备干部")
    VILLAGE_COMMITTEE = ("VILLAGE_COMMITTEE", "进村两委")


STAGE_ORDER: dict[Stage, int] = {s: i for i, s in enumerate(Stage)}

# The Party path (the first five stages); REPRESENTATIVE, RESERVE_CADRE and
# VILLAGE_COMMITTEE run in parallel with it and have no "next" stage.
PARTY_PATH: tuple[Stage, ...] = (
    Stage.VILLAGE_SISTER,
    Stage.PARTY_ACTIVIST,
    Stage.DEVELOPMENT_TARGET,
    Stage.PROBATIONARY_MEMBER,
    Stage.PARTY_MEMBER,
)
NEXT_STAGE: dict[Stage, Stage] = dict(itertools.pairwise(PARTY_PATH))
# The Party's rules: an activist is observed for at least a year before becoming a
# development target, and the probationary period lasts a year before full
# membership. Keyed by the stage being entered: days at the previous stage.
MIN_DAYS_BEFORE: dict[Stage, int] = {Stage.DEVELOPMENT_TARGET: 365, Stage.PARTY_MEMBER: 365}


class RelationshipKind(Labeled):
    """The graph's relationship types, as analysts choose them for paths."""

    PART_OF = ("PART_OF", "隶属")
    HOLDS = ("HOLDS", "任职")
    COVERS = ("COVERS", "联系户/包干")
    GUIDES = ("GUIDES", "联系指导")
    MENTORS = ("MENTORS", "传帮带")
    LIVES_IN = ("LIVES_IN", "居住")
    IN_GRID = ("IN_GRID", "所在网格")


class Gender(Labeled):
    FEMALE = ("FEMALE", "女")
    MALE = ("MALE", "男")


class Education(Labeled):
    """Highest education completed, lowest first."""

    BELOW_JUNIOR_HIGH = ("BELOW_JUNIOR_HIGH", "初中以下")
    JUNIOR_HIGH = ("JUNIOR_HIGH", "初中")
    SENIOR_HIGH = ("SENIOR_HIGH", "高中/中专")
    JUNIOR_COLLEGE = ("JUNIOR_COLLEGE", "大专")
    BACHELOR = ("BACHELOR", "本科")
    POSTGRADUATE = ("POSTGRADUATE", "研究生")


COLLEGE_OR_ABOVE = frozenset({Education.JUNIOR_COLLEGE, Education.BACHELOR, Education.POSTGRADUATE})


class PoliticalStatus(Labeled):
    MASSES = ("MASSES", "群众")
    LEAGUE_MEMBER = ("LEAGUE_MEMBER", "共青团员")
    PARTY_APPLICANT = ("PARTY_APPLICANT", "入党申请人")
    PARTY_ACTIVIST = ("PARTY_ACTIVIST", "入党积极分子")
    DEVELOPMENT_TARGET = ("DEVELOPMENT_TARGET", "发展对象")
    PROBATIONARY_MEMBER = ("PROBATIONARY_MEMBER", "预备党员")
    PARTY_MEMBER = ("PARTY_MEMBER", "中共党员")


# --- records ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Organization:
    """A federation, committee, council, team or village committee."""

    id: str
    code: str
    name: str
    kind: OrgKind
    level: Level


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    code: str
    name: str
    gender: Gender | None
    birth_date: dt.date | None
    education: Education | None
    political_status: PoliticalStatus | None
    phone: str | None
    # Known even when the exact birth date is masked.
    birth_year: int | None = None


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One entry of the audit log: who (`actor`, her scope and roles), when, which
    GraphQL operation, WRITE (a mutation) or READ (unmasked personal data), and
    the ids of the objects touched."""

    id: str
    at: dt.datetime
    actor: str
    scope: str | None
    roles: tuple[str, ...]
    operation: str
    kind: str
    ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Grid:
    """A grid (网格) of a village or community."""

    id: str
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class Household:
    """A household (户) in a grid, with its care and honor tags."""

    id: str
    code: str
    address: str | None
    tags: tuple[HouseholdTag, ...]


@dataclass(frozen=True, slots=True)
class Position:
    """One term of a role held in an organization: a HOLDS relationship."""

    id: str
    person_id: str
    organization_id: str
    role: Role
    since: dt.date
    until: dt.date | None


@dataclass(frozen=True, slots=True)
class Coverage:
    """A person covering a grid or a single household (a COVERS relationship).

    Exactly one of grid_id / household_id is set.
    """

    id: str
    person_id: str
    grid_id: str | None
    household_id: str | None
    role: CoverRole
    since: dt.date
    until: dt.date | None

    @property
    def via(self) -> CoverageVia:
        """How it reaches households: GRID, every household of a whole grid;
        DIRECT, the one household covered."""
        return CoverageVia.GRID if self.grid_id is not None else CoverageVia.DIRECT


@dataclass(frozen=True, slots=True)
class Link:
    """A dated person-to-person relationship (GUIDES or MENTORS), seen from one
    end: the person at the other end (read with the link) and the dates."""

    other: Person
    since: dt.date
    until: dt.date | None


@dataclass(frozen=True, slots=True)
class Milestone:
    """A cadre-pipeline stage a person reached on a date."""

    stage: Stage
    on: dt.date


def is_active(since: dt.date, until: dt.date | None, on: dt.date) -> bool:
    """Terms run from `since` (inclusive) to `until` (exclusive): a term change on a
    date ends the old term and starts the new one without overlap."""
    return since <= on and (until is None or on < until)


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a keyset-paginated list: rows in order, each with its sort key
    (the cursor), whether more follow, and the total when it was asked for."""

    items: list[tuple[str, T]]
    has_next: bool
    total: int | None = None


@dataclass(frozen=True, slots=True)
class PageArgs:
    """What page of a list to read: `first` rows after the row whose sort key is
    `after`; `total` asks for the list's full length too."""

    first: int
    after: str | None = None
    total: bool = False


# --- grassroots work: visits, commitments, meetings; links seen whole -------------


class MeetingForm(Labeled):
    """The form a deliberation meeting takes (议事会的形式)."""

    DELIBERATION = ("DELIBERATION", "议事型")
    MEDIATION = ("MEDIATION", "调节型")
    DIALOGUE = ("DIALOGUE", "对话型")
    CONSULTATION = ("CONSULTATION", "咨询型")


class CommitmentStatus(Labeled):
    """Whether a year's public commitment (一句话承诺) has been kept yet."""

    OPEN = ("OPEN", "未完成")
    DONE = ("DONE", "已完成")


@dataclass(frozen=True, slots=True)
class Visit:
    """A cadre's visit to a household (四必访, 访三情): a VISITED relationship."""

    id: str
    person_id: str
    household_id: str
    on: dt.date
    purpose: str
    note: str | None


@dataclass(frozen=True, slots=True)
class Commitment:
    """A person's public one-sentence commitment for a year (一句话承诺)."""

    id: str
    person_id: str
    year: int
    text: str
    status: CommitmentStatus
    completed_on: dt.date | None


@dataclass(frozen=True, slots=True)
class Meeting:
    """A meeting an organization held (e.g. a deliberation council's 议事会)."""

    id: str
    organization_id: str
    on: dt.date
    topic: str
    form: MeetingForm
    place: str | None


@dataclass(frozen=True, slots=True)
class Tie:
    """A GUIDES or MENTORS relationship seen whole: `senior_id` (the guide or
    mentor) guides or mentors `junior_id` (the executive or mentee)."""

    senior_id: str
    junior_id: str
    since: dt.date
    until: dt.date | None
