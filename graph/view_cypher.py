"""Composing a nested view's Cypher (graph.views) from fixed fragments: variable
names from fixed tables indexed by nesting depth, list slots and parameter names
from fixed tables indexed by position, every value a parameter. The answer's
nested map projections are the view's shape; `ViewTooLarge` when the tables
run out.
"""

from __future__ import annotations

from typing import Any, LiteralString

from graph.access import (
    grids_if_scoped,
    household_in_scope,
    household_in_scope_near,
    household_map,
    org_in_scope,
    person_in_scope,
    person_map,
)
from graph.people import ROLE_RANK
from graph.view_shapes import ChildrenList, LinkList, PersonView, PositionList, View

# Fixed tables: Cypher variables by depth, slots by position, parameter suffixes.
_ORG: tuple[LiteralString, ...] = ("o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8", "o9")
_HOLD: tuple[LiteralString, ...] = ("h0", "h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8", "h9")
_PERSON: tuple[LiteralString, ...] = ("p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9")
_HOME: tuple[LiteralString, ...] = ("x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9")
_KEY: tuple[LiteralString, ...] = ("k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9")
_GRIDS: tuple[LiteralString, ...] = ("g0", "g1", "g2", "g3", "g4", "g5", "g6", "g7", "g8", "g9")
_MAP: tuple[LiteralString, ...] = ("m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9")
SLOTS: tuple[LiteralString, ...] = ("s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7")
_N: tuple[LiteralString, ...] = tuple(
    (
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15",
        "16", "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31",
    )
)  # fmt: skip
MAX_DEPTH = len(_ORG) - 1  # nesting levels below the root
MAX_LISTS = len(_N)  # lists in one view
_LISTS = "lists composed"  # the list count while composing (not a Cypher parameter)

# An organization's fields besides its code (graph.rows.ORG), as projected.
_ORG_FIELDS: tuple[tuple[str, LiteralString], ...] = (
    ("id", ".id"), ("name", ".name"), ("kind", ".kind"), ("level", ".level")
)  # fmt: skip

VIEW_BY_CODE: LiteralString = "MATCH (o0:Organization {code: $key}) WHERE " + org_in_scope("o0") + "\n"
VIEW_BY_ID: LiteralString = "MATCH (o0:Organization {id: $key}) WHERE " + org_in_scope("o0") + "\n"
PERSON_VIEW_BY_CODE: LiteralString = "MATCH (p0:Person {code: $key}) WHERE " + person_in_scope("p0") + "\n"
PERSON_VIEW_BY_ID: LiteralString = "MATCH (p0:Person {id: $key}) WHERE " + person_in_scope("p0") + "\n"

# A link list's pattern around its relationship variable, by kind: (p)<left>r<right>(q).
_LINK_PATTERNS: dict[str, tuple[LiteralString, LiteralString]] = {
    "GUIDES": ("-[", ":GUIDES]->"),
    "GUIDED_BY": ("<-[", ":GUIDES]-"),
    "MENTEES": ("-[", ":MENTORS]->"),
    "MENTORS": ("<-[", ":MENTORS]-"),
}


class ViewTooLarge(Exception):
    """The view needs more nesting or more lists than the fixed tables hold."""


def compose(view: View, *, by_id: bool) -> tuple[LiteralString, dict[str, Any]]:
    """The Cypher of a view rooted at one organization (looked up by id or code,
    bound to `$key`) and its parameters, all but `key`. The answer is one row
    whose `view` is the root's map (see `_org`), or no row."""
    params: dict[str, Any] = {"rank": ROLE_RANK}
    body = _org(_ORG[0], 0, view, params)
    root = (VIEW_BY_ID if by_id else VIEW_BY_CODE) + _grids(_ORG[0], 0, view)
    return root + "RETURN " + body + " AS view", _composed(params)


def compose_person(view: PersonView, *, by_id: bool) -> tuple[LiteralString, dict[str, Any]]:
    """The Cypher of a view rooted at one person (by id or code, `$key`) and
    its parameters: one row whose `view` is her item map (see `_person_item`)."""
    params: dict[str, Any] = {}
    item = _person_item(_PERSON[0], 0, view, params, grids=None)
    root = PERSON_VIEW_BY_ID if by_id else PERSON_VIEW_BY_CODE
    m = _MAP[0]
    projected = person_map("p0", frozenset(view.fields))
    return root + "WITH p0, " + projected + " AS " + m + " RETURN " + item + " AS view", _composed(params)


