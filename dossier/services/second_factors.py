"""A second step at login: authenticator apps and passkeys, managed by their owner; the second
step itself; the recovery code as the way back; and, for staff, a reset by two admins.

An app's secret is sealed under a key derived from a server key, not under the account's keys:
the code is checked at the second step of logging in, and the check must not depend on what the
password step opened. A copy of the database alone still reveals no secret, and the sealing binds
each secret to its account and factor, so a sealed secret moved to another row does not open.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

import pyotp
import webauthn
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from webauthn.helpers.exceptions import (
    InvalidAuthenticationResponse,
    InvalidRegistrationResponse,
)
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from dossier import crypto
from dossier.actions import Action
from dossier.audit import Event, Outcome, append
from dossier.errors import N_, AccessDenied, Conflict, InvalidCredentials, InvalidInput, NotFound
from dossier.models import (
    FactorKind,
    FactorReset,
    PendingLogin,
    Role,
    SecondFactor,
    SessionKind,
    User,
    UserSession,
)
from dossier.services import sessions, validation
from dossier.services.context import Actor, Context
from dossier.services.sessions import SessionTicket

ISSUER = "Eigen Dossier"
NAME_MAX = 60
# A code is accepted one 30-second step early or late: phones' clocks drift a little.
VALID_WINDOW = 1
# Wrong codes on one half-finished login before it ends and the password is asked again.
MAX_FAILURES = 5
EXPIRED = N_("This login took too long. Log in again.")
WRONG_CODE = N_("That code is not right. Look at the app and try the newest code.")
WRONG_RECOVERY = N_("That recovery code is not right.")


def _factor_key(ctx: Context) -> bytes:
    if ctx.job_key is None:
        raise RuntimeError("second factors need the server keys")
    return crypto.second_factor_key(ctx.job_key)


def _binding(user_id: uuid.UUID, factor_id: uuid.UUID) -> dict[str, object]:
    return {"owner": str(user_id), "factor": str(factor_id)}


def _seal_secret(ctx: Context, user_id: uuid.UUID, factor_id: uuid.UUID, secret: str) -> bytes:
    return crypto.seal(
        _factor_key(ctx),
        secret.encode("ascii"),
        kind=crypto.Kind.SECOND_FACTOR,
        purpose="second-factor/totp",
        context=_binding(user_id, factor_id),
    )


def _open_secret(ctx: Context, factor: SecondFactor) -> str:
    assert factor.secret_sealed is not None
    return crypto.open_sealed(
        _factor_key(ctx),
        factor.secret_sealed,
        kind=crypto.Kind.SECOND_FACTOR,
        purpose="second-factor/totp",
        context=_binding(factor.user_id, factor.id),
    ).decode("ascii")


def _matching_step(ctx: Context, secret: str, code: str, after: int | None) -> int | None:
    """The time step whose code this is, if any within the window and later than `after`, so
    a code seen over someone's shoulder cannot be used a second time."""
    code = "".join((code or "").split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = ctx.now()
    current = totp.timecode(now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if after is not None and step <= after:
            continue
        if crypto.same_bytes(totp.generate_otp(step).encode(), code.encode()):
            return step
    return None


def _event(action: Action, actor: Actor, factor_id: uuid.UUID | None, **fields: object) -> Event:
    return Event(
        action=action,
        actor_id=actor.user_id,
        actor_role=actor.role,
        object_type="second_factor" if factor_id else None,
        object_id=str(factor_id) if factor_id else None,
        basis="own account",
        **fields,  # type: ignore[arg-type]
    )


# --- managing one's own factors ----------------------------------------------------------


@dataclass(frozen=True)
class FactorView:
    id: uuid.UUID
    kind: str
    name: str
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True)
class AppSetup:
    """An app being added: the secret to type or the link the QR code carries."""

    factor_id: uuid.UUID
    secret: str
    uri: str


def my_factors(ctx: Context, actor: Actor) -> list[FactorView]:
    with ctx.reading() as db:
        rows = db.scalars(
            select(SecondFactor)
            .where(SecondFactor.user_id == actor.user_id, SecondFactor.confirmed_at.is_not(None))
            .order_by(SecondFactor.created_at)
        ).all()
        return [FactorView(r.id, r.kind, r.name, r.created_at, r.last_used_at) for r in rows]


def must_have_factor(ctx: Context, actor: Actor) -> bool:
    """Whether this person may not log in on a password alone (shown on the account page)."""
    with ctx.reading() as db:
        user = db.get(User, actor.user_id)
        return user is not None and sessions.second_factor_required(db, ctx, user)


def start_app(ctx: Context, actor: Actor) -> AppSetup:
    """A new secret, waiting for a first right code; an earlier unfinished one is dropped."""
    secret = pyotp.random_base32()
    factor_id = uuid.uuid4()
    with ctx.unit_of_work() as db:
        _drop_unconfirmed(db, actor.user_id, FactorKind.TOTP)
        db.add(
            SecondFactor(
                id=factor_id,
                user_id=actor.user_id,
                kind=str(FactorKind.TOTP),
                name="",
                created_at=ctx.now(),
                secret_sealed=_seal_secret(ctx, actor.user_id, factor_id, secret),
                sign_count=0,
            )
        )
    return AppSetup(factor_id, secret, _uri(secret, actor.email))


def _uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def _drop_unconfirmed(db: Session, user_id: uuid.UUID, kind: FactorKind) -> None:
    db.execute(
        delete(SecondFactor).where(
            SecondFactor.user_id == user_id,
            SecondFactor.kind == str(kind),
            SecondFactor.confirmed_at.is_(None),
        )
    )


def app_waiting(ctx: Context, actor: Actor, factor_id: uuid.UUID) -> AppSetup:
    with ctx.reading() as db:
        factor = _unconfirmed(db, actor, factor_id, FactorKind.TOTP)
        return AppSetup(
            factor.id, _open_secret(ctx, factor), _uri(_open_secret(ctx, factor), actor.email)
        )


def _unconfirmed(db: Session, actor: Actor, factor_id: uuid.UUID, kind: FactorKind) -> SecondFactor:
    factor = db.get(SecondFactor, factor_id)
    if (
        factor is None
        or factor.user_id != actor.user_id
        or factor.kind != str(kind)
        or factor.confirmed_at is not None
    ):
        raise NotFound()
    return factor


def confirm_app(ctx: Context, actor: Actor, factor_id: uuid.UUID, name: str, code: str) -> None:
    """The app counts from its first right code on: then it surely holds the secret."""
    errors = validation.Errors()
    name = validation.name(
        name, errors, "name", maximum=NAME_MAX, required_message=N_("Give it a name.")
    )
    if not (code or "").strip():
        errors.add("code", N_("Fill in the code from the app."))
    errors.raise_if_any()
    with ctx.unit_of_work() as db:
        factor = _unconfirmed(db, actor, factor_id, FactorKind.TOTP)
        step = _matching_step(ctx, _open_secret(ctx, factor), code, None)
        if step is not None:
            factor.name = name
            factor.confirmed_at = ctx.now()
            factor.last_step = step
            _factor_added(db, ctx, actor, factor)
            return
    raise InvalidInput({"code": [WRONG_CODE]})


def _end_other_sessions(db: Session, actor: Actor) -> None:
    """A factor added or removed ends every other session, as a new password does: whoever got
    in before the change must come through the new door."""
    db.execute(
        delete(UserSession).where(
            UserSession.user_id == actor.user_id, UserSession.id != actor.session_id
        )
    )


def _factor_added(db: Session, ctx: Context, actor: Actor, factor: SecondFactor) -> None:
    _end_other_sessions(db, actor)
    db.execute(
        update(UserSession)
        .where(UserSession.user_id == actor.user_id)
        .values(needs_second_factor=False)
    )
    append(
        db,
        _event(Action.ACCOUNT_FACTOR_ADD, actor, factor.id, reason=factor.kind),
        ctx.origin,
        ctx.now(),
    )


def remove_factor(ctx: Context, actor: Actor, factor_id: uuid.UUID) -> None:
    """Where a second step is required, the last one stays until another is added."""
    with ctx.unit_of_work() as db:
        factor = db.get(SecondFactor, factor_id)
        if factor is None or factor.user_id != actor.user_id or factor.confirmed_at is None:
            raise NotFound()
        user = db.get(User, actor.user_id)
        assert user is not None
        others = db.scalar(
            select(SecondFactor.id)
            .where(
                SecondFactor.user_id == actor.user_id,
                SecondFactor.confirmed_at.is_not(None),
                SecondFactor.id != factor.id,
            )
            .limit(1)
        )
        if others is None and sessions.second_factor_required(db, ctx, user):
            raise Conflict(
                N_("You need a second step to log in. Add another one before you remove this.")
            )
        db.delete(factor)
        _end_other_sessions(db, actor)
        append(
            db,
            _event(Action.ACCOUNT_FACTOR_REMOVE, actor, factor_id, reason=factor.kind),
            ctx.origin,
            ctx.now(),
        )


# --- the second step of logging in ------------------------------------------------------


@dataclass(frozen=True)
class PendingView:
    kinds: tuple[str, ...]


def pending(ctx: Context, token: str) -> PendingView | None:
    """What the second-step page offers, or None when the login is gone or expired."""
    with ctx.unit_of_work() as db:
        found = sessions.find_pending(db, ctx, token)
        if found is None:
            return None
        return PendingView(sessions.factor_kinds(db, found[0].user_id))


def _denied(ctx: Context, user_id: uuid.UUID | None, role: str | None, reason: str) -> None:
    ctx.record_denied(
        Event(
            action=Action.ACCOUNT_LOGIN_SECOND_STEP,
            outcome=Outcome.DENIED,
            actor_id=user_id,
            actor_role=role,
            reason=reason,
        )
    )


def _failed(db: Session, row: PendingLogin) -> None:
    """One more wrong answer; after too many the login ends and the password is asked again."""
    row.failures += 1
    if row.failures >= MAX_FAILURES:
        db.delete(row)


def log_in_with_app(
    ctx: Context, token: str, code: str, kind: SessionKind = SessionKind.WEB
) -> SessionTicket:
    """The second step with a code from an authenticator app, for a login begun as `kind`."""
    user_id: uuid.UUID | None = None
    role: str | None = None
    with ctx.unit_of_work() as db:
        found = sessions.find_pending(db, ctx, token, kind)
        if found is not None:
            row, secret = found
            user = db.get(User, row.user_id)
            user_id, role = row.user_id, user.role if user else None
            apps = db.scalars(
                select(SecondFactor).where(
                    SecondFactor.user_id == row.user_id,
                    SecondFactor.kind == str(FactorKind.TOTP),
                    SecondFactor.confirmed_at.is_not(None),
                )
            ).all()
            for app in apps:
                step = _matching_step(ctx, _open_secret(ctx, app), code, app.last_step)
                if step is not None:
                    app.last_step = step
                    app.last_used_at = ctx.now()
                    return sessions.finish_pending(db, ctx, row, secret, "password+totp")
            _failed(db, row)
    if user_id is None:
        _denied(ctx, None, None, "expired")
        raise InvalidCredentials(EXPIRED)
    _denied(ctx, user_id, role, "wrong code")
    raise InvalidCredentials(WRONG_CODE)


def log_in_with_recovery(
    ctx: Context, token: str, recovery_code: str
) -> tuple[SessionTicket, str, str]:
    """The way back when the phone or passkey is lost: after the password, the recovery code
    removes every second step and logs in. The code is used up; a new one is handed out."""
    user_id: uuid.UUID | None = None
    role: str | None = None
    with ctx.unit_of_work() as db:
        found = sessions.find_pending(db, ctx, token)
        if found is not None:
            row, secret = found
            user = db.get(User, row.user_id)
            assert user is not None
            user_id, role = user.id, user.role
            try:
                keyring = crypto.open_keyring(
                    user.keyring_by_recovery,
                    crypto.recovery_key(crypto.parse_recovery_code(recovery_code)),
                    kind=crypto.Kind.KEYRING_BY_RECOVERY,
                    owner=str(user.id),
                )
            except crypto.CryptoError:
                keyring = None
            if keyring is not None:
                code = crypto.new_recovery_code()
                user.keyring_by_recovery = crypto.seal_keyring(
                    keyring,
                    crypto.recovery_key(crypto.parse_recovery_code(code)),
                    kind=crypto.Kind.KEYRING_BY_RECOVERY,
                    owner=str(user.id),
                )
                db.execute(delete(SecondFactor).where(SecondFactor.user_id == user.id))
                db.execute(delete(UserSession).where(UserSession.user_id == user.id))
                append(
                    db,
                    Event(
                        action=Action.ACCOUNT_FACTOR_RECOVER,
                        actor_id=user.id,
                        actor_role=user.role,
                        basis="recovery code",
                    ),
                    ctx.origin,
                    ctx.now(),
                )
                ticket = sessions.finish_pending(db, ctx, row, secret, "password+recovery")
                return ticket, code, user.email
            _failed(db, row)
    if user_id is None:
        _denied(ctx, None, None, "expired")
        raise InvalidCredentials(EXPIRED)
    _denied(ctx, user_id, role, "wrong recovery code")
    raise InvalidCredentials(WRONG_RECOVERY)


def cancel_pending(ctx: Context, token: str) -> None:
    with ctx.unit_of_work() as db:
        found = sessions.find_pending(db, ctx, token)
        if found is not None:
            db.delete(found[0])


# --- two admins reset a staff member's second step -----------------------------------------


@dataclass(frozen=True)
class ResetView:
    id: uuid.UUID
    email: str
    display_name: str
    started_by: str
    started_by_id: uuid.UUID
    started_at: datetime


def _require_admin(ctx: Context, actor: Actor, action: Action) -> None:
    if actor.role != Role.ADMIN:
        ctx.record_denied(
            Event(
                action=action,
                outcome=Outcome.DENIED,
                actor_id=actor.user_id,
                actor_role=actor.role,
                reason="not an admin",
            )
        )
        raise AccessDenied()


def _admin_event(
    action: Action, actor: Actor, reset_id: uuid.UUID | None, **fields: object
) -> Event:
    return Event(
        action=action,
        actor_id=actor.user_id,
        actor_role=actor.role,
        object_type="factor_reset" if reset_id else None,
        object_id=str(reset_id) if reset_id else None,
        basis="admin role",
        **fields,  # type: ignore[arg-type]
    )


def open_resets(ctx: Context, actor: Actor) -> list[ResetView]:
    _require_admin(ctx, actor, Action.ADMIN_FACTOR_RESETS)
    with ctx.reading() as db:
        starter = User.__table__.alias("starter")
        rows = db.execute(
            select(
                FactorReset.id,
                User.email,
                User.display_name,
                starter.c.display_name.label("started_by"),
                FactorReset.started_by.label("started_by_id"),
                FactorReset.started_at,
            )
            .join(User, User.id == FactorReset.user_id)
            .join(starter, starter.c.id == FactorReset.started_by)
            .where(FactorReset.confirmed_at.is_(None))
            .order_by(FactorReset.started_at)
        ).all()
        return [ResetView(*row) for row in rows]


STAFF_ROLES = (Role.ADMIN, Role.AUDITOR, Role.PROFESSIONAL)


def start_reset(ctx: Context, actor: Actor, email: str) -> uuid.UUID:
    """The first admin asks; nothing changes until a second admin confirms."""
    _require_admin(ctx, actor, Action.ADMIN_FACTOR_RESET_START)
    with ctx.unit_of_work() as db:
        user = db.scalar(select(User).where(User.email == validation.email_key(email)))
        if user is None or user.role not in STAFF_ROLES or user.removed_at is not None:
            raise InvalidInput({"email": [N_("There is no staff account with this address.")]})
        if user.id == actor.user_id:
            raise InvalidInput({"email": [N_("Another admin resets your own second step.")]})
        if db.scalar(
            select(FactorReset.id).where(
                FactorReset.user_id == user.id, FactorReset.confirmed_at.is_(None)
            )
        ):
            raise Conflict(N_("A reset for this account already waits for a second admin."))
        reset = FactorReset(user_id=user.id, started_by=actor.user_id, started_at=ctx.now())
        db.add(reset)
        db.flush()
        append(
            db,
            _admin_event(Action.ADMIN_FACTOR_RESET_START, actor, reset.id, on_behalf_of=user.id),
            ctx.origin,
            ctx.now(),
        )
        return reset.id


def confirm_reset(ctx: Context, actor: Actor, reset_id: uuid.UUID) -> None:
    """A second admin, not the first and not the one reset: every factor of the account and
    every session of it end; the next login asks them to set up a new one."""
    _require_admin(ctx, actor, Action.ADMIN_FACTOR_RESET_CONFIRM)
    with ctx.unit_of_work() as db:
        reset = db.get(FactorReset, reset_id)
        if reset is None or reset.confirmed_at is not None:
            raise NotFound()
        if actor.user_id in (reset.started_by, reset.user_id):
            raise Conflict(N_("A second admin must confirm this reset."))
        reset.confirmed_by = actor.user_id
        reset.confirmed_at = ctx.now()
        db.execute(delete(SecondFactor).where(SecondFactor.user_id == reset.user_id))
        db.execute(delete(UserSession).where(UserSession.user_id == reset.user_id))
        db.execute(delete(PendingLogin).where(PendingLogin.user_id == reset.user_id))
        append(
            db,
            _admin_event(
                Action.ADMIN_FACTOR_RESET_CONFIRM, actor, reset.id, on_behalf_of=reset.user_id
            ),
            ctx.origin,
            ctx.now(),
        )


# --- passkeys ------------------------------------------------------------------------------
#
# A passkey here is a second step only. It cannot replace the password: the password derives the
# key that opens the account's keys, and a passkey's signature proves who someone is without
# giving the server any secret to open them with. (A passkey with the PRF extension could wrap
# a copy of that key; see the README.)


@dataclass(frozen=True)
class RelyingParty:
    """Where the passkey belongs: the site's host name and the origin the browser reports."""

    rp_id: str
    origin: str


PASSKEY_REFUSED = N_("The passkey did not work. Try again, or use another second step.")


def passkey_registration_options(ctx: Context, actor: Actor, party: RelyingParty) -> str:
    """The browser's `navigator.credentials.create` options, as JSON; the challenge waits in an
    unfinished passkey row until the browser answers."""
    with ctx.unit_of_work() as db:
        _drop_unconfirmed(db, actor.user_id, FactorKind.PASSKEY)
        existing = db.scalars(
            select(SecondFactor.credential_id).where(
                SecondFactor.user_id == actor.user_id,
                SecondFactor.kind == str(FactorKind.PASSKEY),
                SecondFactor.confirmed_at.is_not(None),
            )
        ).all()
        options = webauthn.generate_registration_options(
            rp_id=party.rp_id,
            rp_name=ISSUER,
            user_name=actor.email,
            user_id=actor.user_id.bytes,
            user_display_name=actor.display_name,
            exclude_credentials=[
                PublicKeyCredentialDescriptor(id=credential)
                for credential in existing
                if credential is not None
            ],
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.PREFERRED,
                user_verification=UserVerificationRequirement.PREFERRED,
            ),
        )
        db.add(
            SecondFactor(
                user_id=actor.user_id,
                kind=str(FactorKind.PASSKEY),
                name="",
                created_at=ctx.now(),
                challenge=options.challenge,
                sign_count=0,
            )
        )
        return webauthn.options_to_json(options)


