"""The council's bar charts draw what the table says: a bar per count, an outline up to 10 for
"fewer than 10", and nothing for a total that is not shown."""

from __future__ import annotations

from dossier.services.council.disclosure import WITHHELD, Shown
from dossier.services.council.periods import Month
from dossier.services.council.report import Chart, Series
from dossier.web.charts import bar_chart


def _text(value: Shown) -> str:
    return (
        "not shown"
        if value.withheld
        else "fewer than 10"
        if value.value is None
        else str(value.value)
    )


def test_a_withheld_total_draws_no_bar_and_says_so() -> None:
    months = [Month(2026, 7), Month(2026, 8), Month(2026, 9)]
    chart = Chart("Answers", months, [Series("Answers", [Shown(40), Shown(None), WITHHELD])])
    bars = bar_chart(chart, lambda m: f"{m.number}", str, _text).bars
    shown, fewer, withheld = bars
    assert shown.height > fewer.height > 0 and not shown.hidden
    assert fewer.hidden and fewer.height == shown.height / 4  # up to 10 of 40
    assert withheld.height == 0 and not withheld.hidden
    assert withheld.title == "Answers, 9: not shown"
