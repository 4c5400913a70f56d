"""Registering tells nobody whether an address has an account, nor its role: the API and the
page answer a taken address as they answer a new one, and the address learns what happened by
e-mail."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from dossier.services import accounts
from dossier.services.mail import Mail
from tests.conftest import PASSWORD
from tests.support import api_login, csrf_token, recovery_code_in

CSRF = re.compile(r'name="csrf_token"[^>]*value="[^"]+"')
OTHER_PASSWORD = "somebody else's long password"


@pytest.fixture
def mails(monkeypatch: pytest.MonkeyPatch) -> list[Mail]:
    import dossier.services.context as module

    sent: list[Mail] = []
    monkeypatch.setattr(module, "send", lambda _smtp_url, mail: sent.append(mail))
    return sent


def _register(client: Any, email: str, role: str, password: str = PASSWORD) -> Any:
    body = {"email": email, "password": password, "display_name": "Noor", "role": role}
    if role == "youth":
        body["birth_date"] = "2012-01-05"
    return client.post("/api/v1/accounts", json=body)


def _shape(response: Any) -> tuple[int, str, dict[str, type], set[str]]:
    body = response.get_json()
    varying = {"date", "x-request-id", "content-length"}
    headers = {name.lower() for name, _value in response.headers.items()} - varying
    return response.status_code, response.mimetype, {k: type(v) for k, v in body.items()}, headers


def test_the_api_answers_a_taken_address_like_a_new_one(client, mails) -> None:
    new = _register(client, "noor@example.nl", "youth")
    taken = _register(client, "Noor@Example.nl", "parent", OTHER_PASSWORD)
    assert _shape(new) == _shape(taken) and new.status_code == 201
    assert set(new.get_json()) == {"id", "role", "recovery_code"}
    assert taken.get_json()["role"] == "parent"  # what was asked for, not what the account is
    assert uuid.UUID(taken.get_json()["id"]) != uuid.UUID(new.get_json()["id"])
    assert len(taken.get_json()["recovery_code"]) == len(new.get_json()["recovery_code"])
    # Only the owner's password opens the account; the other answer opened nothing.
    refused = client.post(
        "/api/v1/sessions", json={"email": "noor@example.nl", "password": OTHER_PASSWORD}
    )
    assert refused.status_code == 401
    me = client.get("/api/v1/me", headers=api_login(client, "noor@example.nl")).get_json()
    assert me["id"] == new.get_json()["id"] and me["role"] == "youth"
    reset = client.post(
        "/api/v1/password-resets",
        json={
            "email": "noor@example.nl",
            "recovery_code": taken.get_json()["recovery_code"],
            "new_password": OTHER_PASSWORD,
        },
    )
    assert reset.status_code == 401
    assert [(m.to, m.subject) for m in mails] == [
        ("noor@example.nl", accounts.WELCOME.subject),
        ("noor@example.nl", accounts.ALREADY_REGISTERED.subject),
    ]


def _page(client: Any, email: str, password: str) -> Any:
    client.get("/language/en")
    token = csrf_token(client, "/register/youth")
    return client.post(
        "/register/youth",
        data={
            "csrf_token": token,
            "display_name": "Noor",
            "email": email,
            "birth_date": "2012-01-05",
            "password": password,
            "password_repeat": password,
        },
    )


def _without_secrets(html: str) -> str:
    html = html.replace(recovery_code_in(html), "CODE")
    return CSRF.sub('name="csrf_token" value="TOKEN"', html)


HTTPONLY_LAX = ("expires", "httponly", "path", "samesite")


def _cookie_shape(response: Any) -> tuple[str, tuple[str, ...]]:
    """The session cookie without its value and time: its name and which attributes it has."""
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if "dossier_session=" in c]
    name, *attributes = cookie.split("; ")
    return name.split("=")[0], tuple(sorted(a.split("=")[0].lower() for a in attributes))


def test_the_page_answers_a_taken_address_like_a_new_one(app, mails) -> None:
    first, second = app.test_client(), app.test_client()
    new = _page(first, "noor@example.nl", PASSWORD)
    taken = _page(second, "noor@example.nl", OTHER_PASSWORD)
    assert new.status_code == taken.status_code == 200
    assert _without_secrets(new.get_data(as_text=True)) == _without_secrets(
        taken.get_data(as_text=True)
    )
    assert _cookie_shape(new) == _cookie_shape(taken) == ("dossier_session", HTTPONLY_LAX)
    # The first is logged in to her new account; the second holds a cookie that opens nothing.
    assert first.get("/start").status_code == 200
    assert second.get("/start").status_code == 302
    assert [m.subject for m in mails] == [
        accounts.WELCOME.subject,
        accounts.ALREADY_REGISTERED.subject,
    ]
