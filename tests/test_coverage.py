"""Coverage: who covers which grids and households, and the coverage report."""

from __future__ import annotations

from schema.relay import to_global_id
from tests.conftest import GraphQLClient
from tests.graphs import rid

REPORT = """query($org: ID!, $asOf: Date) { coverage(organizationId: $org, asOf: $asOf) {
  organization { code } asOf householdCount coveredCount uncoveredCount coverageRatio
  members { totalCount nodes { person { code } grids { code } households { code } householdsReached } }
  uncovered { totalCount nodes { code tags } }
  multiplyCovered { totalCount nodes { code coveredBy { via role person { code } } } } } }"""


def org(code: str) -> str:
    return to_global_id("Organization", rid(code))


async def test_village_coverage_report(api: GraphQLClient) -> None:
    report = (await api.data(REPORT, org=org("C-T1-V1")))["coverage"]
    assert report["organization"] == {"code": "C-T1-V1"}
    assert report["asOf"] == "2024-06-01"
    assert (report["householdCount"], report["coveredCount"], report["uncoveredCount"]) == (10, 9, 1)
    assert report["coverageRatio"] == 0.9
    assert report["members"] == {
        "totalCount": 3,
        "nodes": [
            {"person": {"code": "P03"}, "grids": [{"code": "C-T1-V1-G1"}], "households": [], "householdsReached": 4},
            {"person": {"code": "P04"}, "grids": [{"code": "C-T1-V1-G2"}], "households": [{"code": "C-T1-V1-H01"}],
             "householdsReached": 4},
            {"person": {"code": "P05"}, "grids": [],
             "households": [{"code": "C-T1-V1-H08"}, {"code": "C-T1-V1-H09"}], "householdsReached": 2},
        ],
    }  # fmt: skip
    assert report["uncovered"] == {
        "totalCount": 1,
        "nodes": [{"code": "C-T1-V1-H10", "tags": ["LEFT_BEHIND_CHILD"]}],
    }
    multiply = report["multiplyCovered"]
    assert multiply["totalCount"] == 1
    assert multiply["nodes"][0]["code"] == "C-T1-V1-H01"
    assert sorted((c["via"], c["role"], c["person"]["code"]) for c in multiply["nodes"][0]["coveredBy"]) == [
        ("DIRECT", "ASSIST", "P04"),
        ("GRID", "LEAD", "P03"),
    ]


async def test_township_report_adds_up_its_villages(api: GraphQLClient) -> None:
    report = (await api.data(REPORT, org=org("C-T1")))["coverage"]
    assert (report["householdCount"], report["coveredCount"], report["uncoveredCount"]) == (12, 11, 1)
    assert [m["person"]["code"] for m in report["members"]["nodes"]] == ["P03", "P04", "P05", "P09"]
    empty = (await api.data(REPORT, org=org("C-T2")))["coverage"]
    assert (empty["householdCount"], empty["coverageRatio"], empty["members"]["totalCount"]) == (0, 0.0, 0)


async def test_report_on_a_past_date(api: GraphQLClient) -> None:
    report = (await api.data(REPORT, org=org("C-T1-V1"), asOf="2020-01-01"))["coverage"]
    # Only P06 covered anything then: H10, until the 2021 term change.
    assert (report["coveredCount"], report["uncoveredCount"]) == (1, 9)
    assert [m["person"]["code"] for m in report["members"]["nodes"]] == ["P06"]
    assert report["multiplyCovered"]["totalCount"] == 0


async def test_missing_organization_gives_null_report(api: GraphQLClient) -> None:
    data = await api.data(REPORT, org=org("NOPE"))
    assert data == {"coverage": None}


async def test_person_covers_and_grid_and_household_views(api: GraphQLClient) -> None:
    data = await api.data(
        '{ p4: person(code: "P04") { covers { role since active grid { code } household { code } } }'
        '  p6: person(code: "P06") { now: covers { role } all: covers(history: true) { until active } }'
        '  grid(code: "C-T1-V1-G1") { organization { code } coveredBy { person { code } role }'
        "    households { totalCount nodes { code } } }"
        '  household(code: "C-T1-V1-H01") { grid { code } members { code }'
        "    coveredBy { via person { code } grid { code } household { code } } } }"
    )
    assert data["p4"]["covers"] == [
        {
            "role": "LEAD",
            "since": "2021-05-01",
            "active": True,
            "grid": {"code": "C-T1-V1-G2"},
            "household": None,
        },
        {
            "role": "ASSIST",
            "since": "2021-05-01",
            "active": True,
            "grid": None,
            "household": {"code": "C-T1-V1-H01"},
        },
    ]
    assert data["p6"] == {"now": [], "all": [{"until": "2021-04-01", "active": False}]}
    grid = data["grid"]
    assert grid["organization"] == {"code": "C-T1-V1"}
    assert grid["coveredBy"] == [{"person": {"code": "P03"}, "role": "LEAD"}]
    assert grid["households"]["totalCount"] == 4
    household = data["household"]
    assert household["grid"] == {"code": "C-T1-V1-G1"}
    assert household["members"] == [{"code": "P07"}, {"code": "P08"}]
    assert sorted(household["coveredBy"], key=lambda c: c["via"]) == [
        {"via": "DIRECT", "person": {"code": "P04"}, "grid": None, "household": {"code": "C-T1-V1-H01"}},
        {"via": "GRID", "person": {"code": "P03"}, "grid": {"code": "C-T1-V1-G1"}, "household": None},
    ]


async def test_report_as_an_organization_field(api: GraphQLClient) -> None:
    data = await api.data(
        '{ organization(code: "C-T1-V1") { coverage { organization { code } householdCount uncovered { nodes { code } } } } }'
    )
    assert data["organization"]["coverage"] == {
        "organization": {"code": "C-T1-V1"},
        "householdCount": 10,
        "uncovered": {"nodes": [{"code": "C-T1-V1-H10"}]},
    }
