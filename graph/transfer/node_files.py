"""Writing the node files of an import folder (organizations, grids, households,
people): their Cypher and how a row becomes its parameters. A row is found by its
code; new ones are created, changed ones updated, and the one relationship a row
names (parent, grid, household) is created or re-pointed.
"""

from __future__ import annotations

from typing import LiteralString

from graph.pinyin import pinyin_properties
from graph.transfer.formats import GridRow, HouseholdRow, OrganizationRow, PersonRow, Row
from graph.transfer.step import Step, new_node, optional_name

# Every lookup by code is forced to be an index seek (USING INDEX SEEK). Plans
# are cached, and one made while a label was still (nearly) empty, at the start
# of an import into an empty database, scans every node of the label per row
# once the label has grown: a plan like that made a 1,400-row file take 13 s.
#
# Node rows: new ones are created (the code's uniqueness constraint refuses a
# duplicate), changed ones updated; either way the one relationship a row names
# (parent, grid, household) is created, or re-pointed when it changed.
ORGANIZATION_STATE: LiteralString = """
UNWIND $rows AS row
MATCH (n:Organization {code: row.code}) USING INDEX SEEK n:Organization(code)
RETURN collect({i: row.i, state: {name: n.name, kind: n.kind, level: n.level,
  link: head(COLLECT { MATCH (n)-[:PART_OF]->(p:Organization) RETURN p.code ORDER BY p.code })}}) AS found
"""
_ORGANIZATION_LINK: LiteralString = """
WITH n, row WHERE row.link IS NOT NULL
MATCH (p:Organization {code: row.link}) USING INDEX SEEK p:Organization(code)
CREATE (n)-[:PART_OF]->(p)
"""
ORGANIZATION_CREATE: LiteralString = (
    """
UNWIND $rows AS row
CREATE (n:Organization {id: row.id, code: row.code, name: row.name, kind: row.kind, level: row.level,
  pinyin: row.pinyin, pinyinKeys: row.pinyinKeys})
WITH n, row
"""
    + _ORGANIZATION_LINK
)
ORGANIZATION_UPDATE: LiteralString = (
    """
UNWIND $rows AS row
MATCH (n:Organization {code: row.code}) USING INDEX SEEK n:Organization(code)
SET n.name = row.name, n.kind = row.kind, n.level = row.level, n.pinyin = row.pinyin,
  n.pinyinKeys = row.pinyinKeys
WITH n, row WHERE row.relink
CALL (n) { MATCH (n)-[old:PART_OF]->(:Organization) DELETE old }
"""
    + _ORGANIZATION_LINK
)

GRID_STATE: LiteralString = """
UNWIND $rows AS row
MATCH (n:Grid {code: row.code}) USING INDEX SEEK n:Grid(code)
RETURN collect({i: row.i, state: {name: n.name,
  link: head(COLLECT { MATCH (n)-[:PART_OF]->(o:Organization) RETURN o.code ORDER BY o.code })}}) AS found
"""
_GRID_LINK: LiteralString = """
WITH n, row WHERE row.link IS NOT NULL
MATCH (o:Organization {code: row.link}) USING INDEX SEEK o:Organization(code)
CREATE (n)-[:PART_OF]->(o)
"""
GRID_CREATE: LiteralString = (
    """
UNWIND $rows AS row
CREATE (n:Grid {id: row.id, code: row.code, name: row.name})
WITH n, row
"""
    + _GRID_LINK
)
GRID_UPDATE: LiteralString = (
    """
UNWIND $rows AS row
MATCH (n:Grid {code: row.code}) USING INDEX SEEK n:Grid(code)
SET n.name = row.name
WITH n, row WHERE row.relink
CALL (n) { MATCH (n)-[old:PART_OF]->(:Organization) DELETE old }
"""
    + _GRID_LINK
)

