"""The raw counts behind the council's figures, in a handful of grouped queries.

Only the access log and what a dossier keeps in the clear (who, when, what kind) are read; no
key is opened and nothing sealed is touched. The counts here are exact and never leave this
package: `report` shows them only through `disclosure`.
"""

from __future__ import annotations

import calendar
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from dossier.actions import Action
from dossier.audit import Outcome
from dossier.days import LOCAL
from dossier.models import (
    AuditEvent,
    ChangeKind,
    CheckIn,
    CorrectionStatus,
    PlanMark,
    Role,
    User,
)
from dossier.services.council.measures import Measure
from dossier.services.council.periods import Month, start_of

T = TypeVar("T")
FAMILY = (Role.YOUTH, Role.PARENT)
ANY = None
# Counted straight from the log: the action, and whose action it must be (None: anyone's).
FROM_THE_LOG: dict[Measure, tuple[Action, tuple[str, ...] | None]] = {
    Measure.FAMILY_VIEWS: (Action.PERSPECTIVE_CREATE, FAMILY),
    Measure.FAMILY_ENTRIES: (Action.ENTRY_CREATE, FAMILY),
    Measure.PROFESSIONAL_ENTRIES: (Action.ENTRY_CREATE, (Role.PROFESSIONAL,)),
    Measure.PLANS_PROPOSED: (Action.PLAN_PROPOSE, ANY),
    Measure.CORRECTIONS_REQUESTED: (Action.CORRECTION_CREATE, ANY),
    Measure.CORRECTIONS_ANSWERED: (Action.CORRECTION_ANSWER, ANY),
    Measure.SHARES_MADE: (Action.GRANT_CREATE, ANY),
    Measure.SHARES_STOPPED: (Action.GRANT_REVOKE, ANY),
    Measure.EMERGENCY: (Action.EMERGENCY_OPEN, ANY),
    Measure.LEGAL: (Action.LEGAL_OPEN, ANY),
    Measure.WITHHELD: (Action.PASSAGE_WITHHOLD, ANY),
    Measure.OBJECTIONS: (Action.PASSAGE_OBJECT, ANY),
    Measure.COPIES: (Action.DOSSIER_EXPORT, ANY),
}
OUTCOMES = {
    CorrectionStatus.CORRECTED: Measure.CORRECTED,
    CorrectionStatus.REMOVED: Measure.REMOVED,
    CorrectionStatus.DECLINED: Measure.DECLINED,
}
IN_TIME_DAYS = 28  # "within 4 weeks"
# An organisation is named only with this many checked professionals: fewer, and its figures
# would be one person's work.
MIN_PROFESSIONALS = 3
OWN_WORDS = (Action.ENTRY_CREATE, Action.PERSPECTIVE_CREATE)
Key = tuple[Month, Measure, str | None]  # a month, a measure, an organisation (None: all)


@dataclass
class Tally:
    """Exact counts per month, for everyone and per organisation of the acting professional."""

    months: list[Month]
    counts: Counter[Key] = field(default_factory=Counter)
    # Distinct dossiers in a stretch of months: a dossier with own words in two months of a
    # quarter counts once in the quarter, so these are counted per stretch, not added up.
    own_words: dict[tuple[Month, ...], int] = field(default_factory=dict)
    # days between asking and answering, per month of the answer and organisation
    answer_days: dict[tuple[Month, str | None], list[float]] = field(
        default_factory=lambda: defaultdict(list)
    )
    scores: dict[Month, list[int]] = field(default_factory=lambda: defaultdict(list))
    comments: dict[Month, list[str]] = field(default_factory=lambda: defaultdict(list))
    organisations: list[str] = field(default_factory=list)

    def count(self, measure: Measure, months: Iterable[Month], org: str | None = None) -> int:
        return sum(self.counts[(month, measure, org)] for month in months)


