"""Deterministic demo data: one county women's federation (妇联) and its grassroots
network, generated in pure Python from (scale, seed) as row lists ready for
`UNWIND $rows` (`graph.seed` loads them).

What is in it, following DOMAIN.md:
- the territorial tree county → townships (乡镇) → villages (村); each village has
  its sisters' council (村嫂理事会) and village committee (村两委, which sits beside
  the village federation and is recorded as PART_OF it), some a deliberation
  council (妇女议事会); townships and the county have sisters' councils too, units
  have women's committees (妇委会), the county a volunteer team (巾帼志愿服务队);
- village boards of 7-12 elected in the 2021 term change, the 2016-2021 board
  before them (and a 2011 chair for some villages), guidance (each chair and vice
  chair guides 2-4 executives) and mentoring lineages (传帮带) 2011 → 2016 → 2021
  cadres → village sisters; small township and county boards;
- grids (网格) and households (户) with care/honor tags; every household has 1-3
  residents and everyone lives in one; executives lead whole grids, village
  sisters cover listed households (划片包干) and assist some grids ("1+2+N"),
  and some households nobody covers;
- the village sisters' cadre pipeline, a funnel shaped like Yingshang's.

Headline figures are hit by quotas (a shuffled list with an exact number of True
values), not by chance, so every scale and seed reproduces them.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field, fields
from typing import Any

from graph import seed_vocab as vocab
from graph.model import CoverRole, Gender, HouseholdTag, Level, OrgKind, PoliticalStatus, Role, Stage
from graph.seed_vocab import AS_OF, after, day_between, quota

Row = dict[str, Any]
DEFAULT_SEED = 2021

# Term changes (换届): villages re-elect in spring, townships and the county after.
VILLAGE_TERM = (dt.date(2021, 3, 1), dt.date(2021, 6, 30))
PREVIOUS_TERM = (dt.date(2016, 3, 1), dt.date(2016, 6, 30))
VETERAN_TERM = (dt.date(2011, 3, 1), dt.date(2011, 6, 30))
COMMITTEE_ELECTION = (dt.date(2021, 1, 5), dt.date(2021, 2, 28))
TOWNSHIP_TERM = (dt.date(2021, 7, 1), dt.date(2021, 9, 30))
COUNTY_TERM = (dt.date(2021, 10, 15), dt.date(2021, 11, 30))
CITY_TERM = (dt.date(2021, 12, 1), dt.date(2021, 12, 31))
# Village sisters join between these days (pipelines that run long start early).
SISTERS_JOIN = (dt.date(2017, 1, 1), dt.date(2023, 6, 30))
PARTY_PATH = (
    Stage.PARTY_ACTIVIST,
    Stage.DEVELOPMENT_TARGET,
    Stage.PROBATIONARY_MEMBER,
    Stage.PARTY_MEMBER,
)


@dataclass(frozen=True)
class ScaleSpec:
    """How big a generated county is; with `counties`, a city of those counties
    (its own figures then unused)."""

    name: str
    townships: int
    villages_per_township: tuple[int, int]
    households_per_village: tuple[int, int]
    households_per_grid: int  # grids per village: that ratio, clamped to 3-15
    households_per_sister: int  # village sisters per village: that ratio, clamped to 3-20
    county_units: int  # women's committees directly under the county
    counties: tuple[ScaleSpec, ...] = ()


COUNTY = ScaleSpec("county", 18, (17, 22), (150, 420), 30, 25, 6)
# A city's other districts: a little smaller in townships, a little larger in villages.
DISTRICT = ScaleSpec("district", 16, (17, 22), (180, 440), 30, 25, 4)

SCALES: dict[str, ScaleSpec] = {
    s.name: s
    for s in (
        ScaleSpec("tiny", 2, (2, 2), (18, 18), 6, 25, 2),
        ScaleSpec("small", 4, (5, 5), (40, 120), 12, 20, 3),
        ScaleSpec("medium", 10, (8, 12), (100, 300), 25, 25, 4),
        COUNTY,
        # ~1,600 villages, ~1,000,000 people, ~490,000 households: the county QX
        # exactly as `county` generates it, and four districts beside it.
        ScaleSpec(
            "city", 0, (0, 0), (0, 0), 30, 25, 0, counties=(COUNTY, DISTRICT, DISTRICT, DISTRICT, DISTRICT)
        ),
    )
}
# Person codes of a city's n-th county start after n * PEOPLE_PER_COUNTY.
PEOPLE_PER_COUNTY = 10_000_000


@dataclass
class Dataset:
    """Everything one seeding writes: node rows per label and relationship rows
    per type (`a` = start node id; `b` = end node id, or the Stage name for
    REACHED). PART_OF and COVERS are split by the end node's label."""

    scale: str
    seed: int
    stages: list[Row] = field(default_factory=list)
    organizations: list[Row] = field(default_factory=list)
    grids: list[Row] = field(default_factory=list)
    households: list[Row] = field(default_factory=list)
    persons: list[Row] = field(default_factory=list)
    org_part_of: list[Row] = field(default_factory=list)
    grid_part_of: list[Row] = field(default_factory=list)
    in_grid: list[Row] = field(default_factory=list)
    lives_in: list[Row] = field(default_factory=list)
    holds: list[Row] = field(default_factory=list)
    covers_grid: list[Row] = field(default_factory=list)
    covers_household: list[Row] = field(default_factory=list)
    guides: list[Row] = field(default_factory=list)
    mentors: list[Row] = field(default_factory=list)
    reached: list[Row] = field(default_factory=list)

    def node_counts(self) -> dict[str, int]:
        return {
            "Organization": len(self.organizations),
            "Person": len(self.persons),
            "Grid": len(self.grids),
            "Household": len(self.households),
            "Stage": len(self.stages),
        }

    def relationship_counts(self) -> dict[str, int]:
        return {
            "PART_OF": len(self.org_part_of) + len(self.grid_part_of),
            "IN_GRID": len(self.in_grid),
            "LIVES_IN": len(self.lives_in),
            "HOLDS": len(self.holds),
            "COVERS": len(self.covers_grid) + len(self.covers_household),
            "GUIDES": len(self.guides),
            "MENTORS": len(self.mentors),
            "REACHED": len(self.reached),
        }

    @property
    def rows(self) -> int:
        """Rows to write: all nodes and relationships."""
        return sum(self.node_counts().values()) + sum(self.relationship_counts().values())


