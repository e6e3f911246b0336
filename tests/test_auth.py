"""Authentication with real tokens through the real middleware, roles on
mutations and the audit log (village world of tests/graphs.py)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from graph.access import Grant
from schema.relay import to_global_id
from service.app import create_app
from service.auth import TokenPolicy, Unauthenticated, mint
from service.settings import Settings
from tests.graphs import TODAY, rid
from tests.helpers import RolledBackDatabase

SECRET = "test-secret-0123456789-0123456789"


def token(org: str = "C-T1-V1", *roles: Grant, sub: str = "alice", **overrides: Any) -> str:
    return mint(org=org, roles=list(roles or [Grant.VIEWER]), subject=sub, key=SECRET, **overrides)


@pytest.fixture
async def http(world: RolledBackDatabase) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(auth=True, jwt_secret=SECRET), db=world, today=lambda: TODAY)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client


async def post(http: httpx.AsyncClient, query: str, bearer: str | None, **variables: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer is not None else {}
    return await http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)


def refusal(response: httpx.Response) -> str:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith('Bearer realm="orggraph"')
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    message: str = body["errors"][0]["message"]
    return message


ME = "{ me { subject scope roles personalData } }"


async def test_a_valid_token_is_the_caller(http: httpx.AsyncClient) -> None:
    response = await post(http, ME, token("C-T1", Grant.EDITOR, Grant.ANALYST, sub="bob"))
    assert response.status_code == 200
    assert response.json()["data"]["me"] == {
        "subject": "bob",
        "scope": "C-T1",
        "roles": ["ANALYST", "EDITOR"],
        "personalData": True,
    }


async def test_no_token_or_a_bad_header_is_401(http: httpx.AsyncClient) -> None:
    response = await post(http, ME, None)
    assert "no token" in refusal(response)
    assert response.headers["www-authenticate"] == 'Bearer realm="orggraph"'
    assert 'error="invalid_token"' in (await post(http, ME, "not-a-jwt")).headers["www-authenticate"]
    response = await http.post("/graphql", json={"query": ME}, headers={"Authorization": "Basic abc"})
    assert "Bearer" in refusal(response)
    assert "not valid" in refusal(await post(http, ME, "not-a-jwt"))
    # A GET that runs a query needs a token as well.
    assert "no token" in refusal(await http.get("/graphql", params={"query": ME}))


async def test_expired_forged_and_foreign_tokens_are_refused(http: httpx.AsyncClient) -> None:
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=10)
    assert "expired" in refusal(await post(http, ME, token(now=past)))
    forged = mint(org="C", roles=[Grant.ADMIN], subject="mallory", key="another-secret-0123456789-012345")
    assert "signature" in refusal(await post(http, ME, forged))
    assert "audience" in refusal(await post(http, ME, token(audience="some-other-service")))
    unsigned = jwt.encode({"sub": "eve", "org": "C", "roles": ["ADMIN"], "aud": "orggraph"}, None, "none")
    assert refusal(await post(http, ME, unsigned))
    no_expiry = jwt.encode({"sub": "eve", "org": "C", "roles": ["ADMIN"], "aud": "orggraph"}, SECRET)
    assert "'exp'" in refusal(await post(http, ME, no_expiry))


async def test_claims_must_name_an_org_and_known_roles(http: httpx.AsyncClient) -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    base = {"sub": "eve", "aud": "orggraph", "exp": later}
    no_org = jwt.encode({**base, "roles": ["VIEWER"]}, SECRET)
    assert "'org'" in refusal(await post(http, ME, no_org))
    superuser = jwt.encode({**base, "org": "C", "roles": ["SUPERUSER"]}, SECRET)
    assert "SUPERUSER" in refusal(await post(http, ME, superuser))
    no_roles = jwt.encode({**base, "org": "C", "roles": []}, SECRET)
    assert "roles" in refusal(await post(http, ME, no_roles))


async def test_graphiql_and_health_need_no_token(http: httpx.AsyncClient) -> None:
    page = await http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "GraphiQL" in page.text
    assert (await http.get("/health/live")).status_code == 200


async def test_rs256_tokens_verify_with_the_public_key(world: RolledBackDatabase) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    app = create_app(Settings(auth=True, jwt_public_key=public_pem), db=world, today=lambda: TODAY)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        good = mint(org="C", roles=[Grant.VIEWER], subject="rsa", key=private_pem, algorithm="RS256")
        assert (await post(client, ME, good)).json()["data"]["me"]["subject"] == "rsa"
        # An HS256 token signed with the public key as secret (algorithm confusion) is refused.
        confused = jwt.encode(
            {"sub": "x", "org": "C", "roles": ["ADMIN"], "aud": "orggraph", "exp": 4102444800},
            SECRET,
            algorithm="HS256",
        )
        assert "RS256" in refusal(await post(client, ME, confused))


async def test_the_token_s_scope_confines_reads(http: httpx.AsyncClient) -> None:
    query = """query($p: ID!) { a: organization(code: "C-T1-V1") { code }
                b: organization(code: "C-T1-V2") { code } node(id: $p) { id } }"""
    p01 = to_global_id("Person", rid("P01"))
    body = (await post(http, query, token("C-T1-V2"), p=p01)).json()
    assert body["data"] == {"a": None, "b": {"code": "C-T1-V2"}, "node": None}
    body = (await post(http, query, token("C-T1"), p=p01)).json()
    assert body["data"] == {"a": {"code": "C-T1-V1"}, "b": {"code": "C-T1-V2"}, "node": {"id": p01}}


UPDATE_HOUSEHOLD = """mutation Readdress($id: ID!) {
  updateHousehold(id: $id, input: {address: "一号镇东村1组9号"}) { household { code address } } }"""

AUDIT = """{ auditLog { nodes { actor scope roles operation kind ids } } }"""


async def count(world: RolledBackDatabase, cypher: Any) -> int:
    rows = await world.execute(cypher)
    return int(rows[0]["n"])


async def test_viewers_and_analysts_may_not_write(http: httpx.AsyncClient, world: RolledBackDatabase) -> None:
    h01 = to_global_id("Household", rid("C-T1-V1-H01"))
    for role in (Grant.VIEWER, Grant.ANALYST):
        body = (await post(http, UPDATE_HOUSEHOLD, token("C", role), id=h01)).json()
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (
        await count(
            world,
            "MATCH (h:Household {code: 'C-T1-V1-H01'}) WHERE h.address = '一号镇东村1组9号' RETURN count(h) AS n",
        )
        == 0
    )
    assert await count(world, "MATCH (e:AuditEvent) RETURN count(e) AS n") == 0


async def test_a_write_is_audited_in_its_transaction(
    http: httpx.AsyncClient, world: RolledBackDatabase
) -> None:
    h01 = to_global_id("Household", rid("C-T1-V1-H01"))
    body = (
        await post(http, UPDATE_HOUSEHOLD, token("C-T1-V1", Grant.EDITOR, sub="editor-v1"), id=h01)
    ).json()
    assert body["data"]["updateHousehold"]["household"] == {
        "code": "C-T1-V1-H01",
        "address": "一号镇东村1组9号",
    }
    log = (await post(http, AUDIT, token("C", Grant.ADMIN, sub="root"))).json()["data"]["auditLog"]
    writes = [e for e in log["nodes"] if e["kind"] == "WRITE"]
    assert writes == [
        {
            "actor": "editor-v1",
            "scope": "C-T1-V1",
            "roles": ["EDITOR"],
            "operation": "Readdress/updateHousehold",
            "kind": "WRITE",
            "ids": [rid("C-T1-V1-H01")],
        }
    ]


async def test_a_write_outside_the_scope_is_not_found_and_leaves_nothing(
    http: httpx.AsyncClient, world: RolledBackDatabase
) -> None:
    h11 = to_global_id("Household", rid("C-T1-V2-H11"))  # in C-T1-V2
    missing = to_global_id("Household", "id-NOPE")
    editor = token("C-T1-V1", Grant.EDITOR)
    outside = (await post(http, UPDATE_HOUSEHOLD, editor, id=h11)).json()
    absent = (await post(http, UPDATE_HOUSEHOLD, editor, id=missing)).json()
    assert outside["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert outside["errors"][0]["message"] == absent["errors"][0]["message"]
    assert await count(world, "MATCH (e:AuditEvent) RETURN count(e) AS n") == 0
    assert (
        await count(
            world,
            "MATCH (h:Household {code: 'C-T1-V2-H11'}) WHERE h.address = '一号镇东村1组9号' RETURN count(h) AS n",
        )
        == 0
    )


async def test_both_ends_of_a_new_relationship_must_be_in_scope(
    http: httpx.AsyncClient, world: RolledBackDatabase
) -> None:
    # P09 chairs C-T1-V2; an editor of C-T1-V1 may not appoint her into V1.
    query = """mutation($p: ID!, $o: ID!) { appoint(personId: $p, organizationId: $o, role: EXECUTIVE,
               since: "2024-05-01") { position { role } } }"""
    variables = {"p": to_global_id("Person", rid("P09")), "o": to_global_id("Organization", rid("C-T1-V1"))}
    body = (await post(http, query, token("C-T1-V1", Grant.EDITOR), **variables)).json()
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert body["errors"][0]["message"] == "personId: no person has that id"
    body = (await post(http, query, token("C-T1", Grant.EDITOR), **variables)).json()
    assert body["data"]["appoint"]["position"]["role"] == "EXECUTIVE"


async def test_scoped_editors_cannot_create_roots_or_people_without_a_home(http: httpx.AsyncClient) -> None:
    editor = token("C-T1", Grant.EDITOR)
    root = """mutation { createOrganization(input: {code: "X", name: "新县妇联", kind: FEDERATION,
              level: COUNTY}) { organization { code } } }"""
    body = (await post(http, root, editor)).json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    homeless = """mutation { createPerson(input: {code: "P99", name: "王芳"}) { person { code } } }"""
    body = (await post(http, homeless, editor)).json()
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "input.householdId"}


PHONES = """query Phones { organization(code: "C-T1-V1") {
  positions { nodes { person { code phone } } } } }"""
NAMES = """query Names { organization(code: "C-T1-V1") { positions { nodes { person { code name } } } } }"""


async def test_unmasked_reads_are_audited_masked_ones_are_not(
    http: httpx.AsyncClient, world: RolledBackDatabase
) -> None:
    viewer = (await post(http, PHONES, token("C-T1-V1", Grant.VIEWER))).json()
    assert viewer["data"]["organization"]["positions"]["nodes"]
    await post(http, NAMES, token("C-T1-V1", Grant.EDITOR))
    assert await count(world, "MATCH (e:AuditEvent) RETURN count(e) AS n") == 0
    editor = (await post(http, PHONES, token("C-T1-V1", Grant.EDITOR, sub="ed"))).json()
    people = {n["person"]["code"] for n in editor["data"]["organization"]["positions"]["nodes"]}
    log = (await post(http, AUDIT, token("C", Grant.ADMIN))).json()["data"]["auditLog"]["nodes"]
    reads = [e for e in log if e["kind"] == "READ"]
    assert len(reads) == 1 and reads[0]["actor"] == "ed" and reads[0]["operation"] == "Phones"
    # Everyone whose phone or birth date left Neo4j unmasked (P04 has neither).
    rows = await world.execute(
        "MATCH (p:Person) WHERE p.code IN $codes AND (p.phone IS NOT NULL OR p.birthDate IS NOT NULL)"
        " RETURN collect(p.id) AS ids",
        codes=sorted(people),
    )
    assert sorted(reads[0]["ids"]) == sorted(rows[0]["ids"]) and rows[0]["ids"]


async def test_the_audit_log_is_for_admins_of_an_enclosing_scope(http: httpx.AsyncClient) -> None:
    h01 = to_global_id("Household", rid("C-T1-V1-H01"))
    await post(http, UPDATE_HOUSEHOLD, token("C-T1-V1", Grant.EDITOR), id=h01)
    body = (await post(http, AUDIT, token("C", Grant.EDITOR))).json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    township = (await post(http, AUDIT, token("C-T1", Grant.ADMIN))).json()["data"]["auditLog"]["nodes"]
    assert [e["scope"] for e in township] == ["C-T1-V1"]
    sibling = (await post(http, AUDIT, token("C-T2", Grant.ADMIN))).json()["data"]["auditLog"]["nodes"]
    assert sibling == []


async def test_the_audit_log_counts_the_events_an_admin_may_read(http: httpx.AsyncClient) -> None:
    for code in ("C-T1-V1-H01", "C-T1-V1-H02"):
        await post(
            http, UPDATE_HOUSEHOLD, token("C-T1-V1", Grant.EDITOR), id=to_global_id("Household", rid(code))
        )
    counted = """query($kind: String) { auditLog(kind: $kind, first: 1) {
      totalCount pageInfo { hasNextPage } nodes { kind } } }"""
    log = (await post(http, counted, token("C-T1", Grant.ADMIN))).json()["data"]["auditLog"]
    assert log == {"totalCount": 2, "pageInfo": {"hasNextPage": True}, "nodes": [{"kind": "WRITE"}]}
    reads = (await post(http, counted, token("C-T1", Grant.ADMIN), kind="READ")).json()["data"]["auditLog"]
    assert reads["totalCount"] == 0
    sibling = (await post(http, counted, token("C-T2", Grant.ADMIN))).json()["data"]["auditLog"]
    assert sibling["totalCount"] == 0


def test_production_refuses_the_dev_secret_and_auth_off() -> None:
    with pytest.raises(ValueError, match="ORGGRAPH_JWT_SECRET"):
        create_app(Settings(mode="production", auth=True, jwt_secret=None, jwt_public_key=None))
    with pytest.raises(ValueError, match="ORGGRAPH_AUTH=off"):
        create_app(Settings(mode="production", auth=False, jwt_secret=SECRET))
    create_app(Settings(mode="production", auth=True, jwt_secret=SECRET))


def test_a_remembered_token_still_expires() -> None:
    policy = TokenPolicy("HS256", SECRET, "orggraph", leeway_seconds=0)
    minted = token("C-T1", Grant.EDITOR, lifetime=dt.timedelta(seconds=1))
    assert policy.verify(minted) is policy.verify(minted)  # the second from memory
    assert policy.verify(minted).scope == "C-T1"
    time.sleep(1.1)
    with pytest.raises(Unauthenticated, match="expired"):
        policy.verify(minted)
    forged = minted[:-2] + ("AA" if not minted.endswith("AA") else "BB")
    with pytest.raises(Unauthenticated, match="signature"):
        policy.verify(forged)
