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
from graph.filters import WHOLE_TREE
from graph.model import NEXT_STAGE, Organization, Stage
from graph.people import subtree_people

# The milestones counted: reached in the window, by a person of the subtree.
# `m` is one of her milestones `ms_` ({stage, on}), which hold only those up to
# the window's end: the next stage is looked up in them.
_IN_WINDOW: LiteralString = "($from IS NULL OR m.on >= $from)"

_ROOT: LiteralString = (
    """
MATCH (root:Organization {id: $under})
WHERE """
    + org_in_scope("root")
    + "\n"
)

# Two ways to the same people, and the cheaper one is taken:
# - from the subtree: its people (subtree_people), then their REACHED; costs
#   the subtree (~6 db hits, ~1.0-1.2 µs of Neo4j CPU a person), whatever
#   lies beside it;
# - from the milestones: every person with a milestone in the window, her ways
#   in (the organizations she HOLDS, history included, and her household's
#   grid) matched against the subtree's organizations and grids, taken once
#   (_subtree_ways); costs the graph's milestones (~10 µs of Neo4j CPU each),
#   plus the subtree's organizations and grids, whatever its people.
# The subtree's people are estimated from its share of the organizations (the
# graph's totals come from the count store, free); from the subtree when they
# are fewer than MILESTONE_COST times the graph's milestones. A county alone in
# its store, or a city's root, starts from the milestones; a township, or a
# county inside a city (~216,000 people against 23,429 milestones: the two
# ways cost about the same), from its people. `$startFrom` ('SUBTREE' or
# 'MILESTONES') forces a way (tests compare the two); null chooses.
MILESTONE_COST = 10
_CHOOSE: LiteralString = """CALL () { MATCH (o:Organization) RETURN count(o) AS orgs_ }
CALL () { MATCH (p:Person) RETURN count(p) AS people_ }
CALL () { MATCH ()-[r:REACHED]->() RETURN count(r) AS milestones_ }
WITH root, coalesce($startFrom = 'SUBTREE',
  COUNT { (root)<-[:PART_OF*0..12]-(:Organization) } * people_ < $milestoneCost * milestones_ * orgs_)
  AS fromSubtree
"""

# From the subtree: person `p` of `group`'s subtree with her milestones `ms_`,
# if one is in the window.
_HER_MILESTONES: LiteralString = (
    """  MATCH (p)-[r:REACHED]->(s:Stage)
  WHERE r.on <= $to
  WITH group, p, collect({stage: s.name, on: r.on}) AS ms_
  WHERE any(m IN ms_ WHERE """
    + _IN_WINDOW
    + """)
  RETURN group, p, ms_
"""
)


# What a node `way_` found `sub_` (PART_OF) below a root is as a way into its
# subtree: an organization at most 12 below ('o': a position held there counts)
# or a grid of such an organization ('g': a household in it counts); null for
# anything else. One expansion finds both: a grid is a leaf of PART_OF.
WAY_KIND: LiteralString = """CASE WHEN way_:Organization AND size(sub_) <= 12 THEN 'o'
    WHEN way_:Grid AND endNode(last(sub_)):Organization THEN 'g' END"""

# Person `p`'s ways in, as lists of [node, kind]: the organizations she holds
# (or held) a position in, and her household's grid.
PERSON_WAYS: LiteralString = """[(p)-[x:HOLDS|LIVES_IN]->(t) |
    CASE type(x) WHEN 'HOLDS' THEN [[t, 'o']] ELSE [(t:Household)-[:IN_GRID]->(g) | [g, 'g']] END]"""


def _subtree_ways(group: LiteralString, under_group: LiteralString) -> LiteralString:
    """The ways into the subtree, once each, with the `group` above them (bound
    by `under_group`, the pattern from `root` down to it): its organizations
    (kind 'o', at most 12 below the group, as subtree_people's) and its grids
    (kind 'g', in one of those). One expansion finds both: a grid is a leaf of
    PART_OF."""
    return (
        "  MATCH "
        + under_group
        + """<-[sub_:PART_OF*0..13]-(way_)
  WITH """
        + group
        + " AS group, way_, "
        + WAY_KIND
        + """ AS kind_
  WHERE kind_ IS NOT NULL
  RETURN way_, kind_, group, null AS p, null AS ms_
"""
    )


# From the milestones: each person with one in the window (her milestones `ms_`
# read from the stages' side), with each of her ways in (her relationships are
# read once: she may cover a score of households).
_MILESTONE_WAYS: LiteralString = (
    """  MATCH (s:Stage)<-[r:REACHED]-(p:Person)
  WHERE r.on <= $to
  WITH p, collect({stage: s.name, on: r.on}) AS ms_
  WHERE any(m IN ms_ WHERE """
    + _IN_WINDOW
    + """)
  UNWIND """
    + PERSON_WAYS
    + """ AS ways_
  UNWIND ways_ AS w
  RETURN w[0] AS way_, w[1] AS kind_, null AS group, p, ms_
"""
)