HOUSEHOLD_STATE: LiteralString = """
UNWIND $rows AS row
MATCH (n:Household {code: row.code}) USING INDEX SEEK n:Household(code)
RETURN collect({i: row.i, state: {address: n.address, tags: coalesce(n.tags, []),
  link: head(COLLECT { MATCH (n)-[:IN_GRID]->(g:Grid) RETURN g.code ORDER BY g.code })}}) AS found
"""
_HOUSEHOLD_LINK: LiteralString = """
WITH n, row WHERE row.link IS NOT NULL
MATCH (g:Grid {code: row.link}) USING INDEX SEEK g:Grid(code)
CREATE (n)-[:IN_GRID]->(g)
"""
HOUSEHOLD_CREATE: LiteralString = (
    """
UNWIND $rows AS row
CREATE (n:Household {id: row.id, code: row.code, address: row.address, tags: row.tags})
WITH n, row
"""
    + _HOUSEHOLD_LINK
)
HOUSEHOLD_UPDATE: LiteralString = (
    """
UNWIND $rows AS row
MATCH (n:Household {code: row.code}) USING INDEX SEEK n:Household(code)
SET n.address = row.address, n.tags = row.tags
WITH n, row WHERE row.relink
CALL (n) { MATCH (n)-[old:IN_GRID]->(:Grid) DELETE old }
"""
    + _HOUSEHOLD_LINK
)

PERSON_STATE: LiteralString = """
UNWIND $rows AS row
MATCH (n:Person {code: row.code}) USING INDEX SEEK n:Person(code)
RETURN collect({i: row.i, state: {name: n.name, gender: n.gender, birthDate: n.birthDate,
  education: n.education, politicalStatus: n.politicalStatus, phone: n.phone,
  link: head(COLLECT { MATCH (n)-[:LIVES_IN]->(h:Household) RETURN h.code ORDER BY h.code })}}) AS found
"""
_PERSON_LINK: LiteralString = """
WITH n, row WHERE row.link IS NOT NULL
MATCH (h:Household {code: row.link}) USING INDEX SEEK h:Household(code)
CREATE (n)-[:LIVES_IN]->(h)
"""
PERSON_CREATE: LiteralString = (
    """
UNWIND $rows AS row
CREATE (n:Person {id: row.id, code: row.code, name: row.name, gender: row.gender, birthDate: row.birthDate,
  education: row.education, politicalStatus: row.politicalStatus, phone: row.phone,
  pinyin: row.pinyin, pinyinKeys: row.pinyinKeys})
WITH n, row
"""
    + _PERSON_LINK
)
PERSON_UPDATE: LiteralString = (
    """
UNWIND $rows AS row
MATCH (n:Person {code: row.code}) USING INDEX SEEK n:Person(code)
SET n.name = row.name, n.gender = row.gender, n.birthDate = row.birthDate, n.education = row.education,
    n.politicalStatus = row.politicalStatus, n.phone = row.phone, n.pinyin = row.pinyin,
    n.pinyinKeys = row.pinyinKeys
WITH n, row WHERE row.relink
CALL (n) { MATCH (n)-[old:LIVES_IN]->(:Household) DELETE old }
"""
    + _PERSON_LINK
)


NODE_STEPS: dict[type[Row], Step] = {
    OrganizationRow: Step(
        ORGANIZATION_STATE,
        ORGANIZATION_CREATE,
        ORGANIZATION_UPDATE,
        ("code",),
        ("name", "kind", "level", "link"),
        lambda r: (
            new_node(r)
            | {"name": r.name, "kind": r.kind.name, "level": r.level.name, "link": r.parent}
            | pinyin_properties(r.name)
        ),
    ),
    GridRow: Step(
        GRID_STATE,
        GRID_CREATE,
        GRID_UPDATE,
        ("code",),
        ("name", "link"),
        lambda r: new_node(r) | {"name": r.name, "link": r.organization},
    ),
    HouseholdRow: Step(
        HOUSEHOLD_STATE,
        HOUSEHOLD_CREATE,
        HOUSEHOLD_UPDATE,
        ("code",),
        ("address", "tags", "link"),
        lambda r: new_node(r) | {"address": r.address, "tags": [t.name for t in r.tags], "link": r.grid},
    ),
    PersonRow: Step(
        PERSON_STATE,
        PERSON_CREATE,
        PERSON_UPDATE,
        ("code",),
        ("name", "gender", "birthDate", "education", "politicalStatus", "phone", "link"),
        lambda r: (
            new_node(r)
            | {
                "name": r.name,
                "gender": optional_name(r.gender),
                "birthDate": r.birth_date,
                "education": optional_name(r.education),
                "politicalStatus": optional_name(r.political_status),
                "phone": r.phone,
                "link": r.household,
            }
            | pinyin_properties(r.name)
        ),
    ),
}
