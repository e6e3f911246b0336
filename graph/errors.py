"""OrgGraph's error tree. Neo4j's exceptions are translated into these at the
`graph/` edge; the GraphQL layer turns each into an error whose
`extensions.code` is the class's `code`.

    OrgGraphError                  INTERNAL_SERVER_ERROR
    ├── BadInput                   BAD_USER_INPUT     (names the offending argument)
    ├── NotFound                   NOT_FOUND
    ├── Conflict                   CONFLICT           (a rule or constraint said no)
    ├── Forbidden                  FORBIDDEN          (the caller's roles do not allow it)
    └── DatabaseUnavailable        SERVICE_UNAVAILABLE (Neo4j down or unreachable)
"""

from __future__ import annotations


class OrgGraphError(Exception):
    """Base of every error OrgGraph raises on purpose."""

    code = "INTERNAL_SERVER_ERROR"

    def extensions(self) -> dict[str, object]:
        """What the GraphQL error carries beside `code` (e.g. the argument at fault)."""
        return {}


class BadInput(OrgGraphError):
    """An argument is malformed or out of range."""

    code = "BAD_USER_INPUT"

    def __init__(self, message: str, *, argument: str | None = None) -> None:
        super().__init__(message)
        self.argument = argument

    def extensions(self) -> dict[str, object]:
        return {"argument": self.argument} if self.argument else {}


class NotFound(OrgGraphError):
    code = "NOT_FOUND"


class Conflict(OrgGraphError):
    code = "CONFLICT"


class Forbidden(OrgGraphError):
    """The caller's roles do not allow this (e.g. a VIEWER calling a mutation).
    Objects outside her scope are never Forbidden: they are NotFound, as if absent."""

    code = "FORBIDDEN"


class DatabaseUnavailable(OrgGraphError):
    """Neo4j cannot be reached or cannot serve right now; retrying later may work."""

    code = "SERVICE_UNAVAILABLE"


class CursorExpired(OrgGraphError):
    """A change-feed cursor older than the events the feed still keeps
    (ORGGRAPH_CHANGES_KEEP_DAYS): the caller must re-read what she needs and
    start again from a fresh cursor."""

    code = "CURSOR_EXPIRED"
