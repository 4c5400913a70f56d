"""What the worker's tick tells people because time passed or someone looked: a sharing that
ends within a week, a 12th or 16th birthday a month ahead (with what changes then), a person
who looked in a dossier for the first time, and the plan's dates: an action due within three
days, an action past its date, the evaluation within a week.

The plan's reminders read only what stands in the clear beside the sealed plan (dates, who does
an action, whether it is done, which version is the plan): the worker opens no dossier key.

Each notice names its event (`notices.notify`'s key), so however often the tick runs, and
however many workers run it, one person hears of one event once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from dossier import consent
from dossier.actions import READS, Action
from dossier.audit import Outcome
from dossier.days import last_day_of
from dossier.models import (
    AuditEvent,
    Dossier,
    DossierOwner,
    Grant,
    PlanAction,
    PlanProgress,
    PlanStatus,
    PlanVersion,
)
from dossier.services.context import Context
from dossier.services.notices import (
    NoticeKind,
    grant_words,
    name_of,
    notify,
    owner_ids,
    readers_of,
)

ENDING_AHEAD = timedelta(days=7)
BIRTHDAY_AHEAD = timedelta(days=31)
# A first look is one without any earlier look by that person in that dossier: looks are read
# from the log over this window, so a tick that did not run for a while still finds them.
LOOK_WINDOW = timedelta(days=2)
# Seeing a dossier's name in one's own list is not looking inside it.
LOOKING_IN = tuple(action for action in READS if action != Action.DOSSIER_LIST)
ACTION_AHEAD = timedelta(days=3)
EVALUATION_AHEAD = timedelta(days=7)


@dataclass(frozen=True)
class Told:
    ending: int
    birthdays: int
    looks: int
    plans: int = 0

    @property
    def total(self) -> int:
        return self.ending + self.birthdays + self.looks + self.plans


def remind_everywhere(ctx: Context) -> Told:
    """The tick's notices, each kind in a transaction of its own. Returns how many were made."""
    with ctx.unit_of_work() as db:
        ending = endings_ahead(db, ctx)
    with ctx.unit_of_work() as db:
        birthdays = birthdays_ahead(db, ctx)
    with ctx.unit_of_work() as db:
        looks = first_looks(db, ctx)
    with ctx.unit_of_work() as db:
        plans = plan_dates(db, ctx)
    return Told(ending, birthdays, looks, plans)


def endings_ahead(db: Session, ctx: Context) -> int:
    """A week before a sharing ends: the grantee, and the dossier's owners."""
    now = ctx.now()
    told = 0
    for grant in db.scalars(
        select(Grant).where(
            Grant.counts_at(now),
            Grant.expires_at.is_not(None),
            Grant.expires_at <= now + ENDING_AHEAD,
        )
    ):
        assert grant.expires_at is not None
        key = f"ending:{grant.id}:{grant.expires_at.isoformat()}"
        words = {**grant_words(db, grant), "date": last_day_of(grant.expires_at).isoformat()}
        if grant.grantee_id is not None:
            told += notify(
                db,
                ctx,
                grant.grantee_id,
                grant.dossier_id,
                NoticeKind.GRANT_ENDING,
                key=key,
                **words,
            )
        for owner_id in owner_ids(db, grant.dossier_id):
            told += notify(
                db, ctx, owner_id, grant.dossier_id, NoticeKind.SHARING_ENDING, key=key, **words
            )
    return told


def birthday(birth_date: date, age: int) -> date:
    try:
        return birth_date.replace(year=birth_date.year + age)
    except ValueError:  # born on 29 February: the birthday falls on 1 March
        return date(birth_date.year + age, 3, 1)


