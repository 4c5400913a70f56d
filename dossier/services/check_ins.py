""" "Do you feel heard?": one question for young people and parents, after a moment that matters.

It comes after a plan everyone stands behind or an answer to a request for a correction, and at
most once a calendar month. The answer is kept apart from who gave it, with the month only, so
the client council reads how it feels without anyone being named; answering is not looking in a
dossier, so it is no event in the access log (which would tie a person to the moment).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dossier.days import local_day
from dossier.errors import N_, InvalidInput
from dossier.models import (
    CheckIn,
    CheckInMoment,
    CheckInTurn,
    CorrectionRequest,
    DossierOwner,
    PlanStatus,
    PlanVersion,
    Role,
)
from dossier.services import validation
from dossier.services.context import Actor, Context
from dossier.services.council.periods import Month

ASKED = (Role.YOUTH, Role.PARENT)
SCORES = range(1, 6)
COMMENT_MAX = 500
# A moment older than this has passed: asking about it would not be about that moment.
RECENT = timedelta(days=30)


@dataclass(frozen=True)
class Question:
    moment: CheckInMoment


def due(db: Session, ctx: Context, actor: Actor) -> Question | None:
    """The question, when a moment that matters passed since this person was last asked."""
    if actor.role not in ASKED:
        return None
    now = ctx.now()
    this_month = Month.of(local_day(now)).first_day
    turn = db.get(CheckInTurn, actor.user_id)
    if turn is not None and turn.month >= this_month:
        return None
    moment = _moment_since(db, actor, now - RECENT)
    return Question(moment) if moment else None


def _moment_since(db: Session, actor: Actor, since: datetime) -> CheckInMoment | None:
    owned = select(DossierOwner.dossier_id).where(DossierOwner.user_id == actor.user_id)
    answered = db.scalar(
        select(CorrectionRequest.id)
        .where(
            CorrectionRequest.requested_by == actor.user_id,
            CorrectionRequest.answered_at >= since,
        )
        .limit(1)
    )
    if answered is not None:
        return CheckInMoment.CORRECTION
    plan = db.scalar(
        select(PlanVersion.id)
        .where(
            PlanVersion.dossier_id.in_(owned),
            PlanVersion.status == PlanStatus.CURRENT,
            PlanVersion.settled_at >= since,
        )
        .limit(1)
    )
    return CheckInMoment.PLAN if plan is not None else None


def answer(ctx: Context, actor: Actor, score: int | None, comment: str = "") -> None:
    """Keep the answer without the person; the turn says only that this month was asked."""
    errors = validation.Errors()
    if score not in SCORES:
        errors.add("score", N_("Choose a number from 1 to 5."))
    text = ""
    if (comment or "").strip():
        text = validation.text(comment, errors, "comment", maximum=COMMENT_MAX, required_message="")
    errors.raise_if_any()
    with ctx.unit_of_work() as db:
        question = due(db, ctx, actor)
        if question is None:
            raise InvalidInput({"score": [N_("There is no question for you right now.")]})
        month = _take_turn(db, ctx, actor)
        if month is None:  # a second click at the same moment: the first one counts
            raise InvalidInput({"score": [N_("There is no question for you right now.")]})
        db.add(
            CheckIn(
                month=month,
                role=actor.role,
                moment=question.moment,
                score=score,
                comment=text or None,
            )
        )


def not_now(ctx: Context, actor: Actor) -> None:
    """No answer this month; the question comes back after the next moment, next month."""
    with ctx.unit_of_work() as db:
        if due(db, ctx, actor) is not None:
            _take_turn(db, ctx, actor)


def _take_turn(db: Session, ctx: Context, actor: Actor) -> date | None:
    """This month's turn, taken in the database itself so two answers at once make one; None
    when it was taken already."""
    month = Month.of(local_day(ctx.now())).first_day
    moved = cast(  # an UPDATE answers with a CursorResult (SQLAlchemy's documented cast)
        CursorResult[Any],
        db.execute(
            update(CheckInTurn)
            .where(CheckInTurn.user_id == actor.user_id, CheckInTurn.month < month)
            .values(month=month)
        ),
    )
    if moved.rowcount:
        return month
    try:
        with db.begin_nested():
            db.add(CheckInTurn(user_id=actor.user_id, month=month))
    except IntegrityError:  # there is a turn, and it is this month's
        return None
    return month
