"""What a design's repetitions can detect, before any model is called.

The conversation is the unit of replication (messages of one conversation are not independent), so a
comparison of two conditions with ``n_a`` and ``n_b`` conversations is sized as two independent samples of
that many units. The smallest detectable effect is Cohen's h for two proportions at the given power and
two-sided alpha (the normal approximation of statsmodels' ``NormalIndPower``, its formula evaluated with
the standard library's ``NormalDist`` so that ``--dry-run`` loads neither scipy nor pandas, which would
triple its CPU time; ``tests/analysis/test_stats.py`` checks both give the same figures), also written as a
difference of two rates centred on 50% (``sin(h/2)``: h = 0.82 is 0.30 against 0.70), where a given h is the widest
difference (a conservative reading; nearer 0 or 1 the same h is a smaller difference). A permutation test of ``n_a`` against ``n_b`` conversations cannot give
a p-value below one over the number of relabellings (two over it for equal groups, whose mirror relabelling
ties), which decides, whatever the effect, whether a comparison can be significant at all.

Here rather than in ``analysis`` because ``ingroup sweep --dry-run`` prints it and ``simulator`` does not
import ``analysis``; ``analysis.stats`` uses the same functions for its small-sample warnings.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from statistics import NormalDist
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

if TYPE_CHECKING:
    from .sweep import Sweep

ALPHA = 0.05
POWER = 0.8
MAX_H = math.pi
"""The largest Cohen's h there is (a rate of 0 against 1): a smaller design detects nothing."""
_NORMAL = NormalDist()


def _power(h: float, m: float, alpha: float) -> float:
    """Two-sided power of the normal test at effect ``h`` with effective size ``m`` = n_a·n_b/(n_a+n_b):
    statsmodels' ``NormalIndPower.power`` (``normal_power``: both tails)."""
    z = _NORMAL.inv_cdf(1 - alpha / 2)
    shift = h * math.sqrt(m)
    return (1 - _NORMAL.cdf(z - shift)) + _NORMAL.cdf(-z - shift)


def _bisect(f: Callable[[float], float], lo: float, hi: float) -> float:
    """The root of increasing ``f`` in [lo, hi] (f(lo) < 0 <= f(hi)), to float precision."""
    for _ in range(200):
        mid = (lo + hi) / 2
        if f(mid) < 0:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-12 * max(1.0, hi):
            break
    return hi


def detectable_h(n_a: int, n_b: int, *, alpha: float = ALPHA, power: float = POWER) -> float:
    """Smallest Cohen's h that a two-sided test of ``n_a`` vs ``n_b`` conversations detects with ``power``
    at ``alpha`` (what ``NormalIndPower().solve_power(nobs1=n_a, ratio=n_b / n_a, ...)`` gives); ``inf``
    when even the largest possible h (pi) falls short, or a group is empty."""
    if n_a < 1 or n_b < 1:
        return math.inf
    m = n_a * n_b / (n_a + n_b)
    if _power(MAX_H, m, alpha) < power:
        return math.inf
    return _bisect(lambda h: _power(h, m, alpha) - power, 0.0, MAX_H)


def rate_difference(h: float) -> float:
    """The difference of two rates centred on 50% that Cohen's ``h`` is: ``sin(h/2)`` (from
    2·asin√p₂ − 2·asin√p₁ = h with p₁ + p₂ = 1); ``inf`` for an undetectable h."""
    if not math.isfinite(h):
        return math.inf
    return math.sin(min(abs(h), MAX_H) / 2)


@lru_cache(maxsize=256)
def required_n(h: float, *, alpha: float = ALPHA, power: float = POWER) -> float:
    """Conversations per group (equal groups) a two-sided test needs to detect ``h``, rounded up (what
    ``NormalIndPower().solve_power(effect_size=h, ratio=1, ...)`` gives before rounding); ``inf`` for h = 0."""
    if not math.isfinite(h) or h == 0:
        return math.inf
    h = abs(h)
    hi = 2.0
    while _power(h, hi / 2, alpha) < power:
        hi *= 2
    return float(math.ceil(_bisect(lambda n: _power(h, n / 2, alpha) - power, 0.0, hi) - 1e-9))


def min_permutation_p(n_a: int, n_b: int) -> float:
    """The smallest two-sided p-value an exact permutation test of ``n_a`` vs ``n_b`` conversations can give."""
    if n_a < 1 or n_b < 1:
        return math.nan
    return (2 if n_a == n_b else 1) / math.comb(n_a + n_b, n_a)


