"""Notices on the start page (and by e-mail): what waits for someone, and what changed for them."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from dossier.actions import Action
from dossier.models import Notice, User
from dossier.services.context import Actor, Context, mail_after_commit
from dossier.services.mail import Mail


class NoticeKind(StrEnum):
    """What a notice is about; its e-mail subject and its line on the start page derive from it."""

    GRANT_WAITING = Action.GRANT_WAITING
    GRANT_ACTIVE = "grant.active"
    GRANT_ENDED = "grant.ended"
    BIRTHDAY_SIXTEEN = "birthday.sixteen"
    BIRTHDAY_GUARDIAN = "birthday.guardian"
    OWNER_WAITING = "owner.waiting"
    OWNER_ADDED = Action.OWNER_ADDED
    OWNER_JOINED = "owner.joined"
    OWNER_REMOVED = Action.OWNER_REMOVED
    OWNERSHIP_CANCELLED = "ownership.cancelled"
    DESTROY_WAITING = "destroy.waiting"


# Dutch first, like the app; the start page translates by kind.
SUBJECTS: dict[NoticeKind, str] = {
    NoticeKind.GRANT_WAITING: "Iemand wil delen: dat wacht op jouw ja",
    NoticeKind.GRANT_ACTIVE: "Er is een dossier met je gedeeld",
    NoticeKind.GRANT_ENDED: "Je toegang tot een dossier is gestopt",
    NoticeKind.BIRTHDAY_SIXTEEN: "Je bent 16: vanaf nu beslis jij alleen",
    NoticeKind.BIRTHDAY_GUARDIAN: "Je kind is 16: je bent nu meekijker",
    NoticeKind.OWNER_WAITING: "Een nieuwe eigenaar of een andere verandering wacht op jouw ja",
    NoticeKind.OWNER_ADDED: "Je bent nu eigenaar van een dossier",
    NoticeKind.OWNER_JOINED: "Iemand is eigenaar geworden van je dossier",
    NoticeKind.OWNER_REMOVED: "Je bent geen eigenaar meer van een dossier",
    NoticeKind.OWNERSHIP_CANCELLED: "Een verandering van eigenaren is gestopt",
    NoticeKind.DESTROY_WAITING: "Iemand vraagt om een dossier te vernietigen",
}


@dataclass(frozen=True)
class NoticeInfo:
    id: uuid.UUID
    kind: str
    dossier_id: uuid.UUID | None
    data: dict[str, str]
    created_at: datetime
    read: bool


def notify(
    db: Session,
    ctx: Context,
    user_id: uuid.UUID,
    dossier_id: uuid.UUID | None,
    kind: NoticeKind,
    **data: str,
) -> None:
    """Record a notice in the caller's transaction; its e-mail leaves only if that commits."""
    db.add(
        Notice(
            user_id=user_id,
            dossier_id=dossier_id,
            kind=kind,
            data=json.dumps(data),
            created_at=ctx.now(),
        )
    )
    user = db.get(User, user_id)
    if user is not None:
        body = (
            f"{SUBJECTS.get(kind, 'Bericht van Eigen Dossier')}.\n\n"
            "Log in bij Eigen Dossier om te zien wat er is veranderd.\n"
        )
        mail_after_commit(db, Mail(user.email, SUBJECTS.get(kind, kind), body))


def my_notices(ctx: Context, actor: Actor, limit: int = 20) -> list[NoticeInfo]:
    with ctx.unit_of_work() as db:
        return notices_of(db, actor, limit)


def notices_of(db: Session, actor: Actor, limit: int = 20) -> list[NoticeInfo]:
    """`my_notices`, inside the caller's unit of work (the start page's)."""
    rows = db.scalars(
        select(Notice)
        .where(Notice.user_id == actor.user_id)
        .order_by(Notice.created_at.desc())
        .limit(limit)
    )
    return [
        NoticeInfo(
            n.id, n.kind, n.dossier_id, json.loads(n.data), n.created_at, n.read_at is not None
        )
        for n in rows
    ]


def mark_all_read(ctx: Context, actor: Actor) -> None:
    with ctx.unit_of_work() as db:
        for notice in db.scalars(
            select(Notice).where(Notice.user_id == actor.user_id, Notice.read_at.is_(None))
        ):
            notice.read_at = ctx.now()
