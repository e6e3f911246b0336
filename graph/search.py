"""Finding anyone: people (name, code, pinyin), organizations (name, code,
pinyin), households (address, code) and grids (name, code) by a piece of text,
ranked, scoped and masked like every read.

The text becomes a Lucene query (`lucene_query`, a parameter of a fixed Cypher
text) on the full-text index `search` (graph/constraints.py, CJK analyzer):

- Chinese of two characters or more is a phrase, matched on the analyzer's
  bigrams: 王芳, 郭园村, 3组.
- A single Chinese character (a surname, 王) matches the characters of names
  (indexed one by one in `pinyinKeys`) and any bigram starting with it
  (`王* OR pinyinKeys:王`): every name holding it, and addresses where it
  begins a pair of characters.
- Text without Chinese (`wangfang`, `wang fang`, `wf`, `P0000067`, `QX-T01`) is
  a phrase on the words of codes and pinyin (`graph.pinyin`), or a prefix of
  the letters and digits run together (`wangf` finds 王芳).

Hits are ranked by the index's score (equal scores in the index's order); the
cursor is the number of hits before it. The index yields hits best first, so
the query stops at the page; `totalCount` tests every hit (cost: one scope
test per hit of the text: about a second for 王 in a county).
Only what the caller may see is listed or counted, so text that matches only
things outside her scope answers exactly as text that matches nothing. A
household's full address is personal data: for a caller who sees it masked, a
household is found by its code or by text within the unmasked part of its
address (up to its group, 组), never by the masked house number.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, LiteralString

from graph import rows
from graph.access import household_map, node_in_scope, person_map
from graph.driver import Database
from graph.errors import BadInput
from graph.filters import Source, list_root
from graph.model import Grid, Household, Organization, Page, PageArgs, Person
from graph.organizations import SEARCH_ROOT

MAX_TEXT = 50
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LUCENE_PHRASE_SPECIAL = re.compile(r'(["\\])')
_ALNUM = re.compile(r"[^0-9a-z]")


class SearchType(Enum):
    """A kind of node the search may return: its label."""

    PERSON = "Person"
    ORGANIZATION = "Organization"
    HOUSEHOLD = "Household"
    GRID = "Grid"


Hit = Person | Organization | Household | Grid


def lucene_query(text: str) -> str:
    """The Lucene query for `text` (see the module docstring); BadInput when it
    is empty or longer than MAX_TEXT."""
    text = " ".join(text.split())
    if not text:
        raise BadInput("text must not be empty", argument="text")
    if len(text) > MAX_TEXT:
        raise BadInput(f"text must be at most {MAX_TEXT} characters", argument="text")
    if not _HAN.search(text):
        phrase = '"' + _LUCENE_PHRASE_SPECIAL.sub(r"\\\1", text) + '"'
        run_together = _ALNUM.sub("", text.lower())
        return f"{phrase} OR {run_together}*" if run_together else phrase
    clauses = []
    for word in text.split(" "):
        if len(word) == 1 and _HAN.match(word):
            clauses.append(f"({word}* OR pinyinKeys:{word})")
        else:
            clauses.append('"' + _LUCENE_PHRASE_SPECIAL.sub(r"\\\1", word) + '"')
    return " AND ".join(clauses)


# The masked address as household_map shows it (up to the last 组).
_MASKED_ADDRESS: LiteralString = (
    "left(node.address, size(node.address) - size(last(split(node.address, '组'))))"
)
# A household found through its address must be found in what the caller sees of it.
_ADDRESS_SEEN: LiteralString = (
    "($reveal OR NOT node:Household OR toLower(node.code) CONTAINS $lowerText OR "
    "(node.address IS NOT NULL AND all(w IN $words WHERE " + _MASKED_ADDRESS + " CONTAINS w)))"
)

_HITS: LiteralString = """CALL db.index.fulltext.queryNodes('search', $query) YIELD node, score
WHERE any(l IN labels(node) WHERE l IN $labels) AND """

# `node` is in the subtree of `root` (which was found in scope): the scope test
# with `root` for the scope root, walking up from the node.
_UNDER_ROOT: LiteralString = node_in_scope("node").replace("$scope", "root.code")

# The index yields its hits best first; they are tested in that order and the
# stream stops at the page, so a broad text ("王": every tenth person) costs a
# page's worth of scope tests, not one per hit.
_PAGE: LiteralString = (
    """
WITH node, score SKIP $offset LIMIT $limit
RETURN score, node.code AS code, CASE
  WHEN node:Person THEN {type: 'Person', value: """
    + person_map("node")
    + """}
  WHEN node:Organization THEN {type: 'Organization', value: node {.id, .code, .name, .kind, .level}}
  WHEN node:Household THEN {type: 'Household', value: """
    + household_map("node")
    + """}
  ELSE {type: 'Grid', value: node {.id, .code, .name}} END AS hit
