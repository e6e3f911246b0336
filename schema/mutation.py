"""The root Mutation type: every change to the graph, each one Neo4j transaction.

Resolvers check what the input says on its own (ids, codes, blank text) and call
`graph.writes`, whose rules raise NOT_FOUND or CONFLICT before anything is
written. After a write, the request's loaders are replaced, so anything the
payload (or a later mutation of the same request) reads sees the change.
"""

from __future__ import annotations

import strawberry

from schema.mutations.entities import EntityMutations
from schema.mutations.links import LinkMutations
from schema.mutations.terms import TermMutations
from schema.mutations.work import WorkMutations


@strawberry.type(
    description="Changes to the graph, for EDITOR and ADMIN inside their scope. Each mutation is one "
    "transaction with its audit event: it happens whole or not at all. Errors: FORBIDDEN (the "
    "caller's roles), BAD_USER_INPUT (extensions.argument names the field), NOT_FOUND (an id that "
    "does not exist or lies outside the caller's scope, or whose change would end or move a "
    "relationship reaching outside it), CONFLICT (a rule of the graph says no; the message says "
    "which, naming only what the caller may see)."
)
class Mutation(EntityMutations, TermMutations, LinkMutations, WorkMutations):
    """Each base holds the mutations of one area, in the order the schema prints them."""
