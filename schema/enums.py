"""The domain's enums as GraphQL enums; each value's description is its Chinese
label, so GraphiQL's docs and introspection show what users read."""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

import strawberry

from graph import model

E = TypeVar("E", bound=type[Enum])


def labeled(cls: E, description: str) -> E:
    result: E = strawberry.enum(cls, description=description)
    for value in result.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = cls[value.name].label  # type: ignore[attr-defined]
    return result


OrgKind = labeled(model.OrgKind, "What kind of body an organization is (组织类型).")
Level = labeled(model.Level, "The territorial level of an organization (层级).")
Role = labeled(model.Role, "A role held in an organization for a term (职务).")
CoverRole = labeled(model.CoverRole, "How a person covers a grid or household in 1+2+N grid service.")
CoverageVia = labeled(model.CoverageVia, "Whether a household is covered itself or through its grid.")
HouseholdTag = labeled(model.HouseholdTag, "Care needs and honors of a household (户标签).")
Stage = labeled(model.Stage, "A stage of the cadre pipeline (后备干部培养).")
Gender = labeled(model.Gender, "Gender (性别).")
Education = labeled(model.Education, "Highest education completed (学历).")
PoliticalStatus = labeled(model.PoliticalStatus, "Political status (政治面貌).")
