"""One's own account on a real database (SQLite and PostgreSQL): a new e-mail address by a link
sent there, the language kept with the account, the sessions she ends, and removing an account,
refused while a dossier depends on it, and true to what she wrote when it goes."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from sqlalchemy import select

from dossier.audit import Origin
from dossier.errors import AccessDenied, Conflict, Gone, InvalidCredentials, InvalidInput, NotFound
from dossier.models import AuditEvent, Grant, SealedKey, SessionKind, User, UserSession
from dossier.services import account_removal, account_sessions, accounts, entries, sessions
from dossier.services.account_removal import REMOVED_NAME
from dossier.services.context import Context
from dossier.services.mail import Mail
from tests.conftest import PASSWORD, login_actor
from tests.support import CARE_WORKER, GUARDIAN, YOUTH, person, youth_world

NEW_ADDRESS = "sanne.nieuw@example.nl"


@pytest.fixture
def mails(monkeypatch: pytest.MonkeyPatch) -> list[Mail]:
    """Every mail that leaves a committed unit of work."""
    sent: list[Mail] = []
    monkeypatch.setattr("dossier.services.context.send", lambda _url, mail: sent.append(mail))
    return sent


def link_code(mails: list[Mail]) -> str:
    """The code in the newest link mail."""
    [*_, mail] = [m for m in mails if m.subject == "Bevestig je nieuwe e-mailadres"]
    found = re.search(r"https://app\.example/confirm/(\S+)", mail.body)
    assert found, mail.body
    return found.group(1)


def ask_new_address(ctx: Context, actor, address: str = NEW_ADDRESS) -> None:
    accounts.request_email_change(
        ctx, actor, address, PASSWORD, lambda code: f"https://app.example/confirm/{code}"
    )


def events(ctx: Context, action: str) -> list[str]:
    with ctx.unit_of_work() as db:
        return list(db.scalars(select(AuditEvent.outcome).where(AuditEvent.action == action)))


# --- the e-mail change link ----------------------------------------------------------------------


def test_the_address_changes_only_when_the_link_is_opened(ctx: Context, mails: list[Mail]) -> None:
    sanne = person(ctx, "sanne@example.nl", "parent", "Sanne")
    mails.clear()
    ask_new_address(ctx, sanne)
    [link_mail] = [m for m in mails if m.to == NEW_ADDRESS]
    [asked] = [m for m in mails if m.to == "sanne@example.nl"]
    assert "24 uur" in link_mail.body and "veranderen" in asked.subject
    # Nothing changed yet: the old address still logs in, the new one does not.
    with pytest.raises(InvalidCredentials):
        sessions.log_in(ctx, NEW_ADDRESS, PASSWORD, SessionKind.WEB)
    assert accounts.profile(ctx, sanne).pending_email == NEW_ADDRESS
    assert accounts.email_change_waiting(ctx, sanne, link_code(mails)) == NEW_ADDRESS

    assert accounts.confirm_email_change(ctx, sanne, link_code(mails)) == NEW_ADDRESS
    assert sessions.log_in(ctx, NEW_ADDRESS, PASSWORD, SessionKind.WEB)
    with pytest.raises(InvalidCredentials):
        sessions.log_in(ctx, "sanne@example.nl", PASSWORD, SessionKind.WEB)
    told = [m for m in mails if m.to == "sanne@example.nl"][-1]
    assert told.subject == "Het e-mailadres van je account is veranderd"
    assert NEW_ADDRESS in told.body
    assert events(ctx, "account.email_change_request") == ["success"]
    assert events(ctx, "account.email_change") == ["success"]


def test_a_link_works_once(ctx: Context, mails: list[Mail]) -> None:
    sanne = person(ctx, "sanne@example.nl", "parent", "Sanne")
    ask_new_address(ctx, sanne)
    code = link_code(mails)
    accounts.confirm_email_change(ctx, sanne, code)
    again = login_actor(ctx, NEW_ADDRESS)
    with pytest.raises(Gone) as used:
        accounts.confirm_email_change(ctx, again, code)
    assert used.value.detail == accounts.LINK_USED
    with pytest.raises(Gone):
        accounts.email_change_waiting(ctx, again, code)
    assert events(ctx, "account.email_change") == ["success", "denied"]


def test_an_expired_link_changes_nothing(ctx: Context, mails: list[Mail], clock) -> None:
    sanne = person(ctx, "sanne@example.nl", "parent", "Sanne")
    ask_new_address(ctx, sanne)
    clock.advance(hours=accounts.EMAIL_LINK_HOURS, seconds=1)
    sanne = login_actor(ctx, "sanne@example.nl")
    with pytest.raises(Gone) as expired:
        accounts.confirm_email_change(ctx, sanne, link_code(mails))
    assert expired.value.detail == accounts.LINK_EXPIRED
    assert login_actor(ctx, "sanne@example.nl").email == "sanne@example.nl"
    assert accounts.profile(ctx, sanne).pending_email is None


def test_a_link_of_another_account_changes_neither(ctx: Context, mails: list[Mail]) -> None:
    sanne = person(ctx, "sanne@example.nl", "parent", "Sanne")
    daan = person(ctx, "daan@example.nl", "parent", "Daan")
    ask_new_address(ctx, sanne)
    code = link_code(mails)
    with pytest.raises(AccessDenied) as other:
        accounts.confirm_email_change(ctx, daan, code)
    assert other.value.detail == accounts.LINK_OTHER_ACCOUNT
    with pytest.raises(AccessDenied):
        accounts.email_change_waiting(ctx, daan, code)
    assert login_actor(ctx, "daan@example.nl").email == "daan@example.nl"
    # Still hers to use: the wrong account's attempt did not use it up.
    assert accounts.confirm_email_change(ctx, sanne, code) == NEW_ADDRESS
    with ctx.unit_of_work() as db:
        denied = db.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "account.email_change", AuditEvent.outcome == "denied"
            )
        )
        assert denied is not None and denied.actor_id == daan.user_id


def test_a_made_up_or_replaced_link_does_not_work(ctx: Context, mails: list[Mail]) -> None:
    sanne = person(ctx, "sanne@example.nl", "parent", "Sanne")
    for code in ("", "nonsense", "A" * 43):
        with pytest.raises(NotFound):
            accounts.confirm_email_change(ctx, sanne, code)
    ask_new_address(ctx, sanne)
    first = link_code(mails)
    ask_new_address(ctx, sanne, "sanne.anders@example.nl")
    assert link_code(mails) != first
    with pytest.raises(NotFound):  # only the newest link works
        accounts.confirm_email_change(ctx, sanne, first)
    assert accounts.profile(ctx, sanne).pending_email == "sanne.anders@example.nl"


def test_asking_needs_the_password_and_a_new_address(ctx: Context, mails: list[Mail]) -> None:
    sanne = person(ctx, "sanne@example.nl", "parent", "Sanne")
    with pytest.raises(InvalidInput) as wrong:
        accounts.request_email_change(ctx, sanne, NEW_ADDRESS, "not my password", str)
    assert wrong.value.errors == {"password": [accounts.WRONG_PASSWORD]}
    with pytest.raises(InvalidInput) as same:
        accounts.request_email_change(ctx, sanne, "Sanne@Example.nl", PASSWORD, str)
    assert same.value.errors == {"new_email": [accounts.SAME_EMAIL]}
    assert [m.subject for m in mails] == ["Je account bij Eigen Dossier is gemaakt"]
    assert events(ctx, "account.email_change_request") == ["denied"]


def test_an_address_with_an_account_learns_it_by_mail_only(ctx: Context, mails: list[Mail]) -> None:
    sanne = person(ctx, "sanne@example.nl", "parent", "Sanne")
    person(ctx, "daan@example.nl", "parent", "Daan")
    mails.clear()
    ask_new_address(ctx, sanne, "daan@example.nl")  # the same answer as for a new address
    assert [(m.to, m.subject) for m in mails] == [
        ("daan@example.nl", accounts.ADDRESS_HAS_ACCOUNT.subject),
        ("sanne@example.nl", accounts.EMAIL_CHANGE_ASKED.subject),
    ]
    assert "http" not in mails[0].body


def test_an_address_taken_before_the_link_is_opened_is_refused(
    ctx: Context, mails: list[Mail]
) -> None:
    sanne = person(ctx, "sanne@example.nl", "parent", "Sanne")
    ask_new_address(ctx, sanne)
    person(ctx, NEW_ADDRESS, "parent", "Iemand")
    with pytest.raises(Conflict):
        accounts.confirm_email_change(ctx, sanne, link_code(mails))
    assert login_actor(ctx, "sanne@example.nl").email == "sanne@example.nl"


# --- name, language and sessions ---------------------------------------------------------------


def test_name_and_language_are_her_own(ctx: Context) -> None:
    sanne = person(ctx, "sanne@example.nl", "parent", "Sanne")
    assert accounts.change_name(ctx, sanne, "  Sanne   de Vries ") == "Sanne de Vries"
    with pytest.raises(InvalidInput):
        accounts.change_name(ctx, sanne, "   ")
    with pytest.raises(InvalidInput):
        accounts.set_language(ctx, sanne, "de")
    accounts.set_language(ctx, sanne, "en")
    ticket = sessions.log_in(ctx, "sanne@example.nl", PASSWORD, SessionKind.WEB)
    assert account_sessions.note_login(ctx, ticket, "Mozilla/5.0") == "en"
    assert login_actor(ctx, "sanne@example.nl").display_name == "Sanne de Vries"
    assert events(ctx, "account.name_change") == ["success"]
    assert events(ctx, "account.language_change") == ["success"]


def test_she_sees_and_ends_only_her_own_sessions(ctx: Context) -> None:
    person(ctx, "sanne@example.nl", "parent", "Sanne")
    daan = person(ctx, "daan@example.nl", "parent", "Daan")
    phone = sessions.log_in(ctx, "sanne@example.nl", PASSWORD, SessionKind.WEB)
    android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile"
    account_sessions.note_login(ctx, phone, android)
    laptop = sessions.log_in(ctx, "sanne@example.nl", PASSWORD, SessionKind.WEB)
    account_sessions.note_login(
        ctx, laptop, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko Firefox/128.0"
    )
    here = sessions.authenticate(ctx, laptop.token, SessionKind.WEB)
    assert here is not None
    seen = account_sessions.my_sessions(ctx, here)
    assert seen[0].current and (seen[0].browser, seen[0].platform) == ("Firefox", "Windows")
    assert ("Chrome", "Android") in [(s.browser, s.platform) for s in seen]
    assert len(seen) == 3  # and the login `person` made
    # Daan can neither see nor end hers: her session id is as unknown to him as none at all.
    assert {s.id for s in account_sessions.my_sessions(ctx, daan)}.isdisjoint({s.id for s in seen})
    with pytest.raises(NotFound):
        account_sessions.end_session(ctx, daan, phone.session_id)
    assert sessions.authenticate(ctx, phone.token, SessionKind.WEB) is not None

    assert account_sessions.end_session(ctx, here, phone.session_id) is False
    assert sessions.authenticate(ctx, phone.token, SessionKind.WEB) is None
    assert account_sessions.end_other_sessions(ctx, here) == 1
    assert [s.current for s in account_sessions.my_sessions(ctx, here)] == [True]
    assert sessions.authenticate(ctx, laptop.token, SessionKind.WEB) is not None
    assert events(ctx, "account.session_end") == ["denied", "success"]


@pytest.mark.parametrize(
    ("agent", "browser", "platform"),
    [
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Version/17.5 Safari/604.1",
         "Safari", "iPhone"),
        ("Mozilla/5.0 (Windows NT 10.0) Chrome/126.0 Safari/537.36 Edg/126.0", "Edge", "Windows"),
        ("Mozilla/5.0 (Linux; Android 14; SM-S918B) SamsungBrowser/25.0 Chrome/121.0",
         "Samsung Internet", "Android"),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Version/17.5 Safari/605.1.15",
         "Safari", "Mac"),
        ("curl/8.5.0", "curl", None),
        ("", None, None),
    ],
)  # fmt: skip
def test_a_browser_is_named_in_words_she_knows(
    agent: str, browser: str | None, platform: str | None
) -> None:
    assert account_sessions.describe_device(agent) == account_sessions.Device(browser, platform)


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("127.0.0.1", "this_computer"),
        ("::1", "this_computer"),
        ("192.168.1.20", "local"),
        ("10.4.0.7", "local"),
        ("100.72.3.4", "local"),  # carrier-grade NAT
        ("fd12:3456::1", "local"),
        ("84.12.201.9", "internet"),
        ("2a02:a46f::1", "internet"),
        ("not an address", None),
        (None, None),
    ],
)
def test_a_login_keeps_the_kind_of_network_never_the_address(
    ctx: Context, address: str | None, network: str | None
) -> None:
    person(ctx, "nina@example.nl", "parent", "Nina")
    there = replace(ctx, origin=Origin(client_address=address))
    ticket = sessions.log_in(there, "nina@example.nl", PASSWORD, SessionKind.WEB)
    account_sessions.note_login(there, ticket, "curl/8.5.0")
    actor = sessions.authenticate(ctx, ticket.token, SessionKind.WEB)
    [listed] = [s for s in account_sessions.my_sessions(ctx, actor) if s.current]
    assert listed.network == network
    with ctx.reading() as db:
        stored = db.get(UserSession, ticket.session_id)
        assert stored is not None
        assert address is None or all(address not in str(value) for value in vars(stored).values())


# --- removing an account -------------------------------------------------------------------------


def test_removal_is_refused_while_a_dossier_depends_on_her(ctx: Context) -> None:
    world = youth_world(ctx)  # Sanne (14) owns her dossier with her mother
    world.staff()
    anne = world.care_worker()
    world.share(CARE_WORKER)
    report = world.write(anne, "care", "Verslag", "Tekst")
    entries.request_correction(ctx, world.youth, world.dossier.id, report, "Dit klopt niet")

    check = account_removal.removal_check(ctx, world.youth)
    assert check.reasons == [account_removal.ABOUT_HER]  # not "step down": it is about her
    assert account_removal.removal_check(ctx, world.guardian).reasons == [account_removal.CO_OWNER]
    assert account_removal.removal_check(ctx, anne).reasons == [account_removal.OPEN_CORRECTIONS]
    for who in (world.youth, world.guardian, anne):
        with pytest.raises(Conflict):
            account_removal.remove_account(ctx, who, PASSWORD)
    admin = login_actor(ctx, "admin@example.nl")
    assert account_removal.removal_check(ctx, admin).reasons == [account_removal.STAFF]
    # Each is still there, logged in as before.
    for email in (YOUTH, GUARDIAN, CARE_WORKER):
        assert login_actor(ctx, email).email == email
    assert events(ctx, "account.remove") == ["denied"] * 3


def test_the_only_owner_of_a_dossier_about_someone_else_is_refused(ctx: Context) -> None:
    from dossier.services import dossiers
    from tests.support import years_ago

    marieke = person(ctx, "marieke@example.nl", "parent", "Marieke")
    dossiers.create_dossier(ctx, marieke, "Daan", years_ago(ctx, 9), False)
    assert account_removal.removal_check(ctx, marieke).reasons == [account_removal.SOLE_OWNER]
    with pytest.raises(Conflict) as refused:
        account_removal.remove_account(ctx, marieke, PASSWORD)
    assert refused.value.detail == account_removal.SOLE_OWNER


def test_removal_asks_the_password(ctx: Context) -> None:
    daan = person(ctx, "daan@example.nl", "parent", "Daan")
    with pytest.raises(InvalidInput):
        account_removal.remove_account(ctx, daan, "not my password")
    assert login_actor(ctx, "daan@example.nl").display_name == "Daan"


def test_what_she_wrote_stays_signed_under_a_removed_account(
    ctx: Context, mails: list[Mail]
) -> None:
    world = youth_world(ctx, age=16)
    world.staff()
    anne = world.care_worker()
    world.share(CARE_WORKER)
    report = world.write(anne, "care", "Verslag", "Tekst van Anne")
    assert account_removal.removal_check(ctx, anne).texts == 1
    other_device = login_actor(ctx, CARE_WORKER)

    account_removal.remove_account(ctx, anne, PASSWORD)

    read = entries.read_entry(ctx, world.youth, world.dossier.id, report)
    assert read.card.author.name == REMOVED_NAME
    assert read.card.trusted and read.body == "Tekst van Anne"  # her signature still verifies
    with pytest.raises(InvalidCredentials):
        sessions.log_in(ctx, CARE_WORKER, PASSWORD, SessionKind.WEB)
    with ctx.unit_of_work() as db:
        stub = db.get(User, anne.user_id)
        assert stub is not None and stub.removed_at is not None
        assert CARE_WORKER not in (stub.email, stub.display_name)
        assert stub.keyring_by_password == b"" and stub.keyring_by_recovery == b""
        assert stub.organisation is None and stub.registration_number is None
        assert (
            db.scalars(select(UserSession).where(UserSession.user_id == anne.user_id)).all() == []
        )
        assert db.scalars(select(SealedKey).where(SealedKey.holder_id == anne.user_id)).all() == []
        grant = db.scalar(select(Grant).where(Grant.grantee_id == anne.user_id))
        assert grant is not None and grant.status == "revoked"
        stopped = db.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "grant.revoke", AuditEvent.dossier_id == world.dossier.id
            )
        )
        assert stopped is not None and stopped.actor_id == anne.user_id
    with ctx.unit_of_work() as db:  # her other device is logged out too
        assert db.get(UserSession, other_device.session_id) is None
    assert mails[-1].to == CARE_WORKER and "verwijderd" in mails[-1].subject
    assert events(ctx, "account.remove") == ["success"]
