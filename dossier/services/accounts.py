"""Accounts: registering, passwords, recovery codes and the admin's check of professionals."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dossier import crypto
from dossier.actions import Action
from dossier.audit import Event, Outcome, append
from dossier.errors import (
    N_,
    AccessDenied,
    Conflict,
    Gone,
    InvalidCredentials,
    InvalidInput,
    NotFound,
)
from dossier.models import (
    SERVICE_ROLES,
    EmailChange,
    Language,
    Role,
    SessionKind,
    User,
    UserSession,
)
from dossier.services import validation
from dossier.services.context import Actor, Context, Refused, mail_after_commit
from dossier.services.mail import Mail
from dossier.services.sessions import (
    SessionTicket,
    check_password,
    decoy_ticket,
    open_session,
    set_password,
)

SELF_REGISTERED_ROLES = (Role.YOUTH, Role.PARENT, Role.PROFESSIONAL)
STAFF_ROLES = SERVICE_ROLES


@dataclass(frozen=True)
class NewAccount:
    """What a person fills in to register; services validate every field."""

    email: str
    password: str
    display_name: str
    role: str
    birth_date: date | None = None
    organisation: str | None = None
    registration_number: str | None = None
    language: str | None = None  # chosen before registering; None keeps the app's default


@dataclass(frozen=True)
class Registration:
    user_id: uuid.UUID
    role: str
    recovery_code: str
    ticket: SessionTicket | None


@dataclass(frozen=True)
class Profile:
    """What a person may see of an account: their own, or a professional for the admin."""

    id: uuid.UUID
    email: str
    display_name: str
    role: str
    verified: bool
    organisation: str | None
    registration_number: str | None
    created_at: datetime
    verified_at: datetime | None
    language: str | None = None
    pending_email: str | None = None  # a new address whose link has not been opened yet


def _profile(user: User, pending_email: str | None = None) -> Profile:
    return Profile(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        role=user.role,
        verified=user.is_verified,
        organisation=user.organisation,
        registration_number=user.registration_number,
        created_at=user.created_at,
        verified_at=user.verified_at,
        language=user.language,
        pending_email=pending_email,
    )


def _validated(ctx: Context, account: NewAccount, allowed_roles: tuple[Role, ...]) -> NewAccount:
    errors = validation.Errors()
    email = validation.email(account.email, errors)
    password = validation.password(account.password, errors, email_address=email)
    name = validation.name(
        account.display_name,
        errors,
        "display_name",
        maximum=validation.NAME_MAX,
        required_message=N_("Fill in your name."),
    )
    if account.role not in [str(role) for role in allowed_roles]:
        errors.add("role", N_("Choose whether you are a young person, a parent or a professional."))
    birth_date = None
    organisation = None
    registration_number = None
    if account.role == Role.YOUTH:
        birth_date = validation.youth_birth_date(account.birth_date, ctx.now().date(), errors)
    elif account.role == Role.PROFESSIONAL:
        organisation = validation.name(
            account.organisation or "",
            errors,
            "organisation",
            maximum=validation.ORGANISATION_MAX,
            required_message=N_("Fill in the organisation you work for."),
        )
        registration_number = validation.registration_number(
            account.registration_number or "", errors
        )
    errors.raise_if_any()
    return NewAccount(
        email=email,
        password=password,
        display_name=name,
        role=account.role,
        birth_date=birth_date,
        organisation=organisation,
        registration_number=registration_number,
        language=account.language if account.language in set(Language) else None,
    )


def _holder_of(db: Session, email: str) -> User | None:
    return db.scalar(select(User).where(User.email == email))


def _create(db: Session, ctx: Context, account: NewAccount) -> tuple[User, crypto.Keyring, str]:
    if _holder_of(db, account.email) is not None:
        raise InvalidInput(
            {"email": [N_("There is already an account with this e-mail address. Log in instead.")]}
        )
    user, keyring, code = _prepare(db, ctx, account)
    db.add(user)
    db.flush()
    return user, keyring, code


def _prepare(db: Session, ctx: Context, account: NewAccount) -> tuple[User, crypto.Keyring, str]:
    """Every key of a new account and the stretched password, not yet stored: the costly part,
    done alike whether the account will be stored or not."""
    now = ctx.now()
    keyring = crypto.Keyring.generate()
    code = crypto.new_recovery_code()
    user = User(
        id=uuid.uuid4(),
        email=account.email,
        display_name=account.display_name,
        role=account.role,
        birth_date=account.birth_date,
        organisation=account.organisation,
        registration_number=account.registration_number,
        language=account.language,
        created_at=now,
        exchange_public_key=keyring.exchange_public,
        signing_public_key=keyring.signing_public,
    )
    set_password(db, ctx, user, account.password, keyring)
    _seal_for_recovery(user, keyring, code)
    return user, keyring, code


def _seal_for_recovery(user: User, keyring: crypto.Keyring, code: str) -> None:
    user.keyring_by_recovery = crypto.seal_keyring(
        keyring,
        crypto.recovery_key(crypto.parse_recovery_code(code)),
        kind=crypto.Kind.KEYRING_BY_RECOVERY,
        owner=str(user.id),
    )


# Dutch first, like the app. Whoever registers sees the same answer for a new address and for
# one that has an account; only the mailbox of that address learns which of the two happened.
WELCOME = Mail(
    to="",
    subject="Je account bij Eigen Dossier is gemaakt",
    body=(
        "Welkom bij Eigen Dossier. Er is een account gemaakt met dit e-mailadres.\n\n"
        "Bewaar je herstelcode goed. Daarmee kies je een nieuw wachtwoord als je het vergeet.\n\n"
        "Heb jij geen account gemaakt? Dan heeft iemand anders jouw e-mailadres gebruikt. "
        "Neem dan contact op met de beheerder van Eigen Dossier.\n"
    ),
)
ALREADY_REGISTERED = Mail(
    to="",
    subject="Iemand wilde een account maken met jouw e-mailadres",
    body=(
        "Iemand probeerde bij Eigen Dossier een nieuw account te maken met dit e-mailadres. "
        "Je hebt al een account, dus er is geen nieuw account gemaakt. Je account, je wachtwoord "
        "en je herstelcode blijven zoals ze waren. De herstelcode die toen op het scherm stond, "
        "werkt niet.\n\n"
        "Was jij dit? Log dan in met je eigen wachtwoord. Ben je het vergeten? Kies een nieuw "
        "wachtwoord met je herstelcode.\n\n"
        "Was jij dit niet? Dan hoef je niets te doen.\n"
    ),
)


def register(
    ctx: Context, account: NewAccount, start_session: SessionKind | None = None
) -> Registration:
    """Self-registration as youth, parent or professional; professionals wait for an admin.

    An address that has an account gets the same answer as a new one, after the same work: an
    id and a recovery code that open nothing (and a session that does not exist), so the answer
    tells nobody who has an account, nor in which role. The address learns by e-mail.
    """
    account = _validated(ctx, account, SELF_REGISTERED_ROLES)
    try:
        return _register(ctx, account, start_session)
    except IntegrityError:
        # The same address was registered at this very moment in another transaction.
        return _register(ctx, account, start_session)


def _register(ctx: Context, account: NewAccount, start_session: SessionKind | None) -> Registration:
    with ctx.unit_of_work() as db:
        user, keyring, code = _prepare(db, ctx, account)
        holder = _holder_of(db, account.email)
        if holder is not None:
            append(
                db,
                Event(
                    action=Action.ACCOUNT_REGISTER,
                    outcome=Outcome.DENIED,
                    object_type="user",
                    object_id=str(holder.id),
                    reason="the address has an account",
                ),
                ctx.origin,
                ctx.now(),
            )
            mail_after_commit(db, replace(ALREADY_REGISTERED, to=holder.email))
            ticket = decoy_ticket(ctx, user.id, start_session) if start_session else None
            return Registration(user.id, account.role, code, ticket)
        db.add(user)
        db.flush()
        append(
            db,
            Event(
                action=Action.ACCOUNT_REGISTER,
                actor_id=user.id,
                actor_role=user.role,
                object_type="user",
                object_id=str(user.id),
                basis="self",
            ),
            ctx.origin,
            ctx.now(),
        )
        mail_after_commit(db, replace(WELCOME, to=user.email))
        ticket = open_session(db, ctx, user, keyring, start_session) if start_session else None
        return Registration(user_id=user.id, role=user.role, recovery_code=code, ticket=ticket)


def create_staff(ctx: Context, account: NewAccount) -> Registration:
    """Admins and auditors are made from the command line, by whoever runs the service."""
    account = _validated(ctx, account, STAFF_ROLES)
    with ctx.unit_of_work() as db:
        user, _keyring, code = _create(db, ctx, account)
        append(
            db,
            Event(
                action=Action.ACCOUNT_CREATE_STAFF,
                actor_role="operator",
                object_type="user",
                object_id=str(user.id),
                reason=account.role,
                basis="command line",
            ),
            ctx.origin,
            ctx.now(),
        )
        return Registration(user_id=user.id, role=user.role, recovery_code=code, ticket=None)


def profile(ctx: Context, actor: Actor) -> Profile:
    with ctx.unit_of_work() as db:
        user = db.get(User, actor.user_id)
        if user is None:
            raise NotFound()
        waiting = db.scalar(
            select(EmailChange.new_email)
            .where(
                EmailChange.user_id == user.id,
                EmailChange.used_at.is_(None),
                EmailChange.expires_at > ctx.now(),
            )
            .order_by(EmailChange.created_at.desc())
            .limit(1)
        )
        return _profile(user, waiting)


def change_name(ctx: Context, actor: Actor, display_name: str) -> str:
    """The name others see next to what she wrote and in "Who looked?", from now on."""
    errors = validation.Errors()
    name = validation.name(
        display_name,
        errors,
        "display_name",
        maximum=validation.NAME_MAX,
        required_message=N_("Fill in your name."),
    )
    errors.raise_if_any()
    with ctx.unit_of_work() as db:
        user = _own(db, actor)
        if user.display_name != name:
            user.display_name = name
            append(db, _account_event(Action.ACCOUNT_NAME_CHANGE, user), ctx.origin, ctx.now())
        return name


def set_language(ctx: Context, actor: Actor, language: str) -> str:
    """Kept with the account, so every later login, on any device, speaks it."""
    if language not in set(Language):
        raise InvalidInput({"language": [N_("Choose Nederlands or English.")]})
    with ctx.unit_of_work() as db:
        user = _own(db, actor)
        if user.language != language:
            user.language = language
            append(
                db,
                _account_event(Action.ACCOUNT_LANGUAGE_CHANGE, user, reason=language),
                ctx.origin,
                ctx.now(),
            )
        return language


def _own(db: Session, actor: Actor) -> User:
    """The actor's own account: the only one a person changes."""
    user = db.get(User, actor.user_id)
    if user is None or user.removed_at is not None:
        raise NotFound()
    return user


