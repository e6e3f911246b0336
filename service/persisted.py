"""Persisted documents: a request may name its GraphQL document by hash instead
of sending the text.

- Trusted documents: the `.graphql` files of `service/documents/` (the README's
  and the reference's examples) and, when it exists, `service/explorer/graphql/`
  (the explorer's operations), loaded at start-up; each is parsed, validated
  and measured once against every operation limit, and one that fails is
  logged as an error and left out (tests keep the shipped ones valid). A
  document is known by the SHA-256 of its file text and of its canonical print.
- Two ways to name one: GraphQL over HTTP's Appendix A `documentId:
  "sha256:<hex>"`, and Apollo's automatic persisted queries (APQ)
  `extensions.persistedQuery {version: 1, sha256Hash}`. An unknown hash gets
  the GraphQL error PERSISTED_QUERY_NOT_FOUND; an APQ client then sends the
  hash with the text, which is registered once it has passed every check
  (parsing, validation, the limits) like any other text. Registered texts are
  kept per process in a bounded LRU: replicas each register on their own miss,
  as the APQ protocol allows.
- ORGGRAPH_TRUSTED_DOCUMENTS: `off` (hashes refused with
  PERSISTED_QUERY_NOT_SUPPORTED, texts accepted), `optional` (the default:
  hashes and texts accepted), `required` (recommended in production: a VIEWER
  or EDITOR may only run trusted documents, by hash or by their exact text;
  anything else, an APQ registration too, is refused with
  TRUSTED_DOCUMENT_REQUIRED; an ANALYST or ADMIN may still send any text).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from graphql import (
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    parse,
    print_ast,
    validate,
)
from strawberry.types import ExecutionResult

from graph.access import Access, Grant
from schema.limits import Limits, coerced_variables, measure, refusals
from service.protocol import Params, bad_request, request_error

log = logging.getLogger("orggraph.persisted")

SERVICE = Path(__file__).resolve().parent
DOCUMENT_FOLDERS = (SERVICE / "documents", SERVICE / "explorer" / "graphql")
_HASH = re.compile(r"[0-9a-f]{64}")
# Callers who may run documents outside the trusted list in `required` mode.
_FREE_TEXT = frozenset({Grant.ANALYST, Grant.ADMIN})


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def canonical(text: str, max_tokens: int | None = None) -> str | None:
    """The document as graphql-js and graphql-core print it, or None when it does not parse."""
    try:
        return print_ast(parse(text, no_location=True, max_tokens=max_tokens))
    except GraphQLError:
        return None


def load_trusted(folders: Iterable[Path], schema: GraphQLSchema, limits: Limits) -> dict[str, str]:
    """Every `.graphql` file of `folders` by the hashes of its text and of its
    canonical print; one that is invalid or over a limit is logged and left out."""
    documents: dict[str, str] = {}
    for folder in folders:
        for path in sorted(folder.glob("*.graphql")) if folder.is_dir() else ():
            text = path.read_text(encoding="utf-8")
            try:
                check_document(text, schema, limits, str(path))
            except ValueError as e:
                log.error("%s; it is not trusted", e)
                continue
            documents[sha256(text)] = text
            printed = canonical(text)
            if printed is not None:
                documents.setdefault(sha256(printed), text)
    return documents


def check_document(text: str, schema: GraphQLSchema, limits: Limits, name: str) -> None:
    """Parse, validate and measure each operation of a document (variables
    absent: lists count as default pages)."""
    try:
        document = parse(text, max_tokens=limits.max_tokens)
    except GraphQLError as e:
        raise ValueError(f"trusted document {name}: {e.message}") from None
    errors = validate(schema, document)
    if errors:
        raise ValueError(f"trusted document {name} is not valid: {errors[0].message}")
    for operation in document.definitions:
        if isinstance(operation, OperationDefinitionNode):
            found = measure(
                schema,
                document,
                operation,
                coerced_variables(schema, operation, {}),
                default_page_size=limits.default_page_size,
                max_page_size=limits.max_page_size,
            )
            over = refusals(found, limits)
            if over:
                raise ValueError(f"trusted document {name} is over a limit: {over[0].message}")


@dataclass(frozen=True)
class Document:
    """The text a request runs, whether it was named by hash, and the APQ hash
    to register it under once it has passed every check."""

    text: str
    by_hash: bool = False
    register_as: str | None = None


class PersistedDocuments:
    """The trusted documents and the registered (APQ) texts of one process."""

    def __init__(self, mode: str, trusted: dict[str, str], capacity: int, max_tokens: int) -> None:
        self.mode = mode
        self.trusted = trusted
        self.capacity = capacity
        self.max_tokens = max_tokens
        self.registered: OrderedDict[str, str] = OrderedDict()
        self._trusted_texts = frozenset(trusted.values())

    def document(self, params: Params, access: Access) -> Document | ExecutionResult:
        """The text `params` ask to run, or a request error to answer with."""
        found = self._named(params)
        if isinstance(found, ExecutionResult):
            return found
        if self.mode == "required" and not (access.grants & _FREE_TEXT) and not self.trusts(found.text):
            return request_error(
                "TRUSTED_DOCUMENT_REQUIRED",
                "this service runs only its trusted documents for your role: send the documentId "
                "of one (docs/clients.md), or ask for the ANALYST role",
            )
        return found

    def _named(self, params: Params) -> Document | ExecutionResult:
        apq = (params.extensions or {}).get("persistedQuery")
        if params.document_id is None and apq is None:
            if params.query is None:
                raise bad_request("no GraphQL query: send `query` (or a persisted document's `documentId`)")
            return Document(params.query)
        if self.mode == "off":
            return request_error("PERSISTED_QUERY_NOT_SUPPORTED", "persisted documents are turned off here")
        if params.document_id is not None:
            if params.query is not None:
                raise bad_request("send either `query` or `documentId`, not both")
            prefix, _, digest = params.document_id.partition(":")
            if prefix != "sha256" or not _HASH.fullmatch(digest):
                raise bad_request("`documentId` must be 'sha256:' and 64 lowercase hex digits")
            return self._lookup(digest)
        if not isinstance(apq, dict) or apq.get("version") != 1:
            raise bad_request("extensions.persistedQuery must be {version: 1, sha256Hash}")
        hashed = apq.get("sha256Hash")
        if not isinstance(hashed, str) or not _HASH.fullmatch(hashed):
            raise bad_request("extensions.persistedQuery.sha256Hash must be 64 lowercase hex digits")
        if params.query is None:
            return self._lookup(hashed)
        if sha256(params.query) != hashed:
            raise bad_request("extensions.persistedQuery.sha256Hash is not the SHA-256 of `query`")
        return Document(params.query, register_as=None if hashed in self.trusted else hashed)

    def _lookup(self, digest: str) -> Document | ExecutionResult:
        text: str | None = self.trusted.get(digest)
        if text is None:
            text = self.registered.get(digest)
            if text is not None:
                self.registered.move_to_end(digest)
        if text is None:
            return request_error(
                "PERSISTED_QUERY_NOT_FOUND",
                f"PersistedQueryNotFound: no document sha256:{digest} here; send it again with its text",
            )
        return Document(text, by_hash=True)

    def is_trusted_text(self, text: str) -> bool:
        """Whether `text` is a trusted document's exact text (what a request by hash runs)."""
        return text in self._trusted_texts

    def trusts(self, text: str) -> bool:
        if text in self._trusted_texts or sha256(text) in self.trusted:
            return True
        printed = canonical(text, self.max_tokens)
        return printed is not None and sha256(printed) in self.trusted

    def register(self, digest: str, text: str) -> None:
        """Keep a text that passed every check under its APQ hash (the least
        recently used one is forgotten when the store is full)."""
        self.registered[digest] = text
        self.registered.move_to_end(digest)
        while len(self.registered) > self.capacity:
            self.registered.popitem(last=False)
