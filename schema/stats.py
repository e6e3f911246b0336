"""Group-by counts: `peopleStats` and `householdStats`, the cross-tables of a
county's annual report (graph.analytics.groups), for ANALYST and above."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from graph.analytics.groups import AGE_BANDS, GroupTable
from graph.model import Education, HouseholdTag, Level, PoliticalStatus, Role, Stage
from schema.arguments import AsOf
from schema.context import Info
from schema.enums import describe_values
from schema.filters import HouseholdFilter, PersonFilter, household_query, person_query
from schema.relay import expect_global_id


@strawberry.enum(description="What people can be counted by.")
class PeopleDimension(Enum):
    AGE_BAND = "AGE_BAND"
    EDUCATION = "EDUCATION"
    POLITICAL_STATUS = "POLITICAL_STATUS"
    ROLE = "ROLE"
    LEVEL = "LEVEL"
    STAGE = "STAGE"
    CHILD_ORGANIZATION = "CHILD_ORGANIZATION"


describe_values(
    PeopleDimension,
    {
        "AGE_BAND": "Age band (年龄段): 35 or under, 36–45, 46–55, 56 or over; by birth year for ANALYST.",
        "EDUCATION": "Education (学历).",
        "POLITICAL_STATUS": "Political status (政治面貌).",
        "ROLE": "Role held on `asOf` (职务).",
        "LEVEL": "Level of the organization the role is held in (层级).",
        "STAGE": "Current pipeline stage (后备阶段).",
        "CHILD_ORGANIZATION": "The child organization of `under` the person belongs to (下级组织).",
    },
)


@strawberry.enum(description="What households can be counted by.")
class HouseholdDimension(Enum):
    TAG = "TAG"
    COVERAGE_STATUS = "COVERAGE_STATUS"
    CHILD_ORGANIZATION = "CHILD_ORGANIZATION"


describe_values(
    HouseholdDimension,
    {
        "TAG": "Household tag (户标签); care tags for EDITOR and ADMIN only.",
        "COVERAGE_STATUS": "Coverage on `asOf` (覆盖情况).",
        "CHILD_ORGANIZATION": "The child organization of `under` the household belongs to (下级组织).",
    },
)


_COVERAGE_LABELS = {"UNCOVERED": "未覆盖", "COVERED_ONCE": "单人联系", "MULTIPLY_COVERED": "多人联系"}
_OTHER_LABELS = {"UNKNOWN": "未知", "NONE": "无"}
_ENUMS = {
    "EDUCATION": Education,
    "POLITICAL_STATUS": PoliticalStatus,
    "ROLE": Role,
    "LEVEL": Level,
    "STAGE": Stage,
    "TAG": HouseholdTag,
}


@strawberry.type(description="One key of a group: the dimension, its value and the value's Chinese label.")
class GroupKey:
    dimension: str = strawberry.field(description="The dimension this key is of, e.g. EDUCATION.")
    value: str = strawberry.field(
        description="An enum name (EDUCATION, ROLE, ...), an age band (AGE_35_OR_UNDER, AGE_36_TO_45, "
        "AGE_46_TO_55, AGE_56_OR_OVER), UNKNOWN / NONE, or a child organization's code "
        "(empty: directly in the organization itself)."
    )
    label: str = strawberry.field(description="The Chinese label (for a child organization: its name).")


@strawberry.type(description="One cell of a cross-table: its keys (one per dimension asked) and the count.")
class GroupCount:
    keys: list[GroupKey] = strawberry.field(description="One key per dimension of `groupBy`, in its order.")
    count: int = strawberry.field(description="How many people (or households) fall in this group.")


@strawberry.type(description="A cross-table of counts.")
class GroupTableResult:
    rows: list[GroupCount] = strawberry.field(description="Non-empty groups, ordered by their keys.")
    suppressed_groups: int = strawberry.field(
        description="Groups withheld for being smaller than `minGroupSize` (VIEWER and ANALYST only)."
    )
    min_group_size: int = strawberry.field(description="ORGGRAPH_MIN_GROUP_SIZE.")


def _key(dimension: str, value: object) -> GroupKey:
    if dimension == "CHILD_ORGANIZATION":
        code, name = value if isinstance(value, list) else ("", "")
        return GroupKey(dimension=dimension, value=str(code), label=str(name) or "本级")
    text = str(value)
    if text in _OTHER_LABELS:
        label = _OTHER_LABELS[text]
    elif dimension == "AGE_BAND":
        label = AGE_BANDS[text]
    elif dimension == "COVERAGE_STATUS":
        label = _COVERAGE_LABELS[text]
    else:
        label = _ENUMS[dimension][text].label
    return GroupKey(dimension=dimension, value=text, label=label)


def _result(table: GroupTable, dims: list[str]) -> GroupTableResult:
    return GroupTableResult(
        rows=[
            GroupCount(keys=[_key(d, v) for d, v in zip(dims, row.keys, strict=True)], count=row.count)
            for row in table.rows
        ],
        suppressed_groups=table.suppressed,
        min_group_size=table.min_group_size,
    )


CountedUnder = Annotated[
    strawberry.ID | None,
    strawberry.argument(
        description="The organization whose subtree is counted (a global id); default the scope."
    ),
]


@strawberry.type
class StatsQuery:
    """Group-by counts, mixed into the Query root."""

    @strawberry.field(
        description="People of the subtree of `under` (default: the caller's scope) matching `filter`, "
        "counted per combination of `groupBy` on `asOf` (default today): the cross-tables of the "
        "annual report. A person holding two roles (or in two levels or child organizations) counts "
        "in each. ANALYST and above; groups smaller than ORGGRAPH_MIN_GROUP_SIZE are withheld from "
        "ANALYST, whose ages are by birth year."
    )
    async def people_stats(
        self,
        info: Info,
        group_by: Annotated[
            list[PeopleDimension],
            strawberry.argument(description="The dimensions to count by, e.g. [AGE_BAND, EDUCATION]."),
        ],
        under: CountedUnder = None,
        filter: Annotated[
            PersonFilter | None, strawberry.argument(description="Count only the people matching it.")
        ] = None,
        as_of: AsOf = None,
    ) -> GroupTableResult:
        info.context.require_analyst()
        if as_of is not None:
            filter = filter or PersonFilter()
            if filter.as_of is not None and filter.as_of != as_of:
                from graph.errors import BadInput

                raise BadInput("give the date once: asOf or filter.asOf", argument="asOf")
            filter.as_of = as_of
        flt = person_query(info, filter, under)
        dims = [d.value for d in group_by]
        table = await info.context.loaders.people_groups(flt, dims, info.context.min_group_size)
        return _result(table, dims)

    @strawberry.field(
        description="Households of the subtree of `under` (default: the caller's scope) matching "
        "`filter`, counted per combination of `groupBy` (a household with two tags counts under "
        "each). ANALYST and above; small groups withheld as in peopleStats."
    )
    async def household_stats(
        self,
        info: Info,
        group_by: Annotated[
            list[HouseholdDimension],
            strawberry.argument(description="The dimensions to count by, e.g. [TAG, COVERAGE_STATUS]."),
        ],
        under: CountedUnder = None,
        filter: Annotated[
            HouseholdFilter | None, strawberry.argument(description="Count only the households matching it.")
        ] = None,
        as_of: AsOf = None,
    ) -> GroupTableResult:
        info.context.require_analyst()
        raw_under = expect_global_id(under, "Organization", argument="under") if under else None
        flt = household_query(info, filter, raw_under)
        if as_of is not None:
            from dataclasses import replace

            flt = replace(flt, on=as_of)
        dims = [d.value for d in group_by]
        table = await info.context.loaders.household_groups(flt, dims, info.context.min_group_size)
        return _result(table, dims)
