"""Logging in in two steps: an authenticator app added on the account page, the second step at
login (pages and API), the half-logged-in state that reaches nothing, the recovery code as the
way back, the rule for staff, and two admins resetting a staff member's second step."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pyotp
import pytest
from sqlalchemy import func, select

from dossier.actions import Action
from dossier.edge.auth import COOKIE_NAME, PENDING_COOKIE
from dossier.errors import InvalidCredentials, InvalidInput, SecondFactorNeeded
from dossier.keys import load_keys
from dossier.models import AuditEvent, SecondFactor, SessionKind
from dossier.services import accounts, second_factors, sessions
from dossier.services.context import Context
from tests.conftest import PASSWORD, Clock, login_actor
from tests.e2e.test_guards import MEMBER_PAGES
from tests.support import api_register, csrf_token, post_form, recovery_code_in, register_youth

SECRET = re.compile(r'<code id="app-secret">([A-Z2-7]+)</code>')


def code_now(secret: str, clock: Clock) -> str:
    return pyotp.TOTP(secret).at(clock())


def log_in(app: Any, email: str) -> Any:
    client = app.test_client()
    client.get("/language/en")
    response = post_form(client, "/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 302
    return client, response


def add_app(client: Any, clock: Clock, name: str = "My phone") -> str:
    """Adds an authenticator app on the account pages; returns its secret."""
    started = post_form(client, "/account/second-step/app", {}, form_page="/account/second-step")
    assert started.status_code == 302
    page_url = started.headers["Location"]
    page = client.get(page_url)
    assert page.status_code == 200 and "<svg" in page.get_data(as_text=True)
    secret = SECRET.search(page.get_data(as_text=True))
    assert secret
    wrong = post_form(client, page_url, {"name": name, "code": "000000"})
    assert wrong.status_code == 422
    done = post_form(client, page_url, {"name": name, "code": code_now(secret.group(1), clock)})
    assert done.status_code == 302 and done.headers["Location"].endswith("/account/second-step")
    assert name in client.get("/account/second-step").get_data(as_text=True)
    return secret.group(1)


@pytest.fixture
def strict(app: Any) -> Iterator[None]:
    """Production's rule: staff (and here professionals) must have a second step."""
    state = app.extensions["dossier"]
    before = state["settings"]
    state["settings"] = before.with_overrides(
        require_second_factor_for_staff=True, require_second_factor_for_professionals=True
    )
    yield
    state["settings"] = before


def events(engine: Any, action: Action) -> int:
    with engine.connect() as connection:
        return connection.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action.value)
        )


def test_a_youth_adds_an_app_and_then_logs_in_with_password_and_code(app, clock, engine) -> None:
    api_register(app.test_client(), "sanne@example.nl")
    client, _ = log_in(app, "sanne@example.nl")
    assert "Log in in two steps" in client.get("/account").get_data(as_text=True)
    secret = add_app(client, clock)
    assert events(engine, Action.ACCOUNT_FACTOR_ADD) == 1

    fresh, answer = log_in(app, "sanne@example.nl")
    assert answer.headers["Location"].startswith("/login/code")
    assert COOKIE_NAME not in {c.key for c in fresh._cookies.values()}
    assert "code of 6 numbers" in fresh.get("/login/code").get_data(as_text=True)
    wrong = post_form(fresh, "/login/code", {"code": "123456"})
    assert wrong.status_code == 401
    clock.advance(seconds=31)  # the code she used when adding the app works once only
    right = post_form(fresh, "/login/code", {"code": code_now(secret, clock)})
    assert right.status_code == 302 and right.headers["Location"] == "/start"
    assert fresh.get("/start").status_code == 200
    assert events(engine, Action.ACCOUNT_LOGIN_PASSWORD) == 1
    assert events(engine, Action.ACCOUNT_LOGIN_SECOND_STEP) == 1  # the wrong code, denied


