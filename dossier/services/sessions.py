"""Logging in and out. A session holds a keyring copy that only the cookie or token can open."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, bindparam, delete, select, update
from sqlalchemy.orm import Session

from dossier import crypto
from dossier.actions import Action
from dossier.audit import Event, Outcome, append
from dossier.errors import InvalidCredentials, SecondFactorNeeded
from dossier.models import (
    EmergencyKey,
    EmergencyOfficer,
    PendingLogin,
    Role,
    SecondFactor,
    SessionKind,
    User,
    UserSession,
    counts_as_verified,
)
from dossier.services import kdf, validation
from dossier.services.context import Actor, Context
from dossier.services.notices import unread_of

TOUCH_INTERVAL = timedelta(seconds=60)
# Between the password and the second step: long enough to find the phone, short for a thief.
PENDING_LIFETIME = timedelta(minutes=5)
PENDING_KIND = "pending"
# Spent on logins for unknown addresses, so timing does not tell which addresses have an account.
_DUMMY_SALT = bytes(crypto.SALT_BYTES)


@dataclass(frozen=True)
class SessionTicket:
    """What the client keeps: the session id and the secret whose key opens the keyring copy."""

    token: str
    session_id: uuid.UUID
    user_id: uuid.UUID
    expires_at: datetime


def _session_context(user_id: uuid.UUID, session_id: uuid.UUID) -> str:
    return f"{user_id}/{session_id}"


def parse_ticket(token: str) -> tuple[uuid.UUID, bytes] | None:
    """A ticket is `<session id hex>.<secret base64url>`; anything else is simply not a session."""
    session_part, _, secret_part = (token or "").partition(".")
    try:
        session_id = uuid.UUID(hex=session_part)
        secret = crypto.from_b64url(secret_part)
    except (ValueError, crypto.CryptoError):
        return None
    if len(secret) != crypto.SESSION_SECRET_BYTES:
        return None
    return session_id, secret


def factor_kinds(db: Session, user_id: uuid.UUID) -> tuple[str, ...]:
    """The kinds of confirmed second factor an account has, each once, in a stable order."""
    kinds = db.scalars(
        select(SecondFactor.kind)
        .where(SecondFactor.user_id == user_id, SecondFactor.confirmed_at.is_not(None))
        .distinct()
    ).all()
    return tuple(sorted(kinds))


def second_factor_required(db: Session, ctx: Context, user: User) -> bool:
    """Admins, auditors and emergency officers (and professionals, where the organisation asks)
    must log in in two steps. Officers are found with a query of their own, since the emergency
    services build on this module."""
    settings = ctx.settings
    if user.role == Role.PROFESSIONAL and settings.require_second_factor_for_professionals:
        return True
    if not settings.require_second_factor_for_staff:
        return False
    if user.role in (Role.ADMIN, Role.AUDITOR):
        return True
    officer = db.scalar(
        select(EmergencyOfficer.id)
        .join(EmergencyKey, EmergencyKey.id == EmergencyOfficer.emergency_key_id)
        .where(EmergencyOfficer.user_id == user.id, EmergencyKey.retired_at.is_(None))
        .limit(1)
    )
    return officer is not None


def open_session(
    db: Session, ctx: Context, user: User, keyring: crypto.Keyring, kind: SessionKind
) -> SessionTicket:
    """Create a session row for an already authenticated user, inside the caller's transaction.
    Someone who must have a second factor and has none gets a session that only sets one up."""
    now = ctx.now()
    lifetime = _lifetime(ctx, kind)
    session_id = uuid.uuid4()
    secret = crypto.new_session_secret()
    row = UserSession(
        id=session_id,
        user_id=user.id,
        kind=str(kind),
        lookup_hash=crypto.session_lookup_hash(secret),
        keyring_sealed=crypto.seal_keyring(
            keyring,
            crypto.session_key(secret),
            kind=crypto.Kind.KEYRING_BY_SESSION,
            owner=_session_context(user.id, session_id),
        ),
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
        needs_second_factor=not factor_kinds(db, user.id) and second_factor_required(db, ctx, user),
    )
    db.add(row)
    db.flush()
    return SessionTicket(
        token=_token(session_id, secret),
        session_id=session_id,
        user_id=user.id,
        expires_at=row.expires_at,
    )


def decoy_ticket(ctx: Context, user_id: uuid.UUID, kind: SessionKind) -> SessionTicket:
    """A ticket shaped like a real one that opens no session. Where an answer must not tell
    whether an account exists, the answer without one carries this."""
    session_id = uuid.uuid4()
    return SessionTicket(
        token=_token(session_id, crypto.new_session_secret()),
        session_id=session_id,
        user_id=user_id,
        expires_at=ctx.now() + _lifetime(ctx, kind),
    )


def _lifetime(ctx: Context, kind: SessionKind) -> timedelta:
    hours = (
        ctx.settings.api_token_hours if kind == SessionKind.API else ctx.settings.session_max_hours
    )
    return timedelta(hours=hours)


def _token(session_id: uuid.UUID, secret: bytes) -> str:
    return f"{session_id.hex}.{crypto.b64url(secret)}"


def derive(ctx: Context, password: str, salt: bytes, cost: crypto.KdfCost) -> crypto.PasswordKeys:
    """Argon2id within the process's cap on concurrent derivations."""
    settings = ctx.settings
    return kdf.derive(password, salt, cost, settings.max_concurrent_kdf, settings.kdf_wait_seconds)


