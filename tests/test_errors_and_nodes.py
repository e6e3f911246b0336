"""Global ids through node(id), and errors: every one carries extensions.code."""

from __future__ import annotations

import pytest

from schema.relay import to_global_id
from tests.conftest import GraphQLClient
from tests.graphs import rid


async def test_node_resolves_every_node_type(api: GraphQLClient) -> None:
    query = """query($id: ID!) { node(id: $id) { __typename id
      ... on Organization { code } ... on Person { code } ... on Grid { code } ... on Household { code } } }"""
    for type_name, code in [
        ("Organization", "C-T1"), ("Person", "P03"), ("Grid", "C-T1-V1-G2"), ("Household", "C-T1-V1-H05"),
    ]:  # fmt: skip
        global_id = to_global_id(type_name, rid(code))
        node = (await api.data(query, id=global_id))["node"]
        assert node == {"__typename": type_name, "id": global_id, "code": code}
    assert (await api.data(query, id=to_global_id("Person", "nobody")))["node"] is None


@pytest.mark.parametrize(
    ("query", "argument"),
    [
        ('{ node(id: "not base64 at all!") { id } }', "id"),
        ('{ node(id: "Zm9v") { id } }', "id"),  # base64 of "foo": no type
        ('{ organization(id: "UGVyc29uOmlkLVAwMQ") { code } }', "id"),  # a Person's id
        ("{ organization { code } }", "id"),  # neither id nor code
        ("{ people(first: 101) { totalCount } }", "first"),
        ("{ people(first: -1) { totalCount } }", "first"),
        ('{ people(after: "bad cursor") { totalCount } }', "after"),
        ('{ people(under: "T3JnYW5pemF0aW9u") { totalCount } }', "under"),
    ],
)
async def test_bad_arguments_are_bad_user_input(api: GraphQLClient, query: str, argument: str) -> None:
    body = await api.query(query)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert error["extensions"]["argument"] == argument
    assert error["path"]


async def test_invalid_query_and_variable_errors_have_codes(api: GraphQLClient) -> None:
    body = await api.query("{ organization(code: 1) { nope } }")
    assert {e["extensions"]["code"] for e in body["errors"]} == {"GRAPHQL_VALIDATION_FAILED"}
    body = await api.query('query($d: Date) { person(code: "P01") { age(asOf: $d) } }', d="2024-13-45")
    assert body["errors"][0]["extensions"]["code"] in {"BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED"}
    body = await api.query("{ organizations(level: MOON) { totalCount } }")
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_a_bad_field_does_not_spoil_its_siblings(api: GraphQLClient) -> None:
    body = await api.query('{ ok: person(code: "P01") { code } bad: node(id: "x") { id } }')
    assert body["data"] == {"ok": {"code": "P01"}, "bad": None}
    assert body["errors"][0]["path"] == ["bad"]
