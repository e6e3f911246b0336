"""Cadre-pipeline milestones (REACHED): a person reaches a stage on a date.

A stage is recorded once per person, and the person's milestones must keep the
pipeline's rules (`graph.rules.milestone_problems`: the Party path's order and
waiting periods, the parallel stages not before VILLAGE_SISTER).
"""

from __future__ import annotations

import datetime as dt
from typing import LiteralString

from neo4j import AsyncManagedTransaction

from graph.driver import Database
from graph.errors import Conflict, NotFound
from graph.model import STAGE_ORDER, Milestone, Stage
from graph.rules import milestone_problems
from graph.writes.common import lock_people, run

MILESTONES: LiteralString = """
MATCH (p:Person {id: $id})
RETURN p {.code, .name} AS person,
       COLLECT { MATCH (p)-[r:REACHED]->(s:Stage) RETURN {stage: s.name, on: r.on} } AS reached
"""

RECORD_MILESTONE: LiteralString = """
MATCH (p:Person {id: $id})
MERGE (s:Stage {name: $stage})
ON CREATE SET s.order = $order
CREATE (p)-[:REACHED {on: $on}]->(s)
"""


async def record_milestone(db: Database, person_id: str, stage: Stage, on: dt.date) -> Milestone:
    """`person_id` reached `stage` on `on`."""

    async def work(tx: AsyncManagedTransaction) -> Milestone:
        await lock_people(tx, person_id)
        found = await run(tx, MILESTONES, id=person_id)
        if not found:
            raise NotFound("personId: no person has that id")
        person = found[0]["person"]
        reached = {Stage[m["stage"]]: m["on"].to_native() for m in found[0]["reached"]}
        if stage in reached:
            raise Conflict(
                f"{person['name']} ({person['code']}) already reached {stage.name} on {reached[stage]}"
            )
        before = {p.message for p in milestone_problems(reached)}
        broken = [
            p.message
            for p in milestone_problems({**reached, stage: on})
            if stage in p.stages and p.message not in before
        ]
        if broken:
            raise Conflict(f"{person['name']} ({person['code']}): " + "; ".join(broken))
        await run(tx, RECORD_MILESTONE, id=person_id, stage=stage, order=STAGE_ORDER[stage], on=on)
        return Milestone(stage=stage, on=on)

    return await db.write_transaction(work)