def test_a_code_works_once(app, clock) -> None:
    api_register(app.test_client(), "sanne@example.nl")
    client, _ = log_in(app, "sanne@example.nl")
    secret = add_app(client, clock)
    clock.advance(seconds=31)
    code = code_now(secret, clock)
    first, _ = log_in(app, "sanne@example.nl")
    assert post_form(first, "/login/code", {"code": code}).status_code == 302
    second, _ = log_in(app, "sanne@example.nl")
    assert post_form(second, "/login/code", {"code": code}).status_code == 401


def test_half_logged_in_reaches_nothing(app, clock) -> None:
    api_register(app.test_client(), "sanne@example.nl")
    client, _ = log_in(app, "sanne@example.nl")
    add_app(client, clock)
    half, _ = log_in(app, "sanne@example.nl")
    token = next(c.value for c in half._cookies.values() if c.key == PENDING_COOKIE)
    for path in MEMBER_PAGES:
        assert half.get(path).status_code == 302, path
    # the pending token is no session, as a cookie or as a bearer token
    forged = app.test_client()
    forged.set_cookie(COOKIE_NAME, token)
    assert forged.get("/account").status_code == 302
    me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401


def test_too_many_wrong_codes_end_the_login(app, clock) -> None:
    api_register(app.test_client(), "sanne@example.nl")
    client, _ = log_in(app, "sanne@example.nl")
    secret = add_app(client, clock)
    clock.advance(seconds=31)
    half, _ = log_in(app, "sanne@example.nl")
    token = csrf_token(half, "/login/code")
    wrong = {"csrf_token": token, "code": "000000"}
    for _ in range(second_factors.MAX_FAILURES - 1):
        assert half.post("/login/code", data=wrong).status_code == 401
    ended = half.post("/login/code", data=wrong)
    assert ended.status_code == 302 and ended.headers["Location"] == "/login"
    late = half.post("/login/code", data={"csrf_token": token, "code": code_now(secret, clock)})
    assert late.status_code in (302, 429)
    assert half.get("/start").status_code == 302  # not logged in: the password comes first again


def test_the_recovery_code_is_the_way_back(app, clock, engine) -> None:
    client = app.test_client()
    client.get("/language/en")
    code = register_youth(client)
    add_app(client, clock)
    half, _ = log_in(app, "sanne@example.nl")
    wrong = post_form(
        half, "/login/recovery", {"recovery_code": "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AA"}
    )
    assert wrong.status_code == 401
    back = post_form(half, "/login/recovery", {"recovery_code": code})
    assert back.status_code == 200
    new_code = recovery_code_in(back.get_data(as_text=True))
    assert new_code != code
    assert half.get("/start").status_code == 200
    assert events(engine, Action.ACCOUNT_FACTOR_RECOVER) == 1
    # no second step any more: the password alone, as before
    _, answer = log_in(app, "sanne@example.nl")
    assert answer.headers["Location"] == "/start"


def test_the_api_asks_for_the_second_step(app, clock) -> None:
    api = app.test_client()
    api_register(api, "sanne@example.nl")
    client, _ = log_in(app, "sanne@example.nl")
    secret = add_app(client, clock)
    clock.advance(seconds=31)
    first = api.post("/api/v1/sessions", json={"email": "sanne@example.nl", "password": PASSWORD})
    assert first.status_code == 401 and first.mimetype == "application/problem+json"
    body = first.get_json()
    assert body["second_factor_kinds"] == ["totp"]
    token = body["second_factor_token"]
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    browser, _ = log_in(app, "sanne@example.nl")
    browser_token = next(c.value for c in browser._cookies.values() if c.key == PENDING_COOKIE)
    elsewhere = api.post(
        "/api/v1/sessions/second-factor",
        json={"second_factor_token": browser_token, "code": code_now(secret, clock)},
    )
    assert elsewhere.status_code == 401  # a browser's login is finished in the browser
    wrong = api.post(
        "/api/v1/sessions/second-factor", json={"second_factor_token": token, "code": "000000"}
    )
    assert wrong.status_code == 401
    right = api.post(
        "/api/v1/sessions/second-factor",
        json={"second_factor_token": token, "code": code_now(secret, clock)},
    )
    assert right.status_code == 201
    bearer = {"Authorization": f"Bearer {right.get_json()['token']}"}
    assert api.get("/api/v1/me", headers=bearer).status_code == 200
    used = api.post(
        "/api/v1/sessions/second-factor",
        json={"second_factor_token": token, "code": code_now(secret, clock)},
    )
    assert used.status_code == 401  # the pending token was spent