def tally(db: Session, months: Sequence[Month], stretches: Iterable[tuple[Month, ...]]) -> Tally:
    """Everything the council's page needs about `months`, with distinct dossiers counted for
    each month and for every stretch in `stretches` (the chosen quarter)."""
    bounds = [start_of(month) for month in [*months, months[-1].next()]]
    result = Tally(list(months))
    bucket = _bucket(AuditEvent.at, months, bounds)
    _count_the_log(db, result, bucket, bounds)
    _count_own_words(db, result, months, stretches)
    _count_answer_times(db, result, bounds)
    _count_destruction(db, result, bounds)
    _count_plan_yes(db, result, months, bounds)
    _count_check_ins(db, result, months)
    result.organisations = list(
        db.scalars(
            select(User.organisation)
            .where(
                User.role == Role.PROFESSIONAL,
                User.organisation.is_not(None),
                User.verified_at.is_not(None),
                User.removed_at.is_(None),
            )
            .group_by(User.organisation)
            .having(func.count() >= MIN_PROFESSIONALS)
            .order_by(User.organisation)
        )
    )
    return result


def _bucket(column: Any, months: Sequence[Month], bounds: list[datetime]) -> ColumnElement[int]:
    """The index of the month a moment falls in, worked out by the database."""
    whens: list[tuple[ColumnElement[bool], int]] = [
        (column < bound, index) for index, bound in enumerate(bounds[1:])
    ]
    return case(*whens, else_=-1)


def _in(bounds: list[datetime], column: Any = AuditEvent.at) -> ColumnElement[bool]:
    return and_(column >= bounds[0], column < bounds[-1])


def _succeeded(*actions: Action) -> ColumnElement[bool]:
    return and_(AuditEvent.action.in_(actions), AuditEvent.outcome == Outcome.SUCCESS)


def _grouped(
    db: Session,
    *columns: Any,
    where: Sequence[ColumnElement[bool]],
    join: bool = False,
) -> Iterable[Sequence[Any]]:
    """Counts per distinct row of `columns`. Grouped outside a subquery, so that PostgreSQL
    sees the same column it groups by, not an expression with its own parameters."""
    inner = select(*(column.label(f"c{i}") for i, column in enumerate(columns))).where(*where)
    if join:
        inner = inner.join(User, User.id == AuditEvent.actor_id)
    rows = inner.subquery()
    keys = list(rows.c)
    return db.execute(select(*keys, func.count()).group_by(*keys)).all()


def _outcome() -> ColumnElement[Any]:
    """An answer's outcome (its event's reason); nothing for any other action."""
    return case(
        (AuditEvent.action == Action.CORRECTION_ANSWER, AuditEvent.reason), else_=literal(None)
    )


def _count_the_log(
    db: Session, result: Tally, bucket: ColumnElement[int], bounds: list[datetime]
) -> None:
    """Everyone's counts, then per organisation what professionals did: one grouped query each."""
    actions = {action for action, _ in FROM_THE_LOG.values()}
    rows = _grouped(db, *_per_month(bucket), where=[_in(bounds), _succeeded(*actions)])
    _add(result, rows, None)
    by_organisation = {FROM_THE_LOG[m][0] for m in FROM_THE_LOG if m.by_organisation}
    rows = _grouped(
        db,
        *_per_month(bucket),
        User.organisation,
        where=[
            _in(bounds),
            _succeeded(*by_organisation),
            AuditEvent.actor_role == Role.PROFESSIONAL,
            User.organisation.is_not(None),
        ],
        join=True,
    )
    for index, action, role, reason, organisation, count in rows:
        _add(result, [(index, action, role, reason, count)], organisation)


def _per_month(bucket: ColumnElement[int]) -> tuple[Any, ...]:
    """What an event is counted by: its month, action, actor's role and an answer's outcome."""
    return bucket, AuditEvent.action, AuditEvent.actor_role, _outcome()


