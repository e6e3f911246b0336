"""Term statistics: the officers holding a role in a subtree on a date, per
organization and in total, in the shape of the 换届 reports (e.g. Quzhou 2021:
1,591 chairs, 43.3% aged 45 or under, 19.2% junior college or above, 100% on
the village committee, the youngest 22).

Scope: the subtree's root must lie in the caller's scope (else nothing is
counted); a seat on a village committee counts only when that committee is in
scope too, and the youngest officer leaves through the masked projection."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import LiteralString

from graph import rows
from graph.access import org_in_scope, person_map
from graph.driver import Database
from graph.model import COLLEGE_OR_ABOVE, Level, Organization, OrgKind, Person, Role

# Each holder with the facts the statistics count; `age` on $asOf: exact for a
# caller who sees birth dates ($reveal), else from the birth year alone
# ($asOf.year - birth year), which every role sees: moving $asOf through a year
# then changes nothing before New Year's Day, so no figure pins a birth date.
_HOLDERS: LiteralString = (
    """
MATCH (root:Organization {id: $under})
WHERE """
    + org_in_scope("root")
    + """
MATCH (root)<-[:PART_OF*0..12]-(o:Organization)<-[h:HOLDS {role: $role}]-(p:Person)
WHERE h.since <= $asOf AND (h.until IS NULL OR h.until > $asOf)
  AND ($level IS NULL OR o.level = $level) AND ($kind IS NULL OR o.kind = $kind)
WITH DISTINCT o, p
WITH o, p,
  CASE WHEN p.birthDate IS NULL THEN null
       WHEN $reveal THEN duration.between(p.birthDate, $asOf).years
       ELSE $asOf.year - p.birthDate.year END AS age,
  CASE WHEN $reveal THEN p.birthDate END AS born,
  p.education IN $college AS college,
  p.politicalStatus = 'PARTY_MEMBER' AS partyMember,
  EXISTS {
    MATCH (p)-[v:HOLDS]->(vc:Organization {kind: 'VILLAGE_COMMITTEE'})
    WHERE v.since <= $asOf AND (v.until IS NULL OR v.until > $asOf) AND """
    + (org_in_scope("vc"))
    + """
  } AS onCommittee
"""
)

# The youngest first: by age, then (for a caller who sees them) by birth date,
# then by code, never by a birth date the caller may not see.
_ORDER: LiteralString = "age, born DESC, p.code"


def _figures_of(group: LiteralString) -> LiteralString:
    """The figures of each `group` (a variable bound by the WITH it follows, or
    nothing for the total).

    A group of fewer than $minGroupSize people is too small to hide one of
    them: for a caller without $reveal its figures are withheld (null,
    `suppressed`), only the head count stays (who holds a role is visible to
    every role). `sources`, for a caller with $reveal only, are the people the
    age figures derive from, as maps with their birth date, so that the audit
    trail (Trail.saw) records them as read unmasked."""
    return (
        group
        + """ count(p) AS count, {
  young: count(CASE WHEN age <= 45 THEN 1 END),
  college: count(CASE WHEN college THEN 1 END),
  partyMembers: count(CASE WHEN partyMember THEN 1 END),
  onCommittee: count(CASE WHEN onCommittee THEN 1 END),
  youngest: head(collect(CASE WHEN age IS NOT NULL THEN {age: age, person: """
        + person_map("p")
        + """} END))
} AS figures,
CASE WHEN $reveal THEN collect(CASE WHEN age IS NOT NULL THEN {id: p.id, birthDate: born} END) END AS sources
WITH *, NOT $reveal AND count < $minGroupSize AS suppressed
RETURN """
        + group
        + """ count, suppressed, CASE WHEN suppressed THEN null ELSE figures END AS figures, sources
"""
    )


TERM_STATISTICS_BY_ORGANIZATION: LiteralString = (
    _HOLDERS
    + "WITH o, p, age, born, college, partyMember, onCommittee ORDER BY o.code, "
    + _ORDER
    + "\nWITH o {.id, .code, .name, .kind, .level} AS organization, p, age, born, college, partyMember, "
    + "onCommittee\nWITH"
    + _figures_of(" organization,")
    + "ORDER BY organization.code\n"
)

# People holding the role in two organizations (a chair of two villages) count once.
TERM_STATISTICS_TOTAL: LiteralString = (
    _HOLDERS
    + "WITH DISTINCT p, age, born, college, partyMember, onCommittee ORDER BY "
    + _ORDER
    + "\nWITH"
    + _figures_of("")
)


@dataclass(frozen=True, slots=True)
class TermFigures:
    """Counts for one organization (or the total); with `suppressed` (a group
    too small for the caller) only the head count, every other figure None."""

    organization: Organization | None
    count: int
    suppressed: bool
    aged_45_or_under: int | None
    college_or_above: int | None
    party_members: int | None
    on_village_committee: int | None
    youngest: Person | None
    youngest_age: int | None


async def term_statistics(
    db: Database,
    under: str,
    role: Role,
    as_of: dt.date,
    *,
    level: Level | None = None,
    kind: OrgKind | None = None,
    min_group_size: int,
) -> tuple[TermFigures, list[TermFigures]]:
    """(total, per organization) for holders of `role` on `as_of` in organizations
    of `under`'s subtree (of `level` and `kind`, when given); for a caller who
    may not see birth dates, groups under `min_group_size` people are suppressed."""
    params = {
        "under": under,
        "role": role,
        "asOf": as_of,
        "level": level,
        "kind": kind,
        "college": [e.value for e in COLLEGE_OR_ABOVE],
        "minGroupSize": min_group_size,
    }
    per_org = await db.read(TERM_STATISTICS_BY_ORGANIZATION, **params)
    total = await db.read(TERM_STATISTICS_TOTAL, **params)
    return _figures(total[0], None), [_figures(r, rows.organization(r["organization"])) for r in per_org]


def _figures(row: rows.Row, organization: Organization | None) -> TermFigures:
    figures = row["figures"]
    if figures is None:
        return TermFigures(organization, row["count"], True, None, None, None, None, None, None)
    youngest = figures["youngest"]
    return TermFigures(
        organization=organization,
        count=row["count"],
        suppressed=False,
        aged_45_or_under=figures["young"],
        college_or_above=figures["college"],
        party_members=figures["partyMembers"],
        on_village_committee=figures["onCommittee"],
        youngest=rows.person(youngest["person"]) if youngest else None,
        youngest_age=youngest["age"] if youngest else None,
    )