def birthdays_ahead(db: Session, ctx: Context) -> int:
    """A month before the 12th and the 16th birthday, the young person and her guardian owners
    hear what the consent rules change on that day."""
    today = ctx.now().date()
    rules = consent.Rules(youth_alone_12_15=ctx.settings.youth_alone_12_15)
    # Born between these days turns 12 or 16 within the month ahead.
    told = 0
    for age in (consent.CHILD_UNTIL, consent.ADULT_FROM):
        earliest = _years_before(today, age)
        latest = _years_before(today + BIRTHDAY_AHEAD, age)
        for dossier in db.scalars(
            select(Dossier).where(
                Dossier.subject_birth_date > earliest, Dossier.subject_birth_date <= latest
            )
        ):
            day = birthday(dossier.subject_birth_date, age)
            if not today < day <= today + BIRTHDAY_AHEAD:
                continue
            told += _tell_birthday(db, ctx, rules, dossier, age, day)
    return told


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return date(day.year - years, 2, 28)


def _tell_birthday(
    db: Session, ctx: Context, rules: consent.Rules, dossier: Dossier, age: int, day: date
) -> int:
    kind = (
        NoticeKind.BIRTHDAY_TWELVE_SOON
        if age == consent.CHILD_UNTIL
        else NoticeKind.BIRTHDAY_SIXTEEN_SOON
    )
    both = rules.required(dossier.subject_birth_date, day) == {consent.SUBJECT, consent.GUARDIAN}
    if age == consent.CHILD_UNTIL:
        # Under 12 nobody has an account for her: only her guardians hear of it.
        youth_variant, guardian_variant = "", "both" if both else "alone"
    else:
        youth_variant = "youth"
        guardian_variant = "guardian" if dossier.subject_user_id else "guardian-waiting"
    key = f"birthday-{age}:{dossier.id}:{day.isoformat()}"
    told = 0
    if dossier.subject_user_id is not None and youth_variant:
        told += notify(
            db,
            ctx,
            dossier.subject_user_id,
            dossier.id,
            kind,
            key=key,
            date=day.isoformat(),
            variant=youth_variant,
        )
    for guardian in db.scalars(
        select(DossierOwner.user_id).where(
            DossierOwner.dossier_id == dossier.id, DossierOwner.relation == consent.GUARDIAN
        )
    ):
        told += notify(
            db,
            ctx,
            guardian,
            dossier.id,
            kind,
            key=key,
            date=day.isoformat(),
            variant=guardian_variant,
        )
    return told


def first_looks(db: Session, ctx: Context) -> int:
    """Someone looked inside a dossier for the first time: its owners hear who (not themselves).
    Only looks since the window's start are read, and only people with no earlier look count."""
    since = ctx.now() - LOOK_WINDOW
    looked = (
        select(AuditEvent.dossier_id, AuditEvent.actor_id, func.min(AuditEvent.at).label("at"))
        .where(
            AuditEvent.at >= since,
            AuditEvent.action.in_(LOOKING_IN),
            AuditEvent.outcome == Outcome.SUCCESS,
            AuditEvent.dossier_id.is_not(None),
            AuditEvent.actor_id.is_not(None),
        )
        .group_by(AuditEvent.dossier_id, AuditEvent.actor_id)
    )
    told = 0
    for dossier_id, actor_id, at in db.execute(looked).all():
        assert dossier_id is not None and actor_id is not None  # asked for in the query
        if _looked_before(db, dossier_id, actor_id, since):
            continue
        told += _tell_look(db, ctx, dossier_id, actor_id, at)
    return told


def _looked_before(
    db: Session, dossier_id: uuid.UUID, actor_id: uuid.UUID, since: datetime
) -> bool:
    earlier = db.scalar(
        select(AuditEvent.id)
        .where(
            and_(
                AuditEvent.dossier_id == dossier_id,
                AuditEvent.actor_id == actor_id,
                AuditEvent.at < since,
                AuditEvent.action.in_(LOOKING_IN),
                AuditEvent.outcome == Outcome.SUCCESS,
            )
        )
        .limit(1)
    )
    return earlier is not None


