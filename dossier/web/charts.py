"""Bar charts as SVG drawn on the server: no script, and no style sheet inside the drawing (the
pages' security policy allows neither), so every colour is an attribute."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dossier.services.council.disclosure import THRESHOLD, Shown
from dossier.services.council.periods import Month
from dossier.services.council.report import Chart

# Small enough that its words stay readable when a phone shows it 300 pixels wide.
WIDTH, HEIGHT = 400, 200
LEFT, BOTTOM, TOP = 30, 24, 8
COLOURS = ("#1f5f99", "#d9822b", "#2e7d4f")


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    hidden: bool  # "fewer than 10": drawn as an outline up to the threshold
    title: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Line:
    y: float
    label: str


@dataclass(frozen=True)
class Drawing:
    title: str
    width: int
    height: int
    left: int  # where the bars start: the scale's numbers stand left of it
    bars: list[Bar]
    ticks: list[Tick]
    lines: list[Line]
    legend: list[tuple[str, str]]  # colour, label


def bar_chart(
    chart: Chart,
    month_label: Callable[[Month], str],
    series_label: Callable[[str], str],
    value_text: Callable[[Shown], str],
) -> Drawing:
    """Months left to right, one bar per series in each month, scaled to the largest value."""
    top = max([THRESHOLD, *(v.value or 0 for s in chart.series for v in s.values)])
    top = _round_up(top)
    plot_width = WIDTH - LEFT - 8
    plot_height = HEIGHT - BOTTOM - TOP
    slot = plot_width / max(len(chart.months), 1)
    bar_width = slot * 0.8 / max(len(chart.series), 1)
    bars = []
    for index, month in enumerate(chart.months):
        for number, series in enumerate(chart.series):
            value, name = series.values[index], series_label(series.label)
            # "Fewer than 10" is an outline up to 10; a withheld total is no bar at all.
            amount = 0 if value.withheld else THRESHOLD if value.hidden else value.value or 0
            height = plot_height * amount / top
            bars.append(
                Bar(
                    x=LEFT + index * slot + slot * 0.1 + number * bar_width,
                    y=TOP + plot_height - height,
                    width=bar_width,
                    height=height,
                    colour=COLOURS[number % len(COLOURS)],
                    hidden=value.hidden and not value.withheld,
                    title=f"{name}, {month_label(month)}: {value_text(value)}",
                )
            )
    return Drawing(
        title=chart.title,
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        bars=bars,
        ticks=[  # every other month: twelve names do not fit beside each other
            Tick(LEFT + index * slot + slot / 2, month_label(month))
            for index, month in enumerate(chart.months)
            if (len(chart.months) - 1 - index) % 2 == 0
        ],
        lines=[
            Line(TOP + plot_height - plot_height * step / 4, str(top * step // 4))
            for step in range(5)
        ],
        legend=[
            (COLOURS[number % len(COLOURS)], series_label(series.label))
            for number, series in enumerate(chart.series)
        ],
    )


def _round_up(value: int) -> int:
    """A scale that ends on a round number (20, 40, 80, 100, 200 …), so the lines read well."""
    magnitude = 10 ** (len(str(value)) - 1)
    for factor in (2, 4, 8, 10):
        if factor * magnitude >= value:
            return factor * magnitude
    return 20 * magnitude