def test_staff_set_up_a_second_step_before_anything_else(app, ctx, clock, strict) -> None:
    accounts.create_staff(ctx, accounts.NewAccount("admin@example.nl", PASSWORD, "Admin", "admin"))
    client, answer = log_in(app, "admin@example.nl")
    assert answer.headers["Location"] == "/start"
    for path in ("/start", "/admin/professionals", "/account"):
        blocked = client.get(path)
        assert blocked.status_code == 302 and blocked.headers["Location"] == "/account/second-step"
    assert "Set up a second step first" in client.get("/account/second-step").get_data(as_text=True)
    api = app.test_client()
    token = api.post(
        "/api/v1/sessions", json={"email": "admin@example.nl", "password": PASSWORD}
    ).get_json()["token"]
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 403
    add_app(client, clock)
    assert client.get("/start").status_code == 200
    # the token from before the second step ended with it, as with a new password
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    # the last second step stays while one is required
    factor = second_factors.my_factors(ctx, login_actor_after(app, ctx, "admin@example.nl"))[0]
    kept = post_form(
        client,
        f"/account/second-step/{factor.id}/remove",
        {},
        form_page=f"/account/second-step/{factor.id}/remove",
    )
    assert kept.status_code == 302
    assert second_factors.my_factors(ctx, login_actor_after(app, ctx, "admin@example.nl"))


def login_actor_after(app: Any, ctx: Context, email: str) -> Any:
    """The actor of an account that has a second step, for calling services directly."""
    with ctx.reading() as db:
        from dossier.models import User

        user = db.scalar(select(User).where(User.email == email))
        assert user is not None
        from dossier.services.context import Actor

        return Actor(user.id, user.role, user.display_name, user.email, True, user.id, "web", b"")


def test_youth_and_family_are_never_made_to(app, ctx, strict) -> None:
    api_register(app.test_client(), "sanne@example.nl")
    client, _ = log_in(app, "sanne@example.nl")
    assert client.get("/start").status_code == 200


def test_professionals_must_where_the_organisation_asks(app, ctx, strict) -> None:
    api_register(app.test_client(), "anne@example.nl", role="professional")
    client, _ = log_in(app, "anne@example.nl")
    assert client.get("/start").headers["Location"] == "/account/second-step"


def test_two_admins_reset_a_staff_members_second_step(app, ctx, clock, engine) -> None:
    for name in ("admin", "beheer", "auditor"):
        role = "auditor" if name == "auditor" else "admin"
        accounts.create_staff(
            ctx, accounts.NewAccount(f"{name}@example.nl", PASSWORD, name.title(), role)
        )
    auditor, _ = log_in(app, "auditor@example.nl")
    add_app(auditor, clock)
    assert auditor.get("/admin/second-step-resets").status_code == 403
    first = log_in_staff_without_factor(app, "admin@example.nl")
    asked = post_form(first, "/admin/second-step-resets", {"email": "auditor@example.nl"})
    assert asked.status_code == 302
    page = first.get("/admin/second-step-resets").get_data(as_text=True)
    reset_id = re.search(r"/admin/second-step-resets/([0-9a-f-]{36})/confirm", page)
    assert reset_id
    confirm = f"/admin/second-step-resets/{reset_id.group(1)}/confirm"
    post_form(first, confirm, {}, form_page="/admin/second-step-resets")
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(SecondFactor)) == 1
    second = log_in_staff_without_factor(app, "beheer@example.nl")
    post_form(second, confirm, {}, form_page="/admin/second-step-resets")
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(SecondFactor)) == 0
    assert auditor.get("/audit").status_code == 302  # the reset ended her sessions
    _, answer = log_in(app, "auditor@example.nl")
    assert answer.headers["Location"] == "/start"
    assert events(engine, Action.ADMIN_FACTOR_RESET_CONFIRM) == 1