def generate(scale: str | ScaleSpec = "small", seed: int = DEFAULT_SEED) -> Dataset:
    """The dataset for `scale` and `seed`; the same arguments give the same rows,
    ids and codes included. Raises ValueError for an unknown scale name."""
    spec = _spec(scale)
    parts = [generate_part(spec, seed, i) for i in range(parts_of(spec))]
    return parts[0] if len(parts) == 1 else merge(parts)


def _spec(scale: str | ScaleSpec) -> ScaleSpec:
    if isinstance(scale, str):
        if scale not in SCALES:
            raise ValueError(f"unknown scale {scale!r}; expected one of {', '.join(SCALES)}")
        return SCALES[scale]
    return scale


def parts_of(scale: str | ScaleSpec) -> int:
    """How many parts `generate_part` makes of a scale: one for a county, the
    city's own organization and one per county for a city."""
    spec = _spec(scale)
    return 1 + len(spec.counties) if spec.counties else 1


def generate_part(scale: str | ScaleSpec, seed: int, part: int) -> Dataset:
    """Part `part` of the dataset (see `parts_of`), on its own: a city's counties
    each have their own RNG, so a part is generated (and loaded) without the
    others. The city's first county is the `county` scale of the same seed, with
    its federation PART_OF the city; the last county's people also hold the
    city's board. Parts after the first carry no Stage rows."""
    spec = _spec(scale)
    if not spec.counties:
        return _Builder(spec, seed).build()
    city_rng = random.Random(f"{seed}-city")
    city_id = vocab.new_id(city_rng)
    if part == 0:
        city_name, city_code = vocab.CITY
        data = Dataset(scale=spec.name, seed=seed)
        data.stages = [{"name": s.name, "order": i} for i, s in enumerate(Stage)]
        data.organizations.append(
            {"id": city_id, "code": city_code, "name": f"{city_name}妇联", "kind": OrgKind.FEDERATION.name,
             "level": Level.CITY.name}
        )  # fmt: skip
        return data
    i = part - 1
    name, code = vocab.CITY_COUNTIES[i]
    last = i == len(spec.counties) - 1
    builder = _Builder(
        spec.counties[i],
        seed if i == 0 else f"{seed}-{code}",
        county=(name, code),
        city=city_id,
        first_person=i * PEOPLE_PER_COUNTY,
        city_board=last,
    )
    data = builder.build()
    data.scale = spec.name
    data.stages = []
    return data


