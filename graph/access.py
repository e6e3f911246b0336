"""Who is asking, and what that lets the Cypher return.

A caller's `Access` is the organization whose subtree she may see (`scope`, an
organization code; None only for the unrestricted access of the CLI and of
`ORGGRAPH_AUTH=off`) and her grants. It reaches Neo4j as three parameters that
every read query of `graph/` uses:

    $scope    the scope root's code, or null for everything
    $reveal   whether personal data (phone, exact birth date, household address,
              care tags) leaves the database unmasked

Scope is tested inside the query by the fragments below. The subtree is closed
downward (an organization's children, grids, households, positions and
residents are in scope when the organization is), so only entry points (lookups,
searches, an analysis's root) and the edges that lead up or sideways (a person's
other positions, her household, mentors, coverers, path nodes) carry a test.
Each test walks upward from the node it is given, a handful of hops, and never
expands a subtree.

Masking is done in the projections `person_map` and `household_map` (with the
masks `masked_phone` and `masked_address`), so a masked value is all that ever
leaves Neo4j for a caller without `reveal`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, LiteralString


class Grant(StrEnum):
    """A role in a token's `roles` claim: what a caller may do within her scope."""

    VIEWER = "VIEWER"  # browse, personal data masked
    ANALYST = "ANALYST"  # browse masked, plus aggregates (funnel, term statistics, figures)
    EDITOR = "EDITOR"  # everything above unmasked, plus mutations
    ADMIN = "ADMIN"  # everything above, plus the audit log


# Care tags are personal data; honors (MODEL_FAMILY, ...) are public. The issue
# names four; left-behind elderly marks a vulnerable household just the same.
CARE_TAGS: tuple[str, ...] = (
    "LEFT_BEHIND_CHILD",
    "LEFT_BEHIND_ELDERLY",
    "HARDSHIP_WOMAN",
    "LOW_INCOME",
    "DISABILITY",
)
# The same list as a Cypher literal (a test keeps the two equal).
CARE_TAG_LIST: LiteralString = (
    "['LEFT_BEHIND_CHILD', 'LEFT_BEHIND_ELDERLY', 'HARDSHIP_WOMAN', 'LOW_INCOME', 'DISABILITY']"
)


@dataclass(frozen=True, slots=True)
class Access:
    """One caller: `subject` (the token's `sub`), `scope` (the code of the
    organization whose subtree she may see; None means the whole graph) and
    her grants."""

    subject: str
    scope: str | None
    grants: frozenset[Grant]

    @classmethod
    def everything(cls, subject: str = "orggraph") -> Access:
        """The whole graph unmasked: the CLI, imports, and `ORGGRAPH_AUTH=off`."""
        return cls(subject, None, frozenset(Grant))

    @property
    def reveal(self) -> bool:
        """Personal data unmasked (EDITOR, ADMIN)."""
        return bool(self.grants & {Grant.EDITOR, Grant.ADMIN})

    @property
    def may_analyze(self) -> bool:
        """Aggregates over the scope (ANALYST, EDITOR, ADMIN)."""
        return bool(self.grants & {Grant.ANALYST, Grant.EDITOR, Grant.ADMIN})

    @property
    def may_write(self) -> bool:
        return bool(self.grants & {Grant.EDITOR, Grant.ADMIN})

    @property
    def may_audit(self) -> bool:
        return Grant.ADMIN in self.grants

    @property
    def cypher_params(self) -> dict[str, Any]:
        return {"scope": self.scope, "reveal": self.reveal}


# --- scope tests: each is true when the node bound to `v` is in the caller's scope.
# Written as CASE so the walk is evaluated only for a scoped caller (as a plain
# `$scope IS NULL OR ...` Neo4j plans the pattern comprehension for every row
# even when $scope is null). The walk's own variable `anc_` must not be used by
# the queries these are pasted into (nor `grid_`, `ogrid_`).


def org_in_scope(v: LiteralString) -> LiteralString:
    """Organization `v` is the scope root or below it."""
    return (
        "(CASE WHEN $scope IS NULL THEN true ELSE $scope IN [("
        + v
        + ")-[:PART_OF*0..12]->(anc_:Organization) | anc_.code] END)"
    )


