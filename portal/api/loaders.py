"""Per-request batching: a loader collects the keys a page will need and fetches them in ONE statement.

A list resolver primes the loader with every key on its page; the first child that asks for one key loads all primed
keys at once, so ``first: 10`` and ``first: 100`` run the same number of statements. Loaders live in the request
context and die with it: never shared across requests or tenants.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any

BatchFn = Callable[[list[Hashable]], dict[Hashable, Any]]


class Loader:
    """Caches values by key for one request and fetches pending keys together."""

    def __init__(self, batch: BatchFn):
        self._batch = batch
        self._cache: dict[Hashable, Any] = {}
        self._pending: set[Hashable] = set()
        self.batches = 0

    def prime(self, keys: Iterable[Hashable]) -> None:
        """Announce keys that will be asked for soon."""
        self._pending.update(k for k in keys if k not in self._cache)

    def load(self, key: Hashable) -> Any:
        """The value for ``key`` (None when absent), fetching every pending key in the same batch."""
        if key not in self._cache:
            keys = list(self._pending | {key})
            self._pending.clear()
            found = self._batch(keys)
            self.batches += 1
            for k in keys:
                self._cache[k] = found.get(k)
        return self._cache[key]

    def load_many(self, keys: Iterable[Hashable]) -> list[Any]:
        """Values for ``keys`` in order, in at most one batch."""
        keys = list(keys)
        self.prime(keys)
        return [self.load(k) for k in keys]


class Loaders:
    """The request's loaders by name."""

    def __init__(self) -> None:
        self._loaders: dict[str, Loader] = {}

    def get(self, name: str, batch: BatchFn) -> Loader:
        """The loader called ``name``, created with ``batch`` on first use."""
        loader = self._loaders.get(name)
        if loader is None:
            loader = self._loaders[name] = Loader(batch)
        return loader