def add_passkey(
    ctx: Context, actor: Actor, name: str, credential: str, party: RelyingParty
) -> None:
    errors = validation.Errors()
    name = validation.name(
        name, errors, "name", maximum=NAME_MAX, required_message=N_("Give it a name.")
    )
    errors.raise_if_any()
    with ctx.unit_of_work() as db:
        factor = db.scalar(
            select(SecondFactor).where(
                SecondFactor.user_id == actor.user_id,
                SecondFactor.kind == str(FactorKind.PASSKEY),
                SecondFactor.confirmed_at.is_(None),
            )
        )
        verified = None
        if factor is not None and factor.challenge is not None:
            try:
                verified = webauthn.verify_registration_response(
                    credential=credential,
                    expected_challenge=factor.challenge,
                    expected_rp_id=party.rp_id,
                    expected_origin=party.origin,
                )
            except (InvalidRegistrationResponse, ValueError, KeyError, TypeError):
                verified = None
        if factor is not None and verified is not None:
            factor.name = name
            factor.credential_id = verified.credential_id
            factor.public_key = verified.credential_public_key
            factor.sign_count = verified.sign_count
            factor.challenge = None
            factor.confirmed_at = ctx.now()
            _factor_added(db, ctx, actor, factor)
            return
    raise InvalidInput({"credential": [PASSKEY_REFUSED]})