# --- a new e-mail address, confirmed by a link sent there --------------------------------------

EMAIL_LINK_HOURS = 24
_EMAIL_LINK_LABEL = b"eigen-dossier/v1/email-change/lookup"

WRONG_PASSWORD = N_("This is not your current password.")
SAME_EMAIL = N_("This is already your e-mail address.")
LINK_UNKNOWN = N_(
    "This link does not work. Maybe you asked for a newer link: use the newest e-mail. "
    "Or ask for a new link on your account page."
)
LINK_USED = N_("This link was used already. Your e-mail address was changed then.")
LINK_EXPIRED = N_(
    "This link is more than 24 hours old, so it no longer works. "
    "Ask for a new link on your account page."
)
LINK_OTHER_ACCOUNT = N_(
    "This link is for another account. Log out, then log in with the account that asked for "
    "the new address, and open the link again."
)
ADDRESS_TAKEN_NOW = N_(
    "There is an account with this e-mail address now. Choose another address on your account page."
)


def _email_link_hash(secret: bytes) -> bytes:
    return hashlib.sha256(_EMAIL_LINK_LABEL + b"\x00" + secret).digest()


def _email_link_mail(address: str, link: str) -> Mail:
    return Mail(
        address,
        "Bevestig je nieuwe e-mailadres",
        "Je wilt dit e-mailadres gebruiken voor je account bij Eigen Dossier.\n\n"
        f"Open deze link om dat te bevestigen:\n\n    {link}\n\n"
        f"De link werkt één keer, {EMAIL_LINK_HOURS} uur lang. Pas als je hem opent, "
        "verandert je e-mailadres.\n\n"
        "Heb jij dit niet gevraagd? Dan hoef je niets te doen.\n",
    )


