"""The keys of the loaders that take more than an id: an id with the filter,
day or page a field asks for, so fields asking the same thing share one load.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from graph.model import HouseholdTag, Level, OrgKind, PageArgs, Role
from graph.people import LinkKind


@dataclass(frozen=True, slots=True)
class OrgFilter:
    """An organization's children or descendants of a kind and level, a page of them."""

    kind: OrgKind | None
    level: Level | None
    page: PageArgs


@dataclass(frozen=True, slots=True)
class TagFilter:
    """The households of an organization or grid with a care tag, a page of them."""

    tag: HouseholdTag | None
    page: PageArgs


@dataclass(frozen=True, slots=True)
class PositionFilter:
    """An organization's terms (of one role, or every role) active on `on`, or all of them
    (`history`), a page of them."""

    role: Role | None
    on: dt.date
    history: bool
    page: PageArgs


@dataclass(frozen=True, slots=True)
class Dated:
    """`on`: the day terms must be active on; `history`: ignore the day, return all."""

    on: dt.date
    history: bool = False


@dataclass(frozen=True, slots=True)
class LinkFilter:
    """A person's links of one kind (guidance, mentoring) running on `on` (or all: `history`)."""

    kind: LinkKind
    on: dt.date
    history: bool