def _grids(o: LiteralString, depth: int, view: View) -> LiteralString:
    """`WITH o, <its grids> AS g<depth> ` before organization `o`'s map when one
    of its position lists reaches households (see household_in_scope_near)."""
    homes = (isinstance(x, PositionList) and x.person is not None and x.person.household for x in view.lists)
    if any(homes):
        return "WITH " + o + ", " + grids_if_scoped(o) + " AS " + _GRIDS[depth] + " "
    return ""


def _org(o: LiteralString, depth: int, view: View, params: dict[str, Any]) -> LiteralString:
    """An organization's map: `n` its projection (the fields of `rows.ORG` the
    answer shows), `s<i>` its lists."""
    if len(view.lists) > len(SLOTS):
        raise ViewTooLarge("too many lists on one organization")
    out: LiteralString = "{n: " + o + " {.code"
    for name, projected in _ORG_FIELDS:
        if name in view.fields:
            out = out + ", " + projected
    out = out + "}"
    for slot, listed in zip(SLOTS, view.lists, strict=False):
        inner = (
            _children(o, depth + 1, listed, params)
            if isinstance(listed, ChildrenList)
            else _positions(o, depth + 1, listed, params)
        )
        out = out + ", " + slot + ": " + inner
    return out + "}"


def _suffix(params: dict[str, Any]) -> LiteralString:
    """The parameter suffix of the next list: its index among the view's lists
    (counted under `_LISTS`, which `_composed` removes)."""
    index: int = params.get(_LISTS, 0)
    if index >= MAX_LISTS:
        raise ViewTooLarge("too many lists in one view")
    params[_LISTS] = index + 1
    return _N[index]


def _composed(params: dict[str, Any]) -> dict[str, Any]:
    """A view's parameters without the list count."""
    params.pop(_LISTS, None)
    return params


def _active(rel: LiteralString, n: LiteralString) -> LiteralString:
    """The dated relationship `rel` is active on `$on<n>` (since <= day < until),
    or any with `$history<n>`."""
    return (
        "($history" + n + " OR (" + rel + ".since <= $on" + n + " AND (" + rel + ".until IS NULL OR "
        + rel + ".until > $on" + n + ")))"
    )  # fmt: skip


