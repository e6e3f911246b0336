"""Person-to-person links: guidance (联系、指导, GUIDES) and mentoring (传帮带,
MENTORS). Neither relationship has an id: a link is named by its two people,
and at most one link of a kind runs between two people at a time.

Rules:
- guidance: on `since` the guide is CHAIR or VICE_CHAIR and the executive is an
  EXECUTIVE of the same organization; a guide guides at most four executives at
  a time (联系、指导2-4名执委); an executive has one guide, so setting a new one
  ends the running guidance by anyone else on `since`, which needs that earlier
  guide inside the caller's scope too (otherwise the executive is NOT_FOUND);
- mentoring: nobody mentors herself, and a mentorship that would close a cycle
  of mentoring (a lineage leading back to its start) is refused; the message
  names only the people of the cycle the caller may see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import LiteralString

from neo4j import AsyncManagedTransaction

from graph import rows
from graph.access import person_in_scope
from graph.audit import Ref, check_side_effects
from graph.driver import Database
from graph.errors import BadInput, Conflict, NotFound
from graph.model import Tie
from graph.writes.common import lock_people, run

MAX_GUIDED = 4

PAIR: LiteralString = """
OPTIONAL MATCH (a:Person {id: $a})
OPTIONAL MATCH (b:Person {id: $b})
RETURN a {.code, .name} AS a, b {.code, .name} AS b
"""

GUIDANCE_CONTEXT: LiteralString = """
MATCH (g:Person {id: $guideId})
MATCH (e:Person {id: $executiveId})
RETURN
  EXISTS {
    MATCH (g)-[gh:HOLDS]->(:Organization)<-[eh:HOLDS {role: 'EXECUTIVE'}]-(e)
    WHERE gh.role IN ['CHAIR', 'VICE_CHAIR']
      AND gh.since <= $since AND (gh.until IS NULL OR gh.until > $since)
      AND eh.since <= $since AND (eh.until IS NULL OR eh.until > $since)
  } AS sameBoard,
  COLLECT { MATCH (g)-[r:GUIDES]->(e) WHERE r.until IS NULL RETURN r.since } AS running,
  COUNT { MATCH (g)-[r:GUIDES]->(:Person) WHERE r.until IS NULL } AS guiding,
  COLLECT {
    MATCH (other:Person)-[r:GUIDES]->(e) WHERE r.until IS NULL AND other <> g
    RETURN other {.id, .code, .name, since: r.since}
  } AS replaced
"""

SET_GUIDANCE: LiteralString = """
MATCH (g:Person {id: $guideId})
MATCH (e:Person {id: $executiveId})
CALL (g, e) {
  MATCH (other:Person)-[r:GUIDES]->(e)
  WHERE r.until IS NULL AND other <> g
  SET r.until = $since
  RETURN collect({seniorId: other.id, juniorId: e.id, since: r.since, until: r.until}) AS ended
}
CREATE (g)-[r:GUIDES {since: $since}]->(e)
RETURN {seniorId: g.id, juniorId: e.id, since: r.since, until: r.until} AS guidance, ended
"""

# The cycle a new mentorship would close, as "name (code)" of each person, null
# for one outside the caller's scope.
MENTORSHIP_CONTEXT: LiteralString = (
    """
MATCH (m:Person {id: $mentorId})
MATCH (e:Person {id: $menteeId})
OPTIONAL MATCH chain = shortestPath((e)-[:MENTORS*]->(m))
RETURN COLLECT { MATCH (m)-[r:MENTORS]->(e) WHERE r.until IS NULL RETURN r.since } AS running,
       [n IN nodes(chain) | CASE WHEN """
    + person_in_scope("n")
    + """ THEN n.name + ' (' + n.code + ')' END] AS chain
"""
)

OUTSIDE = "someone outside your scope"

RECORD_MENTORSHIP: LiteralString = """
MATCH (m:Person {id: $mentorId})
MATCH (e:Person {id: $menteeId})
CREATE (m)-[r:MENTORS {since: $since}]->(e)
RETURN {seniorId: m.id, juniorId: e.id, since: r.since, until: r.until} AS mentorship
"""

RUNNING_MENTORSHIP: LiteralString = """
MATCH (:Person {id: $mentorId})-[r:MENTORS]->(:Person {id: $menteeId})
WHERE r.until IS NULL
RETURN r.since AS since
"""

END_MENTORSHIP: LiteralString = """
MATCH (m:Person {id: $mentorId})-[r:MENTORS]->(e:Person {id: $menteeId})
WHERE r.until IS NULL
SET r.until = $until
RETURN {seniorId: m.id, juniorId: e.id, since: r.since, until: r.until} AS mentorship
"""


@dataclass(frozen=True, slots=True)
class GuidanceChange:
    """A guidance set: the new link, and the executive's earlier guidance it ended."""

    guidance: Tie
    ended: list[Tie]


