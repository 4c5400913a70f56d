"""Account use cases on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from dossier import crypto
from dossier.errors import AccessDenied, InvalidCredentials, InvalidInput, NotFound
from dossier.models import AuditEvent, SessionKind, User, UserSession
from dossier.services import accounts, sessions
from dossier.services.context import Context
from dossier.services.mail import Mail
from tests.conftest import PASSWORD

NEW_PASSWORD = "another long test password"


def youth(email: str = "sanne@example.nl") -> accounts.NewAccount:
    return accounts.NewAccount(email, PASSWORD, "Sanne", "youth", birth_date=date(2012, 1, 5))


def professional(email: str = "anne@example.nl") -> accounts.NewAccount:
    return accounts.NewAccount(
        email,
        PASSWORD,
        "Anne",
        "professional",
        organisation="Jeugdteam Zuid",
        registration_number="SKJ 100012345",
    )


def actions(ctx: Context) -> list[tuple[str, str]]:
    with ctx.unit_of_work() as db:
        return [
            (event.action, event.outcome)
            for event in db.scalars(select(AuditEvent).order_by(AuditEvent.chain, AuditEvent.seq))
        ]


def actor_for(ctx: Context, ticket: sessions.SessionTicket, kind: SessionKind = SessionKind.WEB):
    found = sessions.authenticate(ctx, ticket.token, kind)
    assert found is not None
    return found


def public_keys(ctx: Context, email: str) -> tuple[bytes, bytes]:
    with ctx.unit_of_work() as db:
        user = db.scalar(select(User).where(User.email == email))
        assert user is not None
        return user.exchange_public_key, user.signing_public_key


def test_register_then_log_in(ctx: Context) -> None:
    registration = accounts.register(ctx, youth())
    assert registration.role == "youth"
    crypto.parse_recovery_code(registration.recovery_code)
    ticket = sessions.log_in(ctx, "Sanne@Example.nl ", PASSWORD, SessionKind.WEB)
    me = actor_for(ctx, ticket)
    assert me.user_id == registration.user_id and me.verified
    assert actions(ctx) == [("account.register", "success"), ("account.login", "success")]


@pytest.fixture
def mails(monkeypatch: pytest.MonkeyPatch) -> list[Mail]:
    """Every mail that leaves a committed unit of work."""
    import dossier.services.context as module

    sent: list[Mail] = []
    monkeypatch.setattr(module, "send", lambda _smtp_url, mail: sent.append(mail))
    return sent


def users_with(ctx: Context, email: str) -> list[User]:
    with ctx.unit_of_work() as db:
        return list(db.scalars(select(User).where(User.email == email)))


def test_registering_a_taken_address_makes_nothing_and_answers_alike(
    ctx: Context, mails: list[Mail]
) -> None:
    first = accounts.register(ctx, youth())
    second = accounts.register(
        ctx,
        accounts.NewAccount("SANNE@example.nl", NEW_PASSWORD, "Mallory", "parent"),
        start_session=SessionKind.WEB,
    )
    # The answer has the shape of a new account's, in the role asked for, and opens nothing.
    assert second.role == "parent" and second.user_id != first.user_id
    crypto.parse_recovery_code(second.recovery_code)
    assert second.recovery_code != first.recovery_code
    assert second.ticket is not None and second.ticket.user_id == second.user_id
    assert sessions.parse_ticket(second.ticket.token) is not None
    assert sessions.authenticate(ctx, second.ticket.token, SessionKind.WEB) is None
    # The account is as it was.
    [user] = users_with(ctx, "sanne@example.nl")
    assert (user.id, user.role, user.display_name) == (first.user_id, "youth", "Sanne")
    with pytest.raises(InvalidCredentials):
        sessions.log_in(ctx, "sanne@example.nl", NEW_PASSWORD, SessionKind.WEB)
    with pytest.raises(InvalidCredentials):
        accounts.reset_password(ctx, "sanne@example.nl", second.recovery_code, NEW_PASSWORD)
    sessions.log_in(ctx, "sanne@example.nl", PASSWORD, SessionKind.WEB)
    # The address learns what happened; the log says so, without a made-up account.
    assert [(m.to, m.subject) for m in mails] == [
        ("sanne@example.nl", accounts.WELCOME.subject),
        ("sanne@example.nl", accounts.ALREADY_REGISTERED.subject),
    ]
    assert mails[1].body == accounts.ALREADY_REGISTERED.body  # nothing of what was typed
    assert actions(ctx)[:2] == [("account.register", "success"), ("account.register", "denied")]
    with ctx.unit_of_work() as db:
        denied = db.scalar(
            select(AuditEvent).where(
                AuditEvent.outcome == "denied", AuditEvent.action == "account.register"
            )
        )
        assert denied.object_id == str(first.user_id) and denied.actor_id is None


def test_a_registration_that_loses_a_race_for_its_address_answers_alike(
    ctx: Context, mails: list[Mail], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two registrations of one address at once: the second finds no account, then cannot
    store its own. It answers as for a taken address, not with a server error."""
    import dossier.services.accounts as module

    first = accounts.register(ctx, youth())
    real = module._holder_of
    missed: list[str] = []

    def not_yet_committed(db, email):
        if not missed:
            missed.append(email)
            return None
        return real(db, email)

    monkeypatch.setattr(module, "_holder_of", not_yet_committed)
    second = accounts.register(ctx, youth(), start_session=SessionKind.API)
    assert missed == ["sanne@example.nl"]
    assert second.user_id != first.user_id and second.ticket is not None
    assert [u.id for u in users_with(ctx, "sanne@example.nl")] == [first.user_id]
    assert [m.subject for m in mails] == [
        accounts.WELCOME.subject,
        accounts.ALREADY_REGISTERED.subject,
    ]