def passkey_login_options(ctx: Context, token: str, party: RelyingParty) -> str | None:
    """The browser's `navigator.credentials.get` options for a half-finished login, or None."""
    with ctx.unit_of_work() as db:
        found = sessions.find_pending(db, ctx, token)
        if found is None:
            return None
        row = found[0]
        credentials = db.scalars(
            select(SecondFactor.credential_id).where(
                SecondFactor.user_id == row.user_id,
                SecondFactor.kind == str(FactorKind.PASSKEY),
                SecondFactor.confirmed_at.is_not(None),
            )
        ).all()
        options = webauthn.generate_authentication_options(
            rp_id=party.rp_id,
            allow_credentials=[
                PublicKeyCredentialDescriptor(id=c) for c in credentials if c is not None
            ],
            user_verification=UserVerificationRequirement.PREFERRED,
        )
        row.challenge = options.challenge
        return webauthn.options_to_json(options)


def log_in_with_passkey(
    ctx: Context, token: str, credential: str, party: RelyingParty
) -> SessionTicket:
    """The second step with a passkey: its signature over this login's challenge."""
    user_id: uuid.UUID | None = None
    role: str | None = None
    with ctx.unit_of_work() as db:
        found = sessions.find_pending(db, ctx, token)
        if found is not None:
            row, secret = found
            user = db.get(User, row.user_id)
            user_id, role = row.user_id, user.role if user else None
            challenge, row.challenge = row.challenge, None
            factor = _passkey_of(db, row.user_id, credential)
            if factor is not None and challenge is not None and factor.public_key is not None:
                try:
                    verified = webauthn.verify_authentication_response(
                        credential=credential,
                        expected_challenge=challenge,
                        expected_rp_id=party.rp_id,
                        expected_origin=party.origin,
                        credential_public_key=factor.public_key,
                        credential_current_sign_count=factor.sign_count,
                    )
                except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError):
                    verified = None
                if verified is not None:
                    factor.sign_count = verified.new_sign_count
                    factor.last_used_at = ctx.now()
                    return sessions.finish_pending(db, ctx, row, secret, "password+passkey")
            _failed(db, row)
    if user_id is None:
        _denied(ctx, None, None, "expired")
        raise InvalidCredentials(EXPIRED)
    _denied(ctx, user_id, role, "passkey refused")
    raise InvalidCredentials(PASSKEY_REFUSED)


def _passkey_of(db: Session, user_id: uuid.UUID, credential: str) -> SecondFactor | None:
    try:
        raw_id = webauthn.base64url_to_bytes(json.loads(credential)["rawId"])
    except (ValueError, KeyError, TypeError):
        return None
    factor: SecondFactor | None = db.scalar(
        select(SecondFactor).where(
            SecondFactor.user_id == user_id,
            SecondFactor.kind == str(FactorKind.PASSKEY),
            SecondFactor.credential_id == raw_id,
            SecondFactor.confirmed_at.is_not(None),
        )
    )
    return factor