def tie(row: rows.Row) -> Tie:
    return Tie(
        senior_id=row["seniorId"],
        junior_id=row["juniorId"],
        since=row["since"].to_native(),
        until=rows.date(row["until"]),
    )


async def set_guidance(db: Database, guide_id: str, executive_id: str, since: dt.date) -> GuidanceChange:
    """From `since`, the chair or vice chair `guide_id` guides `executive_id`."""
    if guide_id == executive_id:
        raise BadInput("executiveId: a person does not guide herself", argument="executiveId")

    async def work(tx: AsyncManagedTransaction) -> GuidanceChange:
        await lock_people(tx, guide_id, executive_id)
        guide, executive = await _pair(tx, guide_id, "guideId", executive_id, "executiveId")
        [context] = await run(tx, GUIDANCE_CONTEXT, guideId=guide_id, executiveId=executive_id, since=since)
        # Her running guidance by anyone else ends: each earlier guide must be in scope.
        replaced = [Ref("Person", other["id"], "executiveId") for other in context["replaced"]]
        await check_side_effects(tx, db.trail, replaced)
        if not context["sameBoard"]:
            raise Conflict(
                f"on {since}, {guide} is not CHAIR or VICE_CHAIR of an organization where "
                f"{executive} is an EXECUTIVE"
            )
        if context["running"]:
            raise Conflict(f"{guide} already guides {executive} since {context['running'][0]}")
        if context["guiding"] >= MAX_GUIDED:
            raise Conflict(f"{guide} already guides {MAX_GUIDED} executives, the most one guide takes")
        for other in context["replaced"]:
            if other["since"].to_native() > since:
                raise Conflict(
                    f"{executive} is guided by {other['name']} ({other['code']}) since "
                    f"{other['since']}, after {since}"
                )
        [created] = await run(tx, SET_GUIDANCE, guideId=guide_id, executiveId=executive_id, since=since)
        return GuidanceChange(tie(created["guidance"]), [tie(t) for t in created["ended"]])

    return await db.write_transaction(work)


async def record_mentorship(db: Database, mentor_id: str, mentee_id: str, since: dt.date) -> Tie:
    """From `since`, `mentor_id` mentors `mentee_id` (传帮带)."""
    if mentor_id == mentee_id:
        raise BadInput("menteeId: a person does not mentor herself", argument="menteeId")

    async def work(tx: AsyncManagedTransaction) -> Tie:
        await lock_people(tx, mentor_id, mentee_id)
        mentor, mentee = await _pair(tx, mentor_id, "mentorId", mentee_id, "menteeId")
        [context] = await run(
            tx, MENTORSHIP_CONTEXT, mentorId=mentor_id, menteeId=mentee_id, scope=db.access.scope
        )
        if context["running"]:
            raise Conflict(f"{mentor} already mentors {mentee} since {context['running'][0]}")
        if context["chain"]:
            cycle = " → ".join([*_seen(context["chain"]), mentee])
            raise Conflict(f"this mentorship would close a cycle of mentoring: {cycle}")
        [created] = await run(tx, RECORD_MENTORSHIP, mentorId=mentor_id, menteeId=mentee_id, since=since)
        return tie(created["mentorship"])

    return await db.write_transaction(work)


async def end_mentorship(db: Database, mentor_id: str, mentee_id: str, until: dt.date) -> Tie:
    """End the running mentorship of `mentee_id` by `mentor_id` on `until`."""

    async def work(tx: AsyncManagedTransaction) -> Tie:
        mentor, mentee = await _pair(tx, mentor_id, "mentorId", mentee_id, "menteeId")
        running = await run(tx, RUNNING_MENTORSHIP, mentorId=mentor_id, menteeId=mentee_id)
        if not running:
            raise NotFound(f"{mentor} has no running mentorship of {mentee}")
        began = running[0]["since"].to_native()
        if until < began:
            raise Conflict(f"until ({until}) is before the mentorship began ({began})")
        [ended] = await run(tx, END_MENTORSHIP, mentorId=mentor_id, menteeId=mentee_id, until=until)
        return tie(ended["mentorship"])

    return await db.write_transaction(work)


def _seen(names: list[str | None]) -> list[str]:
    """A chain of people as the caller may see it: each run of people outside
    her scope (None) becomes one "someone outside your scope", so neither their
    names nor their number shows."""
    shown: list[str] = []
    for name in names:
        if name is not None:
            shown.append(name)
        elif not shown or shown[-1] != OUTSIDE:
            shown.append(OUTSIDE)
    return shown


async def _pair(
    tx: AsyncManagedTransaction, a: str, a_argument: str, b: str, b_argument: str
) -> tuple[str, str]:
    """The two people as "name (code)", or NotFound naming the missing one."""
    [found] = await run(tx, PAIR, a=a, b=b)
    for person, argument in ((found["a"], a_argument), (found["b"], b_argument)):
        if person is None:
            raise NotFound(f"{argument}: no person has that id")
    return f"{found['a']['name']} ({found['a']['code']})", f"{found['b']['name']} ({found['b']['code']})"