def user_kdf_cost(user: User) -> crypto.KdfCost:
    return crypto.KdfCost(user.kdf_time_cost, user.kdf_memory_kib, user.kdf_lanes)


def set_password(
    db: Session, ctx: Context, user: User, password: str, keyring: crypto.Keyring
) -> None:
    """Fresh salt at the configured cost; the keyring itself (and so every key) stays the same."""
    salt = crypto.new_salt()
    cost = ctx.settings.kdf_cost
    keys = derive(ctx, password, salt, cost)
    user.kdf_salt = salt
    user.kdf_time_cost = cost.time_cost
    user.kdf_memory_kib = cost.memory_kib
    user.kdf_lanes = cost.lanes
    user.auth_verifier = keys.verifier
    user.keyring_by_password = crypto.seal_keyring(
        keyring, keys.kek, kind=crypto.Kind.KEYRING_BY_PASSWORD, owner=str(user.id)
    )
    user.password_changed_at = ctx.now()


def check_password(ctx: Context, user: User, password: str) -> crypto.Keyring | None:
    """One Argon2id run; the keyring if the password is right, otherwise None."""
    keys = derive(ctx, password, user.kdf_salt, user_kdf_cost(user))
    if not crypto.same_bytes(keys.verifier, user.auth_verifier):
        return None
    return crypto.open_keyring(
        user.keyring_by_password, keys.kek, kind=crypto.Kind.KEYRING_BY_PASSWORD, owner=str(user.id)
    )


def log_in(ctx: Context, email: str, password: str, kind: SessionKind) -> SessionTicket:
    """The password step. An account without a second factor gets its session; one with a
    factor gets `SecondFactorNeeded`, whose token continues only this login.

    The password must open the keyring here, since the session made after the second step needs
    it and the password is not asked twice; until then the keyring copy waits under the pending
    token's key, which no page or API call accepts as a session."""
    email = validation.email_key(email)
    pending: tuple[str, tuple[str, ...]] | None = None
    with ctx.unit_of_work() as db:
        user = (
            db.scalar(select(User).where(User.email == email)) if validation.usable(email) else None
        )
        if user is None:
            derive(ctx, password or "", _DUMMY_SALT, ctx.settings.kdf_cost)
            keyring = None
        else:
            keyring = check_password(ctx, user, password or "")
        if user is not None and keyring is not None:
            if user_kdf_cost(user).weaker_than(ctx.settings.kdf_cost):
                set_password(db, ctx, user, password, keyring)
            kinds = factor_kinds(db, user.id)
            if kinds:
                token, pending_id = _open_pending(db, ctx, user, keyring, kind)
                append(
                    db,
                    Event(
                        action=Action.ACCOUNT_LOGIN_PASSWORD,
                        actor_id=user.id,
                        actor_role=user.role,
                        object_type="pending_login",
                        object_id=str(pending_id),
                        reason=str(kind),
                        basis="password",
                    ),
                    ctx.origin,
                    ctx.now(),
                )
                pending = (token, kinds)
            else:
                ticket = open_session(db, ctx, user, keyring, kind)
                append(db, login_event(user, ticket, kind, "password"), ctx.origin, ctx.now())
                return ticket
        user_id, role = (user.id, user.role) if user is not None else (None, None)
    if pending is not None:
        raise SecondFactorNeeded(*pending)
    ctx.record_denied(
        Event(
            action=Action.ACCOUNT_LOGIN,
            outcome=Outcome.DENIED,
            actor_id=user_id,
            actor_role=role,
            reason="unknown account" if user_id is None else "wrong password",
        )
    )
    raise InvalidCredentials()


