"""The JSON builders of the compiled read path (schema.compiled): small
functions from the maps `graph.views` returns to the GraphQL answer at one
place, composed once per operation and run over the whole answer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from operator import itemgetter
from typing import Any

from schema.relay import encode_cursor, to_global_id

Json = Any
Build = Callable[[Any], Json]  # from the Cypher answer at one place to the JSON there


class Plain:
    """A getter reading one value as it is: `m[name]`, or `m[src][name]` (the
    `n`, `p` maps of graph.views). `json_object` reads an object's plain values
    together: a county view has ~35,000 of them."""

    __slots__ = ("name", "src")

    def __init__(self, src: str | None, name: str) -> None:
        self.src = src
        self.name = name

    def __call__(self, m: Any) -> Json:
        return (m if self.src is None else m[self.src])[self.name]


def json_object(getters: list[tuple[str, Build]]) -> Build:
    """An object's JSON, its keys in selection order. When its plain values
    all come from one map they are fetched by one `itemgetter` call and the
    other values slotted in between (a third of the time of a call per field)."""
    keys = tuple(key for key, _ in getters)
    plain = [get for _, get in getters if isinstance(get, Plain)]
    sources = {get.src for get in plain}
    if len(plain) < 2 or len(sources) != 1:
        return lambda m: {key: get(m) for key, get in getters}
    src = sources.pop()
    fetch = itemgetter(*(get.name for get in plain))
    others = [(i, get) for i, (_, get) in enumerate(getters) if not isinstance(get, Plain)]
    if not others:
        if src is None:
            return lambda m: dict(zip(keys, fetch(m), strict=True))
        return lambda m: dict(zip(keys, fetch(m[src]), strict=True))

    def build(m: Any) -> Json:
        values = list(fetch(m if src is None else m[src]))
        for i, get in others:  # ascending: each lands at its own index
            values.insert(i, get(m))
        return dict(zip(keys, values, strict=True))

    return build


def each_of(build: Build) -> Build:
    return lambda items: [build(i) for i in items]


def const(value: Json) -> Build:
    return lambda m: value


def const3(value: Json) -> Callable[[list[Any], bool, Any], Json]:
    return lambda items, more, total: value


def const2(value: Json) -> Callable[[list[Any], bool], Json]:
    return lambda items, more: value


def each(build: Build) -> Callable[[list[Any], bool, Any], Json]:
    return lambda items, more, total: [build(i) for i in items]


def of(name: str) -> Build:
    return Plain(None, name)


def of_person(name: str) -> Build:
    return Plain("p", name)


def age_on(on: dt.date) -> Build:
    return lambda m: age(m["p"]["birthDate"], on)


def household_of(build: Build) -> Build:
    return lambda m: None if m["x"] is None else build(m["x"])


def of_node(name: str) -> Build:
    return Plain("n", name)


def global_id(type_name: str) -> Build:
    return lambda m: to_global_id(type_name, m["n"]["id"])


def in_slot(slot: str, build: Build) -> Build:
    return lambda m: build(m[slot])


def code_key(item: Any) -> str:
    code: str = item["n"]["code"]
    return code


def sort_key(item: Any) -> str:
    key: str = item["k"]
    return key


def cursor(sort_key: Callable[[Any], str], items: list[Any], at: int) -> str | None:
    return encode_cursor(sort_key(items[at])) if items else None


def enum_value(value: Any) -> str | None:
    return None if value is None else str(value)


def active_on(on: dt.date) -> Build:
    """A term's `active(on)` from its map (`n`: since/until as ISO dates)."""
    day = on.isoformat()
    return lambda m: active(m["n"], day)


def active(term: Any, on: str) -> bool:
    """graph.model.is_active on ISO dates (which order as the dates do)."""
    since, until = term["since"], term["until"]
    return bool(since <= on and (until is None or on < until))


def birth_year(person: Any) -> int | None:
    """As graph.rows.person: the projected year, else the year of the birth date
    (an ISO string here)."""
    born = person["birthDate"]
    year: int | None = person.get("birthYear") or (dt.date.fromisoformat(born).year if born else None)
    return year


def age(born: str | None, on: dt.date) -> int | None:
    """As Person.age: whole years on `on`; null when the birth date is masked."""
    if born is None:
        return None
    b = dt.date.fromisoformat(born)
    return on.year - b.year - ((on.month, on.day) < (b.month, b.day))