def _tell_look(
    db: Session, ctx: Context, dossier_id: uuid.UUID, actor_id: uuid.UUID, at: datetime
) -> int:
    dossier = db.get(Dossier, dossier_id)
    if dossier is None or dossier.subject_user_id == actor_id:
        return 0  # the young person reading her own dossier is nobody new
    person = name_of(db, actor_id)
    told = 0
    for owner_id in owner_ids(db, dossier_id):
        if owner_id != actor_id:
            told += notify(
                db,
                ctx,
                owner_id,
                dossier_id,
                NoticeKind.LOOKED_FIRST,
                key=f"looked:{dossier_id}:{actor_id}",
                at=at,
                person=person,
            )
    return told


def plan_dates(db: Session, ctx: Context) -> int:
    """The plan's dates, from the version that is the plan: an action due within three days
    (whoever does it), an action past its date (whoever does it, and the owners), and the
    evaluation within a week (everyone on the plan). Done actions and proposals tell nobody."""
    return actions_due(db, ctx) + evaluations_ahead(db, ctx)


def actions_due(db: Session, ctx: Context) -> int:
    now = ctx.now()
    today = now.date()
    open_actions = (
        select(
            PlanAction.dossier_id,
            PlanAction.ref,
            PlanAction.due_on,
            PlanAction.assignee_id,
            PlanVersion.section_id,
        )
        .join(PlanVersion, PlanVersion.id == PlanAction.plan_version_id)
        .outerjoin(
            PlanProgress,
            and_(
                PlanProgress.dossier_id == PlanAction.dossier_id,
                PlanProgress.ref == PlanAction.ref,
            ),
        )
        .where(
            PlanVersion.status == PlanStatus.CURRENT,
            PlanAction.due_on.is_not(None),
            PlanAction.due_on <= today + ACTION_AHEAD,
            or_(PlanProgress.done.is_(None), PlanProgress.done.is_(False)),
        )
        .order_by(PlanAction.due_on, PlanAction.ref)
    )
    told = 0
    for dossier_id, ref, due_on, assignee_id, section_id in db.execute(open_actions).all():
        assert due_on is not None  # asked for in the query
        readers = readers_of(db, dossier_id, section_id, now)
        # Whoever no longer reads the plan is not reminded of it.
        doer = assignee_id if assignee_id in readers else None
        day = due_on.isoformat()
        if due_on >= today:
            if doer is not None:
                told += notify(
                    db,
                    ctx,
                    doer,
                    dossier_id,
                    NoticeKind.PLAN_ACTION_SOON,
                    key=f"plan-soon:{dossier_id}:{ref}:{day}",
                    date=day,
                )
            continue
        key = f"plan-overdue:{dossier_id}:{ref}:{day}"
        if doer is not None:
            told += notify(
                db,
                ctx,
                doer,
                dossier_id,
                NoticeKind.PLAN_ACTION_OVERDUE,
                key=key,
                date=day,
                variant="yours",
            )
        words: dict[str, Any] = {"person": name_of(db, doer), "variant": "theirs"} if doer else {}
        for owner_id in owner_ids(db, dossier_id):
            if owner_id != doer:
                told += notify(
                    db,
                    ctx,
                    owner_id,
                    dossier_id,
                    NoticeKind.PLAN_ACTION_OVERDUE,
                    key=key,
                    date=day,
                    **words,
                )
    return told


def evaluations_ahead(db: Session, ctx: Context) -> int:
    now = ctx.now()
    today = now.date()
    told = 0
    for version in db.scalars(
        select(PlanVersion).where(
            PlanVersion.status == PlanStatus.CURRENT,
            PlanVersion.next_evaluation_on >= today,
            PlanVersion.next_evaluation_on <= today + EVALUATION_AHEAD,
        )
    ):
        assert version.next_evaluation_on is not None  # asked for in the query
        day = version.next_evaluation_on.isoformat()
        # Named after the day, not the version: a new plan that keeps the date is no new event.
        key = f"plan-evaluation:{version.dossier_id}:{day}"
        for reader in sorted(readers_of(db, version.dossier_id, version.section_id, now)):
            told += notify(
                db,
                ctx,
                reader,
                version.dossier_id,
                NoticeKind.PLAN_EVALUATION_SOON,
                key=key,
                date=day,
            )
    return told
