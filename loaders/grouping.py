"""Loaders whose keys carry arguments (a filter, a date, a page).

A key is `(id, args)`; keys are grouped by `args` and each group becomes one
call of the batch function, so the number of queries depends on how many
different argument sets a request uses, never on how many ids it touches.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

from loaders.shielded import ShieldedLoader

A = TypeVar("A", bound=Hashable)
R = TypeVar("R")

BatchWithArgs = Callable[[Sequence[str], A], Awaitable[list[R]]]


def grouped_loader(batch: BatchWithArgs[A, R]) -> DataLoader[tuple[str, A], R]:
    async def load(keys: list[tuple[str, A]]) -> list[R]:
        groups: dict[A, list[int]] = {}
        for index, (_, args) in enumerate(keys):
            groups.setdefault(args, []).append(index)
        results: dict[int, R] = {}
        for args, indexes in groups.items():
            found = await batch([keys[i][0] for i in indexes], args)
            results.update(zip(indexes, found, strict=True))
        return [results[i] for i in range(len(keys))]

    return ShieldedLoader(load_fn=load)
