"""The city seed: several counties under a city federation, generated a county
at a time (`generate_part`), the first county exactly as its own scale.

Pure tests on a two-county city of small and tiny counties (the real `city`
scale is five county-sized ones, ~3.5M rows: too slow to generate here).
"""

from __future__ import annotations

from collections import Counter

from graph.seed_data import (
    PEOPLE_PER_COUNTY,
    SCALES,
    ScaleSpec,
    generate,
    generate_part,
    merge,
    parts_of,
)

CITY = ScaleSpec("test-city", 0, (0, 0), (0, 0), 30, 25, 0, counties=(SCALES["small"], SCALES["tiny"]))


def test_city_scale_is_five_counties_under_one_city() -> None:
    city = SCALES["city"]
    assert [c.name for c in city.counties] == ["county", "district", "district", "district", "district"]
    assert parts_of("city") == 6
    assert parts_of("county") == 1


def test_first_county_of_a_city_is_the_county_seed_part_of_the_city() -> None:
    root = generate_part(CITY, 2021, 0)
    first = generate_part(CITY, 2021, 1)
    alone = generate("small")
    [city] = root.organizations
    assert (city["code"], city["name"], city["level"], city["kind"]) == (
        "QZ",
        "青州市妇联",
        "CITY",
        "FEDERATION",
    )
    assert first.organizations == alone.organizations
    assert first.persons == alone.persons
    assert first.households == alone.households
    assert first.holds == alone.holds
    assert first.covers_household == alone.covers_household
    # The only new row: the county federation PART_OF the city.
    county = next(o for o in alone.organizations if o["code"] == "QX")
    assert [r for r in first.org_part_of if r not in alone.org_part_of] == [
        {"a": county["id"], "b": city["id"]}
    ]
    assert root.stages and not first.stages


def test_city_codes_and_ids_are_unique_and_people_numbered_per_county() -> None:
    data = generate(CITY)
    for rows in (data.organizations, data.persons, data.grids, data.households):
        assert len({r["id"] for r in rows}) == len(rows)
        assert len({r["code"] for r in rows}) == len(rows)
    second = generate_part(CITY, 2021, 2)
    codes = sorted(p["code"] for p in second.persons)
    assert codes[0] == f"P{PEOPLE_PER_COUNTY + 1:07d}" == "P10000001"
    counties = [o for o in data.organizations if o["level"] == "COUNTY" and o["kind"] == "FEDERATION"]
    assert [c["code"] for c in counties] == ["QX", "YC"]
    city = next(o for o in data.organizations if o["level"] == "CITY")
    parents = {r["a"]: r["b"] for r in data.org_part_of}
    assert all(parents[c["id"]] == city["id"] for c in counties)
    assert city["id"] not in parents


def test_the_last_county_holds_the_city_board() -> None:
    data = generate(CITY)
    city = next(o for o in data.organizations if o["level"] == "CITY")
    board = Counter(h["role"] for h in data.holds if h["b"] == city["id"])
    assert board["CHAIR"] == 1 and board["VICE_CHAIR"] == 4
    assert 15 <= sum(board.values()) <= 19
    last = {p["id"] for p in generate_part(CITY, 2021, 2).persons}
    assert {h["a"] for h in data.holds if h["b"] == city["id"]} <= last


def test_a_city_is_its_parts_and_deterministic() -> None:
    parts = [generate_part(CITY, 2021, i) for i in range(parts_of(CITY))]
    again = generate(CITY)
    merged = merge(parts)
    assert merged.rows == again.rows == sum(p.rows for p in parts)
    assert merged.persons == again.persons
    assert merged.holds == again.holds
    assert generate(CITY, 7).persons != again.persons
