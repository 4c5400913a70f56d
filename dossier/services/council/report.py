"""The client council's figures as one page: what a member reads, or takes to a meeting.

Every count passes through `disclosure` before it leaves: a small number never does, and what
is worked out from counts is worked out from what is shown. Reading the page is one event in
the reader's own chain; it names a period and an organisation, never a person or a dossier.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from dossier.actions import Action
from dossier.audit import append
from dossier.days import local_day
from dossier.errors import N_
from dossier.models import Role
from dossier.services.context import Actor, Context, actor_event, require_role
from dossier.services.council import counting, disclosure, periods
from dossier.services.council.counting import Tally
from dossier.services.council.disclosure import Shown, shown
from dossier.services.council.measures import Derived, Measure, Topic
from dossier.services.council.periods import Month, Period

SCORES = (1, 2, 3, 4, 5)


class Unit(StrEnum):
    COUNT = "count"
    PERCENT = "percent"
    PER_100 = "per_100"
    DAYS = "days"
    SCORE = "score"


@dataclass(frozen=True)
class Figure:
    """One line of a table: a count as shown, or a number worked out (None: not enough)."""

    code: str
    label: str
    unit: Unit
    count: Shown | None = None
    number: float | None = None


@dataclass(frozen=True)
class Series:
    label: str
    values: list[Shown]


@dataclass(frozen=True)
class Chart:
    title: str
    months: list[Month]
    series: list[Series]


@dataclass(frozen=True)
class TopicBlock:
    topic: Topic
    figures: list[Figure]
    chart: Chart | None = None


@dataclass(frozen=True)
class OrganisationBlock:
    name: str
    figures: list[Figure]


@dataclass(frozen=True)
class Feeling:
    answers: Shown
    mean: float | None
    scores: dict[int, Shown]
    comments: list[tuple[Month, str]]  # only once enough people answered; month, never a day


@dataclass(frozen=True)
class CouncilPage:
    period: Period
    today: date  # in the Netherlands, for the printed report
    choices: list[Period]
    organisation: str | None
    organisations: list[str]
    topics: list[TopicBlock]
    feeling: Feeling | None  # everyone's only: nobody says which organisation they answer about
    by_organisation: list[OrganisationBlock] = field(default_factory=list)


CHARTS: dict[Topic, tuple[str, tuple[Measure, ...]]] = {
    Topic.PARTICIPATION: (
        Measure.OWN_WORDS_DOSSIERS.label,
        (Measure.OWN_WORDS_DOSSIERS,),
    ),
    Topic.CORRECTIONS: (
        Topic.CORRECTIONS.heading,
        (Measure.CORRECTIONS_REQUESTED, Measure.CORRECTIONS_ANSWERED),
    ),
    Topic.ACCESS: (Topic.ACCESS.heading, (Measure.SHARES_MADE, Measure.SHARES_STOPPED)),
    Topic.FEELING: (Measure.CHECK_INS.label, (Measure.CHECK_INS,)),
}


def figures_page(
    ctx: Context, actor: Actor, period: str | None = None, organisation: str | None = None
) -> CouncilPage:
    """The council's page for a month or a quarter (by default the quarter that ended last),
    for everyone or for one organisation's professionals."""
    return _page(ctx, actor, Action.COUNCIL_FIGURES, period, organisation)


def quarterly_report(ctx: Context, actor: Actor, period: str | None = None) -> CouncilPage:
    """The same figures for the council meeting, with every organisation beside the total."""
    return _page(ctx, actor, Action.COUNCIL_REPORT, period, None, every_organisation=True)


def _page(
    ctx: Context,
    actor: Actor,
    action: Action,
    code: str | None,
    organisation: str | None,
    every_organisation: bool = False,
) -> CouncilPage:
    now = ctx.now()
    with ctx.unit_of_work() as db:
        require_role(actor, Role.COUNCIL, action)
        chosen = Period.parse(code, now) if code else periods.last_complete_quarter(now)
        months = periods.chart_months(chosen)
        tally = counting.tally(db, months, [chosen.months])
        if organisation is not None and organisation not in tally.organisations:
            organisation = None
        append(
            db,
            actor_event(
                action,
                actor,
                None,
                object_type="council_figures",
                object_id=chosen.code,
                reason=organisation,
            ),
            ctx.origin,
            now,
        )
    return CouncilPage(
        period=chosen,
        today=local_day(now),
        choices=periods.choices(now),
        organisation=organisation,
        organisations=tally.organisations,
        topics=_topics(tally, chosen, organisation),
        feeling=_feeling(tally, chosen) if organisation is None else None,
        by_organisation=[
            OrganisationBlock(name, _organisation_figures(tally, chosen, name))
            for name in tally.organisations
        ]
        if every_organisation
        else [],
    )


def _count_of(tally: Tally, measure: Measure, months: Sequence[Month], org: str | None) -> int:
    if measure == Measure.OWN_WORDS_DOSSIERS and org is None:
        return tally.own_words.get(tuple(months), tally.count(measure, months))
    return tally.count(measure, months, org)


