"""Persisted documents through the real app (service/persisted.py): trusted
documents by `documentId`, Apollo's APQ registration and its bounded store,
the `required` mode by role, and the trusted documents' start-up checks."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph.access import Grant
from graph.driver import Database
from schema.build import build_schema
from schema.limits import Limits
from service.persisted import DOCUMENT_FOLDERS, load_trusted
from tests.test_http_protocol import AS_NEW, GRAPHQL_RESPONSE, bearer, refused, serving

DOCUMENTS = DOCUMENT_FOLDERS[0]
ME = (DOCUMENTS / "Me.graphql").read_text()
ME_ID = "sha256:" + hashlib.sha256(ME.encode()).hexdigest()
UNLISTED = "{ me { subject roles } }"


def apq(text: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(text.encode()).hexdigest()}}


def data(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def test_a_trusted_document_by_its_id_over_get_and_post(database: Database) -> None:
    async with serving(database) as http:
        response = await http.get("/graphql", params={"documentId": ME_ID})
        assert data(response)["me"]["subject"] == "client"
        # A persisted GET may be cached, privately and per token.
        assert response.headers["cache-control"] == "private"
        assert "Authorization" in response.headers["vary"]
        assert data(await http.post("/graphql", json={"documentId": ME_ID}))["me"]["roles"] == ["VIEWER"]
        # A plain GET is not marked cacheable.
        plain = await http.get("/graphql", params={"query": ME})
        assert "cache-control" not in plain.headers

        unknown = {"documentId": "sha256:" + "0" * 64}
        assert "sha256:000" in refused(
            await http.post("/graphql", json=unknown), 200, "PERSISTED_QUERY_NOT_FOUND"
        )
        refused(
            await http.post("/graphql", json=unknown, headers=AS_NEW),
            404,
            "PERSISTED_QUERY_NOT_FOUND",
            GRAPHQL_RESPONSE,
        )
        refused(await http.post("/graphql", json={"documentId": "md5:abc"}), 400, "BAD_REQUEST")
        refused(await http.post("/graphql", json={"documentId": ME_ID, "query": ME}), 400, "BAD_REQUEST")


async def test_apollo_apq_registers_a_text_that_passed_every_check(database: Database) -> None:
    async with serving(database, registered_documents=2) as http:
        ask = {"extensions": apq(UNLISTED)}
        # Unknown hash: the code Apollo's link answers by sending the text with the hash.
        refused(await http.post("/graphql", json=ask), 200, "PERSISTED_QUERY_NOT_FOUND")
        over_get = {"extensions": json.dumps(ask["extensions"])}
        refused(await http.get("/graphql", params=over_get), 200, "PERSISTED_QUERY_NOT_FOUND")
        assert data(await http.post("/graphql", json={"query": UNLISTED, **ask}))["me"]["subject"] == "client"
        assert data(await http.post("/graphql", json=ask))["me"]["roles"] == ["VIEWER"]
        # The hash must be the text's.
        wrong = {"query": "{ __typename }", **ask}
        assert "not the SHA-256" in refused(await http.post("/graphql", json=wrong), 400, "BAD_REQUEST")
        refused(
            await http.post("/graphql", json={"extensions": {"persistedQuery": {"version": 2}}}),
            400,
            "BAD_REQUEST",
        )

        # A text over a limit runs through every check and is refused: it is not registered.
        costly = "{ organizations(first: 100) { nodes { children(first: 100) { nodes { children(first: 100) { nodes { children(first: 100) { nodes { code } } } } } } } } }"
        refused(
            await http.post("/graphql", json={"query": costly, "extensions": apq(costly)}),
            200,
            "QUERY_TOO_COSTLY",
        )
        refused(
            await http.post("/graphql", json={"extensions": apq(costly)}), 200, "PERSISTED_QUERY_NOT_FOUND"
        )

        # The store keeps the 2 most recently used texts.
        for text in ("{ a: __typename }", "{ b: __typename }"):
            data(await http.post("/graphql", json={"query": text, "extensions": apq(text)}))
        refused(await http.post("/graphql", json=ask), 200, "PERSISTED_QUERY_NOT_FOUND")
        assert data(await http.post("/graphql", json={"extensions": apq("{ b: __typename }")})) == {
            "b": "Query"
        }


async def test_required_lets_viewers_and_editors_run_only_trusted_documents(database: Database) -> None:
    async with serving(database, trusted_documents="required") as http:
        for role in (Grant.VIEWER, Grant.EDITOR):
            caller = bearer(role)
            assert data(await http.post("/graphql", json={"documentId": ME_ID}, headers=caller))
            # The trusted text itself, and its canonical print, are trusted too.
            assert data(await http.post("/graphql", json={"query": ME}, headers=caller))
            assert data(
                await http.post(
                    "/graphql",
                    json={"query": "query Me { me { subject scope roles personalData } }"},
                    headers=caller,
                )
            )
            response = await http.post("/graphql", json={"query": UNLISTED}, headers=caller)
            assert "trusted documents" in refused(response, 200, "TRUSTED_DOCUMENT_REQUIRED")
            response = await http.post("/graphql", json={"query": UNLISTED}, headers={**caller, **AS_NEW})
            refused(response, 403, "TRUSTED_DOCUMENT_REQUIRED", GRAPHQL_RESPONSE)
            # APQ registration of an unlisted text is refused, and nothing is registered.
            registration = {"query": UNLISTED, "extensions": apq(UNLISTED)}
            refused(
                await http.post("/graphql", json=registration, headers=caller),
                200,
                "TRUSTED_DOCUMENT_REQUIRED",
            )
        refused(
            await http.post("/graphql", json={"extensions": apq(UNLISTED)}), 200, "PERSISTED_QUERY_NOT_FOUND"
        )
        for role in (Grant.ANALYST, Grant.ADMIN):
            caller = bearer(role)
            assert data(await http.post("/graphql", json={"query": UNLISTED}, headers=caller))["me"]
        # What an analyst registered is still not trusted for a viewer.
        registration = {"query": UNLISTED, "extensions": apq(UNLISTED)}
        assert data(await http.post("/graphql", json=registration, headers=bearer(Grant.ANALYST)))
        refused(
            await http.post("/graphql", json={"extensions": apq(UNLISTED)}), 200, "TRUSTED_DOCUMENT_REQUIRED"
        )


async def test_off_refuses_hashes_and_runs_texts(database: Database) -> None:
    async with serving(database, trusted_documents="off") as http:
        refused(await http.post("/graphql", json={"documentId": ME_ID}), 200, "PERSISTED_QUERY_NOT_SUPPORTED")
        refused(
            await http.post("/graphql", json={"extensions": apq(ME)}), 200, "PERSISTED_QUERY_NOT_SUPPORTED"
        )
        assert data(await http.post("/graphql", json={"query": UNLISTED}))


def test_every_shipped_document_is_trusted() -> None:
    schema = build_schema()._schema
    trusted = load_trusted(DOCUMENT_FOLDERS, schema, Limits())
    files = [path for folder in DOCUMENT_FOLDERS if folder.is_dir() for path in folder.glob("*.graphql")]
    assert len(files) >= 6
    for path in files:
        assert hashlib.sha256(path.read_bytes()).hexdigest() in trusted, path


def test_a_document_invalid_or_over_a_limit_is_left_out(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "Deep.graphql").write_text("{ organizations { nodes { children { nodes { code } } } } }")
    (tmp_path / "Invalid.graphql").write_text("{ noSuchField }")
    (tmp_path / "Fine.graphql").write_text("{ __typename }")
    with caplog.at_level(logging.ERROR, logger="orggraph.persisted"):
        trusted = load_trusted([tmp_path], build_schema()._schema, Limits(max_depth=2))
    assert set(trusted.values()) == {"{ __typename }"}
    assert "Deep.graphql is over a limit: the query is 4 levels deep; the limit is 2" in caplog.text
    assert "Invalid.graphql is not valid" in caplog.text


async def test_start_up_warms_the_plans_of_the_compiled_trusted_queries(demo: Database) -> None:
    import datetime as dt

    from service.warmup import warm_plan_cache

    schema = build_schema()._schema
    documents, explorer = DOCUMENT_FOLDERS
    texts = load_trusted([documents], schema, Limits()).values()
    # OrganizationTree and Board are answered by the compiled path; the others are not.
    assert await warm_plan_cache(demo, schema, texts, dt.date(2024, 1, 1), (20, 100)) == 2
    # The explorer's board, person and lineage views are compiled too.
    texts = load_trusted([explorer], schema, Limits()).values()
    assert await warm_plan_cache(demo, schema, texts, dt.date(2024, 1, 1), (20, 100)) >= 1