def test_registration_reports_every_bad_field_and_stores_nothing(ctx: Context) -> None:
    with pytest.raises(InvalidInput) as raised:
        accounts.register(ctx, accounts.NewAccount("nope", "short", "", "youth"))
    assert set(raised.value.errors) == {"email", "password", "display_name", "birth_date"}
    with ctx.unit_of_work() as db:
        assert db.scalars(select(User)).all() == []
    assert actions(ctx) == []


def test_nobody_registers_as_admin(ctx: Context) -> None:
    with pytest.raises(InvalidInput) as raised:
        accounts.register(ctx, accounts.NewAccount("a@example.nl", PASSWORD, "A", "admin"))
    assert "role" in raised.value.errors


def test_wrong_password_and_unknown_address_fail_alike_and_are_logged(ctx: Context) -> None:
    accounts.register(ctx, youth())
    with pytest.raises(InvalidCredentials) as wrong:
        sessions.log_in(ctx, "sanne@example.nl", "not the password", SessionKind.WEB)
    with pytest.raises(InvalidCredentials) as unknown:
        sessions.log_in(ctx, "nobody@example.nl", PASSWORD, SessionKind.WEB)
    assert wrong.value.detail == unknown.value.detail
    assert actions(ctx)[-2:] == [("account.login", "denied"), ("account.login", "denied")]


def test_sessions_expire_when_idle_and_at_their_end(ctx: Context, clock) -> None:
    accounts.register(ctx, youth())
    ticket = sessions.log_in(ctx, "sanne@example.nl", PASSWORD, SessionKind.WEB)
    clock.advance(minutes=ctx.settings.session_idle_minutes - 1)
    assert sessions.authenticate(ctx, ticket.token, SessionKind.WEB) is not None
    clock.advance(minutes=ctx.settings.session_idle_minutes + 1)
    assert sessions.authenticate(ctx, ticket.token, SessionKind.WEB) is None
    api = sessions.log_in(ctx, "sanne@example.nl", PASSWORD, SessionKind.API)
    clock.advance(hours=ctx.settings.api_token_hours, seconds=1)
    assert sessions.authenticate(ctx, api.token, SessionKind.API) is None


def test_a_token_only_works_for_its_own_kind_and_secret(ctx: Context) -> None:
    accounts.register(ctx, youth())
    ticket = sessions.log_in(ctx, "sanne@example.nl", PASSWORD, SessionKind.API)
    assert sessions.authenticate(ctx, ticket.token, SessionKind.WEB) is None
    session_part = ticket.token.partition(".")[0]
    forged = session_part + "." + crypto.b64url(bytes(32))
    assert sessions.authenticate(ctx, forged, SessionKind.API) is None
    for garbage in ["", ".", "abc.def", session_part, "x" * 200]:
        assert sessions.authenticate(ctx, garbage, SessionKind.API) is None


def test_log_out_ends_one_session_and_everywhere_ends_all(ctx: Context) -> None:
    accounts.register(ctx, youth())
    first = sessions.log_in(ctx, "sanne@example.nl", PASSWORD, SessionKind.WEB)
    second = sessions.log_in(ctx, "sanne@example.nl", PASSWORD, SessionKind.WEB)
    token = sessions.log_in(ctx, "sanne@example.nl", PASSWORD, SessionKind.API)
    sessions.log_out(ctx, actor_for(ctx, first))
    assert sessions.authenticate(ctx, first.token, SessionKind.WEB) is None
    assert sessions.authenticate(ctx, second.token, SessionKind.WEB) is not None
    assert sessions.log_out_everywhere(ctx, actor_for(ctx, second)) == 2
    assert sessions.authenticate(ctx, second.token, SessionKind.WEB) is None
    assert sessions.authenticate(ctx, token.token, SessionKind.API) is None