def log_in_staff_without_factor(app: Any, email: str) -> Any:
    client, answer = log_in(app, email)
    assert answer.headers["Location"] == "/start"
    return client


# --- the service, with a clock that stands still ---------------------------------------------

FIXED = datetime(2026, 12, 2, 9, 30, 15, tzinfo=UTC)


@pytest.fixture
def fixed(app: Any, keys_dir: Any) -> Context:
    state = app.extensions["dossier"]
    return Context(
        sessions=state["sessions"],
        settings=state["settings"],
        clock=lambda: FIXED,
        job_key=load_keys(keys_dir).job_key,
    )


def test_codes_by_a_fixed_clock(app, fixed: Context) -> None:
    api_register(app.test_client(), "sanne@example.nl")
    sanne = login_actor(fixed, "sanne@example.nl")
    setup = second_factors.start_app(fixed, sanne)
    totp = pyotp.TOTP(setup.secret)
    with pytest.raises(InvalidInput):
        second_factors.confirm_app(
            fixed, sanne, setup.factor_id, "Phone", totp.at(FIXED.timestamp() - 90)
        )
    second_factors.confirm_app(fixed, sanne, setup.factor_id, "Phone", totp.at(FIXED))
    # the secret is sealed, not stored as it is
    with fixed.reading() as db:
        sealed = db.scalar(select(SecondFactor.secret_sealed))
    assert sealed and setup.secret.encode() not in sealed
    with pytest.raises(SecondFactorNeeded) as needed:
        sessions.log_in(fixed, "sanne@example.nl", PASSWORD, SessionKind.WEB)
    assert needed.value.kinds == ("totp",)
    with pytest.raises(InvalidCredentials):  # used when it was added
        second_factors.log_in_with_app(fixed, needed.value.token, totp.at(FIXED))
    ticket = second_factors.log_in_with_app(
        fixed, needed.value.token, totp.at(FIXED.timestamp() + 30)
    )
    assert sessions.authenticate(fixed, ticket.token, SessionKind.WEB) is not None


def test_adding_or_removing_a_second_step_ends_the_other_sessions(app, clock) -> None:
    api_register(app.test_client(), "sanne@example.nl")
    laptop, _ = log_in(app, "sanne@example.nl")
    phone, _ = log_in(app, "sanne@example.nl")
    assert laptop.get("/start").status_code == 200
    secret = add_app(phone, clock)
    assert laptop.get("/start").status_code == 302  # logged out there, as by a new password
    assert phone.get("/start").status_code == 200  # not here

    clock.advance(seconds=31)
    again, _ = log_in(app, "sanne@example.nl")
    assert post_form(again, "/login/code", {"code": code_now(secret, clock)}).status_code == 302
    page = phone.get("/account/second-step").get_data(as_text=True)
    remove = re.search(r'href="(/account/second-step/[0-9a-f-]{36}/remove)"', page)
    assert remove is not None
    removed = post_form(phone, remove.group(1), {})
    assert removed.status_code == 302
    assert again.get("/start").status_code == 302 and phone.get("/start").status_code == 200


def test_an_emergency_officer_must_even_where_professionals_need_not(app, ctx) -> None:
    """Staff's rule only: a checked professional who holds a share of the emergency key sets up
    a second step first; a colleague who holds none does not."""
    from dossier.services import emergency
    from tests.support import World

    state = app.extensions["dossier"]
    before = state["settings"]
    state["settings"] = before.with_overrides(
        require_second_factor_for_staff=True, require_second_factor_for_professionals=False
    )
    try:
        made = World(ctx, None, None, None)
        made.staff()
        made.care_worker("lead@example.nl", "Lead", "Crisisdienst")
        made.care_worker("anne@example.nl", "Anne", "Jeugdteam")
        emergency.create_key(ctx, ["admin@example.nl", "lead@example.nl"], threshold=2)
        officer, _ = log_in(app, "lead@example.nl")
        assert officer.get("/start").headers["Location"] == "/account/second-step"
        colleague, _ = log_in(app, "anne@example.nl")
        assert colleague.get("/start").status_code == 200
    finally:
        state["settings"] = before