EMAIL_CHANGE_ASKED = Mail(
    to="",
    subject="Iemand wil het e-mailadres van je account veranderen",
    body=(
        "Bij Eigen Dossier is gevraagd om een ander e-mailadres voor je account te gebruiken. "
        "We hebben een link gestuurd naar het nieuwe adres. Pas als die link wordt geopend, "
        "verandert je e-mailadres.\n\n"
        "Was jij dit? Dan hoef je niets te doen.\n\n"
        "Was jij dit niet? Log dan in, kies een nieuw wachtwoord en log uit op je andere "
        "apparaten. Dan werkt de link niet meer voor iemand anders.\n"
    ),
)
ADDRESS_HAS_ACCOUNT = Mail(
    to="",
    subject="Iemand wilde jouw e-mailadres gebruiken voor een ander account",
    body=(
        "Iemand wilde bij Eigen Dossier jouw e-mailadres gebruiken voor een ander account. "
        "Dat kan niet, want jij hebt al een account met dit adres. Er is niets veranderd.\n\n"
        "Was jij dit? Gebruik dan een ander e-mailadres, of verwijder eerst een van je "
        "accounts.\n\n"
        "Was jij dit niet? Dan hoef je niets te doen.\n"
    ),
)


def _email_changed_mail(old_address: str, new_address: str) -> Mail:
    return Mail(
        old_address,
        "Het e-mailadres van je account is veranderd",
        "Je account bij Eigen Dossier gebruikt nu een ander e-mailadres: "
        f"{new_address}. Vanaf nu log je daarmee in.\n\n"
        "Was jij dit niet? Neem dan meteen contact op met de beheerder van Eigen Dossier.\n",
    )


