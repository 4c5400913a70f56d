"""What the client council may see of a count: never a small number, never a way back to one.

A count under ten reads "fewer than 10" and every other count is rounded to a multiple of ten.
A total shown beside its parts (a quarter beside its months, everyone beside each organisation,
the answers beside each score) is checked the way someone would attack it: subtracting what the
other parts can be from what the total can be. When that could leave fewer than three values for
a hidden part, the total is not shown (`beside`): four organisations of 9 beside a total of 40
would say each is 8 or 9. Whether it could is read from the parts as shown, never from the total
itself, so that "not shown" gives nothing away either. (Rounding to five is not enough: a total of
20 beside two parts of "fewer than 10" would say that both are 9.) Whatever is derived (a share,
a rate) is derived from what is shown, so it says no more than that. Zero stays zero: it names
nobody.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

THRESHOLD = 10  # a group this small could be a handful of people the reader knows
BASE = 10  # every count shown is a multiple of this
LEAST_DOUBT = 3  # values that must stay possible for a hidden part, whatever is subtracted


@dataclass(frozen=True)
class Shown:
    """A count as the council reads it: `value` is None for "fewer than 10", or for a total
    that is `withheld` because beside its parts it would give a small one away."""

    value: int | None
    withheld: bool = False

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


WITHHELD = Shown(None, withheld=True)


def beside(total: int, *sides: Sequence[Shown]) -> Shown:
    """`total` as shown beside each side of parts that add up to it, each part as the council
    sees it. It is withheld when subtracting could leave fewer than `LEAST_DOUBT` values for a
    part that reads "fewer than 10". Whether it could is worked out from the parts as shown, for
    every total they allow together, so "not shown" says nothing the parts did not say already."""
    if sides and _could_give_away([list(side) for side in sides]):
        return WITHHELD
    return shown(total)


_UNKNOWN = 10**9  # the most a withheld figure could be, as far as a reader can tell


def _possible(figure: Shown) -> tuple[int, int]:
    """The lowest and highest count that reads as `figure`."""
    if figure.withheld:
        return 0, _UNKNOWN
    if figure.value is None:
        return 1, THRESHOLD - 1
    if figure.value == 0:
        return 0, 0
    return max(THRESHOLD, figure.value - BASE // 2), figure.value + BASE // 2 - 1


def _could_give_away(sides: list[list[Shown]]) -> bool:
    """Counts are whole numbers, so every sum between a side's lowest and highest is possible:
    what a part can be, given what the total can be, is an interval. The total can be only what
    every side allows. A part is narrowed from below only by a total near the top of that range
    and from above only near its bottom, so those are the totals tried."""
    ranges = [[_possible(part) for part in side] for side in sides]
    sums = [(sum(low for low, _ in side), sum(high for _, high in side)) for side in ranges]
    lowest, highest = max(low for low, _ in sums), min(high for _, high in sums)
    reach = 3 * BASE
    totals = {*range(lowest, min(highest, lowest + reach) + 1)}
    totals |= {*range(max(lowest, highest - reach), highest + 1)}
    for total in totals:
        low_shown, high_shown = _possible(shown(total))
        low_total, high_total = max(low_shown, lowest), min(high_shown, highest)
        for side, side_ranges, (side_low, side_high) in zip(sides, ranges, sums, strict=True):
            for part, (low, high) in zip(side, side_ranges, strict=True):
                if part.value is not None or part.withheld:
                    continue
                least = max(low, low_total - (side_high - high))
                most = min(high, high_total - (side_low - low))
                if most - least + 1 < LEAST_DOUBT:
                    return True
    return False


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