def merge(parts: list[Dataset]) -> Dataset:
    """One dataset of several parts (row lists concatenated in order)."""
    out = Dataset(scale=parts[0].scale, seed=parts[0].seed)
    for f in fields(Dataset):
        if f.name not in ("scale", "seed"):
            setattr(out, f.name, [row for p in parts for row in getattr(p, f.name)])
    return out


@dataclass(eq=False)
class _Home:
    """A household while it is being filled: its target size (1-3 residents)."""

    id: str
    tags: list[str]
    target: int
    members: int = 0
    patch: int = 0  # which of the village's sisters has it in her patch


@dataclass(eq=False)
class _Sister:
    person: Row
    since: dt.date = AS_OF


@dataclass(eq=False)
class _Village:
    id: str
    code: str
    sisters_council: str
    committee: str
    start: dt.date  # 2021 term change
    prev_start: dt.date
    grids: list[tuple[str, list[_Home]]]
    order: list[_Home]  # households in the order new residents are placed
    cursor: int = 0
    board: list[tuple[str, Role]] = field(default_factory=list)  # 2021 board
    prev_board: list[tuple[str, Role]] = field(default_factory=list)  # 2016 board
    sisters: list[_Sister] = field(default_factory=list)


class _Builder:
    """Builds one Dataset; one RNG drives every choice, in a fixed order."""

    def __init__(
        self,
        spec: ScaleSpec,
        seed: int | str,
        *,
        county: tuple[str, str] = vocab.COUNTY,
        city: str | None = None,
        first_person: int = 0,
        city_board: bool = False,
    ) -> None:
        self.spec = spec
        self.rng = random.Random(seed)
        self.data = Dataset(scale=spec.name, seed=seed if isinstance(seed, int) else DEFAULT_SEED)
        self.county_name_code = county
        self.city = city  # the city federation the county is PART_OF, if any
        self.city_board = city_board  # whether this county's people also hold the city's board
        self.villages: list[_Village] = []
        self.village_names: set[str] = set()
        self.people = first_person
        self.youngest_chair_pending = True
        self.young_chairs: list[bool] = []  # per village, in order: chair aged 45 or under?
        self.college_chairs: list[bool] = []  # chair with junior college or above?

    def build(self) -> Dataset:
        rng, spec = self.rng, self.spec
        per_township = [rng.randint(*spec.villages_per_township) for _ in range(spec.townships)]
        n_villages = sum(per_township)
        self.young_chairs = quota(rng, n_villages, vocab.YOUNG_CHAIR_SHARE)
        self.college_chairs = quota(rng, n_villages, vocab.COLLEGE_CHAIR_SHARE)
        self.data.stages = [{"name": s.name, "order": i} for i, s in enumerate(Stage)]
        county_name, county_code = self.county_name_code
        self.county = self.org(county_code, f"{county_name}妇联", OrgKind.FEDERATION, Level.COUNTY, self.city)
        self.county_council = self.org(
            f"{county_code}-SC",
            f"{county_name}村嫂理事会",
            OrgKind.SISTERS_COUNCIL,
            Level.COUNTY,
            self.county,
        )
        self.volunteers = self.org(
            f"{county_code}-VT",
            f"{county_name}巾帼志愿服务队",
            OrgKind.VOLUNTEER_TEAM,
            Level.COUNTY,
            self.county,
        )
        names = vocab.township_names(rng, spec.townships)
        for i, (name, n) in enumerate(zip(names, per_township, strict=True), start=1):
            self.township(f"{county_code}-T{i:02d}", name, n)
        self.county_people(county_code, county_name)
        if self.city is not None and self.city_board:
            self.board(self.city, self.villages, self.rng.randint(15, 19), 4, CITY_TERM)
        self.pipeline()
        self.coverage()
        self.fill_households()
        return self.data

    # --- nodes and relationships ---------------------------------------------------

    def org(self, code: str, name: str, kind: OrgKind, level: Level, parent: str | None) -> str:
        oid = vocab.new_id(self.rng)
        self.data.organizations.append(
            {"id": oid, "code": code, "name": name, "kind": kind.name, "level": level.name}
        )
        if parent is not None:
            self.data.org_part_of.append({"a": oid, "b": parent})
        return oid

    def person(
        self,
        home: _Home,
        *,
        age: int,
        gender: Gender = Gender.FEMALE,
        college: float | None = None,
        party: float = 0.05,
    ) -> Row:
        """A resident of `home`, `age` years old on AGE_REFERENCE."""
        rng = self.rng
        self.people += 1
        row: Row = {
            "id": vocab.new_id(rng),
            "code": f"P{self.people:07d}",
            "name": vocab.chinese_name(rng, gender),
            "gender": gender.name,
            "birthDate": vocab.birth_date(rng, age),
            "education": vocab.education(rng, age, college).name,
            "politicalStatus": vocab.political_status(rng, age, party).name,
            "phone": vocab.phone(rng) if age >= 16 else None,
        }
        self.data.persons.append(row)
        self.data.lives_in.append({"a": row["id"], "b": home.id})
        home.members += 1
        return row

    def hold(self, person: str, org: str, role: Role, since: dt.date, until: dt.date | None = None) -> None:
        row = {"id": vocab.new_id(self.rng), "a": person, "b": org, "role": role.name}
        self.data.holds.append(row | {"since": since, "until": until})

    def home(self, village: _Village) -> _Home:
        """A household of the village with room for one more resident."""
        order = village.order
        for _ in range(len(order)):
            home = order[village.cursor]
            village.cursor = (village.cursor + 1) % len(order)
            if home.members < home.target:
                return home
        for home in order:
            if home.members < 3:
                home.target = home.members + 1
                return home
        raise ValueError(f"village {village.code} has no room left for another resident")

    def officer(self, village: _Village, age: int, college: float, party: float) -> str:
        return str(self.person(self.home(village), age=age, college=college, party=party)["id"])

    def guides(self, board: list[tuple[str, Role]], since: dt.date, until: dt.date | None) -> None:
        """Chair and vice chairs each guide 2-4 of the board's executives."""
        leaders = [p for p, r in board if r in (Role.CHAIR, Role.VICE_CHAIR)]
        executives = [p for p, r in board if r is Role.EXECUTIVE]
        assert len(executives) >= 2 * len(leaders), "a board needs two executives per leader"
        self.rng.shuffle(executives)
        for i, executive in enumerate(executives[: 4 * len(leaders)]):
            leader = leaders[i % len(leaders)]
            since_day = after(self.rng, since, 0, 30)
            self.data.guides.append({"a": leader, "b": executive, "since": since_day, "until": until})

    def board(
        self, org: str, villages: list[_Village], size: int, vice_chairs: int, term: tuple[dt.date, dt.date]
    ) -> tuple[str, dt.date]:
        """A township or county board (residents of `villages`); returns its chair."""
        rng = self.rng
        start = day_between(rng, *term)
        roles = [Role.CHAIR] + [Role.VICE_CHAIR] * vice_chairs + [Role.EXECUTIVE] * (size - 1 - vice_chairs)
        members = []
        for role in roles:
            pid = self.officer(rng.choice(villages), rng.randint(30, 55), 0.5, 0.85)
            self.hold(pid, org, role, start)
            members.append((pid, role))
        self.guides(members, start, None)
        return members[0][0], start

    def unit(self, code: str, name: str, parent: str, villages: list[_Village]) -> None:
        """A women's committee (妇委会) in an agency, firm or social organization."""
        rng = self.rng
        uid = self.org(code, name, OrgKind.WOMENS_COMMITTEE, Level.UNIT, parent)
        since = day_between(rng, dt.date(2019, 1, 1), dt.date(2023, 12, 31))
        for i in range(rng.randint(4, 7)):
            pid = self.officer(rng.choice(villages), rng.randint(25, 55), 0.4, 0.4)
            self.hold(pid, uid, Role.CHAIR if i == 0 else Role.MEMBER, since)

    # --- the territorial tree --------------------------------------------------------

    def township(self, code: str, name: str, n_villages: int) -> None:
        rng = self.rng
        tid = self.org(code, f"{name}妇联", OrgKind.FEDERATION, Level.TOWNSHIP, self.county)
        council = self.org(f"{code}-SC", f"{name}村嫂理事会", OrgKind.SISTERS_COUNCIL, Level.TOWNSHIP, tid)
        villages = [self.village(f"{code}-V{j:02d}", name, tid) for j in range(1, n_villages + 1)]
        size = rng.randint(7, 10)
        chair, start = self.board(tid, villages, size, 2 if size >= 9 else 1, TOWNSHIP_TERM)
        self.hold(chair, council, Role.COUNCIL_HEAD, start)
        if rng.random() < 0.4:
            unit_name = vocab.unit_names(rng, name, vocab.TOWNSHIP_UNITS, 1)[0]
            self.unit(f"{code}-U01", unit_name, tid, villages)

    def county_people(self, code: str, name: str) -> None:
        rng = self.rng
        chair, start = self.board(self.county, self.villages, rng.randint(12, 15), 3, COUNTY_TERM)
        self.hold(chair, self.county_council, Role.COUNCIL_HEAD, start)
        units = vocab.unit_names(rng, name, vocab.COUNTY_UNITS, self.spec.county_units)
        for i, unit_name in enumerate(units, start=1):
            self.unit(f"{code}-U{i:02d}", unit_name, self.county, self.villages)

    def village(self, code: str, township_name: str, township: str) -> _Village:
        """A village federation with its councils, grids, households, boards and sisters."""
        rng, spec = self.rng, self.spec
        name = vocab.village_name(rng, self.village_names)
        vid = self.org(code, f"{name}妇联", OrgKind.FEDERATION, Level.VILLAGE, township)
        council = self.org(f"{code}-SC", f"{name}村嫂理事会", OrgKind.SISTERS_COUNCIL, Level.VILLAGE, vid)
        committee = self.org(f"{code}-VC", f"{name}两委", OrgKind.VILLAGE_COMMITTEE, Level.VILLAGE, vid)
        n_homes = rng.randint(*spec.households_per_village)
        n_grids = min(15, max(3, round(n_homes / spec.households_per_grid)))
        sizes = [n_homes // n_grids + (1 if i < n_homes % n_grids else 0) for i in range(n_grids)]
        rng.shuffle(sizes)
        grids = []
        for g, size in enumerate(sizes, start=1):
            gid = vocab.new_id(rng)
            self.data.grids.append({"id": gid, "code": f"{code}-G{g:02d}", "name": f"{name}第{g}网格"})
            self.data.grid_part_of.append({"a": gid, "b": vid})
            homes = []
            for k in range(1, size + 1):
                home = _Home(
                    vocab.new_id(rng),
                    vocab.household_tags(rng),
                    rng.choices((1, 2, 3), cum_weights=(25, 70, 100))[0],
                )
                self.data.households.append(
                    {
                        "id": home.id,
                        "code": f"{code}-G{g:02d}-H{k:03d}",
                        "address": f"{township_name}{name}{g}组{k}号",
                        "tags": home.tags,
                    }
                )
                self.data.in_grid.append({"a": home.id, "b": gid})
                homes.append(home)
            grids.append((gid, homes))
        order = [h for _, homes in grids for h in homes]
        rng.shuffle(order)
        start, prev_start = day_between(rng, *VILLAGE_TERM), day_between(rng, *PREVIOUS_TERM)
        v = _Village(vid, code, council, committee, start, prev_start, grids, order)
        self.villages.append(v)
        chair, secretary = self.village_boards(v)
        if rng.random() < 0.4:
            self.deliberation_council(v, name, chair, secretary)
        n_sisters = min(20, max(3, round(n_homes / spec.households_per_sister)))
        v.sisters = [
            _Sister(self.person(self.home(v), age=rng.randint(25, 58), party=0.0)) for _ in range(n_sisters)
        ]
        return v

    def village_boards(self, v: _Village) -> tuple[str, str | None]:
        """The 2021 board, the 2016 board it replaced and the village committee.
        Returns the chair and the village Party secretary (None when the chair is)."""
        rng = self.rng
        young, college = self.young_chairs.pop(), self.college_chairs.pop()
        if young and self.youngest_chair_pending:
            age, self.youngest_chair_pending = 22, False
        else:
            age = rng.randint(26, 45) if young else rng.randint(46, 60)
        chair = self.officer(v, age, 1.0 if college else 0.0, 0.85)
        size = rng.choices(range(7, 13), (25, 20, 20, 15, 10, 10))[0]
        n_vc = 2 if size >= 9 and rng.random() < 0.5 else 1
        prev_size = rng.randint(7, 10)
        prev_vc = 2 if prev_size >= 9 and rng.random() < 0.5 else 1
        prev_roles = [Role.VICE_CHAIR] * prev_vc + [Role.EXECUTIVE] * (prev_size - 1 - prev_vc)
        rng.shuffle(prev_roles)
        v.board = [(chair, Role.CHAIR)]
        newcomers = []
        case = rng.random()
        if age >= 35 and case < 0.4:  # re-elected
            prev_chair = chair
        else:
            if age >= 30 and case < 0.7:  # promoted from vice chair
                prev_roles.remove(Role.VICE_CHAIR)
                v.prev_board.append((chair, Role.VICE_CHAIR))
            else:
                newcomers.append(chair)
            prev_chair = self.officer(v, rng.randint(50, 68), 0.05, 0.8)
        v.prev_board.append((prev_chair, Role.CHAIR))
        roles = [Role.VICE_CHAIR] * n_vc + [Role.EXECUTIVE] * (size - 1 - n_vc)
        rng.shuffle(roles)
        staying = min(len(prev_roles), round((size - 1) * rng.uniform(0.25, 0.55)))
        for i, role in enumerate(roles):
            pid = self.officer(v, rng.randint(28, 58), 0.12, 0.45)
            v.board.append((pid, role))
            if i < staying:
                v.prev_board.append((pid, prev_roles.pop()))
            else:
                newcomers.append(pid)
        v.prev_board += [(self.officer(v, rng.randint(45, 68), 0.05, 0.5), role) for role in prev_roles]
        for pid, role in v.board:
            self.hold(pid, v.id, role, v.start)
        for pid, role in v.prev_board:
            self.hold(pid, v.id, role, v.prev_start, v.start)
        self.guides(v.board, v.start, None)
        self.guides(v.prev_board, v.prev_start, v.start)
        self.mentoring(v, chair, prev_chair, newcomers)
        self.hold(chair, v.sisters_council, Role.COUNCIL_HEAD, v.start)
        return chair, self.village_committee(v, chair)

    def mentoring(self, v: _Village, chair: str, prev_chair: str, newcomers: list[str]) -> None:
        """传帮带: a 2011 chair mentored the 2016 chair (some villages); the 2016
        board mentors those first elected in 2021, the outgoing chair her successor."""
        rng = self.rng
        if rng.random() < 0.5:
            veteran = self.officer(v, rng.randint(62, 78), 0.0, 0.9)
            self.hold(veteran, v.id, Role.CHAIR, day_between(rng, *VETERAN_TERM), v.prev_start)
            self.mentor(veteran, prev_chair, v.prev_start, after(rng, v.prev_start, 365, 730))
        elders = [p for p, _ in v.prev_board]
        board = {p for p, _ in v.board}
        outgoing = [p for p in elders if p not in board]
        for pid in newcomers:
            if pid == chair and prev_chair in outgoing and rng.random() < 0.9:
                mentor = prev_chair
            elif rng.random() < 0.7:
                mentor = rng.choice(outgoing if outgoing and rng.random() < 0.7 else elders)
            else:
                continue
            self.mentor(mentor, pid, v.start, None if rng.random() < 0.3 else after(rng, v.start, 365, 730))

    def mentor(self, mentor: str, mentee: str, since: dt.date, until: dt.date | None) -> None:
        self.data.mentors.append({"a": mentor, "b": mentee, "since": since, "until": until})

    def village_committee(self, v: _Village, chair: str) -> str | None:
        """村两委: the chair always sits on it, rarely as Party secretary."""
        rng = self.rng
        since = day_between(rng, *COMMITTEE_ELECTION)
        secretary = None
        if rng.random() < 0.04:
            self.hold(chair, v.committee, Role.SECRETARY, since)
        else:
            self.hold(chair, v.committee, Role.COMMITTEE_MEMBER, since)
            gender = Gender.MALE if rng.random() < 0.65 else Gender.FEMALE
            secretary = str(
                self.person(self.home(v), age=rng.randint(38, 60), gender=gender, party=1.0)["id"]
            )
            self.hold(secretary, v.committee, Role.SECRETARY, since)
        for _ in range(rng.randint(2, 4)):
            gender = Gender.MALE if rng.random() < 0.5 else Gender.FEMALE
            member = self.person(self.home(v), age=rng.randint(30, 58), gender=gender, party=0.6)
            self.hold(member["id"], v.committee, Role.COMMITTEE_MEMBER, since)
        return secretary

    def deliberation_council(self, v: _Village, name: str, chair: str, secretary: str | None) -> None:
        """妇女议事会 "1+X+N": the Party secretary, some board members, ordinary women."""
        rng = self.rng
        council_name = f"{name}“好大姐”议事会" if rng.random() < 0.5 else f"{name}妇女议事会"
        dc = self.org(f"{v.code}-DC", council_name, OrgKind.DELIBERATION_COUNCIL, Level.VILLAGE, v.id)
        since = after(rng, v.start, 30, 120)
        self.hold(chair, dc, Role.COUNCIL_HEAD, since)
        members = [secretary] if secretary else []
        members += rng.sample([p for p, r in v.board if r is not Role.CHAIR], rng.randint(1, 2))
        members += [self.officer(v, rng.randint(30, 70), 0.03, 0.1) for _ in range(rng.randint(3, 6))]
        for pid in members:
            self.hold(pid, dc, Role.MEMBER, since)

    # --- whole-county passes --------------------------------------------------------

    def pipeline(self) -> None:
        """Village sisters' terms, milestones (REACHED) and political status, with
        the funnel fixed by quotas; mentors for those who moved on; volunteers."""
        rng = self.rng
        sisters = [(v, s) for v in self.villages for s in v.sisters]
        n = len(sisters)
        activists = min(n, max(1, round(n * vocab.ACTIVIST_SHARE)))
        members = max(1, round(activists * vocab.MEMBER_SHARE_OF_ACTIVISTS))
        probationary = min(activists, members + round(activists * 0.05))
        targets = min(activists, max(probationary, round(activists * vocab.DEVELOPMENT_SHARE_OF_ACTIVISTS)))
        depth = [0] * n
        for rank, i in enumerate(rng.sample(range(n), activists)):
            depth[i] = 4 if rank < members else 3 if rank < probationary else 2 if rank < targets else 1
        representatives = set(rng.sample(range(n), min(n, max(1, round(n * vocab.REPRESENTATIVE_SHARE)))))
        reserve, committee = set(), set()
        pool = rng.sample(range(n), min(n, max(1, round(n * vocab.RESERVE_OR_COMMITTEE_SHARE))))
        for rank, i in enumerate(pool):  # 55% reserve cadres, 30% committee, 15% both
            if rank % 20 < 11 or rank % 20 >= 17:
                reserve.add(i)
            if rank % 20 >= 11:
                committee.add(i)
        for i, (v, sister) in enumerate(sisters):
            stages = [Stage.VILLAGE_SISTER, *PARTY_PATH[: depth[i]]]
            stages += [
                s
                for s, chosen in (
                    (Stage.REPRESENTATIVE, representatives),
                    (Stage.RESERVE_CADRE, reserve),
                    (Stage.VILLAGE_COMMITTEE, committee),
                )
                if i in chosen
            ]
            dates = self.milestone_dates(stages)
            sister.since = dates[0]
            pid = sister.person["id"]
            self.hold(pid, v.sisters_council, Role.VILLAGE_SISTER, sister.since)
            self.data.reached += [
                {"a": pid, "b": s.name, "on": d} for s, d in zip(stages, dates, strict=True)
            ]
            if depth[i]:  # else masses, League member or applicant (drawn with no Party share)
                sister.person["politicalStatus"] = PoliticalStatus[PARTY_PATH[depth[i] - 1].name].name
            if Stage.VILLAGE_COMMITTEE in stages:
                self.hold(pid, v.committee, Role.COMMITTEE_MEMBER, dates[-1])
            if len(stages) > 1 or rng.random() < 0.05:
                since = dates[1] if len(stages) > 1 else after(rng, sister.since, 90, 365)
                elders = v.board if since >= v.start else v.prev_board
                self.mentor(rng.choice(elders)[0], pid, since, None)
            if rng.random() < 0.15:
                self.hold(pid, self.volunteers, Role.VOLUNTEER, after(rng, sister.since, 30, 365))

    def milestone_dates(self, stages: list[Stage]) -> list[dt.date]:
        """Increasing dates for `stages` (in Stage order), all by AS_OF: development
        target a year or more after activist, Party member a year after probation."""
        rng = self.rng
        gaps = {
            Stage.PARTY_ACTIVIST: (180, 540),
            Stage.DEVELOPMENT_TARGET: (365, 540),
            Stage.PROBATIONARY_MEMBER: (30, 90),
            Stage.PARTY_MEMBER: (366, 366),  # exactly a year: see below
        }
        steps = [rng.randint(*gaps.get(s, (60, 365))) for s in stages[1:]]
        first, last = SISTERS_JOIN
        on = day_between(rng, first, min(last, AS_OF - dt.timedelta(days=sum(steps))))
        dates = [on]
        for stage, step in zip(stages[1:], steps, strict=True):
            on = vocab.plus_year(on) if stage is Stage.PARTY_MEMBER else on + dt.timedelta(days=step)
            dates.append(on)
        return dates

    def coverage(self) -> None:
        """联系户: executives lead whole grids (the 2016 board led some until the
        term change), sisters assist some grids and cover their patch's households;
        some households nobody covers, some two sisters do."""
        rng, data = self.rng, self.data
        grids = [(v, gid, homes) for v in self.villages for gid, homes in v.grids]
        led = quota(rng, len(grids), vocab.GRID_COVERED_SHARE)
        turn: dict[str, int] = {}
        homes_led: list[tuple[_Village, _Home]] = []
        homes_unled: list[tuple[_Village, _Home]] = []
        for (v, gid, homes), is_led in zip(grids, led, strict=True):
            if is_led:
                executives = [p for p, r in v.board if r is Role.EXECUTIVE]
                lead = executives[turn.setdefault(v.id, 0) % len(executives)]
                turn[v.id] += 1
                self.covers(data.covers_grid, lead, gid, CoverRole.LEAD, after(rng, v.start, 7, 60))
                if rng.random() < 0.3:
                    for s in rng.sample(v.sisters, rng.randint(1, 2)):
                        since = after(rng, max(v.start, s.since), 7, 90)
                        self.covers(data.covers_grid, s.person["id"], gid, CoverRole.ASSIST, since)
            if rng.random() < 0.6:
                lead = rng.choice([p for p, r in v.prev_board if r is Role.EXECUTIVE])
                since = after(rng, v.prev_start, 7, 90)
                self.covers(data.covers_grid, lead, gid, CoverRole.LEAD, since, v.start)
            (homes_led if is_led else homes_unled).extend((v, h) for h in homes)
        direct = [
            pair
            for group in (homes_led, homes_unled)
            for pair, chosen in zip(group, quota(rng, len(group), vocab.DIRECT_COVERED_SHARE), strict=True)
            if chosen
        ]
        for v in self.villages:
            homes = [h for _, hs in v.grids for h in hs]
            for i, h in enumerate(homes):
                h.patch = i * len(v.sisters) // len(homes)
        twice = quota(rng, len(direct), vocab.TWICE_COVERED_SHARE)
        for (v, h), second in zip(direct, twice, strict=True):
            for s in v.sisters[h.patch : h.patch + 1] + (
                [v.sisters[(h.patch + 1) % len(v.sisters)]] if second else []
            ):
                since = after(rng, max(v.start, s.since), 0, 90)
                self.covers(data.covers_household, s.person["id"], h.id, CoverRole.ASSIST, since)

    def covers(
        self,
        rows: list[Row],
        person: str,
        target: str,
        role: CoverRole,
        since: dt.date,
        until: dt.date | None = None,
    ) -> None:
        row = {"id": vocab.new_id(self.rng), "a": person, "b": target, "role": role.name}
        rows.append(row | {"since": since, "until": until})

    def fill_households(self) -> None:
        """Residents up to each household's size: a child where children are left
        behind, an old person where the elderly are, otherwise mostly women."""
        rng = self.rng
        for v in self.villages:
            for _, homes in v.grids:
                for h in homes:
                    wanted = [
                        t
                        for t in (HouseholdTag.LEFT_BEHIND_CHILD.name, HouseholdTag.LEFT_BEHIND_ELDERLY.name)
                        if t in h.tags
                    ]
                    while h.members < h.target:
                        tag = wanted.pop(0) if wanted else None
                        if tag == HouseholdTag.LEFT_BEHIND_CHILD.name:
                            age = rng.randint(3, 15)
                        elif tag == HouseholdTag.LEFT_BEHIND_ELDERLY.name:
                            age = rng.randint(68, 90)
                        else:
                            age = rng.randint(3, 17) if rng.random() < 0.12 else rng.randint(18, 85)
                        gender = Gender.FEMALE if rng.random() < 0.6 else Gender.MALE
                        self.person(h, age=age, gender=gender, party=0.06)
