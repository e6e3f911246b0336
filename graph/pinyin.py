"""Pinyin of names, so a phone keyboard without Chinese input still finds
王芳 (`wangfang`, `wang fang`, `wf`), and lists sort in the order Chinese users
expect (by pinyin, syllable by syllable).

Two properties are written beside every Person's and Organization's `name`
when it is written (mutations, import, seed), and filled in at start-up for
nodes that lack them (`backfill_pinyin`, idempotent; when the counts show every
node has pinyin it reads index entries only):

    pinyin      the syllables, lower case, without tones, space-separated:
                "wang fang" (the sort key: "li na" sorts before "liang")
    pinyinKeys  what the full-text index `search` matches besides the name:
                the syllables run together, the initials, each syllable, and
                each character apart (so a single character, wherever it
                stands in the name, is a word of its own and needs no leading
                wildcard): "wangfang wf wang fang 王 芳"
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any, LiteralString

from pypinyin import Style, lazy_pinyin

from graph.driver import Database

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def syllables(text: str) -> list[str]:
    """The pinyin of each Chinese character, lower case; other runs (digits,
    Latin letters) kept as they are, lower-cased, split on spaces."""
    out: list[str] = []
    for part in lazy_pinyin(text):
        out.extend(p for p in part.lower().split() if p)
    return out


def pinyin_sort_key(text: str) -> str:
    """ "王芳" → "wang fang"."""
    return " ".join(syllables(text))


def pinyin_keys(text: str) -> str:
    """ "王芳" → "wangfang wf wang fang 王 芳": the full pinyin, the initials, the
    syllables and the Chinese characters one by one."""
    return _keys(text, syllables(text))


def _keys(text: str, parts: list[str]) -> str:
    initials = "".join(p[0] for p in lazy_pinyin(text, style=Style.FIRST_LETTER) if p.strip())
    words = ["".join(parts), initials.lower(), *parts, *(c for c in text if _HAN.match(c))]
    return " ".join(dict.fromkeys(w for w in words if w))


# Names repeat (a county's 200,000 people have ~100,000 distinct names) and
# pypinyin's phrase lookup is most of a seed's Python time: remembered by name.
@functools.lru_cache(maxsize=1 << 19)
def _properties(name: str) -> tuple[str, str]:
    parts = syllables(name)
    return " ".join(parts), _keys(name, parts)


def pinyin_properties(name: str | None) -> dict[str, Any]:
    """The pinyin properties of a node named `name` (both null without a name;
    an empty name has empty pinyin, so the start-up scan does not find it again)."""
    if name is None:
        return {"pinyin": None, "pinyinKeys": None}
    sort_key, keys = _properties(name)
    return {"pinyin": sort_key, "pinyinKeys": keys}


def with_pinyin(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows carrying `name`, each with its pinyin properties added."""
    return [row | pinyin_properties(row.get("name")) for row in rows]


# Nodes written before pinyin existed (or by hand): a batch at a time.
MISSING_PINYIN: LiteralString = """
MATCH (n) WHERE (n:Person OR n:Organization) AND n.name IS NOT NULL AND n.pinyinKeys IS NULL
RETURN elementId(n) AS element, n.name AS name LIMIT $batch
"""
SET_PINYIN: LiteralString = """
UNWIND $rows AS row
MATCH (n) WHERE elementId(n) = row.element
SET n.pinyin = row.pinyin, n.pinyinKeys = row.pinyinKeys
"""


# Whether every person and organization has pinyin, from the count store and the
# pinyin range indexes (index entries only, no node read): at a county's start-up
# ~0.1 s instead of a scan of every node (400k db hits). A node without a name
# has no pinyin, so one makes the counts differ and the scan below runs.
PINYIN_COMPLETE: LiteralString = """
CALL () { MATCH (n:Person) RETURN count(n) AS people }
CALL () { MATCH (n:Person) WHERE n.pinyin IS NOT NULL RETURN count(n) AS peopleWith }
CALL () { MATCH (n:Organization) RETURN count(n) AS organizations }
CALL () { MATCH (n:Organization) WHERE n.pinyin IS NOT NULL RETURN count(n) AS organizationsWith }
RETURN people = peopleWith AND organizations = organizationsWith AS complete
"""


async def backfill_pinyin(db: Database, batch: int = 5_000) -> int:
    """Give every person and organization without pinyin its pinyin; returns how
    many were filled in (0 when every node has it)."""
    if (await db.read(PINYIN_COMPLETE))[0]["complete"]:
        return 0
    total = 0
    while True:
        found = await db.read(MISSING_PINYIN, batch=batch)
        if not found:
            return total
        await db.write(
            SET_PINYIN,
            rows=[{"element": r["element"]} | pinyin_properties(r["name"]) for r in found],
        )
        total += len(found)
