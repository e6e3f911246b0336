"""The scaling harness reports no figure it did not check: a row whose answers
differ is an error with no measurement, and no ratio is computed from it."""

from __future__ import annotations

import orjson

from bench.scaling import Study, first_page_ratio


def _page(*codes: str) -> bytes:
    nodes = [{"code": c, "name": c} for c in codes]
    return orjson.dumps({"data": {"people": {"pageInfo": {"hasNextPage": False}, "nodes": nodes}}})


def _point(x: int, p50: float | None) -> dict[str, object]:
    row: dict[str, object] = {"study": "people", "system": "orggraph", "x": x, "page": "first"}
    if p50 is None:
        row["error"] = "answers differ"
    else:
        row["p50_ms"] = p50
    return row


def test_a_row_whose_floor_answers_something_else_is_an_error() -> None:
    s = Study(quick=True, workers=1)
    assert not s.compare("people first page at 1,000", _page(), {"floor": _page("P1", "P2")})
    assert s.failed == ["people first page at 1,000"]
    assert "ERROR" in s.checks[0] and "0 items vs 2" in s.checks[0]


def test_an_error_answer_from_orggraph_is_a_difference() -> None:
    s = Study(quick=True, workers=1)
    timeout = orjson.dumps({"data": None, "errors": [{"message": "deadline"}]})
    assert not s.compare("row", timeout, {"floor": _page("P1")})
    assert s.failed == ["row"]


def test_equal_answers_pass_and_the_peer_may_differ_in_order() -> None:
    s = Study(quick=True, workers=1)
    others = {"floor": _page("P1", "P2"), "neo4j-graphql": _page("P2", "P1")}
    assert s.compare("row", _page("P1", "P2"), others)
    assert not s.failed
    # The floor must be exact: the same rows in another order is a difference.
    assert not s.compare("row 2", _page("P1", "P2"), {"floor": _page("P2", "P1")})


def test_no_ratio_from_a_row_that_was_not_measured() -> None:
    assert first_page_ratio([_point(1_000, 10.0), _point(1_000_000, 12.0)]) == 1.2
    assert first_page_ratio([_point(1_000, 10.0), _point(1_000_000, None)]) is None
    assert first_page_ratio([_point(1_000, None), _point(1_000_000, 12.0)]) is None
    assert first_page_ratio([_point(1_000, 10.0)]) is None