def grid_in_scope(v: LiteralString) -> LiteralString:
    return (
        "(CASE WHEN $scope IS NULL THEN true ELSE $scope IN [("
        + v
        + ")-[:PART_OF]->(:Organization)-[:PART_OF*0..12]->(anc_:Organization) | anc_.code] END)"
    )


def household_in_scope(v: LiteralString) -> LiteralString:
    return (
        "(CASE WHEN $scope IS NULL THEN true ELSE $scope IN [("
        + v
        + ")-[:IN_GRID]->(:Grid)-[:PART_OF]->(:Organization)"
        "-[:PART_OF*0..12]->(anc_:Organization) | anc_.code] END)"
    )


def household_in_scope_near(v: LiteralString, grids: LiteralString) -> LiteralString:
    """Household `v` is in scope, tested first against `grids`, the list of
    grids of an organization known to be in scope (bound by the query; empty
    when $scope is null): a resident officer's household is nearly always in a
    grid of her own organization, and a list test costs no walk (on the county
    view ~150k db hits fewer). Any other household is walked as usual."""
    return (
        "(CASE WHEN $scope IS NULL THEN true WHEN [("
        + v
        + ")-[:IN_GRID]->(grid_) | grid_][0] IN "
        + grids
        + " THEN true ELSE $scope IN [("
        + v
        + ")-[:IN_GRID]->(:Grid)-[:PART_OF]->(:Organization)"
        "-[:PART_OF*0..12]->(anc_:Organization) | anc_.code] END)"
    )


def grids_if_scoped(o: LiteralString) -> LiteralString:
    """The grids of organization `o` for `household_in_scope_near`, or [] for an
    unrestricted caller (who needs no test). Its child organizations come along
    (no label test: a db hit each of ~10 grids per village, ~4,000 on the
    county view): they are in scope too, and a household's IN_GRID leads to a
    grid, so they never match."""
    return "CASE WHEN $scope IS NULL THEN [] ELSE [(" + o + ")<-[:PART_OF]-(ogrid_) | ogrid_] END"


def person_in_scope(v: LiteralString) -> LiteralString:
    """Person `v` holds (or held) a position in the scope, or lives in one of its households."""
    return (
        "(CASE WHEN $scope IS NULL THEN true ELSE $scope IN [("
        + v
        + ")-[:HOLDS]->(:Organization)-[:PART_OF*0..12]->(anc_:Organization) | anc_.code] OR $scope IN [("
        + v
        + ")-[:LIVES_IN]->(:Household)-[:IN_GRID]->(:Grid)-[:PART_OF]->(:Organization)"
        "-[:PART_OF*0..12]->(anc_:Organization) | anc_.code] END)"
    )


def node_in_scope(v: LiteralString) -> LiteralString:
    """Any of the four kinds of node, by its label (for paths)."""
    return (
        "(CASE WHEN "
        + v
        + ":Organization THEN "
        + org_in_scope(v)
        + " WHEN "
        + v
        + ":Person THEN "
        + person_in_scope(v)
        + " WHEN "
        + v
        + ":Grid THEN "
        + grid_in_scope(v)
        + " WHEN "
        + v
        + ":Household THEN "
        + household_in_scope(v)
        + " ELSE false END)"
    )


# --- masks: the one place a masked value is made. Each takes a Cypher expression
# (evaluated once: bound by a one-element list comprehension to a variable of
# its own, `ph_`/`ad_`, which the queries must not use) and never shows more
# than a fixed share of any value, whatever its length or shape.

# A phone shows at most 7/11 of its characters: its first floor(3n/11) (at most
# 3) and last floor(4n/11) (at most 4), the rest as '*', as long as the value.
# An 11-digit mobile reads 138****5678, a 7-digit number 5****34.
PHONE_SHOWN_SHARE = (7, 11)
# An address shows at most 4/5 of its characters: its administrative prefix up
# to the first 组 (its group), else up to the first 村 or 社区 (its village), and
# that only when it holds no house number (a digit before 号); else nothing.
ADDRESS_SHOWN_SHARE = (4, 5)