def test_change_password_keeps_keys_and_ends_other_sessions(ctx: Context) -> None:
    accounts.register(ctx, youth())
    keys_before = public_keys(ctx, "sanne@example.nl")
    here = sessions.log_in(ctx, "sanne@example.nl", PASSWORD, SessionKind.WEB)
    elsewhere = sessions.log_in(ctx, "sanne@example.nl", PASSWORD, SessionKind.WEB)
    me = actor_for(ctx, here)
    with ctx.unit_of_work() as db:
        private_before = sessions.unlock_keyring(db, me).to_bytes()
    accounts.change_password(ctx, me, PASSWORD, NEW_PASSWORD)
    assert sessions.authenticate(ctx, here.token, SessionKind.WEB) is not None
    assert sessions.authenticate(ctx, elsewhere.token, SessionKind.WEB) is None
    with pytest.raises(InvalidCredentials):
        sessions.log_in(ctx, "sanne@example.nl", PASSWORD, SessionKind.WEB)
    again = sessions.log_in(ctx, "sanne@example.nl", NEW_PASSWORD, SessionKind.WEB)
    with ctx.unit_of_work() as db:
        assert sessions.unlock_keyring(db, actor_for(ctx, again)).to_bytes() == private_before
    assert public_keys(ctx, "sanne@example.nl") == keys_before


def test_change_password_needs_the_current_one(ctx: Context) -> None:
    accounts.register(ctx, youth())
    me = actor_for(ctx, sessions.log_in(ctx, "sanne@example.nl", PASSWORD, SessionKind.WEB))
    with pytest.raises(InvalidInput) as raised:
        accounts.change_password(ctx, me, "wrong current password", NEW_PASSWORD)
    assert "current_password" in raised.value.errors
    with pytest.raises(InvalidInput) as short:
        accounts.change_password(ctx, me, PASSWORD, "short")
    assert "new_password" in short.value.errors
    sessions.log_in(ctx, "sanne@example.nl", PASSWORD, SessionKind.WEB)
    assert ("account.password_change", "denied") in actions(ctx)


def test_reset_with_recovery_code_keeps_keys_and_hands_out_a_new_code(ctx: Context) -> None:
    registration = accounts.register(ctx, youth(), start_session=SessionKind.WEB)
    assert registration.ticket is not None
    keys_before = public_keys(ctx, "sanne@example.nl")
    with ctx.unit_of_work() as db:
        private_before = sessions.unlock_keyring(db, actor_for(ctx, registration.ticket)).to_bytes()
    new_code = accounts.reset_password(
        ctx, "sanne@example.nl", registration.recovery_code.lower(), NEW_PASSWORD
    )
    assert new_code != registration.recovery_code
    assert sessions.authenticate(ctx, registration.ticket.token, SessionKind.WEB) is None
    ticket = sessions.log_in(ctx, "sanne@example.nl", NEW_PASSWORD, SessionKind.WEB)
    with ctx.unit_of_work() as db:
        assert sessions.unlock_keyring(db, actor_for(ctx, ticket)).to_bytes() == private_before
    assert public_keys(ctx, "sanne@example.nl") == keys_before
    with pytest.raises(InvalidCredentials):  # the old code is void now
        accounts.reset_password(ctx, "sanne@example.nl", registration.recovery_code, PASSWORD)
    accounts.reset_password(ctx, "sanne@example.nl", new_code, PASSWORD)
    sessions.log_in(ctx, "sanne@example.nl", PASSWORD, SessionKind.WEB)


def test_reset_refusals_reveal_nothing_and_change_nothing(ctx: Context) -> None:
    registration = accounts.register(ctx, youth())
    other = accounts.register(ctx, youth("daan@example.nl"))
    refusals = []
    for email, code in [
        ("sanne@example.nl", other.recovery_code),
        ("nobody@example.nl", registration.recovery_code),
        ("sanne@example.nl", "not a code at all"),
    ]:
        with pytest.raises(InvalidCredentials) as raised:
            accounts.reset_password(ctx, email, code, NEW_PASSWORD)
        refusals.append(raised.value.detail)
    assert len(set(refusals)) == 1
    sessions.log_in(ctx, "sanne@example.nl", PASSWORD, SessionKind.WEB)
    assert actions(ctx).count(("account.password_reset", "denied")) == 3


