"""One's own account over HTTP: who may open and change what. Each page changes only the account
of whoever is logged in; a session or an e-mail link of someone else is refused without changing
anything; the e-mail change and removal are rate-limited per account."""

from __future__ import annotations

import re
from typing import Any

import pytest

from dossier.edge.i18n import LANGUAGE_COOKIE
from dossier.services import account_sessions, dossiers
from dossier.services.mail import Mail
from tests.conftest import PASSWORD, login_actor
from tests.support import csrf_token, person, post_form

ACCOUNT_GETS = [
    "/account/name",
    "/account/email",
    "/account/sessions",
    "/account/remove",
    "/account/email/confirm/some-code",
]
ACCOUNT_POSTS = [
    "/account/name",
    "/account/email",
    "/account/email/confirm/some-code",
    "/account/language",
    "/account/sessions/00000000-0000-4000-8000-000000000000/end",
    "/account/sessions/end-others",
    "/account/remove",
]


@pytest.fixture
def outbox(monkeypatch: pytest.MonkeyPatch) -> list[Mail]:
    sent: list[Mail] = []
    monkeypatch.setattr("dossier.services.context.send", lambda _url, mail: sent.append(mail))
    return sent


def logged_in(app: Any, email: str, agent: str = "Mozilla/5.0 (X11; Linux) Firefox/128.0") -> Any:
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = agent
    response = post_form(client, "/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize("path", ACCOUNT_GETS)
def test_a_visitor_is_sent_to_log_in_first(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("path", ACCOUNT_POSTS)
def test_a_visitor_changes_nothing(client, path: str) -> None:
    token = csrf_token(client, "/login")
    response = client.post(path, data={"csrf_token": token, "display_name": "X", "language": "en"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_she_ends_only_her_own_sessions(app, ctx) -> None:
    person(ctx, "sanne@example.nl", "parent", "Sanne")
    daan_actor = person(ctx, "daan@example.nl", "parent", "Daan")
    phone = logged_in(app, "sanne@example.nl", "Mozilla/5.0 (Linux; Android 14) Chrome/126.0")
    laptop = logged_in(app, "sanne@example.nl")
    daan = logged_in(app, "daan@example.nl")

    page = laptop.get("/account/sessions").get_data(as_text=True)
    assert "Chrome op Android" in page and "Firefox op Linux" in page
    assert page.count("dit apparaat") == 1
    # the test client comes from 127.0.0.1: the kind of network, never the address
    assert "Op de eigen computer van de server" in page and "127.0.0.1" not in page
    daans = {s.id for s in account_sessions.my_sessions(ctx, daan_actor)}
    sannes = set(re.findall(r"/account/sessions/([0-9a-f-]{36})/end", page))
    assert sannes and sannes.isdisjoint({str(i) for i in daans})

    # Daan cannot end any of them: for him they do not exist.
    for session_id in sannes:
        refused = post_form(daan, f"/account/sessions/{session_id}/end", {}, "/account/sessions")
        assert refused.status_code == 404
    assert phone.get("/start").status_code == 200

    # She ends her phone's session from her laptop: the phone is logged out, the laptop is not.
    for session_id in sannes:
        ended = post_form(laptop, f"/account/sessions/{session_id}/end", {}, "/account/sessions")
        assert ended.status_code == 302
    assert phone.get("/start").status_code == 302
    assert laptop.get("/start").status_code == 200
    assert daan.get("/start").status_code == 200


def test_log_out_everywhere_else_keeps_this_device(app, ctx) -> None:
    person(ctx, "sanne@example.nl", "parent", "Sanne")
    phone, laptop = logged_in(app, "sanne@example.nl"), logged_in(app, "sanne@example.nl")
    response = post_form(laptop, "/account/sessions/end-others", {}, "/account/sessions")
    assert response.headers["Location"] == "/account/sessions"
    assert phone.get("/start").status_code == 302
    assert laptop.get("/start").status_code == 200


def test_a_link_opened_by_another_account_is_refused(app, ctx, outbox: list[Mail]) -> None:
    person(ctx, "sanne@example.nl", "parent", "Sanne")
    person(ctx, "daan@example.nl", "parent", "Daan")
    sanne = logged_in(app, "sanne@example.nl")
    asked = post_form(
        sanne, "/account/email", {"new_email": "sanne.nieuw@example.nl", "password": PASSWORD}
    )
    assert asked.status_code == 302
    [mail] = [m for m in outbox if m.to == "sanne.nieuw@example.nl"]
    link = re.search(r"http://localhost(/account/email/confirm/\S+)", mail.body)
    assert link, mail.body

    daan = logged_in(app, "daan@example.nl")
    page = daan.get(link.group(1))
    assert page.status_code == 403
    assert "Dit is een link voor een ander account" in page.get_data(as_text=True)
    refused = daan.post(link.group(1), data={"csrf_token": csrf_token(daan, "/account")})
    assert refused.status_code == 403
    assert login_actor(ctx, "daan@example.nl").email == "daan@example.nl"

    opened = sanne.get(link.group(1))
    assert "sanne.nieuw@example.nl" in opened.get_data(as_text=True)
    confirmed = sanne.post(link.group(1), data={"csrf_token": csrf_token(sanne, "/account")})
    assert confirmed.headers["Location"] == "/account"
    assert "sanne.nieuw@example.nl" in sanne.get("/account").get_data(as_text=True)
    again = sanne.get(link.group(1))
    assert again.status_code == 410


def test_the_language_she_chooses_comes_back_at_every_login(app, ctx) -> None:
    person(ctx, "sanne@example.nl", "parent", "Sanne")
    laptop = logged_in(app, "sanne@example.nl")
    chosen = post_form(laptop, "/account/language", {"language": "en", "next": "/start"}, "/start")
    assert chosen.headers["Location"] == "/start"
    assert "Hello Sanne" in laptop.get("/start").get_data(as_text=True)

    elsewhere = app.test_client()  # a browser that never chose: Dutch until she logs in
    assert "Inloggen" in elsewhere.get("/login").get_data(as_text=True)
    response = post_form(elsewhere, "/login", {"email": "sanne@example.nl", "password": PASSWORD})
    assert f"{LANGUAGE_COOKIE}=en" in response.headers["Set-Cookie"] or any(
        c.startswith(f"{LANGUAGE_COOKIE}=en") for c in response.headers.getlist("Set-Cookie")
    )
    assert "Hello Sanne" in elsewhere.get("/start").get_data(as_text=True)
    # A language the app does not speak changes nothing.
    post_form(elsewhere, "/account/language", {"language": "de"}, "/start")
    assert "Hello Sanne" in elsewhere.get("/start").get_data(as_text=True)


def test_her_name_and_nobody_elses(app, ctx) -> None:
    person(ctx, "sanne@example.nl", "parent", "Sanne")
    person(ctx, "daan@example.nl", "parent", "Daan")
    sanne = logged_in(app, "sanne@example.nl")
    empty = post_form(sanne, "/account/name", {"display_name": "  "})
    assert empty.status_code == 200 and "Vul je naam in" in empty.get_data(as_text=True)
    changed = post_form(sanne, "/account/name", {"display_name": "Sanne de Vries"})
    assert changed.headers["Location"] == "/account"
    assert login_actor(ctx, "sanne@example.nl").display_name == "Sanne de Vries"
    assert login_actor(ctx, "daan@example.nl").display_name == "Daan"


def test_removal_is_refused_with_the_reason_while_she_owns_a_dossier(app, ctx) -> None:
    from tests.support import years_ago

    marieke = person(ctx, "marieke@example.nl", "parent", "Marieke")
    dossiers.create_dossier(ctx, marieke, "Daan", years_ago(ctx, 9), False)
    client = logged_in(app, "marieke@example.nl")
    page = client.get("/account/remove").get_data(as_text=True)
    assert "Je bent de enige eigenaar van een dossier" in page
    assert 'name="password"' not in page  # nothing to confirm while a dossier needs her
    refused = post_form(client, "/account/remove", {"password": PASSWORD}, "/account")
    assert refused.status_code == 409
    assert client.get("/start").status_code == 200


def test_email_changes_and_removals_are_rate_limited_per_account(app, ctx) -> None:
    person(ctx, "sanne@example.nl", "parent", "Sanne")
    person(ctx, "daan@example.nl", "parent", "Daan")
    sanne = logged_in(app, "sanne@example.nl")
    token = csrf_token(sanne, "/account")
    statuses = [
        sanne.post(
            "/account/email",
            data={"csrf_token": token, "new_email": "x@example.nl", "password": "wrong!wrong!"},
        ).status_code
        for _ in range(5)
    ]
    assert statuses == [200] * 5  # each time: not her password
    blocked = sanne.post("/account/remove", data={"csrf_token": token, "password": PASSWORD})
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers
    # Another account is not held back by hers.
    daan = logged_in(app, "daan@example.nl")
    assert post_form(daan, "/account/remove", {"password": "wrong!wrong!"}).status_code == 422
