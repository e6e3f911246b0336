"""What analysts filter people on (`PersonFilter`): gender, an age range (a
birth-date range, by birth year for a caller who sees birth dates masked),
education, political status, the current pipeline stage or a stage reached in a
period, an active role, a household's care tags, covering or not. Each condition
is a fixed Cypher fragment over `p` (`PERSON_FILTERS`); the values are
parameters. `graph.filters` assembles the list from them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, LiteralString

from graph.access import household_in_scope, org_in_scope
from graph.errors import BadInput

ACTIVE_H: LiteralString = "h.since <= $on AND (h.until IS NULL OR h.until > $on)"
ACTIVE_C: LiteralString = "c.since <= $on AND (c.until IS NULL OR c.until > $on)"

# A person's current pipeline stage: the latest reached (the later stage on a tie).
CURRENT_MILESTONE: LiteralString = """COLLECT {
  MATCH (p)-[r:REACHED]->(s:Stage) WITH r, s ORDER BY r.on DESC, s.order DESC LIMIT 1
  RETURN {stage: s.name, on: r.on} }[0]"""

# Age in whole years on $on: exact for callers who see birth dates, else by birth year.
AGE: LiteralString = """(CASE WHEN p.birthDate IS NULL THEN null WHEN $reveal
  THEN duration.between(p.birthDate, $on).years ELSE $on.year - p.birthDate.year END)"""

PERSON_FILTERS: dict[str, LiteralString] = {
    "gender": "p.gender = $gender",
    "born": "p.birthDate >= $bornFrom AND p.birthDate < $bornBefore",
    "education": "p.education IN $educations",
    "politicalStatus": "p.politicalStatus IN $politicalStatuses",
    "stage": CURRENT_MILESTONE + ".stage IN $stages",
    "reached": """EXISTS { MATCH (p)-[r:REACHED]->(:Stage {name: $reachedStage})
  WHERE r.on >= $reachedFrom AND r.on <= $reachedTo }""",
    "role": "EXISTS { MATCH (p)-[h:HOLDS]->(o:Organization) WHERE h.role IN $roles AND "
    + ACTIVE_H
    + """
  AND ($roleLevel IS NULL OR o.level = $roleLevel) AND ($roleKind IS NULL OR o.kind = $roleKind)
  AND """
    + org_in_scope("o")
    + " }",
    "tags": "EXISTS { MATCH (p)-[:LIVES_IN]->(hh:Household) WHERE all(t IN $householdTags WHERE t IN hh.tags)"
    " AND " + household_in_scope("hh") + " }",
    "covers": "EXISTS { MATCH (p)-[c:COVERS]->() WHERE " + ACTIVE_C + " }",
    "coversNothing": "NOT EXISTS { MATCH (p)-[c:COVERS]->() WHERE " + ACTIVE_C + " }",
}


@dataclass(frozen=True, slots=True)
class PersonFilter:
    """What people must be; every field None means no condition on it. Ages
    are turned into a birth-date range by `born_range`."""

    on: dt.date
    gender: str | None = None
    age_min: int | None = None
    age_max: int | None = None
    educations: tuple[str, ...] | None = None
    political_statuses: tuple[str, ...] | None = None
    stages: tuple[str, ...] | None = None
    reached_stage: str | None = None
    reached_from: dt.date | None = None
    reached_to: dt.date | None = None
    roles: tuple[str, ...] | None = None
    role_level: str | None = None
    role_kind: str | None = None
    household_tags: tuple[str, ...] | None = None
    covers: bool | None = None
    under: str | None = None

    def fragments(self) -> list[LiteralString]:
        chosen: list[LiteralString] = []
        given = {
            "gender": self.gender is not None,
            "born": self.age_min is not None or self.age_max is not None,
            "education": self.educations is not None,
            "politicalStatus": self.political_statuses is not None,
            "stage": self.stages is not None,
            "reached": self.reached_stage is not None,
            "role": self.roles is not None or self.role_level is not None or self.role_kind is not None,
            "tags": self.household_tags is not None,
            "covers": self.covers is True,
            "coversNothing": self.covers is False,
        }
        for name, fragment in PERSON_FILTERS.items():
            if given[name]:
                chosen.append(fragment)
        return chosen

    def params(self, reveal: bool) -> dict[str, Any]:
        born_from, born_before = born_range(self.on, self.age_min, self.age_max, exact=reveal)
        return {
            "on": self.on,
            "gender": self.gender,
            "bornFrom": born_from,
            "bornBefore": born_before,
            "educations": list(self.educations or ()),
            "politicalStatuses": list(self.political_statuses or ()),
            "stages": list(self.stages or ()),
            "reachedStage": self.reached_stage,
            "reachedFrom": self.reached_from or dt.date.min,
            "reachedTo": self.reached_to or dt.date.max,
            "roles": list(self.roles) if self.roles is not None else [r for r in ROLE_NAMES],
            "roleLevel": self.role_level,
            "roleKind": self.role_kind,
            "householdTags": list(self.household_tags or ()),
            "seedStages": list(self.stages or ()) + ([self.reached_stage] if self.reached_stage else []),
        }


ROLE_NAMES: tuple[str, ...] = (
    "CHAIR",
    "VICE_CHAIR",
    "EXECUTIVE",
    "REPRESENTATIVE",
    "GROUP_LEADER",
    "VILLAGE_SISTER",
    "VOLUNTEER",
    "GRID_LEADER",
    "COUNCIL_HEAD",
    "MEMBER",
    "SECRETARY",
    "COMMITTEE_MEMBER",
)


def born_range(
    on: dt.date, age_min: int | None, age_max: int | None, *, exact: bool
) -> tuple[dt.date, dt.date]:
    """The birth dates [from, before) of people aged age_min..age_max on `on`:
    exactly, or (not `exact`) by birth year only (age = on.year − birth year)."""
    if age_min is not None and age_max is not None and age_min > age_max:
        raise BadInput("filter.ageMin must not exceed filter.ageMax", argument="filter.ageMin")
    for name, age in (("ageMin", age_min), ("ageMax", age_max)):
        if age is not None and not 0 <= age <= 150:
            raise BadInput(f"filter.{name} must be between 0 and 150", argument=f"filter.{name}")
    born_from, born_before = dt.date.min, dt.date.max
    if exact:
        if age_max is not None:  # born after the day she would turn age_max + 1
            born_from = _years_before(on, age_max + 1) + dt.timedelta(days=1)
        if age_min is not None:  # born on or before the day she turned age_min
            born_before = _years_before(on, age_min) + dt.timedelta(days=1)
    else:
        if age_max is not None:
            born_from = dt.date(on.year - age_max, 1, 1)
        if age_min is not None:
            born_before = dt.date(on.year - age_min + 1, 1, 1)
    return born_from, born_before


def _years_before(on: dt.date, years: int) -> dt.date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)
