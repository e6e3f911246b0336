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

Masking is done in the projections `person_map` and `household_map`, so a
masked value is all that ever leaves Neo4j for a caller without `reveal`.
"""

from __future__ import annotations

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
    unrestricted caller (who needs no test)."""
    return (
        "CASE WHEN $scope IS NULL THEN [] ELSE COLLECT { MATCH ("
        + o
        + ")<-[:PART_OF]-(ogrid_:Grid) RETURN ogrid_ } END"
    )


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


# --- projections: the one place personal data is built, masked unless $reveal


def person_map(v: LiteralString) -> LiteralString:
    """A person's map projection: phone as 138****5678 and no exact birth date
    (birthYear only) unless $reveal."""
    return (
        v
        + " {.id, .code, .name, .gender, .education, .politicalStatus, birthYear: "
        + v
        + ".birthDate.year, birthDate: CASE WHEN $reveal THEN "
        + v
        + ".birthDate END, phone: CASE WHEN $reveal OR "
        + v
        + ".phone IS NULL THEN "
        + v
        + ".phone ELSE left("
        + v
        + ".phone, 3) + '****' + right("
        + v
        + ".phone, 4) END}"
    )


def household_map(v: LiteralString) -> LiteralString:
    """A household's map projection: unless $reveal, the address stops at its
    group (组) and care tags are left out."""
    return (
        v
        + " {.id, .code, address: CASE WHEN $reveal OR "
        + v
        + ".address IS NULL THEN "
        + v
        + ".address ELSE left("
        + v
        + ".address, size("
        + v
        + ".address) - size(last(split("
        + v
        + ".address, '组')))) + '***' END, tags: CASE WHEN $reveal THEN "
        + v
        + ".tags ELSE [t IN coalesce("
        + v
        + ".tags, []) WHERE NOT t IN "
        + CARE_TAG_LIST
        + "] END}"
    )
