"""What every use case receives: the database, settings, where the request came from, a clock."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker

from dossier.actions import Action
from dossier.audit import Event, Origin, Outcome, append
from dossier.config import Settings
from dossier.db import looking_up, reading, unit_of_work
from dossier.errors import AccessDenied, DomainError
from dossier.keys import DossierSecrets
from dossier.models import Dossier, Role
from dossier.secret_store import open_store
from dossier.services import queue
from dossier.services.mail import Mail, send

log = logging.getLogger(__name__)
SECRETS = "dossier_secrets"
AFTER_COMMIT = "after_commit"
OUTBOX = "outbox"
CONTEXT = "context"  # the use case's context, for what a flush tells (see `notices`)


def after_commit(db: Session, action: Callable[[], None]) -> None:
    """Work that must not happen unless the unit of work commits, such as shredding a secret."""
    db.info.setdefault(AFTER_COMMIT, []).append(action)


def mail_after_commit(db: Session, mail: Mail) -> None:
    """A mail that leaves only if the unit of work commits, so it never tells of undone work."""
    db.info.setdefault(OUTBOX, []).append(mail)


class Refused(Exception):
    """A use case says no: its work rolls back, the denial is logged, `error` reaches the edge.

    `keep` is work that must stand although the use case is refused, such as taking the keys of
    a grant that ended: it runs in the denial's own transaction."""

    def __init__(
        self,
        error: DomainError,
        event: Event,
        keep: Callable[[Session], None] | None = None,
    ) -> None:
        super().__init__(error.detail)
        self.error = error
        self.event = event
        self.keep = keep


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Context:
    sessions: sessionmaker[Session]
    settings: Settings
    origin: Origin = field(default_factory=Origin)
    clock: Callable[[], datetime] = utcnow
    audit_key: Ed25519PrivateKey | None = field(default=None, repr=False)
    job_key: bytes | None = field(default=None, repr=False)

    def now(self) -> datetime:
        return self.clock()

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction. A `Refused` inside it rolls the work back, then is logged on its own."""
        try:
            with unit_of_work(self.sessions) as db:
                db.info[SECRETS] = DossierSecrets(open_store(self.settings))
                db.info[CONTEXT] = self
                yield db
                outbox = db.info.pop(OUTBOX, [])
                after_commit = db.info.pop(AFTER_COMMIT, [])
        except Refused as refusal:
            self.record_denied(refusal.event, refusal.keep)
            raise refusal.error from None
        # Only after the work committed, and none of it may undo or fail the use case: a mail
        # server or queue that is down is logged for the operator, and the answer stays true.
        for mail in outbox:
            self._after_commit(partial(self._deliver, mail), "mail not delivered")
        for action in after_commit:
            self._after_commit(action, "after-commit action failed")

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """Look-ups without a transaction to begin and commit (`dossier.db.reading`)."""
        with reading(self.sessions) as db:
            yield db

    @contextmanager
    def looking_up(self) -> Iterator[Connection]:
        """Plain rows on a connection of their own (`dossier.db.looking_up`)."""
        with looking_up(self.sessions) as connection:
            yield connection

    def _deliver(self, mail: Mail) -> None:
        if self.settings.redis_url:
            queue.enqueue(self.settings.redis_url, queue.SEND_MAIL, mail)
        else:
            send(self.settings.smtp_url, mail)

    @staticmethod
    def _after_commit(action: Callable[[], None], failure: str) -> None:
        try:
            action()
        except Exception:
            log.exception(failure)

    def record_denied(self, event: Event, keep: Callable[[Session], None] | None = None) -> None:
        """Denied attempts are logged in a transaction of their own, since the use case fails."""
        with self.unit_of_work() as db:
            if keep is not None:
                keep(db)
            append(db, event, self.origin, self.now())


@dataclass(frozen=True)
class Actor:
    """The person behind a request, as established by their session. Also flask-login's user."""

    user_id: uuid.UUID
    role: str
    display_name: str
    email: str
    verified: bool
    session_id: uuid.UUID
    session_kind: str
    session_secret: bytes = field(repr=False)
    # The session's sealed keyring as read when the session was checked, so that opening the
    # actor's keys later in the request costs no second look-up; empty: read it then.
    keyring_sealed: bytes = field(default=b"", repr=False)
    unread: int = 0  # notices not seen yet, as counted when the session was checked
    # Must set up a second factor before anything else (see `sessions.open_session`).
    needs_second_factor: bool = False

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.user_id)


def actor_event(action: Action, actor: Actor, dossier: Dossier | None, **fields: Any) -> Event:
    """An event of a use case that works outside one dossier's access (officers, auditors):
    in the dossier's chain when it names one, else in the actor's."""
    return Event(
        action=action,
        actor_id=actor.user_id,
        actor_role=actor.role,
        on_behalf_of=dossier.subject_user_id if dossier else None,
        dossier_id=dossier.id if dossier else None,
        **fields,
    )


def actor_refusal(
    error: DomainError,
    action: Action,
    actor: Actor,
    dossier: Dossier | None,
    reason: str,
    **fields: Any,
) -> Refused:
    """`actor_event`'s refusal: logged as denied, `error` reaches the edge."""
    return Refused(
        error, actor_event(action, actor, dossier, outcome=Outcome.DENIED, reason=reason, **fields)
    )


def require_auditor(actor: Actor, action: Action) -> None:
    """Only the auditor reviews what others could not be asked about (emergencies, access by
    law, objections); anyone else is refused and the refusal is logged."""
    require_role(actor, Role.AUDITOR, action)


def require_role(actor: Actor, role: Role, action: Action) -> None:
    """Pages of a role that looks at the service, not in a dossier: anyone else is refused, and
    the refusal is logged."""
    if actor.role != role:
        raise actor_refusal(AccessDenied(), action, actor, None, reason=f"not {role}")
