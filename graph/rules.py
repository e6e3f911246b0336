"""Rules of the graph as pure functions, shared by the mutations (`graph.writes`)
and the bulk-import validator (`graph.transfer.validator`), so both write paths
apply them the same way. (Rules about who may hold what at once, such as one
chair and the board size of a term change, apply to the mutations only.)

- Codes: letters, digits, `.`, `_`, `-`; phones: digits with an optional `+`,
  spaces and dashes.
- Where an organization sits: a federation is one level below its parent
  federation (a root federation has no parent); committees, councils, teams and
  village committees sit under a federation, at its level, and a women's
  committee (妇委会) may instead be a UNIT (an agency, firm or social
  organization). Grids belong to village federations.
- The cadre pipeline (后备干部培养): the Party path VILLAGE_SISTER →
  PARTY_ACTIVIST → DEVELOPMENT_TARGET → PROBATIONARY_MEMBER → PARTY_MEMBER is
  reached in that order with non-decreasing dates; each Party stage after
  PARTY_ACTIVIST needs the one before it; a development target has been an
  activist for at least a year and a full member probationary for a year
  (`graph.model.MIN_DAYS_BEFORE`). PARTY_ACTIVIST does not need VILLAGE_SISTER
  (activists also come from elsewhere). The parallel stages REPRESENTATIVE,
  RESERVE_CADRE and VILLAGE_COMMITTEE need nothing, but none is before
  VILLAGE_SISTER when that was recorded.
- Mentoring (传帮带) forms lineages, never cycles.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from graph.model import LEVEL_ORDER, MIN_DAYS_BEFORE, PARTY_PATH, Level, OrgKind, Stage

CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
PHONE = re.compile(r"\+?[0-9][0-9 -]{4,19}")
PARALLEL_STAGES = (Stage.REPRESENTATIVE, Stage.RESERVE_CADRE, Stage.VILLAGE_COMMITTEE)
# The Party stages after PARTY_ACTIVIST, each with the stage it needs first.
PARTY_PREREQUISITES: dict[Stage, Stage] = {b: a for a, b in itertools.pairwise(PARTY_PATH[1:])}


def code_problem(code: str) -> str | None:
    """Why `code` cannot be a code, or None."""
    if CODE.fullmatch(code):
        return None
    return f"{code!r} is not a valid code: use 1-64 letters, digits, '.', '_' or '-'"


def phone_problem(phone: str) -> str | None:
    """Why `phone` cannot be a phone number, or None."""
    if PHONE.fullmatch(phone):
        return None
    if re.fullmatch(r"[0-9.]+[eE]\+?[0-9]+", phone):
        return f"{phone!r} looks like a number a spreadsheet reformatted: store the column as text"
    return f"{phone!r} is not a phone number: digits, with an optional leading '+', spaces or dashes"


def placement_problem(kind: OrgKind, level: Level, parent: tuple[OrgKind, Level] | None) -> str | None:
    """Why an organization of `kind` at `level` cannot sit under `parent` (its
    kind and level; None for a root), or None."""
    if kind is OrgKind.FEDERATION:
        if level is Level.UNIT:
            return "a federation sits at a territorial level, not UNIT"
        if parent is None:
            return None
        parent_kind, parent_level = parent
        if parent_kind is not OrgKind.FEDERATION:
            return f"a federation's parent must be a federation, not a {parent_kind.name}"
        index = LEVEL_ORDER.index(level)
        if index == 0:
            return f"a {level.name} federation is the top of the tree and has no parent"
        above = LEVEL_ORDER[index - 1]
        if parent_level is not above:
            return (
                f"a {level.name} federation sits one level below its parent, "
                f"so under a {above.name} federation, not a {parent_level.name} one"
            )
        return None
    if parent is None:
        return f"a {kind.name} sits under a federation: give its parent"
    parent_kind, parent_level = parent
    if parent_kind is not OrgKind.FEDERATION:
        return f"a {kind.name} sits under a federation, not under a {parent_kind.name}"
    if level is Level.UNIT:
        if kind is not OrgKind.WOMENS_COMMITTEE:
            return "only a women's committee (WOMENS_COMMITTEE) sits at UNIT level"
        return None
    if level is not parent_level:
        return f"a {kind.name} has its federation's level ({parent_level.name}), not {level.name}"
    return None


def grid_owner_problem(kind: OrgKind, level: Level) -> str | None:
    """Why a grid cannot belong to an organization of `kind` at `level`, or None."""
    if kind is OrgKind.FEDERATION and level is Level.VILLAGE:
        return None
    return f"grids belong to village federations, not to a {level.name} {kind.name}"


@dataclass(frozen=True, slots=True)
class MilestoneProblem:
    """A broken pipeline rule and the stages it is about (the later one last)."""

    stages: tuple[Stage, ...]
    message: str


def milestone_problems(reached: Mapping[Stage, dt.date]) -> list[MilestoneProblem]:
    """Every pipeline rule that one person's milestones (stage → day reached) break."""
    problems: list[MilestoneProblem] = []
    for stage, needed in PARTY_PREREQUISITES.items():
        if stage in reached and needed not in reached:
            problems.append(
                MilestoneProblem((stage,), f"{_stage(stage)} needs {_stage(needed)} recorded first")
            )
    path = [s for s in PARTY_PATH if s in reached]
    for earlier, later in itertools.pairwise(path):
        if reached[later] < reached[earlier]:
            problems.append(
                MilestoneProblem(
                    (earlier, later),
                    f"{_stage(later)} on {reached[later]} is before {_stage(earlier)} on "
                    f"{reached[earlier]}: stages follow the pipeline order",
                )
            )
    for stage, days in MIN_DAYS_BEFORE.items():
        before = PARTY_PATH[PARTY_PATH.index(stage) - 1]
        if stage in reached and before in reached and (reached[stage] - reached[before]).days < days:
            problems.append(
                MilestoneProblem(
                    (before, stage),
                    f"{_stage(stage)} on {reached[stage]} is less than {days} days after "
                    f"{_stage(before)} on {reached[before]}",
                )
            )
    sister = reached.get(Stage.VILLAGE_SISTER)
    for stage in PARALLEL_STAGES:
        if sister is not None and stage in reached and reached[stage] < sister:
            problems.append(
                MilestoneProblem(
                    (Stage.VILLAGE_SISTER, stage),
                    f"{_stage(stage)} on {reached[stage]} is before {_stage(Stage.VILLAGE_SISTER)} "
                    f"on {sister}",
                )
            )
    return problems


def mentoring_path(mentees: Mapping[str, Iterable[str]], start: str, goal: str) -> list[str] | None:
    """The shortest chain start → … → goal along mentoring (`mentees`: mentor →
    the people she mentors), or None. A new mentorship goal → start closes a
    cycle exactly when such a chain exists."""
    previous: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        here = queue.popleft()
        if here == goal:
            path = [here]
            while (back := previous[path[-1]]) is not None:
                path.append(back)
            return path[::-1]
        for nxt in mentees.get(here, ()):
            if nxt not in previous:
                previous[nxt] = here
                queue.append(nxt)
    return None


def _stage(stage: Stage) -> str:
    return f"{stage.name} ({stage.label})"
