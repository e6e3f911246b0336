"""Pipeline candidates: people of a subtree who have reached a stage, not yet the
next one, and meet the rules for moving on, with how long they have waited.

The rules (graph.model.MIN_DAYS_BEFORE and REQUIRES_MENTOR below): a
development target must have been an activist for a year and have an active
mentor (传帮带); a full member must have been probationary for a year.

Scope: the subtree's root must lie in the caller's scope, and then so do all its
candidates. Whether a candidate has an active mentor is a fact about her, so a
mentor outside the scope still makes her eligible (a township sees the same
candidates of hers as the county does); such a mentor is never returned, not
even by id.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import LiteralString

from graph import rows
from graph.access import org_in_scope, person_in_scope, person_map
from graph.driver import Database
from graph.errors import BadInput
from graph.model import MIN_DAYS_BEFORE, NEXT_STAGE, Page, PageArgs, Person, Stage
from graph.people import PERSON_IS_UNDER_ROOT

REQUIRES_MENTOR = frozenset({Stage.DEVELOPMENT_TARGET})

_CANDIDATES: LiteralString = (
    """
MATCH (root:Organization {id: $under})
WHERE """
    + org_in_scope("root")
    + """
MATCH (:Stage {name: $stage})<-[r:REACHED]-(p:Person)
WHERE r.on <= $asOf
  AND NOT EXISTS { MATCH (p)-[n:REACHED]->(:Stage {name: $next}) WHERE n.on <= $asOf }
  AND """
    + PERSON_IS_UNDER_ROOT
    + """
WITH p, r, duration.inDays(r.on, $asOf).days AS waited, COLLECT {
  MATCH (m:Person)-[x:MENTORS]->(p) WHERE x.since <= $asOf AND (x.until IS NULL OR x.until > $asOf)
  RETURN m
} AS mentors
WHERE waited >= $minDays AND (NOT $needsMentor OR size(mentors) > 0)
"""
)

CANDIDATES: LiteralString = (
    _CANDIDATES
    + """
WITH p, r, waited, mentors, toString(r.on) + '|' + p.code AS sortKey
WHERE sortKey > coalesce($after, '')
WITH p, r, waited, mentors, sortKey ORDER BY sortKey LIMIT $limit
WITH p, r, waited, sortKey, [m IN mentors WHERE """
    + (person_in_scope("m"))
    + """ | m.id] AS mentorIds
RETURN sortKey, {
  person: """
    + person_map("p")
    + """,
  reachedOn: r.on, waitedDays: waited, mentorIds: mentorIds
} AS value
"""
)

COUNT_CANDIDATES: LiteralString = _CANDIDATES + "RETURN count(p) AS total\n"


@dataclass(frozen=True, slots=True)
class Candidate:
    """Someone ready for the next stage: since when she has been at her stage,
    how many days that is, and who mentors her."""

    person: Person
    reached_on: dt.date
    waited_days: int
    mentor_ids: tuple[str, ...]


async def pipeline_candidates(
    db: Database, under: str, stage: Stage, as_of: dt.date, *, page: PageArgs
) -> Page[Candidate]:
    """Candidates for the stage after `stage`, longest-waiting first."""
    following = NEXT_STAGE.get(stage)
    if following is None:
        raise BadInput(f"{stage.value} has no next stage on the Party path", argument="stage")
    params = {
        "under": under,
        "stage": stage,
        "next": following,
        "asOf": as_of,
        "minDays": MIN_DAYS_BEFORE.get(following, 0),
        "needsMentor": following in REQUIRES_MENTOR,
    }
    found = await db.read(CANDIDATES, after=page.after, limit=page.first + 1, **params)
    total = (await db.read(COUNT_CANDIDATES, **params))[0]["total"] if page.total else None
    return rows.page_of(found, _candidate, page, total)


def _candidate(row: rows.Row) -> Candidate:
    return Candidate(
        person=rows.person(row["person"]),
        reached_on=row["reachedOn"].to_native(),
        waited_days=row["waitedDays"],
        mentor_ids=tuple(row["mentorIds"]),
    )