def request_email_change(
    ctx: Context, actor: Actor, new_email: str, password: str, link: Callable[[str], str]
) -> str:
    """Sends a link to the new address; nothing changes until it is opened (`confirm_email_change`).

    The password is asked, since whoever holds the address holds the account. Like registering,
    the answer is the same whether or not the new address has an account: only that mailbox
    learns it. The old address is told at once. `link` makes the page address for a code."""
    errors = validation.Errors()
    email = validation.email(new_email, errors, "new_email")
    if not password:
        errors.add("password", N_("Fill in your password."))
    if email and email == validation.email_key(actor.email):
        errors.add("new_email", SAME_EMAIL)
    errors.raise_if_any()
    with ctx.unit_of_work() as db:
        user = _own(db, actor)
        if check_password(ctx, user, password) is None:
            raise Refused(
                InvalidInput({"password": [WRONG_PASSWORD]}),
                _account_event(
                    Action.ACCOUNT_EMAIL_CHANGE_REQUEST, user, Outcome.DENIED, "wrong password"
                ),
            )
        now = ctx.now()
        for waiting in db.scalars(
            select(EmailChange).where(EmailChange.user_id == user.id, EmailChange.used_at.is_(None))
        ):
            db.delete(waiting)  # only the newest link works
        holder = _holder_of(db, email)
        if holder is not None:
            mail_after_commit(db, replace(ADDRESS_HAS_ACCOUNT, to=holder.email))
        else:
            secret = crypto.new_session_secret()
            db.add(
                EmailChange(
                    id=uuid.uuid4(),
                    user_id=user.id,
                    new_email=email,
                    lookup_hash=_email_link_hash(secret),
                    created_at=now,
                    expires_at=now + timedelta(hours=EMAIL_LINK_HOURS),
                )
            )
            mail_after_commit(db, _email_link_mail(email, link(crypto.b64url(secret))))
        mail_after_commit(db, replace(EMAIL_CHANGE_ASKED, to=user.email))
        append(db, _account_event(Action.ACCOUNT_EMAIL_CHANGE_REQUEST, user), ctx.origin, now)
        return email


