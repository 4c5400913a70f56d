"""Small numbers never reach the client council, not even by subtracting one figure from another."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dossier.errors import InvalidInput
from dossier.services.council.disclosure import (
    BASE,
    LEAST_DOUBT,
    THRESHOLD,
    WITHHELD,
    Shown,
    beside,
    mean,
    median,
    share,
    shown,
)
from dossier.services.council.periods import Month, Period, chart_months, choices


def test_small_counts_read_fewer_than_ten_and_the_rest_is_rounded() -> None:
    assert shown(0) == Shown(0)
    assert [shown(n) for n in range(1, 10)] == [Shown(None)] * 9
    assert [shown(n).value for n in (10, 12, 13, 17, 18, 1234)] == [10, 10, 10, 20, 20, 1230]
    assert share(shown(11), shown(24)) == 50
    assert share(shown(8), shown(24)) is None and share(shown(5), Shown(0)) is None
    assert median([1.0] * 9) is None and median([1.0] * 9 + [3.0]) == 1.0
    assert mean([5] * 9) is None and mean([4] * 10) == 4.0


def _candidates(shown_total: Shown, shown_parts: list[Shown], hidden: int) -> set[int]:
    """Every value of the hidden part that agrees with all the figures shown: what someone who
    subtracts the visible parts from the total can learn about it."""

    def possible(figure: Shown) -> range:
        if figure.withheld:
            return range(0, 10**6)
        if figure.value is None:
            return range(1, THRESHOLD)
        if figure.value == 0:
            return range(0, 1)
        return range(max(THRESHOLD, figure.value - BASE // 2), figure.value + BASE // 2)

    if shown_total.withheld:  # nothing to subtract from
        return set(possible(shown_parts[hidden]))
    ranges = [possible(part) for i, part in enumerate(shown_parts) if i != hidden]
    found = set()
    for guess in possible(shown_parts[hidden]):
        for others in itertools.product(*ranges):
            if shown(guess + sum(others)) == shown_total:
                found.add(guess)
                break
    return found


@given(
    parts=st.lists(st.integers(min_value=0, max_value=60), min_size=2, max_size=5),
    hidden=st.integers(min_value=0, max_value=4),
)
def test_subtracting_neighbouring_figures_never_gives_away_a_small_one(
    parts: list[int], hidden: int
) -> None:
    """A quarter and its months, all organisations and each of them, the answers and each
    score: the total is shown beside its parts. Whatever a small part is, at least three values
    stay possible."""
    hidden %= len(parts)
    if not 0 < parts[hidden] < THRESHOLD:
        parts[hidden] = 1 + parts[hidden] % (THRESHOLD - 1)
    shown_parts = [shown(part) for part in parts]
    total = beside(sum(parts), shown_parts)
    candidates = _candidates(total, shown_parts, hidden)
    assert parts[hidden] in candidates
    assert len(candidates) >= LEAST_DOUBT


def _beside(total: int, *sides: list[int]) -> Shown:
    return beside(total, *([shown(part) for part in side] for side in sides))


def test_a_total_that_would_give_its_parts_away_is_withheld() -> None:
    """Four organisations of 9 beside 40 would each be 8 or 9; five scores of 9 beside 50
    answers would each be 9. Three months of 9 beside 30 leave 7, 8 or 9: that total stays."""
    assert _candidates(shown(36), [shown(9)] * 4, 0) == {8, 9}
    assert _beside(36, [9, 9, 9, 9]) == WITHHELD
    assert _beside(45, [9] * 5) == WITHHELD and WITHHELD.value is None
    assert _beside(27, [9, 9, 9]) == Shown(30)
    assert _beside(36, [9, 9, 9, 9], [12, 24]) == WITHHELD  # one narrowing side is enough
    assert _beside(36, [12, 24], [20, 16]) == Shown(40)  # nothing hidden beside it
    assert _beside(8, [4, 4]) == Shown(None) and not shown(8).withheld
    assert _beside(14, [10, 1, 1, 1, 1]) == WITHHELD  # 10 beside four of "fewer than 10": all 1


def test_two_sides_of_one_total_are_read_together() -> None:
    """Three months of 9 leave 7, 8 or 9 on their own; beside organisations of 30 and "fewer
    than 10" the total is at least 26, and each month 8 or 9."""
    assert _beside(27, [9, 9, 9]) == Shown(30) and _beside(27, [26, 1, 0]) == Shown(30)
    assert _beside(27, [9, 9, 9], [26, 1, 0]) == WITHHELD


def test_a_withheld_part_could_be_anything() -> None:
    """A month that is not shown leaves the others wide open."""
    assert beside(36, [WITHHELD, shown(9), shown(9), shown(9)]) == Shown(40)
    assert beside(36, [shown(9)] * 4) == WITHHELD


@given(
    parts=st.lists(st.integers(min_value=0, max_value=60), min_size=2, max_size=5),
    nudges=st.lists(st.integers(min_value=-9, max_value=9), min_size=5, max_size=5),
)
def test_withholding_depends_only_on_what_the_parts_show(
    parts: list[int], nudges: list[int]
) -> None:
    """Other true counts that show as the same parts are withheld alike: "not shown" tells an
    attacker nothing the parts did not."""
    other = [
        next(
            (n for n in (part + nudge, part) if n >= 0 and shown(n) == shown(part)),
            part,
        )
        for part, nudge in zip(parts, nudges, strict=False)
    ]
    assert [shown(n) for n in other] == [shown(n) for n in parts]
    assert _beside(sum(parts), parts).withheld == _beside(sum(other), other).withheld


def test_two_hidden_parts_beside_their_total_stay_hidden() -> None:
    """Rounded to five, a total of 18 (shown as 20) beside two parts of 9 would give both away."""
    assert _candidates(shown(18), [shown(9), shown(9)], 0) == {8, 9, 6, 7}


def test_the_exact_attack_on_a_quarter_fails() -> None:
    """July 11, August 3, September 0: the quarter (14) minus July and September does not
    give August back."""
    months = [11, 3, 0]
    quarter, shown_months = shown(sum(months)), [shown(m) for m in months]
    assert quarter.value is not None and shown_months[0].value is not None
    naive = quarter.value - shown_months[0].value - (shown_months[2].value or 0)
    assert naive != 3
    assert _candidates(quarter, shown_months, 1) == {1, 2, 3, 4}


def test_periods_are_dutch_months_and_quarters_that_have_ended() -> None:
    now = datetime(2027, 1, 10, tzinfo=UTC)
    quarter = Period.parse("2026-Q4", now)
    assert quarter.code == "2026-Q4" and [m.number for m in quarter.months] == [10, 11, 12]
    assert quarter.starts.isoformat() == "2026-09-30T22:00:00+00:00"  # midnight in summer time
    assert quarter.ends.isoformat() == "2026-12-31T23:00:00+00:00"
    assert Period.parse("2026-01", now).code == "2026-01"
    for running in ("2027-01", "2027-Q1", "2027-06"):
        with pytest.raises(InvalidInput):
            Period.parse(running, now)
    assert [p.code for p in choices(now)][:5] == [
        "2026-Q4",
        "2026-Q3",
        "2026-Q2",
        "2026-Q1",
        "2026-12",
    ]
    months = chart_months(Period.parse("2026-02", now))
    assert months[0] == Month(2025, 3) and months[-1] == Month(2026, 2) and len(months) == 12
