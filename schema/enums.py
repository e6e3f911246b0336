"""The domain's enums as GraphQL enums; each value's description is its Chinese
label, so GraphiQL's docs and introspection show what users read.

`strawberry.enum` decorates the classes of graph.model in place; import them
from here so that has happened.
"""

from __future__ import annotations

import strawberry

from graph.model import (
    CommitmentStatus,
    CoverageVia,
    CoverRole,
    Education,
    Gender,
    HouseholdTag,
    Labeled,
    Level,
    MeetingForm,
    OrgKind,
    PoliticalStatus,
    RelationshipKind,
    Role,
    Stage,
)

__all__ = [
    "CommitmentStatus",
    "CoverRole",
    "CoverageVia",
    "Education",
    "Gender",
    "HouseholdTag",
    "Level",
    "MeetingForm",
    "OrgKind",
    "PoliticalStatus",
    "RelationshipKind",
    "Role",
    "Stage",
]


def describe_values(cls: type, descriptions: dict[str, str]) -> None:
    """Give the values of an enum already made a GraphQL enum their descriptions
    (for enums of graph/ whose values are not labels, e.g. sort keys)."""
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    for value in definition.values:
        value.description = descriptions[value.name]


def _labeled(cls: type[Labeled], description: str) -> None:
    strawberry.enum(cls, description=description)
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    for value in definition.values:
        value.description = cls[value.name].label


_DESCRIPTIONS: dict[type[Labeled], str] = {
    OrgKind: "What kind of body an organization is (组织类型).",
    Level: "The territorial level of an organization (层级).",
    Role: "A role held in an organization for a term (职务).",
    CoverRole: "How a person covers a grid or household in 1+2+N grid service.",
    CoverageVia: "How a coverage reaches households: a whole grid's or a single one.",
    HouseholdTag: "Care needs and honors of a household (户标签).",
    Stage: "A stage of the cadre pipeline (后备干部培养).",
    Gender: "Gender (性别).",
    Education: "Highest education completed (学历).",
    PoliticalStatus: "Political status (政治面貌).",
    RelationshipKind: "Relationship types a path may go through.",
    MeetingForm: "The form a deliberation meeting takes (议事形式).",
    CommitmentStatus: "Whether a public commitment has been kept (承诺完成情况).",
}
for _cls, _description in _DESCRIPTIONS.items():
    _labeled(_cls, _description)