def _depth(depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ViewTooLarge("the view nests too deep")


def _children(
    parent: LiteralString, depth: int, listed: ChildrenList, params: dict[str, Any]
) -> LiteralString:
    """`{i: [child maps], t: total or null}`: the children of `parent` by code,
    `first + 1` of them after the cursor."""
    _depth(depth)
    n = _suffix(params)
    params["limit" + n] = listed.first + 1
    params["after" + n] = listed.after
    params["kind" + n] = listed.kind
    params["level" + n] = listed.level
    c = _ORG[depth]
    match: LiteralString = "MATCH (" + parent + ")<-[:PART_OF]-(" + c + ":Organization) WHERE ($kind" + n
    match = (
        match + " IS NULL OR " + c + ".kind = $kind" + n + ") AND ($level" + n + " IS NULL OR "
        + c + ".level = $level" + n + ")"
    )  # fmt: skip
    items = (
        "COLLECT { " + match + " AND " + c + ".code > coalesce($after" + n + ", '') WITH " + c
        + " ORDER BY " + c + ".code LIMIT $limit" + n + " " + _grids(c, depth, listed.items) + "RETURN "
        + _org(c, depth, listed.items, params)
        + " }"
    )  # fmt: skip
    total: LiteralString = "COUNT { " + match + " }" if listed.total else "null"
    return "{i: " + items + ", t: " + total + "}"


def _person_item(
    p: LiteralString, depth: int, view: PersonView, params: dict[str, Any], *, grids: LiteralString | None
) -> LiteralString:
    """A person's item map `{p: her person_map, x: her household or null, s<i>:
    her link lists}`, where her person_map is already bound as `m<depth>` (the
    birth date made an ISO string here: a Date costs the driver ~10 µs to
    hydrate, the county view has ~4,000). `grids`: the grids of the
    organization she holds a position in, for `household_in_scope_near`."""
    m = _MAP[depth]
    out: LiteralString = "{p: " + m + " {.*, birthDate: toString(" + m + ".birthDate)}"
    if view.household:
        x = _HOME[depth]
        test = household_in_scope(x) if grids is None else household_in_scope_near(x, grids)
        out = (
            out + ", x: [(" + p + ")-[:LIVES_IN]->(" + x + ":Household) WHERE " + test + " | "
            + household_map(x) + "][0]"
        )  # fmt: skip
    if len(view.lists) > len(SLOTS):
        raise ViewTooLarge("too many lists on one person")
    for slot, listed in zip(SLOTS, view.lists, strict=False):
        out = out + ", " + slot + ": " + _links(p, depth + 1, listed, params)
    return out + "}"


def _links(person: LiteralString, depth: int, listed: LinkList, params: dict[str, Any]) -> LiteralString:
    """`[link maps]`: the people at the other end of `person`'s links of one
    kind (active on the day, or all with history), in scope, by code. A link's
    map has `n` (since/until as ISO dates) and the other person's item keys."""
    _depth(depth)
    n = _suffix(params)
    params["on" + n] = listed.on
    params["history" + n] = listed.history
    r, q, m = _HOLD[depth], _PERSON[depth], _MAP[depth]
    left, rel = _LINK_PATTERNS[listed.kind]
    item = _person_item(q, depth, listed.person, params, grids=None)
    return (
        "COLLECT { MATCH (" + person + ")" + left + r + rel + "(" + q + ":Person) WHERE " + _active(r, n)
        + " AND " + person_in_scope(q) + " WITH " + r + ", " + q + " ORDER BY " + q + ".code WITH "
        + r + ", " + q + ", " + person_map(q, frozenset(listed.person.fields)) + " AS " + m
        + " RETURN {n: {since: toString(" + r
        + ".since), until: toString(" + r + ".until)}, " + item[1:] + " }"
    )  # fmt: skip


def _positions(
    parent: LiteralString, depth: int, listed: PositionList, params: dict[str, Any]
) -> LiteralString:
    """`{i: [position maps], t: total or null}`: the terms held in `parent` in
    role-rank order, `first + 1` of them after the cursor. A position's map has
    `k` (its sort key, when cursors are shown), `n` (the term: its id when
    shown, role, and since/until as ISO dates),
    and when asked `p` (the holder's `person_map`, the birth date as an ISO
    string), `x` (her household), and her link lists (see `_person_item`)."""
    _depth(depth)
    n = _suffix(params)
    params["limit" + n] = listed.first + 1
    params["after" + n] = listed.after
    params["role" + n] = listed.role
    params["on" + n] = listed.on
    params["history" + n] = listed.history
    h, p, k = _HOLD[depth], _PERSON[depth], _KEY[depth]
    where: LiteralString = (
        "WHERE ($role" + n + " IS NULL OR " + h + ".role = $role" + n + ") AND " + _active(h, n)
    )  # fmt: skip
    key: LiteralString = "k: " + k + ", " if listed.keys else ""
    term_id: LiteralString = "id: " + h + ".id, " if listed.ids else ""
    value: LiteralString = (
        "{" + key + "n: {" + term_id + "role: " + h + ".role, since: toString(" + h + ".since), "
        + "until: toString(" + h + ".until)}"
    )  # fmt: skip
    person: LiteralString = ""
    if listed.person is not None:
        # person_map as it is, its birth date an ISO string (see _person_item).
        m = _MAP[depth]
        projected = person_map(p, frozenset(listed.person.fields))
        person = " WITH " + h + ", " + p + ", " + k + ", " + projected + " AS " + m
        value = value + ", " + _person_item(p, depth, listed.person, params, grids=_GRIDS[depth - 1])[1:-1]
    items = (
        "COLLECT { MATCH (" + parent + ")<-[" + h + ":HOLDS]-(" + p + ":Person) " + where + " WITH " + h
        + ", " + p + ", $rank[" + h + ".role] + '|' + " + p + ".code + '|' + " + h + ".id AS " + k
        + " WHERE " + k + " > coalesce($after" + n + ", '') WITH " + h + ", " + p + ", " + k + " ORDER BY "
        + k + " LIMIT $limit" + n + person + " RETURN " + value + "} }"
    )  # fmt: skip
    total: LiteralString = (
        "COUNT { MATCH (" + parent + ")<-[" + h + ":HOLDS]-(:Person) " + where + " }"
        if listed.total
        else "null"
    )
    return "{i: " + items + ", t: " + total + "}"
