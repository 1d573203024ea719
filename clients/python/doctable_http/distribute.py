"""``Distribute(n).map_chunk(func, elements, *args)``: DocTable's way of fanning work out over processes."""

from __future__ import annotations

import multiprocessing
from typing import Any, Callable, List, Sequence


class Distribute:
    """A pool of ``workers`` processes; use it in a ``with`` block, as DocTable's ``Distribute``."""

    def __init__(self, workers: int):
        if workers < 1:
            raise ValueError(f"workers must be at least 1 (got {workers})")
        self.workers = workers
        self._pool = None

    def __enter__(self) -> "Distribute":
        self._pool = multiprocessing.Pool(self.workers)
        return self

    def __exit__(self, *exc) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()
            pool.join()

    def map_chunk(self, func: Callable[..., Any], elements: Sequence[Any], *args: Any) -> List[Any]:
        """Splits ``elements`` into ``workers`` contiguous chunks and calls ``func(chunk, *args)`` in each process; returns their results in order."""
        if self._pool is None:
            raise RuntimeError("use Distribute in a with block: with Distribute(5) as d: d.map_chunk(...)")
        items = list(elements)
        n = self.workers
        bounds = [len(items) * i // n for i in range(n + 1)]
        chunks = [items[bounds[i]:bounds[i + 1]] for i in range(n)]
        return self._pool.starmap(func, [(chunk, *args) for chunk in chunks])
