"""How the bench turns timings into figures, the same for every part of it."""

from __future__ import annotations

from collections.abc import Iterable


def percentile(values: Iterable[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def milliseconds(value: float) -> float:
    """A time in ms as reported: to 0.1 ms, or to two significant figures below 1 ms, since a
    page served from memory takes hundredths of one and must not read as taking nothing."""
    if value >= 1:
        return round(value, 1)
    return float(f"{value:.2g}")