def _email_change_of(db: Session, code: str) -> EmailChange:
    try:
        secret = crypto.from_b64url(code or "")
    except crypto.CryptoError:
        secret = b""
    change = None
    if len(secret) == crypto.SESSION_SECRET_BYTES:
        change = db.scalar(
            select(EmailChange).where(EmailChange.lookup_hash == _email_link_hash(secret))
        )
    if change is None:
        raise NotFound(LINK_UNKNOWN)
    return change


def _usable_change(ctx: Context, change: EmailChange, actor: Actor) -> None:
    """Why a link cannot be used by this actor now, as the error to show; nothing if it can."""
    if change.user_id != actor.user_id:
        raise AccessDenied(LINK_OTHER_ACCOUNT)
    if change.used_at is not None:
        raise Gone(LINK_USED)
    if ctx.now() >= change.expires_at:
        raise Gone(LINK_EXPIRED)


def email_change_waiting(ctx: Context, actor: Actor, code: str) -> str:
    """The new address a link would set, for the page that asks to confirm it."""
    with ctx.unit_of_work() as db:
        change = _email_change_of(db, code)
        _usable_change(ctx, change, actor)
        return change.new_email


def confirm_email_change(ctx: Context, actor: Actor, code: str) -> str:
    """Opening the link: from now on she logs in with the new address, and the old one is told."""
    with ctx.unit_of_work() as db:
        change = _email_change_of(db, code)
        user = db.get(User, change.user_id)
        try:
            _usable_change(ctx, change, actor)
        except (AccessDenied, Gone) as error:
            raise Refused(
                error,
                _account_event(
                    Action.ACCOUNT_EMAIL_CHANGE,
                    _own(db, actor),
                    Outcome.DENIED,
                    "link of another account"
                    if isinstance(error, AccessDenied)
                    else "link used or expired",
                ),
            ) from None
        assert user is not None  # the link is the actor's own, and her account is there
        if _holder_of(db, change.new_email) is not None:
            raise Conflict(ADDRESS_TAKEN_NOW)
        old_address = user.email
        user.email = change.new_email
        change.used_at = ctx.now()
        try:
            db.flush()
        except IntegrityError:
            # The address was registered at this very moment in another transaction.
            raise Conflict(ADDRESS_TAKEN_NOW) from None
        mail_after_commit(db, _email_changed_mail(old_address, change.new_email))
        append(db, _account_event(Action.ACCOUNT_EMAIL_CHANGE, user), ctx.origin, ctx.now())
        return change.new_email


def change_password(ctx: Context, actor: Actor, current_password: str, new_password: str) -> None:
    """Re-wraps the same keyring under the new password and ends the actor's other sessions."""
    errors = validation.Errors()
    validation.password(new_password, errors, field="new_password", email_address=actor.email)
    errors.raise_if_any()
    with ctx.unit_of_work() as db:
        user = db.get(User, actor.user_id)
        if user is None:
            raise NotFound()
        keyring = check_password(ctx, user, current_password or "")
        if keyring is not None:
            set_password(db, ctx, user, new_password, keyring)
            for other in db.scalars(
                select(UserSession).where(
                    UserSession.user_id == user.id, UserSession.id != actor.session_id
                )
            ):
                db.delete(other)
            append(db, _account_event(Action.ACCOUNT_PASSWORD_CHANGE, user), ctx.origin, ctx.now())
            return
    ctx.record_denied(
        _account_event(Action.ACCOUNT_PASSWORD_CHANGE, user, Outcome.DENIED, "wrong password")
    )
    raise InvalidInput({"current_password": [N_("This is not your current password.")]})


