"""The explorer's GraphQL documents (service/explorer/graphql/*.graphql) are
valid against the served schema: a schema change that would break a view of the
explorer fails here. Each file holds one named operation, named as the file, so
the files can serve as trusted (persisted) documents."""

from __future__ import annotations

import pytest
from graphql import OperationDefinitionNode, parse, validate

from service.explorer import DOCUMENTS_DIR, documents, explorer_page_labels
from service.limits import schema_for
from service.settings import Settings

DOCUMENTS = documents()


def test_the_page_has_its_documents() -> None:
    assert {"Me", "OrgTree", "Organization", "Coverage", "Funnel", "Person", "Lineage", "Stats"} <= set(
        DOCUMENTS
    )


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_document_is_one_named_operation_valid_against_the_schema(name: str) -> None:
    schema = schema_for(Settings())._schema
    document = parse(DOCUMENTS[name])
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    assert len(operations) == 1, f"{name}.graphql must hold exactly one operation"
    assert operations[0].name is not None and operations[0].name.value == name
    assert validate(schema, document) == []


def test_no_document_selects_active_on_positions_or_coverage() -> None:
    # Position.active and Coverage.active take a date soon; the page filters with
    # positions(activeOn:) / history instead.
    for name, text in DOCUMENTS.items():
        assert " active " not in f" {text} ".replace("\n", " "), name


def test_a_broken_document_would_fail() -> None:
    schema = schema_for(Settings())._schema
    assert validate(schema, parse('query Broken { organization(code: "QX") { noSuchField } }'))
    assert DOCUMENTS_DIR.is_dir()


def test_enum_labels_come_from_the_schema() -> None:
    labels = explorer_page_labels()
    assert labels["Role"]["EXECUTIVE"] == "执委"
    assert labels["Stage"]["PARTY_ACTIVIST"] == "入党积极分子"
    assert labels["HouseholdTag"]["LEFT_BEHIND_CHILD"] == "留守儿童"
