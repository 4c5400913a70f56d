"""What the client council may see of a count: never a small number, never a way back to one.

A count under ten reads "fewer than 10" and every other count is rounded to a multiple of ten,
so a total minus its visible parts leaves a range of at least three values for a hidden part,
never the part itself. (Rounding to five is not enough: a total of 20 beside two parts of
"fewer than 10" would say that both are 9.) Whatever is derived (a share, a rate) is derived
from the rounded numbers, so it says no more than they do. Zero stays zero: it names nobody.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

THRESHOLD = 10  # a group this small could be a handful of people the reader knows
BASE = 10  # every count shown is a multiple of this


@dataclass(frozen=True)
class Shown:
    """A count as the council reads it: `value` is None for "fewer than 10"."""

    value: int | None

    @property
    def hidden(self) -> bool:
        return self.value is None

    def __add__(self, other: Shown) -> Shown:
        raise TypeError("add the counts before they are shown, not after")


def shown(count: int) -> Shown:
    if count < 0:
        raise ValueError("a count is never negative")
    if count == 0:
        return Shown(0)
    if count < THRESHOLD:
        return Shown(None)
    return Shown((count + BASE // 2) // BASE * BASE)


def share(part: Shown, whole: Shown) -> int | None:
    """The part as a whole percentage of the whole, from what is shown of both; None when
    either is hidden or the whole is nothing."""
    if part.value is None or whole.value is None or whole.value == 0:
        return None
    return round(100 * part.value / whole.value)


def per_hundred(count: Shown, of: Shown) -> int | None:
    """`count` per 100 of `of`, as shown: views per 100 professional entries."""
    return share(count, of)


def median(values: Sequence[float]) -> float | None:
    """The middle value, only of a group large enough that it describes no one person."""
    if len(values) < THRESHOLD:
        return None
    return round(statistics.median(values), 1)


def mean(values: Sequence[float]) -> float | None:
    if len(values) < THRESHOLD:
        return None
    return round(statistics.fmean(values), 1)


def enough(count: int) -> bool:
    """Whether a group is large enough to show what its members wrote, without names."""
    return count >= THRESHOLD
