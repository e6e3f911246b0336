"""Filter and order inputs of `people`, `organizations` and `households`, and
the rules on who may use which (graph.filters, graph.org_lists and
graph.household_lists run them).

Masked attributes stay masked: VIEWER and ANALYST filter ages at birth-year
granularity (age = year of `asOf` − birth year) and may not sort by birth date
(FORBIDDEN); filters on a care tag, or on uncovered care households, need
EDITOR or ADMIN as `households(tag:)` does.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry

from graph.access import CARE_TAGS
from graph.errors import BadInput
from graph.filters import PersonSort
from graph.household_lists import HouseholdFilter as HouseholdQuery
from graph.model import Education as EducationLevels
from graph.org_lists import OrgFilter as OrgQuery
from graph.org_lists import OrgSort
from graph.person_filter import PersonFilter as PersonQuery
from schema.context import Info
from schema.enums import (
    Education,
    Gender,
    HouseholdTag,
    Level,
    OrgKind,
    PoliticalStatus,
    Role,
    Stage,
    describe_values,
)
from schema.relay import expect_global_id


@strawberry.enum(description="Sort direction.")
class Direction(Enum):
    ASC = "ASC"
    DESC = "DESC"


describe_values(
    Direction,
    {
        "ASC": "Ascending: smallest, earliest or A first (升序).",
        "DESC": "Descending: largest, latest or Z first (降序).",
    },
)


strawberry.enum(PersonSort, name="PersonOrderField", description="What people can be sorted by.")
describe_values(
    PersonSort,
    {
        "CODE": "By code (编号).",
        "NAME": "By name in pinyin order (拼音排序), syllable by syllable.",
        "BIRTH_DATE": "By birth date (出生日期); EDITOR and ADMIN only.",
        "STAGE_REACHED_ON": "By the day the current pipeline stage was reached (进入当前阶段的日期).",
    },
)
strawberry.enum(OrgSort, name="OrganizationOrderField", description="What organizations can be sorted by.")
describe_values(
    OrgSort,
    {
        "CODE": "By code (编号).",
        "NAME": "By name in pinyin order (拼音排序).",
        "HOUSEHOLDS": "By the households (户) of the subtree.",
        "PEOPLE": "By the people holding an active position in the subtree.",
        "COVERAGE_RATIO": "By the share of the subtree's households covered on `asOf` (覆盖率).",
        "UNCOVERED_HOUSEHOLDS": "By the households nobody covers on `asOf` (未覆盖户).",
        "YOUNG_CHAIR_SHARE": "By the share of the subtree's active chairs aged 45 or under.",
    },
)


@strawberry.enum(description="A household's coverage on a date (联系户覆盖情况).")
class CoverageStatus(Enum):
    UNCOVERED = "UNCOVERED"
    COVERED_ONCE = "COVERED_ONCE"
    MULTIPLY_COVERED = "MULTIPLY_COVERED"


describe_values(
    CoverageStatus,
    {
        "UNCOVERED": "未覆盖: nobody covers it.",
        "COVERED_ONCE": "单人联系: exactly one person covers it.",
        "MULTIPLY_COVERED": "多人联系: two or more people cover it.",
    },
)


@strawberry.input(description="A sort of people; ties are broken by code. Default: code, ascending.")
class PersonOrder:
    field: PersonSort = strawberry.field(
        description="CODE; NAME in pinyin order (拼音排序, syllable by syllable); BIRTH_DATE (EDITOR and "
        "ADMIN only); STAGE_REACHED_ON: the day the current pipeline stage was reached. People without "
        "the value come last."
    )
    direction: Direction = strawberry.field(default=Direction.ASC, description="Default ascending.")


@strawberry.input(description="A sort of organizations; ties are broken by code. Default: code, ascending.")
class OrganizationOrder:
    field: OrgSort = strawberry.field(
        description="CODE; NAME (pinyin order); HOUSEHOLDS and PEOPLE (households of the subtree, "
        "people holding an active position in it); COVERAGE_RATIO and UNCOVERED_HOUSEHOLDS on `asOf`; "
        "YOUNG_CHAIR_SHARE (share of the subtree's active chairs aged 45 or under). Sorts on figures "
        "compute them for every organization listed (docs/search.md gives the cost); organizations "
        "without the figure come last."
    )
    direction: Direction = strawberry.field(default=Direction.ASC, description="Default ascending.")


@strawberry.input(
    description="A role held on `asOf`: any of `roles` (default: any role), at `level`, in a `kind`."
)
class HoldsRole:
    roles: list[Role] | None = strawberry.field(
        default=None, description="Any of these roles (default: any)."
    )
    level: Level | None = strawberry.field(default=None, description="In an organization at this level.")
    kind: OrgKind | None = strawberry.field(default=None, description="In an organization of this kind.")


@strawberry.input(description="Reached a pipeline stage between two dates (both included).")
class ReachedStage:
    stage: Stage = strawberry.field(description="The pipeline stage, e.g. PARTY_ACTIVIST 入党积极分子.")
    from_: dt.date | None = strawberry.field(
        default=None, name="from", description="Reached on or after this day (default: any time)."
    )
    to: dt.date | None = strawberry.field(default=None, description="Reached on or before this day.")


@strawberry.input(description="Conditions on people, all of which must hold (AND).")
class PersonFilter:
    as_of: dt.date | None = strawberry.field(
        default=None, description="The day ages, roles, stages and coverage are taken on (default today)."
    )
    age_min: int | None = strawberry.field(
        default=None,
        description="Aged at least this on `asOf` (0–150). For VIEWER and ANALYST by birth year: "
        "year of `asOf` − birth year.",
    )
    age_max: int | None = strawberry.field(default=None, description="Aged at most this on `asOf` (0–150).")
    education_at_least: Education | None = strawberry.field(
        default=None, description="Education at or above this level (学历及以上)."
    )
    political_status_in: list[PoliticalStatus] | None = strawberry.field(
        default=None, description="Political status is one of these."
    )
    stage_in: list[Stage] | None = strawberry.field(
        default=None, description="The current pipeline stage (the latest reached) is one of these."
    )
    reached: ReachedStage | None = strawberry.field(
        default=None, description="Reached a stage between two dates."
    )
    holds: HoldsRole | None = strawberry.field(
        default=None, description="Holds a role on `asOf` in an organization of the scope."
    )
    household_tags: list[HouseholdTag] | None = strawberry.field(
        default=None,
        description="Lives in a household with all of these tags; care tags need EDITOR or ADMIN.",
    )
    covers: bool | None = strawberry.field(
        default=None,
        description="true: covers a grid or household on `asOf` (联系户); false: covers nothing.",
    )
    gender: Gender | None = strawberry.field(default=None, description="Of this gender (性别).")
    under: strawberry.ID | None = strawberry.field(
        default=None, description="In this organization's subtree (a position or a household in it)."
    )


@strawberry.input(description="Conditions on organizations, all of which must hold (AND).")
class OrganizationFilter:
    as_of: dt.date | None = strawberry.field(
        default=None, description="The day boards, chairs and coverage are taken on (default today)."
    )
    level: Level | None = strawberry.field(default=None, description="At this level, e.g. VILLAGE 村/社区.")
    kind: OrgKind | None = strawberry.field(default=None, description="Of this kind, e.g. FEDERATION 妇联.")
    under: strawberry.ID | None = strawberry.field(
        default=None, description="In this organization's subtree (itself included)."
    )
    board_size_min: int | None = strawberry.field(
        default=None, description="At least this many active chairs, vice chairs and executives."
    )
    board_size_max: int | None = strawberry.field(default=None, description="At most this many of them.")
    coverage_below: float | None = strawberry.field(
        default=None,
        description="Share of the subtree's households covered on `asOf` below this (0–1); "
        "organizations without households never match.",
    )
    coverage_above: float | None = strawberry.field(
        default=None, description="Share of households covered above this (0–1)."
    )
    has_uncovered_care_households: bool | None = strawberry.field(
        default=None,
        description="Some household of the subtree with a care tag is uncovered on `asOf` (or, false: "
        "none is); EDITOR or ADMIN.",
    )
    chair_aged_45_or_under: bool | None = strawberry.field(
        default=None, description="Its own chair on `asOf` is aged 45 or under (or, false: is not)."
    )


@strawberry.input(description="Conditions on households, all of which must hold (AND).")
class HouseholdFilter:
    as_of: dt.date | None = strawberry.field(
        default=None, description="The day coverage is taken on (default today)."
    )
    tags: list[HouseholdTag] | None = strawberry.field(
        default=None, description="Carries all of these tags; care tags need EDITOR or ADMIN."
    )
    coverage: CoverageStatus | None = strawberry.field(
        default=None, description="Covered by nobody, by one person, or by several on `asOf`."
    )
    grid: strawberry.ID | None = strawberry.field(default=None, description="In this grid.")
    village: strawberry.ID | None = strawberry.field(
        default=None, description="In this village (or any organization's subtree)."
    )


def _ids(value: strawberry.ID | None, argument: str) -> str | None:
    return expect_global_id(value, "Organization", argument=argument) if value else None


def _under(filter_under: str | None, under: str | None) -> str | None:
    if filter_under is not None and under is not None and filter_under != under:
        raise BadInput("give the subtree once: `under` or `filter.under`", argument="filter.under")
    return filter_under or under


def person_query(info: Info, f: PersonFilter | None, under: strawberry.ID | None) -> PersonQuery:
    """The graph's filter for `f`, checked (values, roles)."""
    ctx = info.context
    f = f or PersonFilter()
    if f.household_tags and any(t in CARE_TAGS for t in f.household_tags):
        ctx.require_reveal("filtering people by a care tag of their household")
    reached = f.reached
    if reached and reached.from_ and reached.to and reached.from_ > reached.to:
        raise BadInput(
            "filter.reached.from must not be after filter.reached.to", argument="filter.reached.from"
        )
    for name, values in (("politicalStatusIn", f.political_status_in), ("stageIn", f.stage_in)):
        if values is not None and not values:
            raise BadInput(f"filter.{name} must name at least one value", argument=f"filter.{name}")
    if f.holds and f.holds.roles is not None and not f.holds.roles:
        raise BadInput("filter.holds.roles must name at least one role", argument="filter.holds.roles")
    educations = None
    if f.education_at_least is not None:
        order = list(EducationLevels)
        educations = tuple(e.name for e in order[order.index(f.education_at_least) :])
    return PersonQuery(
        on=f.as_of or ctx.today,
        gender=f.gender.name if f.gender else None,
        age_min=f.age_min,
        age_max=f.age_max,
        educations=educations,
        political_statuses=tuple(s.name for s in f.political_status_in) if f.political_status_in else None,
        stages=tuple(s.name for s in f.stage_in) if f.stage_in else None,
        reached_stage=reached.stage.name if reached else None,
        reached_from=reached.from_ if reached else None,
        reached_to=reached.to if reached else None,
        roles=tuple(r.name for r in f.holds.roles) if f.holds and f.holds.roles else None,
        role_level=f.holds.level.name if f.holds and f.holds.level else None,
        role_kind=f.holds.kind.name if f.holds and f.holds.kind else None,
        household_tags=tuple(t.name for t in f.household_tags) if f.household_tags else None,
        covers=f.covers,
        under=_under(_ids(f.under, "filter.under"), _ids(under, "under")),
    )


