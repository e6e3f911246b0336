"""The cadre-pipeline funnel: for each stage, how many people of a subtree
reached it in a window, how many of those went on to the next stage (by the
window's end), and how long that took (median and 90th percentile, in days).

The subtree's root must lie in the caller's scope (else nothing is counted);
everyone under an in-scope root is in scope, so the milestones need no test of
their own."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import LiteralString

from graph import rows
from graph.access import org_in_scope
from graph.driver import Database
from graph.model import NEXT_STAGE, Organization, Stage
from graph.people import CHILDREN_OF_ROOT_ABOVE_PERSON, PERSON_IS_UNDER_ROOT

# Starts from the pipeline milestones (few) and tests each person's place in the
# subtree upward, rather than expanding the whole subtree (every resident).
_MILESTONES: LiteralString = (
    """
MATCH (root:Organization {id: $under})
WHERE """
    + org_in_scope("root")
    + """
MATCH (p:Person)-[r:REACHED]->(s:Stage)
WHERE ($from IS NULL OR r.on >= $from) AND r.on <= $to
"""
)

_FLOWS: LiteralString = """
OPTIONAL MATCH (p)-[r2:REACHED]->(:Stage {name: $next[s.name]})
WHERE r2.on <= $to
WITH group, s, r, r2, CASE WHEN r2 IS NULL THEN null ELSE duration.inDays(r.on, r2.on).days END AS days
WITH group, s.name AS stage, count(r) AS reached, count(r2) AS advanced,
     percentileDisc(days, 0.5) AS medianDays, percentileDisc(days, 0.9) AS p90Days
RETURN group {.id, .code, .name, .kind, .level} AS organization, stage, reached, advanced, medianDays, p90Days
"""

FUNNEL: LiteralString = (
    _MILESTONES + "  AND " + PERSON_IS_UNDER_ROOT + "\nWITH root AS group, p, r, s" + _FLOWS
)

FUNNEL_BY_CHILD: LiteralString = (
    _MILESTONES + CHILDREN_OF_ROOT_ABOVE_PERSON + "WITH child AS group, p, r, s" + _FLOWS
)


@dataclass(frozen=True, slots=True)
class StageFlow:
    """One stage of the funnel."""

    stage: Stage
    reached: int
    advanced: int
    median_days: int | None
    p90_days: int | None

    @property
    def next(self) -> Stage | None:
        return NEXT_STAGE.get(self.stage)


@dataclass(frozen=True, slots=True)
class Funnel:
    organization: Organization
    stages: tuple[StageFlow, ...]


async def pipeline_funnel(
    db: Database, under: str, *, start: dt.date | None, end: dt.date, by_child: bool
) -> list[Funnel]:
    """The funnel of `under`'s subtree, or with `by_child` one per child
    organization (children with nobody in the pipeline are left out)."""
    found = await db.read(
        FUNNEL_BY_CHILD if by_child else FUNNEL,
        under=under,
        **{"from": start, "to": end},
        next={a.value: b.value for a, b in NEXT_STAGE.items()},
    )
    grouped: dict[str, tuple[Organization, dict[Stage, StageFlow]]] = {}
    for row in found:
        org = rows.organization(row["organization"])
        stage = Stage[row["stage"]]
        flows = grouped.setdefault(org.id, (org, {}))[1]
        flows[stage] = StageFlow(stage, row["reached"], row["advanced"], row["medianDays"], row["p90Days"])
    funnels = [
        Funnel(org, tuple(flows.get(s, StageFlow(s, 0, 0, None, None)) for s in Stage))
        for org, flows in grouped.values()
    ]
    funnels.sort(key=lambda f: f.organization.code)
    return funnels
