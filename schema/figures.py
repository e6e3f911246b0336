"""Term statistics (换届: officers holding a role, counts and shares) and an
organization's dashboard figures (positions by role, households by tag), with
small groups suppressed for callers who may not see people one by one.
Answered in `schema.analytics`."""

from __future__ import annotations

import datetime as dt
from typing import Self

import strawberry

from graph import model
from graph.analytics import stats, terms
from schema.enums import HouseholdTag, Role
from schema.organization import Organization
from schema.person import Person


@strawberry.type(
    description="Officers holding a role: counts and shares (换届 statistics). For a caller who may not "
    "see birth dates (VIEWER, ANALYST) ages count from the birth year (age = the year of `asOf` minus the "
    "birth year), and a group of fewer people than the service's minimum group size "
    "(ORGGRAPH_MIN_GROUP_SIZE, default 5) is `suppressed`: only `count` is given, every other figure null."
)
class TermFigures:
    organization: Organization | None = strawberry.field(description="Null on the total.")
    count: int = strawberry.field(description="Officers holding the role.")
    suppressed: bool = strawberry.field(
        description="True when the group is too small to hide one person: every figure but `count` is null."
    )
    aged_45_or_under: int | None = strawberry.field(
        description="Of those, aged 45 or under on the day asked about."
    )
    college_or_above: int | None = strawberry.field(description="Junior college (大专) or above.")
    party_members: int | None = strawberry.field(description="Of those, Party members (中共党员).")
    on_village_committee: int | None = strawberry.field(
        description="Also holding a seat on a village committee (村两委)."
    )
    youngest: Person | None = strawberry.field(description="The youngest of them; null when none.")
    youngest_age: int | None = strawberry.field(description="Her age on the day asked about.")

    @strawberry.field(description="aged45OrUnder / count, 0 to 1 (0 when count is 0); null when suppressed.")
    def share_aged_45_or_under(self) -> float | None:
        return _share_of(self.aged_45_or_under, self.count)

    @strawberry.field(description="collegeOrAbove / count, 0 to 1; null when suppressed.")
    def share_college_or_above(self) -> float | None:
        return _share_of(self.college_or_above, self.count)

    @strawberry.field(description="partyMembers / count, 0 to 1; null when suppressed.")
    def share_party_members(self) -> float | None:
        return _share_of(self.party_members, self.count)

    @strawberry.field(
        description="onVillageCommittee / count, 0 to 1 (the 进村两委 share); null when suppressed."
    )
    def share_on_village_committee(self) -> float | None:
        return _share_of(self.on_village_committee, self.count)

    @classmethod
    def of(cls, f: terms.TermFigures) -> Self:
        return cls(
            organization=Organization.maybe(f.organization),
            count=f.count,
            suppressed=f.suppressed,
            aged_45_or_under=f.aged_45_or_under,
            college_or_above=f.college_or_above,
            party_members=f.party_members,
            on_village_committee=f.on_village_committee,
            youngest=Person.maybe(f.youngest),
            youngest_age=f.youngest_age,
        )


@strawberry.type(description="Term statistics of a role in a subtree on a date.")
class TermStatistics:
    role: Role = strawberry.field(description="The role counted.")
    as_of: dt.date = strawberry.field(description="The day counted.")
    total: TermFigures = strawberry.field(description="Everyone holding the role (a person counted once).")
    organizations: list[TermFigures] = strawberry.field(
        description="Per organization where the role is held."
    )


@strawberry.type(description="How many people hold a role on the day.")
class RoleCount:
    role: Role = strawberry.field(description="The role, e.g. VILLAGE_SISTER 村嫂.")
    people: int = strawberry.field(description="People holding it (each counted once).")


@strawberry.type(
    description="Households with a tag. A care tag's count over fewer households than the minimum group "
    "size is withheld (null, `suppressed`) from callers who may not see care tags (VIEWER, ANALYST)."
)
class TagCount:
    tag: HouseholdTag = strawberry.field(description="The tag, e.g. LEFT_BEHIND_ELDERLY 留守老人.")
    households: int | None = strawberry.field(description="Households carrying it; null when suppressed.")
    suppressed: bool = strawberry.field(description="True when the count is withheld (a group too small).")


@strawberry.type(description="Dashboard figures of an organization's subtree on a date.")
class OrganizationStats:
    organization: Organization = strawberry.field(description="The organization whose subtree is counted.")
    as_of: dt.date = strawberry.field(description="The day counted.")
    households: int = strawberry.field(description="Households in the subtree.")
    covered_households: int = strawberry.field(
        description="Households someone covers on the day (联系户, directly or through the grid)."
    )
    coverage_ratio: float = strawberry.field(description="coveredHouseholds / households, 0 to 1.")
    people_by_role: list[RoleCount] = strawberry.field(description="People holding each role on the date.")
    households_by_tag: list[TagCount] = strawberry.field(description="Households per tag, every tag listed.")
    children: list[OrganizationStats] = strawberry.field(description="The same for each child organization.")

    @classmethod
    def of(
        cls, org: model.Organization, on: dt.date, f: stats.Figures, children: list[OrganizationStats]
    ) -> Self:
        return cls(
            organization=Organization.of(org),
            as_of=on,
            households=f.households,
            covered_households=f.covered,
            coverage_ratio=_share(f.covered, f.households),
            people_by_role=[RoleCount(role=r, people=f.by_role[r]) for r in model.Role if r in f.by_role],
            households_by_tag=[_tag_count(t, f.by_tag.get(t, 0)) for t in model.HouseholdTag],
            children=children,
        )


def _tag_count(tag: model.HouseholdTag, households: int | None) -> TagCount:
    return TagCount(tag=tag, households=households, suppressed=households is None)


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _share_of(part: int | None, whole: int) -> float | None:
    """A share of a figure that may be withheld (None)."""
    return None if part is None else _share(part, whole)