RESET_REFUSED = N_("That e-mail address and recovery code do not match an account.")


def reset_password(ctx: Context, email: str, recovery_code: str, new_password: str) -> str:
    """A forgotten password, replaced with the recovery code; hands out a fresh code.

    The keyring is opened with the old code, so the keys (and everything sealed to them) survive.
    Every session of the account ends.
    """
    errors = validation.Errors()
    email = validation.email(email, errors)
    if not (recovery_code or "").strip():
        errors.add("recovery_code", N_("Fill in your recovery code."))
    validation.password(new_password, errors, field="new_password", email_address=email)
    errors.raise_if_any()
    with ctx.unit_of_work() as db:
        user = db.scalar(select(User).where(User.email == email))
        keyring = None
        if user is not None:
            try:
                keyring = crypto.open_keyring(
                    user.keyring_by_recovery,
                    crypto.recovery_key(crypto.parse_recovery_code(recovery_code)),
                    kind=crypto.Kind.KEYRING_BY_RECOVERY,
                    owner=str(user.id),
                )
            except crypto.CryptoError:
                keyring = None
        if user is not None and keyring is not None:
            set_password(db, ctx, user, new_password, keyring)
            code = crypto.new_recovery_code()
            _seal_for_recovery(user, keyring, code)
            for session in list(user.sessions):
                db.delete(session)
            append(db, _account_event(Action.ACCOUNT_PASSWORD_RESET, user), ctx.origin, ctx.now())
            return code
    ctx.record_denied(
        Event(
            action=Action.ACCOUNT_PASSWORD_RESET,
            outcome=Outcome.DENIED,
            actor_id=user.id if user is not None else None,
            actor_role=user.role if user is not None else None,
            reason="unknown account" if user is None else "wrong recovery code",
        )
    )
    raise InvalidCredentials(RESET_REFUSED)


def _account_event(
    action: Action, user: User, outcome: Outcome = Outcome.SUCCESS, reason: str | None = None
) -> Event:
    return Event(
        action=action,
        outcome=outcome,
        actor_id=user.id,
        actor_role=user.role,
        object_type="user",
        object_id=str(user.id),
        reason=reason,
        basis="self",
    )


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


def professionals(ctx: Context, actor: Actor) -> list[Profile]:
    """Professionals for the admin: those waiting for a check first, then by name."""
    _require_admin(ctx, actor, Action.ADMIN_PROFESSIONALS)
    with ctx.unit_of_work() as db:
        return professional_profiles(db)


def professional_profiles(db: Session) -> list[Profile]:
    """`professionals`, inside the caller's unit of work, for a caller that checked the role."""
    users = db.scalars(select(User).where(User.role == Role.PROFESSIONAL)).all()
    ordered = sorted(users, key=lambda u: (u.verified_at is not None, u.display_name.lower()))
    return [_profile(user) for user in ordered]


def verify_professional(ctx: Context, actor: Actor, professional_id: uuid.UUID) -> Profile:
    """The admin checked the SKJ or BIG register; only then may anyone grant this account access."""
    _require_admin(ctx, actor, Action.ADMIN_VERIFY_PROFESSIONAL)
    with ctx.unit_of_work() as db:
        user = db.get(User, professional_id)
        if user is None or user.role != Role.PROFESSIONAL:
            raise NotFound()
        if user.verified_at is None:
            user.verified_at = ctx.now()
            user.verified_by = actor.user_id
            append(
                db,
                Event(
                    action=Action.ADMIN_VERIFY_PROFESSIONAL,
                    actor_id=actor.user_id,
                    actor_role=actor.role,
                    object_type="user",
                    object_id=str(user.id),
                    basis="admin role",
                ),
                ctx.origin,
                ctx.now(),
            )
        return _profile(user)