def login_event(user: User, ticket: SessionTicket, kind: SessionKind, basis: str) -> Event:
    return Event(
        action=Action.ACCOUNT_LOGIN,
        actor_id=user.id,
        actor_role=user.role,
        object_type="session",
        object_id=str(ticket.session_id),
        reason=str(kind),
        basis=basis,
    )


def _pending_context(user_id: uuid.UUID, pending_id: uuid.UUID) -> str:
    return f"{user_id}/pending/{pending_id}"


def _open_pending(
    db: Session, ctx: Context, user: User, keyring: crypto.Keyring, kind: SessionKind
) -> tuple[str, uuid.UUID]:
    now = ctx.now()
    pending_id = uuid.uuid4()
    secret = crypto.new_session_secret()
    db.add(
        PendingLogin(
            id=pending_id,
            user_id=user.id,
            kind=str(kind),
            lookup_hash=crypto.session_lookup_hash(secret),
            keyring_sealed=crypto.seal_keyring(
                keyring,
                crypto.session_key(secret),
                kind=crypto.Kind.KEYRING_BY_SESSION,
                owner=_pending_context(user.id, pending_id),
            ),
            created_at=now,
            expires_at=now + PENDING_LIFETIME,
            failures=0,
        )
    )
    db.flush()
    return _token(pending_id, secret), pending_id


def find_pending(
    db: Session, ctx: Context, token: str, kind: SessionKind | None = None
) -> tuple[PendingLogin, bytes] | None:
    """The half-finished login behind a pending token, if it is still live, with its secret;
    with `kind`, only one begun there (a browser's login is not finished through the API)."""
    parsed = parse_ticket(token)
    if parsed is None:
        return None
    pending_id, secret = parsed
    row = db.get(PendingLogin, pending_id)
    if row is None or not crypto.same_bytes(row.lookup_hash, crypto.session_lookup_hash(secret)):
        return None
    if kind is not None and row.kind != str(kind):
        return None
    if ctx.now() >= row.expires_at:
        db.delete(row)
        return None
    return row, secret


def finish_pending(
    db: Session, ctx: Context, pending: PendingLogin, secret: bytes, basis: str
) -> SessionTicket:
    """The second step succeeded: the pending login becomes a session with a token of its own,
    so the pending token never works as a session."""
    user = db.get(User, pending.user_id)
    if user is None:
        raise InvalidCredentials()
    keyring = pending_keyring(pending, secret)
    kind = SessionKind(pending.kind)
    db.delete(pending)
    ticket = open_session(db, ctx, user, keyring, kind)
    append(db, login_event(user, ticket, kind, basis), ctx.origin, ctx.now())
    return ticket


def pending_keyring(pending: PendingLogin, secret: bytes) -> crypto.Keyring:
    return crypto.open_keyring(
        pending.keyring_sealed,
        crypto.session_key(secret),
        kind=crypto.Kind.KEYRING_BY_SESSION,
        owner=_pending_context(pending.user_id, pending.id),
    )


