"""Per-request DataLoaders: each batches the keys asked for during one request
into one call of a `graph/` batch function, so a nested query costs a bounded
number of round trips whatever the size of its result."""

from loaders.context import Loaders

__all__ = ["Loaders"]
