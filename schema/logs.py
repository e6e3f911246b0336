"""Strawberry's own error logging (every error, each with its traceback) is
turned off: a request's errors are logged once, as one line or one JSON object
naming their codes (service/requestlog.py), and only an unexpected error gets
a traceback, logged once by schema/errors.py under its error id.
"""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext


class LoggingSchema(strawberry.federation.Schema):
    """The federation schema, without Strawberry's error logging."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        pass