def _add(result: Tally, rows: Iterable[Sequence[object]], org: str | None) -> None:
    for index, action, role, reason, count in rows:
        if not isinstance(index, int) or index < 0 or not isinstance(count, int):
            continue
        month = result.months[index]
        for measure, (wanted, roles) in FROM_THE_LOG.items():
            counted = org is None or measure.by_organisation
            if counted and action == wanted and (roles is None or role in roles):
                result.counts[(month, measure, org)] += count
        if action == Action.CORRECTION_ANSWER and reason in OUTCOMES:
            result.counts[(month, OUTCOMES[CorrectionStatus(str(reason))], org)] += count


def _count_own_words(
    db: Session, result: Tally, months: Sequence[Month], stretches: Iterable[tuple[Month, ...]]
) -> None:
    def distinct_dossiers(stretch: tuple[Month, ...]) -> int:
        bounds = [start_of(stretch[0]), start_of(stretch[-1].next())]
        return (
            db.scalar(
                select(func.count(func.distinct(AuditEvent.dossier_id))).where(
                    _in(bounds), _succeeded(*OWN_WORDS), AuditEvent.actor_role.in_(FAMILY)
                )
            )
            or 0
        )

    for stretch in [*((month,) for month in months), *stretches]:
        result.own_words[stretch] = distinct_dossiers(stretch)
        if len(stretch) == 1:
            result.counts[(stretch[0], Measure.OWN_WORDS_DOSSIERS, None)] = result.own_words[
                stretch
            ]


def _count_answer_times(db: Session, result: Tally, bounds: list[datetime]) -> None:
    """How long each answered request waited: the answer's event beside the request's."""
    answers = db.execute(
        select(AuditEvent.object_id, AuditEvent.at, User.organisation)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(_in(bounds), _succeeded(Action.CORRECTION_ANSWER))
    ).all()
    asked: dict[str, datetime] = {}
    for chunk in _chunks([row.object_id for row in answers if row.object_id]):
        for object_id, at in db.execute(
            select(AuditEvent.object_id, AuditEvent.at).where(
                _succeeded(Action.CORRECTION_CREATE), AuditEvent.object_id.in_(chunk)
            )
        ):
            if object_id is not None:
                asked[object_id] = at
    for object_id, at, organisation in answers:
        if object_id not in asked:
            continue
        month = _month_of(result.months, bounds, at)
        days = (at - asked[object_id]).total_seconds() / 86400
        for org in (None, organisation) if organisation else (None,):
            result.answer_days[(month, org)].append(days)
            if days <= IN_TIME_DAYS:
                result.counts[(month, Measure.CORRECTIONS_IN_TIME, org)] += 1


def _count_destruction(db: Session, result: Tally, bounds: list[datetime]) -> None:
    """A dossier destroyed at once (nobody else had to say yes) counts as a request carried out
    the same day; otherwise the clock runs from the request."""
    destroyed = db.execute(
        select(AuditEvent.dossier_id, AuditEvent.at).where(
            _in(bounds), _succeeded(Action.DOSSIER_DESTROY)
        )
    ).all()
    requests = db.execute(
        select(AuditEvent.dossier_id, AuditEvent.at).where(
            _in(bounds), _succeeded(Action.DOSSIER_DESTROY_REQUEST)
        )
    ).all()
    first_request: dict[uuid.UUID, datetime] = {}
    for chunk in _chunks([row.dossier_id for row in destroyed if row.dossier_id]):
        for dossier_id, at in db.execute(
            select(AuditEvent.dossier_id, func.min(AuditEvent.at))
            .where(_succeeded(Action.DOSSIER_DESTROY_REQUEST), AuditEvent.dossier_id.in_(chunk))
            .group_by(AuditEvent.dossier_id)
        ):
            if dossier_id is not None:
                first_request[dossier_id] = at
    for _dossier, at in requests:
        result.counts[
            (_month_of(result.months, bounds, at), Measure.DESTRUCTION_REQUESTS, None)
        ] += 1
    for dossier_id, at in destroyed:
        month = _month_of(result.months, bounds, at)
        result.counts[(month, Measure.DESTROYED, None)] += 1
        asked = first_request.get(dossier_id) if dossier_id else None
        if asked is None:
            result.counts[(month, Measure.DESTRUCTION_REQUESTS, None)] += 1
        if asked is None or at <= _three_months_after(asked):
            result.counts[(month, Measure.DESTROYED_IN_TIME, None)] += 1
    _count_late_destruction(db, result, bounds)


