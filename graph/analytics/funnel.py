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
from graph.people import CHILDREN_OF_ROOT_ABOVE_PERSON, PERSON_IS_UNDER_ROOT, subtree_people

# The milestones counted: reached in the window, by a person of the subtree.
_WINDOW: LiteralString = "($from IS NULL OR r.on >= $from) AND r.on <= $to"

_ROOT: LiteralString = (
    """
MATCH (root:Organization {id: $under})
WHERE """
    + org_in_scope("root")
    + "\n"
)

# Two ways to the same milestones, and the cheaper one is taken:
# - from the subtree: its people (subtree_people), then their REACHED; costs
#   the subtree (~6 db hits a person: 1.3M on a county), whatever lies beside it;
# - from the milestones: every REACHED in the graph, each person tested upward
#   (PERSON_IS_UNDER_ROOT); costs the graph's milestones (~100 db hits each:
#   2.4M for the 23k of a city), whatever the subtree's size.
# The subtree's people are estimated from its share of the organizations (the
# graph's totals come from the count store, free); from the subtree when they
# are fewer than MILESTONE_COST times the graph's milestones. A county alone in
# its store (or a city's root) starts from the milestones; a township, or a
# county inside a city, from its people. `$startFrom` ('SUBTREE' or
# 'MILESTONES') forces a way (tests compare the two); null chooses.
MILESTONE_COST = 16
_CHOOSE: LiteralString = """CALL () { MATCH (o:Organization) RETURN count(o) AS orgs_ }
CALL () { MATCH (p:Person) RETURN count(p) AS people_ }
CALL () { MATCH ()-[r:REACHED]->() RETURN count(r) AS milestones_ }
WITH root, coalesce($startFrom = 'SUBTREE',
  COUNT { (root)<-[:PART_OF*0..12]-(:Organization) } * people_ < $milestoneCost * milestones_ * orgs_)
  AS fromSubtree
"""


def _milestones(
    group: LiteralString, from_subtree: LiteralString, from_milestones: LiteralString
) -> LiteralString:
    """The window's milestones of the subtree of `root` as rows of `group` (empty,
    or `child, ` for one row per child), p, r, s, taken the cheaper way
    (_CHOOSE): `from_subtree` binds the people `p` (and their `group`) under
    `root`; `from_milestones` follows each milestone's WHERE, testing its person
    upward (and binding her `group`). The inner CALL keeps the planner from
    scanning the milestones ahead of the branch's guard."""
    columns = group + "p, r, s"
    return (
        _ROOT
        + _CHOOSE
        + "CALL (root, fromSubtree) {\n  WITH root WHERE fromSubtree"
        + from_subtree
        + "  MATCH (p)-[r:REACHED]->(s:Stage)\n  WHERE "
        + _WINDOW
        + "\n  RETURN "
        + columns
        + "\n  UNION ALL\n  WITH root WHERE NOT fromSubtree\n  CALL (root) {\n"
        + "    MATCH (p:Person)-[r:REACHED]->(s:Stage)\n    WHERE "
        + _WINDOW
        + from_milestones
        + "\n    RETURN "
        + columns
        + "\n  }\n  RETURN "
        + columns
        + "\n}\n"
    )


_MILESTONES: LiteralString = _milestones("", subtree_people("root"), " AND " + PERSON_IS_UNDER_ROOT)

# Per child, the same choice: from each child's people, or from every
# milestone, its person walked upward to the children above her (UNION: each
# child once). Measured by Neo4j CPU rather than db hits (a milestone's walk
# reads ~430 of them but costs ~40 µs, a person of a subtree ~1.7 µs), the
# same MILESTONE_COST holds: a county inside a city from its children's
# people (553 ms of Neo4j CPU against 1,530), a city's root from the milestones.
_MILESTONES_BY_CHILD: LiteralString = _milestones(
    "child, ",
    "\n  MATCH (child:Organization)-[:PART_OF]->(root)" + subtree_people("child"),
    CHILDREN_OF_ROOT_ABOVE_PERSON,
)

_FLOWS: LiteralString = """
OPTIONAL MATCH (p)-[r2:REACHED]->(:Stage {name: $next[s.name]})
WHERE r2.on <= $to
WITH group, s, r, r2, CASE WHEN r2 IS NULL THEN null ELSE duration.inDays(r.on, r2.on).days END AS days
WITH group, s.name AS stage, count(r) AS reached, count(r2) AS advanced,
     percentileDisc(days, 0.5) AS medianDays, percentileDisc(days, 0.9) AS p90Days
RETURN group {.id, .code, .name, .kind, .level} AS organization, stage, reached, advanced, medianDays, p90Days
"""

FUNNEL: LiteralString = _MILESTONES + "WITH root AS group, p, r, s" + _FLOWS

FUNNEL_BY_CHILD: LiteralString = _MILESTONES_BY_CHILD + "WITH child AS group, p, r, s" + _FLOWS


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
        startFrom=None,
        milestoneCost=MILESTONE_COST,
        role=None,
        on=end,
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
