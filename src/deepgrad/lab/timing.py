"""Wall-clock timing for the experiments that report speed beside their exact counts."""

from __future__ import annotations

import time


def best_time(fn, repeats: int = 3) -> float:
    """The fastest of ``repeats`` calls of ``fn()``, in seconds (the least disturbed by load)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best
