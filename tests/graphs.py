"""Small hand-built graphs whose right answers can be stated.

`village_world` is the reference fixture (today = 2024-06-01):

    C  测试县妇联 (COUNTY)
    ├── C-T1  一号镇妇联 (TOWNSHIP)           chair P10
    │   ├── C-T1-V1  东村妇联 (VILLAGE)      board since 2021-04-01:
    │   │   │                                P01 CHAIR, P02 VICE_CHAIR, P03 + P04 EXECUTIVE
    │   │   │                                ended 2016-04-01..2021-04-01: P01 EXECUTIVE, P06 EXECUTIVE
    │   │   ├── C-T1-V1-SC 东村村嫂理事会     P01 COUNCIL_HEAD, P05 VILLAGE_SISTER
    │   │   ├── C-T1-V1-VC 东村村两委         P01 COMMITTEE_MEMBER
    │   │   ├── grid G1: H01 H02 H03 H04     P03 LEAD (whole grid)
    │   │   ├── grid G2: H05 H06 H07         P04 LEAD (whole grid); P04 also ASSIST H01 directly
    │   │   └── grid G3: H08 H09 H10         P05 ASSIST H08, H09; H10 covered by P06 only until 2021-04-01
    │   └── C-T1-V2  西村妇联 (VILLAGE)      P09 CHAIR; grid G4: H11 H12, P09 LEAD
    └── C-T2  二号镇妇联 (TOWNSHIP)          no villages

Today V1 has 10 households, 9 covered, H10 uncovered, H01 covered twice (P03
through G1, P04 directly); members P03, P04, P05. Guidance: P01 guides P03 and
P04. Mentoring chain P06 → P01 → P03 → P05. P05 reached VILLAGE_SISTER
2021-04-01 and PARTY_ACTIVIST 2022-03-01. P01 (born 1980-05-20) lives in H03,
P07 in H01, P08 in H01, P05 in H08.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from graph import aggregates
from graph.pinyin import with_pinyin
from tests.helpers import RolledBackDatabase

TODAY = dt.date(2024, 6, 1)
NEW_TERM = dt.date(2021, 4, 1)
OLD_TERM = dt.date(2016, 4, 1)


def rid(code: str) -> str:
    """Raw ids in test graphs are readable: the code prefixed with id-."""
    return f"id-{code}"


@dataclass
class GraphBuilder:
    """Collects rows, then writes them with one UNWIND statement per kind."""

    orgs: list[dict[str, Any]] = field(default_factory=list)
    people: list[dict[str, Any]] = field(default_factory=list)
    grids: list[dict[str, Any]] = field(default_factory=list)
    households: list[dict[str, Any]] = field(default_factory=list)
    holds: list[dict[str, Any]] = field(default_factory=list)
    covers: list[dict[str, Any]] = field(default_factory=list)
    links: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {"GUIDES": [], "MENTORS": []})
    lives: list[dict[str, Any]] = field(default_factory=list)
    reached: list[dict[str, Any]] = field(default_factory=list)

    def org(self, code: str, name: str, kind: str, level: str, parent: str | None = None) -> None:
        self.orgs.append(
            {"id": rid(code), "code": code, "name": name, "kind": kind, "level": level,
             "parent": rid(parent) if parent else None}
        )  # fmt: skip

    def person(self, code: str, name: str, **props: Any) -> None:
        self.people.append({"id": rid(code), "code": code, "name": name, "props": props})

    def grid(self, code: str, name: str, village: str) -> None:
        self.grids.append({"id": rid(code), "code": code, "name": name, "village": rid(village)})

    def household(self, code: str, grid: str, tags: tuple[str, ...] = (), address: str | None = None) -> None:
        self.households.append(
            {"id": rid(code), "code": code, "grid": rid(grid), "tags": list(tags), "address": address or code}
        )

    def hold(self, person: str, org: str, role: str, since: dt.date, until: dt.date | None = None) -> None:
        self.holds.append(
            {"id": f"pos-{person}-{org}-{role}-{since}", "person": rid(person), "org": rid(org),
             "role": role, "since": since, "until": until}
        )  # fmt: skip

    def cover(
        self, person: str, target: str, role: str, since: dt.date, until: dt.date | None = None
    ) -> None:
        self.covers.append(
            {"id": f"cov-{person}-{target}-{since}", "person": rid(person), "target": rid(target),
             "role": role, "since": since, "until": until}
        )  # fmt: skip

    def link(self, kind: str, a: str, b: str, since: dt.date, until: dt.date | None = None) -> None:
        self.links[kind].append({"a": rid(a), "b": rid(b), "since": since, "until": until})

    def live(self, person: str, household: str) -> None:
        self.lives.append({"person": rid(person), "household": rid(household)})

    def reach(self, person: str, stage: str, on: dt.date) -> None:
        self.reached.append({"person": rid(person), "stage": stage, "on": on})

    async def write(self, db: RolledBackDatabase) -> None:
        await db.execute(
            "UNWIND $rows AS r CREATE (:Organization {id: r.id, code: r.code, name: r.name, kind: r.kind,"
            " level: r.level, pinyin: r.pinyin, pinyinKeys: r.pinyinKeys})",
            rows=with_pinyin(self.orgs),
        )
        await db.execute(
            "UNWIND $rows AS r MATCH (o:Organization {id: r.id}), (p:Organization {id: r.parent})"
            " CREATE (o)-[:PART_OF]->(p)",
            rows=[o for o in self.orgs if o["parent"]],
        )
        await db.execute(
            "UNWIND $rows AS r CREATE (p:Person {id: r.id, code: r.code, name: r.name, pinyin: r.pinyin,"
            " pinyinKeys: r.pinyinKeys}) SET p += r.props",
            rows=with_pinyin(self.people),
        )
        await db.execute(
            "UNWIND $rows AS r MATCH (v:Organization {id: r.village})"
            " CREATE (:Grid {id: r.id, code: r.code, name: r.name})-[:PART_OF]->(v)",
            rows=self.grids,
        )
        await db.execute(
            "UNWIND $rows AS r MATCH (g:Grid {id: r.grid})"
            " CREATE (:Household {id: r.id, code: r.code, address: r.address, tags: r.tags})-[:IN_GRID]->(g)",
            rows=self.households,
        )
        await db.execute(
            "UNWIND $rows AS r MATCH (p:Person {id: r.person}), (o:Organization {id: r.org})"
            " CREATE (p)-[:HOLDS {id: r.id, role: r.role, since: r.since, until: r.until}]->(o)",
            rows=self.holds,
        )
        await db.execute(
            "UNWIND $rows AS r MATCH (p:Person {id: r.person}) MATCH (t {id: r.target})"
            " WHERE t:Grid OR t:Household"
            " CREATE (p)-[:COVERS {id: r.id, role: r.role, since: r.since, until: r.until}]->(t)",
            rows=self.covers,
        )
        await db.execute(
            "UNWIND $rows AS r MATCH (a:Person {id: r.a}), (b:Person {id: r.b})"
            " CREATE (a)-[:GUIDES {since: r.since, until: r.until}]->(b)",
            rows=self.links["GUIDES"],
        )
        await db.execute(
            "UNWIND $rows AS r MATCH (a:Person {id: r.a}), (b:Person {id: r.b})"
            " CREATE (a)-[:MENTORS {since: r.since, until: r.until}]->(b)",
            rows=self.links["MENTORS"],
        )
        await db.execute(
            "UNWIND $rows AS r MATCH (p:Person {id: r.person}), (h:Household {id: r.household})"
            " CREATE (p)-[:LIVES_IN]->(h)",
            rows=self.lives,
        )
        await db.execute(
            "UNWIND $rows AS r MATCH (p:Person {id: r.person})"
            " MERGE (s:Stage {name: r.stage}) CREATE (p)-[:REACHED {on: r.on}]->(s)",
            rows=self.reached,
        )
        # As a seed or an import ends: every village's coverage tallied for today.
        owners = [r["id"] for r in await db.execute(aggregates.OWNERS_UNDER, under=None)]
        await db.execute(aggregates.TALLY, ids=owners, **aggregates.tally_params(TODAY))


def village_world() -> GraphBuilder:
    g = GraphBuilder()
    g.org("C", "测试县妇联", "FEDERATION", "COUNTY")
    g.org("C-T1", "一号镇妇联", "FEDERATION", "TOWNSHIP", "C")
    g.org("C-T2", "二号镇妇联", "FEDERATION", "TOWNSHIP", "C")
    g.org("C-T1-V1", "东村妇联", "FEDERATION", "VILLAGE", "C-T1")
    g.org("C-T1-V1-SC", "东村村嫂理事会", "SISTERS_COUNCIL", "VILLAGE", "C-T1-V1")
    g.org("C-T1-V1-VC", "东村村两委", "VILLAGE_COMMITTEE", "VILLAGE", "C-T1-V1")
    g.org("C-T1-V2", "西村妇联", "FEDERATION", "VILLAGE", "C-T1")

    d = dt.date
    g.person("P01", "王芳", gender="FEMALE", birthDate=d(1980, 5, 20), education="JUNIOR_COLLEGE",
             politicalStatus="PARTY_MEMBER", phone="13800000001")  # fmt: skip
    g.person("P02", "李娜", gender="FEMALE", birthDate=d(1990, 1, 2))
    g.person("P03", "张敏", gender="FEMALE", birthDate=d(1985, 7, 1))
    g.person("P04", "刘洋", gender="FEMALE")
    g.person("P05", "陈静", gender="FEMALE", birthDate=d(1995, 3, 3))
    g.person("P06", "赵丽", gender="FEMALE", birthDate=d(1960, 1, 1))
    g.person("P07", "周婷", gender="FEMALE")
    g.person("P08", "吴强", gender="MALE")
    g.person("P09", "郑红", gender="FEMALE")
    g.person("P10", "孙梅", gender="FEMALE")

    for grid in ("G1", "G2", "G3"):
        g.grid(f"C-T1-V1-{grid}", f"东村{grid}网格", "C-T1-V1")
    for n in range(1, 11):
        grid = "G1" if n <= 4 else "G2" if n <= 7 else "G3"
        tags = ("LEFT_BEHIND_CHILD",) if n in (2, 10) else ("MODEL_FAMILY",) if n == 5 else ()
        g.household(f"C-T1-V1-H{n:02d}", f"C-T1-V1-{grid}", tags)
    g.grid("C-T1-V2-G4", "西村G4网格", "C-T1-V2")
    g.household("C-T1-V2-H11", "C-T1-V2-G4")
    g.household("C-T1-V2-H12", "C-T1-V2-G4", ("HARDSHIP_WOMAN",))

    g.hold("P01", "C-T1-V1", "CHAIR", NEW_TERM)
    g.hold("P02", "C-T1-V1", "VICE_CHAIR", NEW_TERM)
    g.hold("P03", "C-T1-V1", "EXECUTIVE", NEW_TERM)
    g.hold("P04", "C-T1-V1", "EXECUTIVE", NEW_TERM)
    g.hold("P01", "C-T1-V1", "EXECUTIVE", OLD_TERM, NEW_TERM)
    g.hold("P06", "C-T1-V1", "EXECUTIVE", OLD_TERM, NEW_TERM)
    g.hold("P01", "C-T1-V1-SC", "COUNCIL_HEAD", NEW_TERM)
    g.hold("P05", "C-T1-V1-SC", "VILLAGE_SISTER", NEW_TERM)
    g.hold("P01", "C-T1-V1-VC", "COMMITTEE_MEMBER", NEW_TERM)
    g.hold("P09", "C-T1-V2", "CHAIR", NEW_TERM)
    g.hold("P10", "C-T1", "CHAIR", NEW_TERM)

    cover_start = d(2021, 5, 1)
    g.cover("P03", "C-T1-V1-G1", "LEAD", cover_start)
    g.cover("P04", "C-T1-V1-G2", "LEAD", cover_start)
    g.cover("P04", "C-T1-V1-H01", "ASSIST", cover_start)
    g.cover("P05", "C-T1-V1-H08", "ASSIST", cover_start)
    g.cover("P05", "C-T1-V1-H09", "ASSIST", cover_start)
    g.cover("P06", "C-T1-V1-H10", "ASSIST", d(2016, 5, 1), NEW_TERM)
    g.cover("P09", "C-T1-V2-G4", "LEAD", cover_start)

    g.link("GUIDES", "P01", "P03", NEW_TERM)
    g.link("GUIDES", "P01", "P04", NEW_TERM)
    g.link("MENTORS", "P06", "P01", d(2016, 6, 1))
    g.link("MENTORS", "P01", "P03", cover_start)
    g.link("MENTORS", "P03", "P05", d(2022, 1, 1))

    g.live("P01", "C-T1-V1-H03")
    g.live("P07", "C-T1-V1-H01")
    g.live("P08", "C-T1-V1-H01")
    g.live("P05", "C-T1-V1-H08")

    g.reach("P05", "VILLAGE_SISTER", NEW_TERM)
    g.reach("P05", "PARTY_ACTIVIST", d(2022, 3, 1))
    return g
