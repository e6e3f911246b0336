"""Do two systems give the same answer? Compares parsed GraphQL `data`.

`exact`: equal as JSON values (object key order never matters). `same up to
order`: equal once every list is sorted (for the peer, whose lists come in its
own order where OrgGraph sorts by role rank). Anything else is reported with
the first path where the two differ.
"""

from __future__ import annotations

from typing import Any

import orjson

EXACT = "exact"
SAME_UP_TO_ORDER = "same up to list order"


def _strip(value: Any, ignore: tuple[str, ...]) -> Any:
    if isinstance(value, dict):
        return {k: (None if k in ignore else _strip(v, ignore)) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip(v, ignore) for v in value]
    return value


def canonical(value: Any) -> Any:
    """Every list sorted (by the JSON of its canonical items), recursively."""
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [canonical(v) for v in value]
        return sorted(items, key=lambda v: orjson.dumps(v, option=orjson.OPT_SORT_KEYS))
    return value


def first_difference(a: Any, b: Any, path: str = "data") -> str | None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{path}.{k}: only in {'first' if k in a else 'second'}"
            found = first_difference(a[k], b[k], f"{path}.{k}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if a == b else f"{path}: {str(a)[:80]!r} vs {str(b)[:80]!r}"


def compare(a: Any, b: Any, ignore: tuple[str, ...] = ()) -> str:
    a, b = _strip(a, ignore), _strip(b, ignore)
    if a == b:
        return EXACT
    ca, cb = canonical(a), canonical(b)
    if ca == cb:
        return SAME_UP_TO_ORDER
    return f"DIFFERENT ({first_difference(ca, cb)})"


def data_of(body: bytes) -> Any:
    """The `data` of a GraphQL answer; an answer with errors is an error here."""
    parsed = orjson.loads(body)
    if parsed.get("errors"):
        raise ValueError(f"the answer has errors: {str(parsed['errors'])[:500]}")
    return parsed["data"]


def count_fields(value: Any) -> int:
    """Leaf values in an answer (what "tens of thousands of fields" counts)."""
    if isinstance(value, dict):
        return sum(count_fields(v) for v in value.values())
    if isinstance(value, list):
        return sum(count_fields(v) for v in value) if value else 1
    return 1