"""
)

SEARCH_IN_SCOPE: LiteralString = _HITS + node_in_scope("node") + " AND " + _ADDRESS_SEEN + _PAGE
COUNT_IN_SCOPE: LiteralString = (
    _HITS + node_in_scope("node") + " AND " + _ADDRESS_SEEN + "\nRETURN count(node) AS total\n"
)
SEARCH_UNDER: LiteralString = SEARCH_ROOT + _HITS + _UNDER_ROOT + " AND " + _ADDRESS_SEEN + _PAGE
COUNT_UNDER: LiteralString = (
    SEARCH_ROOT + _HITS + _UNDER_ROOT + " AND " + _ADDRESS_SEEN + "\nRETURN count(node) AS total\n"
)

# Below the top of the tree most hits of a broad text are outside the root's
# subtree (王 as a township's VIEWER: one hit in twenty is hers). The subtree's
# organizations and grids are listed once, then each hit is tested against the
# lists: an organization or grid by membership, a household by its grid, a
# person by the organizations she holds positions in and her household's grid.
# The same answer as the upward walk (the subtree to the walk's depth), without
# reading a grid's hundreds of relationships for every person tested. A person
# lives only in a household: no label test there (29.4k → 27.6k db hits).
_SUBTREE_LISTS: LiteralString = """MATCH (root:Organization {id: $root})
CALL (root) {
  MATCH (root)<-[:PART_OF*0..12]-(o:Organization)
  RETURN collect(o) AS orgs_
}
CALL (orgs_) {
  UNWIND orgs_ AS o
  MATCH (o)<-[:PART_OF]-(g:Grid)
  RETURN collect(g) AS grids_
}
"""
_IN_LISTS: LiteralString = """(CASE WHEN node:Organization THEN node IN orgs_
  WHEN node:Grid THEN node IN grids_
  WHEN node:Household THEN any(g_ IN [(node)-[:IN_GRID]->(g) | g] WHERE g_ IN grids_)
  WHEN node:Person THEN any(g_ IN [(node)-[:LIVES_IN]->()-[:IN_GRID]->(g) | g] WHERE g_ IN grids_)
    OR any(o_ IN [(node)-[:HOLDS]->(o) | o] WHERE o_ IN orgs_)
  ELSE false END)"""
_HITS_WITH_LISTS: LiteralString = (
    "CALL db.index.fulltext.queryNodes('search', $query) YIELD node, score\n"
    "WITH node, score, orgs_, grids_\nWHERE any(l IN labels(node) WHERE l IN $labels) AND "
)
_IN_SUBTREE: LiteralString = _SUBTREE_LISTS + _HITS_WITH_LISTS + _IN_LISTS + " AND " + _ADDRESS_SEEN
SEARCH_IN_SUBTREE: LiteralString = _IN_SUBTREE + _PAGE
COUNT_IN_SUBTREE: LiteralString = _IN_SUBTREE + "\nRETURN count(node) AS total\n"

_BUILD: dict[str, Callable[[rows.Row], Hit]] = {
    "Person": rows.person,
    "Organization": rows.organization,
    "Household": rows.household,
    "Grid": rows.grid,
}


@dataclass(frozen=True, slots=True)
class SearchArgs:
    text: str
    under: str | None
    types: tuple[SearchType, ...]


async def search(db: Database, args: SearchArgs, page: PageArgs) -> Page[Hit]:
    """One page of what `args.text` finds in the caller's scope (or under
    `args.under`, which must be in it), best match first."""
    offset = _cursor(page.after)
    words = args.text.split()
    params: dict[str, Any] = {
        "query": lucene_query(args.text),
        "labels": [t.value for t in (args.types or tuple(SearchType))],
        "under": args.under,
        "words": words,
        "lowerText": "".join(words).lower(),
    }
    search_q, count_q = (SEARCH_UNDER, COUNT_UNDER) if args.under else (SEARCH_IN_SCOPE, COUNT_IN_SCOPE)
    if args.under is not None or db.access.scope is not None:
        root = await list_root(db, args.under)
        if root is None:
            return Page([], False, 0 if page.total else None)
        if root[0] is Source.SUBTREE:
            search_q, count_q = SEARCH_IN_SUBTREE, COUNT_IN_SUBTREE
            params["root"] = root[1]
    found = await db.read(search_q, offset=offset, limit=page.first + 1, **params)
    total = (await db.read(count_q, **params))[0]["total"] if page.total else None
    items: list[tuple[str, Hit]] = [
        (str(offset + i + 1), _BUILD[r["hit"]["type"]](r["hit"]["value"]))
        for i, r in enumerate(found[: page.first])
    ]
    return Page(items, len(found) > page.first, total)


def _cursor(after: str | None) -> int:
    if after is None:
        return 0
    if not after.isdigit() or int(after) > 100_000:
        raise BadInput("not a cursor of this search", argument="after")
    return int(after)
