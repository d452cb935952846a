"""Statistics for the police-capacity effect (docs/insights.md explains the choices).

The mean difference gets a percentile-bootstrap 95% interval: resample the cases with
replacement 10,000 times with a fixed seed, take the mean difference of each resample, and
report the 2.5th and 97.5th percentiles. Counts of police registrations are small, skewed
integers with many zeros and a few high values, and houses have few cases per period; a
t-interval assumes a roughly normal sampling distribution of the mean, which such data do not
give at these sizes. The bootstrap makes no such assumption, and the fixed seed makes the same
data always give the same interval (a report must not change on reload).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.cache import cache

from .report import percentile

RESAMPLES = 10_000
SEED = 20261128


@dataclass(frozen=True)
class Effect:
    n: int
    mean_before: float
    mean_after: float
    mean_difference: float  # after − before: negative is fewer registrations
    low: float
    high: float
    improved: int
    same: int
    worse: int
    none_after: int  # no registrations at all after closure (the Midden-Limburg measure)


def bootstrap_interval(
    values: Sequence[float], *, resamples: int = RESAMPLES, seed: int = SEED, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of `values` (their order does not matter:
    they are sorted first, so the same data always gives the same interval)."""
    if not values:
        raise ValueError("no values")
    rng = random.Random(seed)  # noqa: S311 - statistics, not security: repeatable on purpose
    values = sorted(values)
    n = len(values)
    means = [sum(rng.choices(values, k=n)) / n for _ in range(resamples)]
    tail = (1 - level) / 2
    low, high = percentile(means, tail), percentile(means, 1 - tail)
    assert low is not None
    assert high is not None
    return low, high


def cached_interval(values: Sequence[int]) -> tuple[float, float]:
    """The bootstrap interval, cached by the data itself: the seed is fixed, so the same
    differences always give the same interval, and a changed count gives a new key. Pure Python
    needs about 0.7 s per 1,000 values; a reload then costs nothing."""
    data = ",".join(str(v) for v in sorted(values))
    digest = hashlib.sha256(f"{SEED}:{RESAMPLES}:{data}".encode()).hexdigest()
    key = f"insights:bootstrap:{digest}"
    found = cache.get(key)
    if found is None:
        found = bootstrap_interval(values)
        cache.set(key, found, timeout=7 * 24 * 3600)
    return (found[0], found[1])


def effect(pairs: Sequence[tuple[int, int]], **options: int) -> Effect | None:
    """The effect over (before, after) pairs, or None without pairs."""
    if not pairs:
        return None
    n = len(pairs)
    differences = [after - before for before, after in pairs]
    if options:
        low, high = bootstrap_interval(differences, **options)
    else:
        low, high = cached_interval(differences)
    return Effect(
        n=n,
        mean_before=sum(b for b, _ in pairs) / n,
        mean_after=sum(a for _, a in pairs) / n,
        mean_difference=sum(differences) / n,
        low=low,
        high=high,
        improved=sum(1 for d in differences if d < 0),
        same=sum(1 for d in differences if d == 0),
        worse=sum(1 for d in differences if d > 0),
        none_after=sum(1 for _, a in pairs if a == 0),
    )