# Plain rows: checking a session is part of every request, and ORM objects cost more than the
# check itself.
_SESSION_AND_USER = (
    select(
        UserSession.id,
        UserSession.kind,
        UserSession.lookup_hash,
        UserSession.keyring_sealed,
        UserSession.expires_at,
        UserSession.last_seen_at,
        User.id.label("user_id"),
        User.role,
        User.display_name,
        User.email,
        User.verified_at,
        UserSession.needs_second_factor,
        unread_of(User.id).label("unread"),
    )
    .join(User, User.id == UserSession.user_id)
    .where(UserSession.id == bindparam("session_id", type_=UserSession.id.type))
)
_SESSION = UserSession.id == bindparam("session_id", type_=UserSession.id.type)
_END_SESSION = delete(UserSession).where(_SESSION)
_TOUCH_SESSION = update(UserSession).where(_SESSION).values(last_seen_at=bindparam("now"))


def authenticate(ctx: Context, token: str, kind: SessionKind) -> Actor | None:
    """The actor behind a cookie or bearer token, or None when it is unknown, wrong or expired."""
    parsed = parse_ticket(token)
    if parsed is None:
        return None
    session_id, secret = parsed
    now = ctx.now()
    with ctx.looking_up() as connection:
        row = connection.execute(_SESSION_AND_USER, {"session_id": session_id}).first()
    if (
        row is None
        or row.kind != str(kind)
        or not crypto.same_bytes(row.lookup_hash, crypto.session_lookup_hash(secret))
    ):
        return None
    idle_limit = timedelta(minutes=ctx.settings.session_idle_minutes)
    if now >= row.expires_at or (kind == SessionKind.WEB and now - row.last_seen_at > idle_limit):
        with ctx.unit_of_work() as db:
            db.execute(_END_SESSION, {"session_id": session_id})
        return None
    if now - row.last_seen_at > TOUCH_INTERVAL:
        with ctx.unit_of_work() as db:  # at most once a minute: most requests write nothing
            db.execute(_TOUCH_SESSION, {"session_id": session_id, "now": now})
    return Actor(
        user_id=row.user_id,
        role=row.role,
        display_name=row.display_name,
        email=row.email,
        verified=counts_as_verified(row.role, row.verified_at),
        session_id=row.id,
        session_kind=row.kind,
        session_secret=secret,
        keyring_sealed=row.keyring_sealed,
        unread=row.unread,
        needs_second_factor=row.needs_second_factor,
    )


def unlock_keyring(db: Session, actor: Actor) -> crypto.Keyring:
    """The actor's private keys, opened from their session row with the key only they hold."""
    sealed = actor.keyring_sealed or db.scalar(
        select(UserSession.keyring_sealed).where(UserSession.id == actor.session_id)
    )
    if sealed is None:
        raise InvalidCredentials()
    return crypto.open_keyring(
        sealed,
        crypto.session_key(actor.session_secret),
        kind=crypto.Kind.KEYRING_BY_SESSION,
        owner=_session_context(actor.user_id, actor.session_id),
    )


def log_out(ctx: Context, actor: Actor) -> None:
    with ctx.unit_of_work() as db:
        db.execute(delete(UserSession).where(UserSession.id == actor.session_id))
        append(db, _session_event(Action.ACCOUNT_LOGOUT, actor), ctx.origin, ctx.now())


def log_out_everywhere(ctx: Context, actor: Actor) -> int:
    """Ends every session of the actor, this one included; returns how many there were."""
    with ctx.unit_of_work() as db:
        # A DELETE through the session returns a CursorResult; Session.execute is typed for any
        # statement, so SQLAlchemy's documented answer is this cast.
        deleted = cast(
            CursorResult[Any],
            db.execute(delete(UserSession).where(UserSession.user_id == actor.user_id)),
        )
        ended = deleted.rowcount
        append(
            db,
            _session_event(Action.ACCOUNT_LOGOUT_EVERYWHERE, actor, reason=f"{ended} sessions"),
            ctx.origin,
            ctx.now(),
        )
        return ended


def _session_event(action: Action, actor: Actor, reason: str | None = None) -> Event:
    return Event(
        action=action,
        actor_id=actor.user_id,
        actor_role=actor.role,
        object_type="session",
        object_id=str(actor.session_id),
        reason=reason,
        basis="session",
    )