# The subtree's ways and the people's, grouped by way: a hash join (Cypher has
# no map keyed by node), each person once per group above one of her ways.
_JOINED_BY_WAY: LiteralString = """WITH way_, kind_, collect(group) AS groups_,
     collect(CASE WHEN p IS NOT NULL THEN [p, ms_] END) AS people_
WHERE groups_ <> [] AND people_ <> []
UNWIND groups_ AS group
UNWIND people_ AS pm
RETURN DISTINCT group, pm[0] AS p, pm[1] AS ms_
"""


# A third way, at the top of a whole tree (graph.filters.WHOLE_TREE: one
# organization at the top, every household in a grid, every grid in an
# organization): there the subtree's people are everyone placed (living in a
# household or holding a position), so each milestone's person needs only a
# test of her own relationships (~4 db hits), nothing of the subtree: a
# county's funnel in its own store, a city's at its root. `$startFrom =
# 'PLACED'` forces it (tests; only right at such a top).
_AT_TOP: LiteralString = (
    """OPTIONAL CALL (root) {
  WITH root WHERE $startFrom IS NULL AND NOT EXISTS { (root)-[:PART_OF]->(:Organization) }
  CALL () {
"""
    + WHOLE_TREE
    + """  }
  RETURN whole
}
WITH root, fromSubtree, coalesce($startFrom = 'PLACED', whole, false) AS atTop_
"""
)
_PLACED_MILESTONES: LiteralString = (
    """  MATCH (s:Stage)<-[r:REACHED]-(p:Person)
  WHERE r.on <= $to
  WITH p, collect({stage: s.name, on: r.on}) AS ms_
  WHERE any(m IN ms_ WHERE """
    + _IN_WINDOW
    + """) AND (EXISTS { (p)-[:LIVES_IN]->() } OR EXISTS { (p)-[:HOLDS]->() })
  RETURN root AS group, p, ms_
"""
)


def _funnel(subtree: LiteralString, ways: LiteralString, *, at_top: bool) -> LiteralString:
    """The funnel of the people found the cheaper way (_CHOOSE): `subtree` binds
    the people `p` of each `group` under `root`, `ways` gives the subtree's
    ways in with their `group`; with `at_top`, everyone placed when the root is
    the top of a whole tree (_AT_TOP). Each branch starts with its guard, so
    the others' reads are never planned ahead of it."""
    top: LiteralString = _AT_TOP if at_top else "WITH root, fromSubtree, false AS atTop_\n"
    return (
        _ROOT
        + _CHOOSE
        + top
        + "CALL (root, fromSubtree, atTop_) {\n  WITH root WHERE atTop_\n"
        + _PLACED_MILESTONES
        + "  UNION ALL\n  WITH root WHERE NOT atTop_ AND fromSubtree"
        + subtree
        + _HER_MILESTONES
        + "  UNION ALL\n  WITH root WHERE NOT atTop_ AND NOT fromSubtree\n  CALL (root) {\n"
        + ways
        + "  UNION ALL\n"
        + _MILESTONE_WAYS
        + "  }\n"
        + _JOINED_BY_WAY
        + "}\n"
        + _FLOWS
    )


# Per stage: her milestones in the window, each with the date she reached the
# next stage by the window's end (a row with none when she did not).
_FLOWS: LiteralString = (
    """UNWIND ms_ AS m
WITH group, m, [n IN ms_ WHERE n.stage = $next[m.stage] | n.on] AS nexts_
WHERE """
    + _IN_WINDOW
    + """
UNWIND CASE nexts_ WHEN [] THEN [null] ELSE nexts_ END AS next_
WITH group, m, next_, duration.inDays(m.on, next_).days AS days
WITH group, m.stage AS stage, count(m) AS reached, count(next_) AS advanced,
     percentileDisc(days, 0.5) AS medianDays, percentileDisc(days, 0.9) AS p90Days
RETURN group {.id, .code, .name, .kind, .level} AS organization, stage, reached, advanced, medianDays, p90Days
"""
)

FUNNEL: LiteralString = _funnel(
    "\n  WITH root AS group" + subtree_people("group"), _subtree_ways("root", "(root)"), at_top=True
)

# Per child: each child's people, or the ways into each child's subtree (a
# person under two children counts for both).
FUNNEL_BY_CHILD: LiteralString = _funnel(
    "\n  MATCH (group:Organization)-[:PART_OF]->(root)" + subtree_people("group"),
    _subtree_ways("child", "(root)<-[:PART_OF]-(child:Organization)"),
    at_top=False,
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
