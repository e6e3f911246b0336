"""Turning Neo4j rows into the records of `graph.model`.

Cypher in this package returns map projections with the property names below;
these functions are the one place that knows them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from graph.model import (
    AuditEvent,
    Coverage,
    CoverRole,
    Education,
    Gender,
    Grid,
    Household,
    HouseholdTag,
    Labeled,
    Level,
    Organization,
    OrgKind,
    Page,
    PageArgs,
    Person,
    PoliticalStatus,
    Position,
    Role,
)

T = TypeVar("T")
E = TypeVar("E", bound=Labeled)
Row = Mapping[str, Any]

# Map projections, pasted into Cypher constants by concatenation of literals only.
ORG = "{.id, .code, .name, .kind, .level}"


def date(value: Any) -> dt.date | None:
    """A Neo4j date (or None) as a Python date."""
    return None if value is None else value.to_native()


def organization(row: Row) -> Organization:
    return Organization(
        id=row["id"], code=row["code"], name=row["name"], kind=OrgKind[row["kind"]], level=Level[row["level"]]
    )


def person(row: Row) -> Person:
    born = date(row.get("birthDate"))
    return Person(
        id=row["id"],
        code=row["code"],
        name=row["name"],
        gender=_enum(Gender, row.get("gender")),
        birth_date=born,
        education=_enum(Education, row.get("education")),
        political_status=_enum(PoliticalStatus, row.get("politicalStatus")),
        phone=row.get("phone"),
        birth_year=row.get("birthYear") or (born.year if born else None),
    )


def audit_event(row: Row) -> AuditEvent:
    return AuditEvent(
        id=row["id"],
        at=row["at"].to_native(),
        actor=row["actor"],
        scope=row.get("scope"),
        roles=tuple(row.get("roles") or ()),
        operation=row.get("operation") or "",
        kind=row["kind"],
        ids=tuple(row.get("ids") or ()),
    )


def grid(row: Row) -> Grid:
    return Grid(id=row["id"], code=row["code"], name=row["name"])


def household(row: Row) -> Household:
    return Household(
        id=row["id"],
        code=row["code"],
        address=row.get("address"),
        tags=tuple(HouseholdTag[t] for t in row.get("tags") or ()),
    )


def position(row: Row) -> Position:
    return Position(
        id=row["id"],
        person_id=row["personId"],
        organization_id=row["organizationId"],
        role=Role[row["role"]],
        since=row["since"].to_native(),
        until=date(row["until"]),
    )


def coverage(row: Row) -> Coverage:
    return Coverage(
        id=row["id"],
        person_id=row["personId"],
        grid_id=row.get("gridId"),
        household_id=row.get("householdId"),
        role=CoverRole[row["role"]],
        since=row["since"].to_native(),
        until=date(row["until"]),
    )


def _enum(cls: type[E], value: str | None) -> E | None:
    return None if value is None else cls[value]


def in_key_order(keys: Sequence[str], rows: Sequence[Row], build: Callable[[Row], T]) -> list[T | None]:
    """One result per key, in key order; None where a key matched nothing.
    Each row carries its key as `key` and its value as `value`."""
    found = {row["key"]: build(row["value"]) for row in rows}
    return [found.get(k) for k in keys]


def lists_in_key_order(keys: Sequence[str], rows: Sequence[Row], build: Callable[[Row], T]) -> list[list[T]]:
    """A list per key, in key order; rows carry `key` and a list `values`."""
    found = {row["key"]: [build(v) for v in row["values"]] for row in rows}
    return [found.get(k, []) for k in keys]


def pages_in_key_order(
    keys: Sequence[str], rows: Sequence[Row], build: Callable[[Row], T], page: PageArgs
) -> list[Page[T]]:
    """A page per key, in key order. Rows carry `key`, `items` (up to first+1 maps
    with `sortKey` and `value`) and `total` (null unless asked for)."""
    found = {row["key"]: row for row in rows}
    pages: list[Page[T]] = []
    for k in keys:
        row = found.get(k)
        if row is None:
            pages.append(Page([], False, 0 if page.total else None))
            continue
        items = row["items"]
        pages.append(
            Page(
                [(i["sortKey"], build(i["value"])) for i in items[: page.first]],
                len(items) > page.first,
                row["total"],
            )
        )
    return pages


def page_of(rows: Sequence[Row], build: Callable[[Row], T], page: PageArgs, total: int | None) -> Page[T]:
    """A single page from rows carrying `sortKey` and `value` (first+1 of them at most)."""
    return Page(
        [(r["sortKey"], build(r["value"])) for r in rows[: page.first]], len(rows) > page.first, total
    )
