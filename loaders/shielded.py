"""A DataLoader whose shared results survive the cancellation of one waiter.

When a non-null field fails, graphql-core cancels its siblings' resolvers. A
cancelled task cancels the future it awaits, and a DataLoader hands the same
future to every resolver asking for the same key, so resolvers elsewhere in the
answer would receive CancelledError, which escapes GraphQL's error handling.
Each waiter here awaits a shield of the shared future instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

K = TypeVar("K")
T = TypeVar("T")


class ShieldedLoader(DataLoader[K, T]):
    def load(self, key: K) -> Awaitable[T]:
        shared: Any = super().load(key)
        return asyncio.shield(shared)
