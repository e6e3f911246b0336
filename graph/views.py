"""Nested views of the organization tree read in one query.

A client screen opens an organization and walks down from it: its child
organizations, their children, the positions held in each, the people holding
them and the households they live in. `schema.compiled` turns such a GraphQL
selection into a `View` (what to fetch at each level, with the page arguments
of every list) and `read_view` answers it with one Cypher query whose nested
map projections are the answer's shape, so Neo4j does the joining. A view can
also start at a person (`PersonView`, `read_person_view`) and follow her links
(guidance, mentoring) person to person: a mentoring lineage in one query.

The Cypher is composed (graph.view_cypher; the shapes in graph.view_shapes)
only of fixed fragments: variable names come from fixed tables indexed by
nesting depth, list slots and parameter names from fixed tables indexed by
position, and every value (codes, filters, cursors, page sizes, dates) is a
parameter. Nothing a client sends becomes Cypher text; the client's aliases
never reach Neo4j (the answer's keys are the slots, renamed in Python).

Lists follow the loaders of `graph.organizations` and `graph.people` exactly:
children by code, positions by role rank, person code and id, keyset-paginated
(`first + 1` rows after the cursor's sort key, `LIMIT` before the projection).
Scope and masking are the same as everywhere: the root lookup tests
`org_in_scope`, the step from a person to her household (sideways) tests
`household_in_scope_near` (first against the grids of the organization the
position is held in), and people and households leave Neo4j only through
`person_map` and `household_map`. Lists going down from an organization in
scope need no test (the subtree is closed downward), nor do the links between
people: each person at the other end of one is tested (`person_in_scope`).

Only what the answer shows is read (each property read is a db hit per row):
an organization's and a person's fields as selected (`View.fields`,
`PersonView.fields`; a person's id always, for the audit), a position's id and
sort key only when shown (`PositionList.ids`, `.keys`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, LiteralString

from graph.audit import shows_personal_data
from graph.driver import Database
from graph.view_cypher import SLOTS, compose, compose_person
from graph.view_shapes import ChildrenList, PersonView, View


async def read_person_view(db: Database, view: PersonView, key: str, *, by_id: bool) -> Any:
    """The answer of a person-rooted `view`: her item map, or None when she does
    not exist or is outside the caller's scope (as `read_view`)."""
    cypher, params = compose_person(view, by_id=by_id)
    return await _read(db, cypher, key, params, lambda answer, out: _revealed_person(view, answer, out))


async def read_view(db: Database, view: View, key: str, *, by_id: bool) -> Any:
    """The answer of `view` rooted at the organization with id or code `key`:
    its map, or None when it does not exist or is outside the caller's scope.
    `db` is the request's caller database (its $scope and $reveal apply)."""
    cypher, params = compose(view, by_id=by_id)
    return await _read(db, cypher, key, params, lambda answer, out: _revealed(view, answer, out))


async def _read(
    db: Database,
    cypher: LiteralString,
    key: str,
    params: dict[str, Any],
    revealed: Callable[[Any, set[str]], None],
) -> Any:
    # The caller's access ($scope, $reveal) applies; the trail is told what was
    # read unmasked from the people and households alone (`revealed`), instead
    # of walking the whole answer (Trail.saw on a county view: ~60 ms).
    trail = db.trail
    found = await db.for_caller(db.access, None).read(cypher, key=key, **params)
    answer = found[0]["view"] if found else None
    if answer is not None and trail is not None and trail.watch_reads and trail.access.reveal:
        revealed(answer, trail.revealed)
    return answer


def _revealed(view: View, org: Any, out: set[str]) -> None:
    """Add to `out` the ids of the people and households in an organization's
    answer whose personal data left Neo4j unmasked: Trail.saw's rule on the maps
    of `person_map` (a phone or birth date) and `household_map` (an address or
    tags). Only the page counts (not the extra `first + 1`th row), as with the
    loaders, which read people and households for the page's positions only."""
    for slot, listed in zip(SLOTS, view.lists, strict=False):
        items = org[slot]["i"][: listed.first]
        if isinstance(listed, ChildrenList):
            for item in items:
                _revealed(listed.items, item, out)
        elif listed.person is not None:
            for item in items:
                _revealed_person(listed.person, item, out)


def _revealed_person(view: PersonView, item: Any, out: set[str]) -> None:
    """`_revealed` for a person's item map: hers, her household's, and those of
    the people in her link lists."""
    person = item["p"]
    if shows_personal_data(person):
        out.add(person["id"])
    home = item.get("x")
    if home is not None and shows_personal_data(home):
        out.add(home["id"])
    for slot, listed in zip(SLOTS, view.lists, strict=False):
        for other in item[slot]:
            _revealed_person(listed.person, other, out)