def test_login_raises_a_weak_password_cost(ctx: Context) -> None:
    accounts.register(ctx, youth())
    stronger = ctx.settings.with_overrides(kdf_cost=crypto.KdfCost(time_cost=2, memory_kib=16))
    strong_ctx = Context(sessions=ctx.sessions, settings=stronger, clock=ctx.clock)
    sessions.log_in(strong_ctx, "sanne@example.nl", PASSWORD, SessionKind.WEB)
    with ctx.unit_of_work() as db:
        user = db.scalar(select(User))
        assert (user.kdf_time_cost, user.kdf_memory_kib) == (2, 16)
    sessions.log_in(strong_ctx, "sanne@example.nl", PASSWORD, SessionKind.WEB)


def test_professionals_wait_for_an_admin(ctx: Context) -> None:
    pro = accounts.register(ctx, professional())
    pro_actor = actor_for(ctx, sessions.log_in(ctx, "anne@example.nl", PASSWORD, SessionKind.WEB))
    assert not pro_actor.verified
    staff = accounts.create_staff(
        ctx, accounts.NewAccount("admin@example.nl", PASSWORD, "Ad", "admin")
    )
    admin = actor_for(ctx, sessions.log_in(ctx, "admin@example.nl", PASSWORD, SessionKind.WEB))
    assert admin.user_id == staff.user_id
    assert [p.verified for p in accounts.professionals(ctx, admin)] == [False]
    with pytest.raises(AccessDenied):
        accounts.verify_professional(ctx, pro_actor, pro.user_id)
    with pytest.raises(AccessDenied):
        accounts.professionals(ctx, pro_actor)
    with pytest.raises(NotFound):
        accounts.verify_professional(ctx, admin, staff.user_id)
    profile = accounts.verify_professional(ctx, admin, pro.user_id)
    assert profile.verified and profile.verified_at is not None
    assert actor_for(
        ctx, sessions.log_in(ctx, "anne@example.nl", PASSWORD, SessionKind.WEB)
    ).verified
    assert ("admin.verify_professional", "success") in actions(ctx)
    assert ("admin.verify_professional", "denied") in actions(ctx)


def test_staff_accounts_only_for_admin_and_auditor(ctx: Context) -> None:
    with pytest.raises(InvalidInput):
        accounts.create_staff(ctx, accounts.NewAccount("y@example.nl", PASSWORD, "Y", "youth"))
    accounts.create_staff(ctx, accounts.NewAccount("aud@example.nl", PASSWORD, "Au", "auditor"))
    with ctx.unit_of_work() as db:
        assert db.scalar(select(User.role)) == "auditor"


def test_a_failure_midway_leaves_no_half_account(ctx: Context, monkeypatch) -> None:
    import dossier.services.accounts as module

    def broken_append(*_args, **_kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(module, "append", broken_append)
    with pytest.raises(RuntimeError):
        accounts.register(ctx, youth(), start_session=SessionKind.WEB)
    with ctx.unit_of_work() as db:
        assert db.scalars(select(User)).all() == []
        assert db.scalars(select(UserSession)).all() == []


def test_key_derivations_are_capped_and_a_full_house_says_busy(ctx: Context) -> None:
    from dossier.services import kdf

    accounts.register(ctx, youth())
    tight = Context(
        ctx.sessions,
        ctx.settings.with_overrides(max_concurrent_kdf=1, kdf_wait_seconds=0.05),
        clock=ctx.clock,
    )
    slot = kdf._semaphore(1)
    assert slot.acquire(timeout=1)
    try:
        with pytest.raises(kdf.Busy):
            sessions.log_in(tight, "sanne@example.nl", PASSWORD, SessionKind.WEB)
    finally:
        slot.release()
    assert sessions.log_in(tight, "sanne@example.nl", PASSWORD, SessionKind.WEB).token


def test_a_busy_login_is_a_503_with_retry_after(app, client, ctx) -> None:
    from dossier.services import kdf

    accounts.register(ctx, youth())
    limit = app.extensions["dossier"]["settings"].max_concurrent_kdf
    slot = kdf._semaphore(limit)
    held = [slot.acquire(timeout=1) for _ in range(limit)]
    original = app.extensions["dossier"]["settings"]
    app.extensions["dossier"]["settings"] = original.with_overrides(kdf_wait_seconds=0.05)
    try:
        response = client.post(
            "/api/v1/sessions", json={"email": "sanne@example.nl", "password": PASSWORD}
        )
    finally:
        app.extensions["dossier"]["settings"] = original
        for _ in held:
            slot.release()
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
    assert response.mimetype == "application/problem+json"
