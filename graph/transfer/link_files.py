"""Writing the relationship files of an import folder (positions, coverage,
guidance, mentorships, milestones): their Cypher and how a row becomes its
parameters. A row is found by seeking both its nodes by code and expanding
between them; new rows are created, changed rows updated.
"""

from __future__ import annotations

import uuid
from typing import LiteralString

from graph.transfer.formats import CoverageRow, GuidanceRow, MentorshipRow, MilestoneRow, PositionRow, Row
from graph.transfer.step import Step

# A relationship row is found by seeking both its nodes by code and expanding
# between them. New rows are created, changed rows updated.
POSITION_MATCH: LiteralString = """
UNWIND $rows AS row
MATCH (p:Person {code: row.person})-[h:HOLDS]->(o:Organization {code: row.organization})
USING INDEX SEEK p:Person(code)
USING INDEX SEEK o:Organization(code)
WHERE h.role = row.role AND h.since = row.since
"""
POSITION_STATE: LiteralString = (
    POSITION_MATCH + "RETURN collect({i: row.i, state: {until: h.until}}) AS found"
)
POSITION_UPDATE: LiteralString = POSITION_MATCH + "SET h.until = row.until"
POSITION_CREATE: LiteralString = """
UNWIND $rows AS row
MATCH (p:Person {code: row.person}) USING INDEX SEEK p:Person(code)
MATCH (o:Organization {code: row.organization}) USING INDEX SEEK o:Organization(code)
CREATE (p)-[:HOLDS {id: row.id, role: row.role, since: row.since, until: row.until}]->(o)
"""

_COVERED: LiteralString = """
UNWIND $rows AS row
MATCH (p:Person {code: row.person}) USING INDEX SEEK p:Person(code)
OPTIONAL MATCH (g:Grid {code: row.grid}) USING INDEX SEEK g:Grid(code)
OPTIONAL MATCH (h:Household {code: row.household}) USING INDEX SEEK h:Household(code)
WITH p, row, coalesce(g, h) AS t
"""
COVERAGE_MATCH: LiteralString = (
    _COVERED
    + """MATCH (p)-[c:COVERS]->(t)
WHERE c.role = row.role AND c.since = row.since
"""
)
COVERAGE_STATE: LiteralString = (
    COVERAGE_MATCH + "RETURN collect({i: row.i, state: {until: c.until}}) AS found"
)
COVERAGE_UPDATE: LiteralString = COVERAGE_MATCH + "SET c.until = row.until"
COVERAGE_CREATE: LiteralString = (
    _COVERED + "CREATE (p)-[:COVERS {id: row.id, role: row.role, since: row.since, until: row.until}]->(t)"
)

GUIDANCE_MATCH: LiteralString = """
UNWIND $rows AS row
MATCH (a:Person {code: row.guide})-[r:GUIDES]->(b:Person {code: row.executive})
USING INDEX SEEK a:Person(code)
USING INDEX SEEK b:Person(code)
WHERE r.since = row.since
"""
GUIDANCE_STATE: LiteralString = (
    GUIDANCE_MATCH + "RETURN collect({i: row.i, state: {until: r.until}}) AS found"
)
GUIDANCE_UPDATE: LiteralString = GUIDANCE_MATCH + "SET r.until = row.until"
GUIDANCE_CREATE: LiteralString = """
UNWIND $rows AS row
MATCH (a:Person {code: row.guide}) USING INDEX SEEK a:Person(code)
MATCH (b:Person {code: row.executive}) USING INDEX SEEK b:Person(code)
CREATE (a)-[:GUIDES {since: row.since, until: row.until}]->(b)
"""

MENTORSHIP_MATCH: LiteralString = """
UNWIND $rows AS row
MATCH (a:Person {code: row.mentor})-[r:MENTORS]->(b:Person {code: row.mentee})
USING INDEX SEEK a:Person(code)
USING INDEX SEEK b:Person(code)
WHERE r.since = row.since
"""
MENTORSHIP_STATE: LiteralString = (
    MENTORSHIP_MATCH + "RETURN collect({i: row.i, state: {until: r.until}}) AS found"
)
MENTORSHIP_UPDATE: LiteralString = MENTORSHIP_MATCH + "SET r.until = row.until"
MENTORSHIP_CREATE: LiteralString = """
UNWIND $rows AS row
MATCH (a:Person {code: row.mentor}) USING INDEX SEEK a:Person(code)
MATCH (b:Person {code: row.mentee}) USING INDEX SEEK b:Person(code)
CREATE (a)-[:MENTORS {since: row.since, until: row.until}]->(b)
"""

MILESTONE_MATCH: LiteralString = """
UNWIND $rows AS row
MATCH (p:Person {code: row.person})-[r:REACHED]->(s:Stage {name: row.stage})
USING INDEX SEEK p:Person(code)
USING INDEX SEEK s:Stage(name)
"""
MILESTONE_STATE: LiteralString = MILESTONE_MATCH + "RETURN collect({i: row.i, state: {on: r.on}}) AS found"
MILESTONE_UPDATE: LiteralString = MILESTONE_MATCH + "SET r.on = row.on"
MILESTONE_CREATE: LiteralString = """
UNWIND $rows AS row
MATCH (p:Person {code: row.person}) USING INDEX SEEK p:Person(code)
MATCH (s:Stage {name: row.stage}) USING INDEX SEEK s:Stage(name)
CREATE (p)-[:REACHED {on: row.on}]->(s)
"""


LINK_STEPS: dict[type[Row], Step] = {
    PositionRow: Step(
        POSITION_STATE,
        POSITION_CREATE,
        POSITION_UPDATE,
        ("person", "organization", "role", "since"),
        ("until",),
        lambda r: {
            "person": r.person,
            "organization": r.organization,
            "role": r.role.name,
            "since": r.since,
            "until": r.until,
            "id": str(uuid.uuid4()),
        },
    ),
    CoverageRow: Step(
        COVERAGE_STATE,
        COVERAGE_CREATE,
        COVERAGE_UPDATE,
        ("person", "grid", "household", "role", "since"),
        ("until",),
        lambda r: {
            "person": r.person,
            "grid": r.grid,
            "household": r.household,
            "role": r.role.name,
            "since": r.since,
            "until": r.until,
            "id": str(uuid.uuid4()),
        },
    ),
    GuidanceRow: Step(
        GUIDANCE_STATE,
        GUIDANCE_CREATE,
        GUIDANCE_UPDATE,
        ("guide", "executive", "since"),
        ("until",),
        lambda r: {"guide": r.guide, "executive": r.executive, "since": r.since, "until": r.until},
    ),
    MentorshipRow: Step(
        MENTORSHIP_STATE,
        MENTORSHIP_CREATE,
        MENTORSHIP_UPDATE,
        ("mentor", "mentee", "since"),
        ("until",),
        lambda r: {"mentor": r.mentor, "mentee": r.mentee, "since": r.since, "until": r.until},
    ),
    MilestoneRow: Step(
        MILESTONE_STATE,
        MILESTONE_CREATE,
        MILESTONE_UPDATE,
        ("person", "stage"),
        ("on",),
        lambda r: {"person": r.person, "stage": r.stage.name, "on": r.on},
    ),
}