def _count_late_destruction(db: Session, result: Tally, bounds: list[datetime]) -> None:
    """Requests whose three months ended in these months with the dossier still there: neither
    destroyed nor the request withdrawn by then."""
    asked = db.execute(
        select(AuditEvent.dossier_id, AuditEvent.at).where(
            _in([bounds[0] - timedelta(days=93), bounds[-1]]),
            _succeeded(Action.DOSSIER_DESTROY_REQUEST),
        )
    ).all()
    deadlines = [(dossier_id, _three_months_after(at)) for dossier_id, at in asked if dossier_id]
    due = [(d, deadline) for d, deadline in deadlines if bounds[0] <= deadline < bounds[-1]]
    closed: dict[uuid.UUID, list[datetime]] = defaultdict(list)
    for chunk in _chunks([dossier_id for dossier_id, _ in due]):
        for dossier_id, at in db.execute(
            select(AuditEvent.dossier_id, AuditEvent.at).where(
                AuditEvent.dossier_id.in_(chunk),
                or_(
                    _succeeded(Action.DOSSIER_DESTROY),
                    and_(
                        _succeeded(Action.OWNERSHIP_CANCEL),
                        AuditEvent.reason == ChangeKind.DESTROY,
                    ),
                ),
            )
        ):
            if dossier_id is not None:
                closed[dossier_id].append(at)
    for dossier_id, deadline in due:
        if not any(at <= deadline for at in closed[dossier_id]):
            month = _month_of(result.months, bounds, deadline)
            result.counts[(month, Measure.DESTRUCTION_LATE, None)] += 1


def _count_plan_yes(
    db: Session, result: Tally, months: Sequence[Month], bounds: list[datetime]
) -> None:
    rows = db.execute(
        select(PlanMark.created_at, PlanMark.plan_version_id).where(
            _in(bounds, PlanMark.created_at),
            PlanMark.role == Role.YOUTH,
            PlanMark.agrees.is_(True),
        )
    )
    for at, _version in rows:
        result.counts[(_month_of(months, bounds, at), Measure.PLANS_YOUTH_AGREES, None)] += 1


def _count_check_ins(db: Session, result: Tally, months: Sequence[Month]) -> None:
    by_day = {month.first_day: month for month in months}
    rows = db.execute(
        select(CheckIn.month, CheckIn.score, CheckIn.comment).where(CheckIn.month.in_(list(by_day)))
    )
    for first_day, score, comment in rows:
        month = by_day[first_day]
        result.counts[(month, Measure.CHECK_INS, None)] += 1
        result.scores[month].append(score)
        if comment:
            result.comments[month].append(comment)


def _chunks(ids: list[T]) -> Iterator[list[T]]:
    """Ids for an IN list, a few hundred at a time: every database takes that many."""
    for start in range(0, len(ids), 500):
        yield ids[start : start + 500]


def _month_of(months: Sequence[Month], bounds: list[datetime], at: datetime) -> Month:
    for month, end in zip(months, bounds[1:], strict=True):
        if at < end:
            return month
    return months[-1]


def _three_months_after(moment: datetime) -> datetime:
    """The same time of day three calendar months later in the Netherlands (the last day of a
    shorter month)."""
    local = moment.astimezone(LOCAL)
    year, month = divmod(local.month - 1 + 3, 12)
    year, month = local.year + year, month + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day).astimezone(UTC)
