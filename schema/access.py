"""The caller in the schema: `me`, the ADMIN's audit log, and the per-operation
access extension (mutations only for writers, unmasked reads logged)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Self

import strawberry
from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    Visitor,
    visit,
)
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from graph import model
from graph.audit import record_reads
from graph.errors import DatabaseUnavailable
from schema.arguments import After, First
from schema.context import Context, Info
from schema.relay import Connection, connection, from_global_id

log = logging.getLogger("orggraph.audit")

# The one list of fields whose values are personal data or derive from it (and
# `tag:`, a filter that reveals care tags): selecting any of them makes the
# request's unmasked reads count (a READ audit event). An exact age on a chosen
# day pins the birth date, so `age` counts, and so do the term statistics'
# figures computed from birth dates (their Cypher hands the audit trail the
# people they were computed from). docs/access.md lists them.
PERSONAL_FIELDS = frozenset(
    {
        "phone",
        "birthDate",
        "address",
        "tags",
        "age",
        "youngest",
        "youngestAge",
        "aged45OrUnder",
        "shareAged45OrUnder",
    }
)


@strawberry.type(description="Who is asking: the token's subject, scope and roles.")
class Caller:
    subject: str = strawberry.field(description="The token's subject (`sub`): who the caller is.")
    scope: str | None = strawberry.field(
        description="Code of the organization whose subtree the caller sees; null: the whole graph."
    )
    roles: list[str] = strawberry.field(
        description="The token's roles: VIEWER, ANALYST, EDITOR, ADMIN (查看, 分析, 编辑, 管理)."
    )
    personal_data: bool = strawberry.field(
        description="Whether phone, birth date, address and care tags are shown unmasked."
    )


@strawberry.type(
    description="An audit-log entry: a mutation (WRITE) or a read of unmasked personal data (READ)."
)
class AuditEvent:
    id: strawberry.ID = strawberry.field(description="The event's id.")
    at: dt.datetime = strawberry.field(description="When it happened (UTC).")
    actor: str = strawberry.field(description="The token's subject.")
    scope: str | None = strawberry.field(
        description="The code of the organization whose subtree the caller saw; null: the whole graph."
    )
    roles: list[str] = strawberry.field(description="The caller's roles.")
    operation: str = strawberry.field(description="GraphQL operation name, and the mutation field.")
    kind: str = strawberry.field(description="WRITE or READ.")
    ids: list[str] = strawberry.field(description="Raw ids of the objects written or read.")

    @classmethod
    def of(cls, r: model.AuditEvent) -> Self:
        return cls(
            id=strawberry.ID(r.id),
            at=r.at,
            actor=r.actor,
            scope=r.scope,
            roles=list(r.roles),
            operation=r.operation,
            kind=r.kind,
            ids=list(r.ids),
        )


@strawberry.type(description="The caller and the audit log (part of Query).")
class AccessQuery:
    """The caller and the audit log."""

    @strawberry.field(description="The caller this request is made as.")
    def me(self, info: Info) -> Caller:
        access = info.context.access
        return Caller(
            subject=access.subject,
            scope=access.scope,
            roles=sorted(access.grants),
            personal_data=access.reveal,
        )

    @strawberry.field(
        description="The audit log, newest first (ADMIN only): events of callers whose scope lies "
        "within the ADMIN's, and writes that changed something in her scope (side effects included). "
        "Filter by `actor`, `kind` (WRITE, READ) or an object's global id (`touching`)."
    )
    async def audit_log(
        self,
        info: Info,
        actor: Annotated[
            str | None, strawberry.argument(description="Only events of this token subject.")
        ] = None,
        kind: Annotated[
            str | None, strawberry.argument(description="Only WRITE (mutations) or READ (unmasked reads).")
        ] = None,
        touching: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only events that wrote or read this object (a global id)."),
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[AuditEvent]:
        info.context.require_admin()
        raw = None if touching is None else from_global_id(touching)[1]
        page = await info.context.loaders.audit_log(
            actor=actor, kind=kind, touching=raw, page=info.context.page(info, first, after)
        )
        return connection(page, AuditEvent.of, after)


class AccessControl(SchemaExtension):
    """Per operation: mutations only for EDITOR and ADMIN (refused before any
    resolver runs), the operation's name on the audit trail, and, when it ends,
    one READ audit event listing whose personal data it read unmasked."""

    async def on_execute(self) -> AsyncIterator[None]:
        ec = self.execution_context
        context = ec.context
        if not isinstance(context, Context) or ec.graphql_document is None:
            yield
            return
        trail = context.trail
        trail.operation = ec.operation_name or _root_fields(ec.graphql_document)
        if ec.operation_type is OperationType.MUTATION and not context.access.may_write:
            ec.result = ExecutionResult(
                data=None,
                errors=[
                    GraphQLError(
                        "changing the graph needs the EDITOR or ADMIN role",
                        extensions={"code": "FORBIDDEN"},
                    )
                ],
            )
        trail.watch_reads = context.access.reveal and selects_personal(ec.graphql_document)
        yield
        if not trail.revealed:
            return
        try:
            await record_reads(context.loaders.db, trail)
        except DatabaseUnavailable as e:
            # Personal data is only handed out once its reading is on record.
            log.error("could not record an audit event: %s", e)
            result = ec.result
            if result is not None:
                result.data = None
                result.errors = [
                    GraphQLError(
                        "the read could not be recorded in the audit log; try again shortly",
                        extensions={"code": "SERVICE_UNAVAILABLE"},
                    )
                ]


def selects_personal(document: DocumentNode) -> bool:
    """Whether any field of the document (fragments included) is personal data
    or filters (by a tag, or with `filter` / `orderBy`). Remembered per document: the parser cache hands the
    same document to every request with the same query text."""
    known = _SELECTS_PERSONAL.get(id(document))
    if known is not None and known[0] is document:
        return known[1]
    finder = _PersonalFinder()
    visit(document, finder)
    if len(_SELECTS_PERSONAL) >= 1024:
        _SELECTS_PERSONAL.clear()
    _SELECTS_PERSONAL[id(document)] = (document, finder.found)
    return finder.found


# id(document) -> (the document, whether it selects personal data); the document
# is kept so its id cannot be reused by another while remembered.
_SELECTS_PERSONAL: dict[int, tuple[DocumentNode, bool]] = {}


# Arguments that filter or sort by personal data (a care tag, an age, a birth
# date): what they select was chosen by it, so its reading is recorded.
_FILTERING = frozenset({"tag", "filter", "orderBy"})


class _PersonalFinder(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_field(self, node: FieldNode, *_: object) -> object:
        if node.name.value in PERSONAL_FIELDS or any(
            a.name.value in _FILTERING for a in node.arguments or ()
        ):
            self.found = True
            return Visitor.BREAK
        return None


def _root_fields(document: DocumentNode) -> str:
    names: list[str] = []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            selections = definition.selection_set.selections
            names.extend(s.name.value for s in selections if isinstance(s, FieldNode))
    return ",".join(names)
