"""What a nested view of the organization tree fetches (graph.views): at each
organization its lists (child organizations, positions) with their page
arguments and the fields shown; at each person her fields, her household and
her link lists (guidance, mentoring). `schema.compiled` builds these from a
GraphQL selection.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class PersonView:
    """What to fetch of a person (holding a position, at the other end of a
    link, or a view's root): her map, with `household` the household she lives
    in, and her link lists, in slot order."""

    household: bool = False
    lists: list[LinkList] = field(default_factory=list)
    # Her fields the answer shows (of graph.access.PERSON_FIELDS): only these
    # are read (see `person_map`).
    fields: set[str] = field(default_factory=set)


@dataclass
class LinkList:
    """`guides`, `guidedBy`, `mentors` or `mentees(asOf, history)` of a person,
    by the other person's code, and what to fetch of each other person."""

    kind: str  # GUIDES, GUIDED_BY, MENTORS, MENTEES
    on: dt.date
    history: bool
    person: PersonView = field(default_factory=lambda: PersonView())


@dataclass
class ChildrenList:
    """`children(kind, level, first, after)` of an organization, and what to fetch
    of each child (`items`)."""

    kind: str | None
    level: str | None
    after: str | None  # the cursor's sort key (a code)
    first: int
    total: bool
    items: View = field(default_factory=lambda: View())


@dataclass
class PositionList:
    """`positions(role, activeOn, history, first, after)` of an organization, and
    with `person` what to fetch of each holder."""

    role: str | None
    on: dt.date
    history: bool
    after: str | None  # the cursor's sort key (role rank|person code|id)
    first: int
    total: bool
    person: PersonView | None = None
    ids: bool = False  # whether the answer shows the positions' ids
    keys: bool = False  # whether it shows cursors (the sort keys)


@dataclass
class View:
    """What to fetch of each organization at one level: its lists, in slot order
    (list i of an organization's answer is under the key `SLOTS[i]`), and the
    fields the answer shows of it (of `_ORG_FIELDS`; its code always, for cursors)."""

    lists: list[ChildrenList | PositionList] = field(default_factory=list)
    fields: set[str] = field(default_factory=set)