def _shown_of(tally: Tally, measure: Measure, months: Sequence[Month], org: str | None) -> Shown:
    """A count as shown, checked beside every set of parts the council also reads of it, each
    part as it reads it: its months, each organisation, the answers' five scores."""
    total = _count_of(tally, measure, months, org)
    sides = []
    if len(months) > 1 and measure != Measure.OWN_WORDS_DOSSIERS:  # that one counts dossiers once
        sides.append([_shown_of(tally, measure, [month], org) for month in months])
    if measure == Measure.CHECK_INS and org is None:
        sides.append([_score(tally, months, value) for value in SCORES])
    if org is None and measure.by_organisation and tally.organisations:
        named = [_shown_of(tally, measure, months, name) for name in tally.organisations]
        # Professionals of no named organisation are in the total only: nobody reads how many.
        # A reader who knows there are none reads the organisations as the whole of it.
        if disclosure.beside(total, [*named, Shown(0)]).withheld:
            return disclosure.WITHHELD
        sides.append([*named, disclosure.WITHHELD])
    return disclosure.beside(total, *sides)


def _score(tally: Tally, months: Sequence[Month], value: int) -> Shown:
    """How many answered `value`, beside the same count for each of the months."""
    count = sum(tally.scores.get(month, []).count(value) for month in months)
    if len(months) == 1:
        return shown(count)
    return disclosure.beside(count, [_score(tally, [month], value) for month in months])


def _topics(tally: Tally, period: Period, org: str | None) -> list[TopicBlock]:
    """Per topic its figures for the period, and a chart of the twelve months up to it. For one
    organisation only what its professionals did is counted; the rest is everyone's."""
    blocks = []
    for topic in Topic:
        figures = [
            Figure(m.value, m.label, Unit.COUNT, _shown_of(tally, m, period.months, _org(m, org)))
            for m in Measure
            if m.topic == topic and (org is None or m.by_organisation)
        ]
        for derived in Derived:
            if derived.topic == topic and (org is None or _by_organisation(derived)):
                figures.append(_derived(tally, derived, period.months, org))
        if topic == Topic.CORRECTIONS:
            figures.append(_median_days(tally, period.months, org))
        if figures:
            blocks.append(TopicBlock(topic, figures, _chart(tally, topic, org)))
    return blocks


def _by_organisation(derived: Derived) -> bool:
    return derived.part.by_organisation and derived.whole.by_organisation


def _org(measure: Measure, org: str | None) -> str | None:
    return org if measure.by_organisation else None


def _derived(tally: Tally, derived: Derived, months: Sequence[Month], org: str | None) -> Figure:
    part = _shown_of(tally, derived.part, months, _org(derived.part, org))
    whole = _shown_of(tally, derived.whole, months, _org(derived.whole, org))
    unit = Unit.PER_100 if derived == Derived.VIEWS_PER_100 else Unit.PERCENT
    return Figure(derived.value, derived.label, unit, number=disclosure.share(part, whole))


def _median_days(tally: Tally, months: Sequence[Month], org: str | None) -> Figure:
    days = [d for month in months for d in tally.answer_days.get((month, org), [])]
    return Figure(
        "median_days",
        N_("Median number of days until the answer"),
        Unit.DAYS,
        number=disclosure.median(days),
    )


def _chart(tally: Tally, topic: Topic, org: str | None) -> Chart | None:
    if topic not in CHARTS:
        return None
    title, measures = CHARTS[topic]
    if org is not None and not all(m.by_organisation for m in measures):
        return None
    return Chart(
        title,
        tally.months,
        [
            Series(m.label, [_shown_of(tally, m, [month], _org(m, org)) for month in tally.months])
            for m in measures
        ],
    )


def _feeling(tally: Tally, period: Period) -> Feeling:
    scores = [score for month in period.months for score in tally.scores.get(month, [])]
    # Each comment carries its month, so its month must have had enough answers on its own;
    # one answer a month per person, so answers are people.
    comments = [
        (month, text)
        for month in period.months
        if disclosure.enough(len(tally.scores.get(month, [])))
        for text in sorted(tally.comments.get(month, []))
    ]
    return Feeling(
        answers=_shown_of(tally, Measure.CHECK_INS, period.months, None),
        mean=disclosure.mean(scores),
        scores={value: _score(tally, period.months, value) for value in SCORES},
        comments=comments,
    )


def _organisation_figures(tally: Tally, period: Period, org: str) -> list[Figure]:
    figures = [
        Figure(m.value, m.label, Unit.COUNT, _shown_of(tally, m, period.months, org))
        for m in Measure
        if m.by_organisation
    ]
    figures.append(_derived(tally, Derived.IN_TIME_SHARE, period.months, org))
    figures.append(_median_days(tally, period.months, org))
    return figures
