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

# Each holder with the facts the statistics count; `age` on $asOf.
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
  CASE WHEN p.birthDate IS NULL THEN null ELSE duration.between(p.birthDate, $asOf).years END AS age,
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

_FIGURES: LiteralString = (
    """
  count(p) AS count,
  count(CASE WHEN age <= 45 THEN 1 END) AS young,
  count(CASE WHEN college THEN 1 END) AS college,
  count(CASE WHEN partyMember THEN 1 END) AS partyMembers,
  count(CASE WHEN onCommittee THEN 1 END) AS onCommittee,
  head(collect(CASE WHEN age IS NOT NULL THEN {age: age, person: """
    + person_map("p")
    + """} END)) AS youngest
"""
)

TERM_STATISTICS_BY_ORGANIZATION: LiteralString = (
    _HOLDERS
    + "WITH o, p, age, college, partyMember, onCommittee ORDER BY o.code, age\n"
    + "RETURN o {.id, .code, .name, .kind, .level} AS organization,"
    + _FIGURES
    + "ORDER BY organization.code\n"
)

# People holding the role in two organizations (a chair of two villages) count once.
TERM_STATISTICS_TOTAL: LiteralString = (
    _HOLDERS + "WITH DISTINCT p, age, college, partyMember, onCommittee ORDER BY age\nRETURN" + _FIGURES
)


@dataclass(frozen=True, slots=True)
class TermFigures:
    """Counts for one organization (or the total)."""

    organization: Organization | None
    count: int
    aged_45_or_under: int
    college_or_above: int
    party_members: int
    on_village_committee: int
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
) -> tuple[TermFigures, list[TermFigures]]:
    """(total, per organization) for holders of `role` on `as_of` in organizations
    of `under`'s subtree (of `level` and `kind`, when given)."""
    params = {
        "under": under,
        "role": role,
        "asOf": as_of,
        "level": level,
        "kind": kind,
        "college": [e.value for e in COLLEGE_OR_ABOVE],
    }
    per_org = await db.read(TERM_STATISTICS_BY_ORGANIZATION, **params)
    total = await db.read(TERM_STATISTICS_TOTAL, **params)
    empty = TermFigures(None, 0, 0, 0, 0, 0, None, None)
    return (_figures(total[0], None) if total else empty), [
        _figures(r, rows.organization(r["organization"])) for r in per_org
    ]


def _figures(row: rows.Row, organization: Organization | None) -> TermFigures:
    youngest = row["youngest"]
    return TermFigures(
        organization=organization,
        count=row["count"],
        aged_45_or_under=row["young"],
        college_or_above=row["college"],
        party_members=row["partyMembers"],
        on_village_committee=row["onCommittee"],
        youngest=rows.person(youngest["person"]) if youngest else None,
        youngest_age=youngest["age"] if youngest else None,
    )