def person_order(info: Info, order: PersonOrder | None) -> tuple[PersonSort, bool]:
    if order is None:
        return PersonSort.CODE, False
    if order.field is PersonSort.BIRTH_DATE:
        info.context.require_reveal("sorting people by birth date")
    return order.field, order.direction is Direction.DESC


def organization_query(info: Info, f: OrganizationFilter | None, under: strawberry.ID | None) -> OrgQuery:
    ctx = info.context
    f = f or OrganizationFilter()
    if f.has_uncovered_care_households is not None:
        ctx.require_reveal("filtering organizations by uncovered care households")
    return OrgQuery(
        on=f.as_of or ctx.today,
        kind=f.kind.name if f.kind else None,
        level=f.level.name if f.level else None,
        under=_under(_ids(f.under, "filter.under"), _ids(under, "under")),
        board_min=f.board_size_min,
        board_max=f.board_size_max,
        coverage_below=f.coverage_below,
        coverage_above=f.coverage_above,
        uncovered_care=f.has_uncovered_care_households,
        young_chair=f.chair_aged_45_or_under,
    )


def organization_order(order: OrganizationOrder | None) -> tuple[OrgSort, bool]:
    if order is None:
        return OrgSort.CODE, False
    return order.field, order.direction is Direction.DESC


def household_query(info: Info, f: HouseholdFilter | None, under: str | None) -> HouseholdQuery:
    ctx = info.context
    f = f or HouseholdFilter()
    if f.tags and any(t in CARE_TAGS for t in f.tags):
        ctx.require_reveal("filtering households by a care tag")
    return HouseholdQuery(
        on=f.as_of or ctx.today,
        tags=tuple(t.name for t in f.tags) if f.tags else None,
        coverage=f.coverage.name if f.coverage else None,
        grid=expect_global_id(f.grid, "Grid", argument="filter.grid") if f.grid else None,
        village=_ids(f.village, "filter.village"),
        under=under,
    )
