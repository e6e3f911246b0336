"""Validating an import folder's parsed rows against one another and against the
database, in pure Python; nothing is written.

Three steps, the first two in `graph.transfer.reader` and `graph.transfer.parser`:
`read_folder` reads the files (UTF-8, a byte-order mark allowed) and checks their
headers; `parse` turns each row into a typed row, checking each cell on its own
and duplicates within a file. `check`, here, then checks what rows say about each
other and about the database (`Known`, looked up by the importer for the codes the
folder `wanted`): references, where organizations and grids sit, the cadre
pipeline's rules and acyclic mentoring (`graph.rules`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from graph.model import Level, OrgKind, Stage
from graph.rules import grid_owner_problem, mentoring_path, milestone_problems, placement_problem
from graph.transfer.formats import (
    COVERAGE,
    FILE_NAMES,
    GRIDS,
    GUIDANCE,
    HOUSEHOLDS,
    MENTORSHIPS,
    MILESTONES,
    ORGANIZATIONS,
    PEOPLE,
    POSITIONS,
    FileFormat,
    MentorshipRow,
    MilestoneRow,
)
from graph.transfer.parser import Parsed
from graph.transfer.reader import Problem


@dataclass
class Wanted:
    """Codes the folder refers to without declaring them: the importer looks them
    up in the database, with the existing milestones of the people in
    milestones.csv and, when mentorships.csv has rows, all existing mentoring."""

    organizations: set[str] = field(default_factory=set)
    grids: set[str] = field(default_factory=set)
    households: set[str] = field(default_factory=set)
    people: set[str] = field(default_factory=set)
    milestone_people: set[str] = field(default_factory=set)
    mentorships: bool = False


@dataclass
class Known:
    """What the database already holds, as far as the folder refers to it."""

    organizations: dict[str, tuple[OrgKind, Level]] = field(default_factory=dict)
    grids: set[str] = field(default_factory=set)
    households: set[str] = field(default_factory=set)
    people: set[str] = field(default_factory=set)
    milestones: dict[str, dict[Stage, dt.date]] = field(default_factory=dict)
    mentorships: list[tuple[str, str]] = field(default_factory=list)


def wanted(parsed: Parsed) -> Wanted:
    f, declared = parsed.folder, parsed.declared
    w = Wanted()
    w.organizations = {r.parent for r in f.organizations if r.parent} | {r.organization for r in f.grids}
    w.organizations |= {r.organization for r in f.positions}
    w.grids = {r.grid for r in f.households} | {r.grid for r in f.coverage if r.grid}
    w.households = {r.household for r in f.people if r.household}
    w.households |= {r.household for r in f.coverage if r.household}
    w.people = {r.person for r in f.positions} | {r.person for r in f.coverage}
    w.people |= {x for r in f.guidance for x in (r.guide, r.executive)}
    w.people |= {x for r in f.mentorships for x in (r.mentor, r.mentee)}
    w.people |= {r.person for r in f.milestones}
    w.organizations -= declared[ORGANIZATIONS.name]
    w.grids -= declared[GRIDS.name]
    w.households -= declared[HOUSEHOLDS.name]
    w.people -= declared[PEOPLE.name]
    w.milestone_people = {r.person for r in f.milestones}
    w.mentorships = bool(f.mentorships)
    return w


def check(parsed: Parsed, known: Known) -> list[Problem]:
    """Problems of rows with one another and with the database."""
    f, declared = parsed.folder, parsed.declared
    problems: list[Problem] = []

    def reference(
        what: str, file: str, known_codes: Iterable[str]
    ) -> Callable[[FileFormat, int, str, str], None]:
        codes = declared[file] | set(known_codes)

        def need(fmt: FileFormat, line: int, column: str, code: str) -> None:
            if code not in codes:
                problems.append(
                    Problem(
                        fmt.name, line, column, f"unknown {what} {code} (not in {file} nor in the database)"
                    )
                )

        return need

    organization = reference("organization", ORGANIZATIONS.name, known.organizations)
    grid = reference("grid", GRIDS.name, known.grids)
    household = reference("household", HOUSEHOLDS.name, known.households)
    person = reference("person", PEOPLE.name, known.people)
    kinds = dict(known.organizations) | {r.code: (r.kind, r.level) for r in f.organizations}

    for o in f.organizations:
        if o.parent is not None:
            organization(ORGANIZATIONS, o.line, "parent", o.parent)
        if o.parent is None or o.parent in kinds:
            problem = placement_problem(o.kind, o.level, kinds[o.parent] if o.parent else None)
            if problem:
                problems.append(
                    Problem(ORGANIZATIONS.name, o.line, "parent" if o.parent else "kind", problem)
                )
    for g in f.grids:
        organization(GRIDS, g.line, "organization", g.organization)
        if g.organization in kinds and (problem := grid_owner_problem(*kinds[g.organization])):
            problems.append(Problem(GRIDS.name, g.line, "organization", problem))
    for h in f.households:
        grid(HOUSEHOLDS, h.line, "grid", h.grid)
    for p in f.people:
        if p.household is not None:
            household(PEOPLE, p.line, "household", p.household)
    for t in f.positions:
        person(POSITIONS, t.line, "person", t.person)
        organization(POSITIONS, t.line, "organization", t.organization)
    for c in f.coverage:
        person(COVERAGE, c.line, "person", c.person)
        if c.grid is not None:
            grid(COVERAGE, c.line, "grid", c.grid)
        if c.household is not None:
            household(COVERAGE, c.line, "household", c.household)
    for g2 in f.guidance:
        person(GUIDANCE, g2.line, "guide", g2.guide)
        person(GUIDANCE, g2.line, "executive", g2.executive)
    for m in f.mentorships:
        person(MENTORSHIPS, m.line, "mentor", m.mentor)
        person(MENTORSHIPS, m.line, "mentee", m.mentee)
    for s in f.milestones:
        person(MILESTONES, s.line, "person", s.person)
    problems += _pipeline_problems(f.milestones, known)
    problems += _cycle_problems(f.mentorships, known)
    return problems


def _pipeline_problems(rows: list[MilestoneRow], known: Known) -> list[Problem]:
    """The pipeline rules on each person's milestones: those in the database,
    with the file's rows replacing the same stages."""
    by_person: dict[str, dict[Stage, MilestoneRow]] = defaultdict(dict)
    for row in rows:
        by_person[row.person][row.stage] = row
    problems = []
    for code, mine in by_person.items():
        reached = known.milestones.get(code, {}) | {stage: row.on for stage, row in mine.items()}
        for problem in milestone_problems(reached):
            at = [mine[s] for s in problem.stages if s in mine]
            if at:
                problems.append(Problem(MILESTONES.name, at[-1].line, "on", f"{code}: {problem.message}"))
    return problems


def _cycle_problems(rows: list[MentorshipRow], known: Known) -> list[Problem]:
    """Rows that would close a cycle of mentoring, given the database's and the
    earlier rows' mentoring."""
    mentees: dict[str, set[str]] = defaultdict(set)
    for mentor, mentee in known.mentorships:
        mentees[mentor].add(mentee)
    problems = []
    for row in rows:
        chain = mentoring_path(mentees, row.mentee, row.mentor)
        if chain is not None:
            cycle = " → ".join([*chain, row.mentee])
            problems.append(
                Problem(MENTORSHIPS.name, row.line, "mentee", f"closes a cycle of mentoring: {cycle}")
            )
        else:
            mentees[row.mentor].add(row.mentee)
    return problems


def validate(parsed: Parsed, known: Known, problems: list[Problem]) -> list[Problem]:
    """The problems found parsing and those `check` finds, in file and line order."""
    order = {name: i for i, name in enumerate(FILE_NAMES)}
    found = problems + check(parsed, known)
    return sorted(found, key=lambda p: (order.get(p.file, -1), p.file, p.line))