# Enough stars for any phone that passes graph.rules (at most 21 characters).
_STARS: LiteralString = "****************************************************************"


def masked_phone(e: LiteralString) -> LiteralString:
    """`e` (a phone) as a caller without $reveal sees it. Most phones take the
    first branch (~0.5 µs a value); a stars' `reduce` only for unusual lengths."""
    return (
        "[ph_ IN [" + e + "] | CASE WHEN ph_ IS NULL THEN null "
        "WHEN size(ph_) >= 11 AND size(ph_) <= 71 THEN left(ph_, 3) + left('" + _STARS + "', size(ph_) - 7) "
        "+ right(ph_, 4) "
        "ELSE [k_ IN [[CASE WHEN size(ph_) >= 11 THEN 3 ELSE size(ph_) * 3 / 11 END, "
        "CASE WHEN size(ph_) >= 11 THEN 4 ELSE size(ph_) * 4 / 11 END]] | "
        "left(ph_, k_[0]) + reduce(s_ = '', i_ IN range(1, size(ph_) - k_[0] - k_[1]) | s_ + '*') "
        "+ right(ph_, k_[1])][0] END][0]"
    )


def masked_address(e: LiteralString) -> LiteralString:
    """`e` (an address) as a caller without $reveal sees it: a prefix and '***'.
    The house-number pattern is only tried on a prefix holding a 号."""
    return (
        "[ad_ IN [" + e + "] | CASE WHEN ad_ IS NULL THEN null ELSE head([s_ IN ["
        "CASE WHEN ad_ CONTAINS '组' THEN split(ad_, '组')[0] + '组' END, "
        "CASE WHEN ad_ CONTAINS '村' THEN split(ad_, '村')[0] + '村' "
        "WHEN ad_ CONTAINS '社区' THEN split(ad_, '社区')[0] + '社区' END] "
        "WHERE s_ IS NOT NULL AND size(s_) * 5 <= size(ad_) * 4 "
        "AND NOT (s_ CONTAINS '号' AND s_ =~ '(?s).*[0-9０-９]号.*')] + ['']) + '***' END][0]"
    )


# --- projections: the one place personal data is built, masked unless $reveal


# A person's fields in `person_map`, in projection order (`id` is always given).
PERSON_FIELDS: tuple[LiteralString, ...] = (
    "code", "name", "gender", "education", "politicalStatus", "birthYear", "birthDate", "phone"
)  # fmt: skip


def person_map(v: LiteralString, fields: frozenset[str] | None = None) -> LiteralString:
    """A person's map projection: phone masked (`masked_phone`) and no exact
    birth date (birthYear only) unless $reveal. With `fields` (names of
    PERSON_FIELDS), only those and `id`: a compiled view reads no property its
    answer does not show (a property read is a db hit per person)."""
    out: LiteralString = v + " {.id"
    for name in PERSON_FIELDS:
        if fields is None or name in fields:
            out = out + ", " + _PERSON_FIELD[name](v)
    return out + "}"


_PERSON_FIELD: dict[str, Callable[[LiteralString], LiteralString]] = {
    "code": lambda v: ".code",
    "name": lambda v: ".name",
    "gender": lambda v: ".gender",
    "education": lambda v: ".education",
    "politicalStatus": lambda v: ".politicalStatus",
    "birthYear": lambda v: "birthYear: " + v + ".birthDate.year",
    "birthDate": lambda v: "birthDate: CASE WHEN $reveal THEN " + v + ".birthDate END",
    "phone": lambda v: (
        "phone: CASE WHEN $reveal THEN " + v + ".phone ELSE " + masked_phone(v + ".phone") + " END"
    ),
}


def household_map(v: LiteralString) -> LiteralString:
    """A household's map projection: unless $reveal, the address masked
    (`masked_address`) and care tags left out."""
    return (
        v
        + " {.id, .code, address: CASE WHEN $reveal THEN "
        + v
        + ".address ELSE "
        + masked_address(v + ".address")
        + " END, tags: CASE WHEN $reveal THEN "
        + v
        + ".tags ELSE [t IN coalesce("
        + v
        + ".tags, []) WHERE NOT t IN "
        + CARE_TAG_LIST
        + "] END}"
    )
