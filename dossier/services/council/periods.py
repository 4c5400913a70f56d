"""The months and quarters the council looks at, in Dutch time, as stretches of UTC."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from dossier import days
from dossier.errors import N_, InvalidInput

MONTHS_IN_CHARTS = 12
QUARTERS_TO_CHOOSE = 4


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"


@dataclass(frozen=True, order=True)
class Month:
    year: int
    number: int  # 1-12

    @property
    def first_day(self) -> date:
        return date(self.year, self.number, 1)

    def next(self) -> Month:
        return Month(self.year + self.number // 12, self.number % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.number == 1), (self.number - 2) % 12 + 1)

    @property
    def quarter(self) -> int:
        return (self.number - 1) // 3 + 1

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)


def start_of(month: Month) -> datetime:
    """Midnight at the start of the month in the Netherlands, in UTC."""
    return days.start_of(month.first_day)


@dataclass(frozen=True)
class Period:
    """One month or one quarter; its code ("2026-11", "2026-Q4") is what the page sends."""

    kind: PeriodKind
    months: tuple[Month, ...]

    @property
    def code(self) -> str:
        first = self.months[0]
        if self.kind == PeriodKind.QUARTER:
            return f"{first.year}-Q{first.quarter}"
        return f"{first.year}-{first.number:02d}"

    @property
    def year(self) -> int:
        return self.months[0].year

    @property
    def starts(self) -> datetime:
        return start_of(self.months[0])

    @property
    def ends(self) -> datetime:
        return start_of(self.months[-1].next())

    @classmethod
    def month(cls, month: Month) -> Period:
        return cls(PeriodKind.MONTH, (month,))

    @classmethod
    def quarter(cls, year: int, number: int) -> Period:
        first = Month(year, 3 * number - 2)
        return cls(PeriodKind.QUARTER, (first, first.next(), first.next().next()))

    @classmethod
    def parse(cls, code: str, now: datetime) -> Period:
        """A month or quarter that has ended: figures that still change from day to day would
        tell, by their change, what happened on which day."""
        period = None
        if found := re.fullmatch(r"(20\d\d)-Q([1-4])", code):
            period = cls.quarter(int(found[1]), int(found[2]))
        elif (found := re.fullmatch(r"(20\d\d)-(\d\d)", code)) and 1 <= int(found[2]) <= 12:
            period = cls.month(Month(int(found[1]), int(found[2])))
        if period is None or period.ends > now:
            raise InvalidInput({"period": [N_("Choose a month or a quarter from the list.")]})
        return period


def last_complete_quarter(now: datetime) -> Period:
    """What the council meets about: the quarter that ended last."""
    this = Month.of(days.local_day(now))
    first_of_this_quarter = Month(this.year, 3 * this.quarter - 2)
    last = first_of_this_quarter.previous()
    return Period.quarter(last.year, last.quarter)


def choices(now: datetime) -> list[Period]:
    """The periods one can choose, newest first: the last quarters, then the last months; only
    those that have ended."""
    quarters = [last_complete_quarter(now)]
    while len(quarters) < QUARTERS_TO_CHOOSE:
        before = quarters[-1].months[0].previous()
        quarters.append(Period.quarter(before.year, before.quarter))
    months = [Month.of(days.local_day(now)).previous()]
    while len(months) < MONTHS_IN_CHARTS:
        months.append(months[-1].previous())
    return quarters + [Period.month(month) for month in months]


def chart_months(period: Period) -> list[Month]:
    """The twelve months that end with the chosen period, oldest first."""
    months = [period.months[-1]]
    while len(months) < MONTHS_IN_CHARTS:
        months.append(months[-1].previous())
    return list(reversed(months))