@dataclass(frozen=True)
class DetectableEffect:
    """What one comparison of ``n_a`` vs ``n_b`` conversations can detect, alone and after Holm over the
    ``comparisons`` of its family (the first Holm step tests the smallest p at alpha / comparisons)."""

    n_a: int
    n_b: int
    comparisons: int
    alpha: float
    power: float
    cohens_h: float
    rate_difference: float
    cohens_h_holm: float
    rate_difference_holm: float
    min_p: float

    @property
    def can_reach_alpha(self) -> bool:
        """Whether any outcome of the permutation test can be significant (before adjustment)."""
        return self.min_p <= self.alpha

    def to_dict(self) -> dict[str, float | int | bool | None]:
        """JSON-ready (an undetectable effect is ``None``)."""
        def num(x: float) -> float | None:
            return float(f"{x:.4g}") if math.isfinite(x) else None

        return {"n_a": self.n_a, "n_b": self.n_b, "comparisons": self.comparisons, "alpha": self.alpha,
                "power": self.power, "cohens_h": num(self.cohens_h), "rate_difference": num(self.rate_difference),
                "cohens_h_holm": num(self.cohens_h_holm), "rate_difference_holm": num(self.rate_difference_holm),
                "min_permutation_p": num(self.min_p), "can_reach_alpha": self.can_reach_alpha}


def detectable_effect(n_a: int, n_b: int, comparisons: int = 1, *, alpha: float = ALPHA,
                      power: float = POWER) -> DetectableEffect:
    """:class:`DetectableEffect` of one comparison among ``comparisons``."""
    h = detectable_h(n_a, n_b, alpha=alpha, power=power)
    h_holm = detectable_h(n_a, n_b, alpha=alpha / max(1, comparisons), power=power)
    return DetectableEffect(n_a, n_b, comparisons, alpha, power, h, rate_difference(h), h_holm,
                            rate_difference(h_holm), min_permutation_p(n_a, n_b))


@dataclass(frozen=True)
class FamilyPower:
    """The comparisons of one family: every pair of cells (``grouping`` "cells"), or every pair of levels
    of one factor pooling the others (``grouping`` the factor's name, as ``ingroup report --by`` does)."""

    grouping: str
    groups: int
    comparisons: int
    effects: list[tuple[int, DetectableEffect]]
    """(how many pairs, the effect) per distinct pair of group sizes, smallest groups first."""

    def to_dict(self) -> dict[str, object]:
        """JSON-ready, as ``ingroup sweep --dry-run --json`` prints it under ``detectable_effects``."""
        return {"grouping": self.grouping, "groups": self.groups, "comparisons": self.comparisons,
                "pairs": [{"count": k, **e.to_dict()} for k, e in self.effects]}


def design_power(cells: Sequence[tuple[Mapping[str, str], int]], *, alpha: float = ALPHA,
                 power: float = POWER) -> list[FamilyPower]:
    """Per family of comparisons in a design (``cells``: each cell's factor levels and repetitions), the
    smallest detectable effect of its pairs."""
    families: list[tuple[str, dict[str, int]]] = []
    if len(cells) > 1:
        families.append(("cells", {repr(sorted(levels.items())): reps for levels, reps in cells}))
    factors = list(dict.fromkeys(f for levels, _ in cells for f in levels))
    if len(factors) > 1:
        for f in factors:
            sizes: dict[str, int] = {}
            for levels, reps in cells:
                sizes[levels[f]] = sizes.get(levels[f], 0) + reps
            families.append((f, sizes))
    out = []
    for name, sizes in families:
        # Pairs are counted by group size, not listed: a sweep of 10,000 cells has 50 million of them.
        by_size = Counter(sizes.values())
        counts = {(a, a): math.comb(k, 2) for a, k in by_size.items() if k > 1}
        counts.update({(a, b): by_size[a] * by_size[b] for a, b in combinations(sorted(by_size), 2)})
        total = sum(counts.values())
        effects = [(k, detectable_effect(a, b, total, alpha=alpha, power=power)) for (a, b), k in sorted(counts.items())]
        if effects:
            out.append(FamilyPower(name, len(sizes), total, effects))
    return out


def sweep_power(sweep: Sweep, *, alpha: float = ALPHA, power: float = POWER) -> list[FamilyPower]:
    """:func:`design_power` of a loaded sweep (its cells and their repetitions): what ``--dry-run`` prints."""
    from .sweep import cell_repetitions, cells

    return design_power([(c, cell_repetitions(sweep, c)) for c in cells(sweep)], alpha=alpha, power=power)


__all__ = ["ALPHA", "DetectableEffect", "FamilyPower", "POWER", "design_power", "detectable_effect",
           "detectable_h", "min_permutation_p", "rate_difference", "required_n", "sweep_power"]
