"""Every dossier page and endpoint, asked by a stranger, an anonymous visitor, the owner and a
read-only grantee: strangers learn nothing (404), visitors are sent to log in, grantees are
refused what they may not do."""

from __future__ import annotations

import io
from datetime import date

import pytest

from dossier.models import SessionKind
from dossier.services import accounts, dossiers, entries, sessions
from tests.conftest import PASSWORD
from tests.support import api_login, csrf_token, grant_access

# (method, path, body, what the owner gets, what a read-only grantee gets). Bodies are valid, so
# the answer is about who may, not about what was sent. Changes that end something come last.
TEXT = {
    "body": "words",
    "reason": "words",
    "name": "Renamed",
    "outcome": "declined",
    "message": "words",
    "sure": "y",
}
PAGES = [
    ("get", "/dossiers/{d}", None, 200, 200),
    ("get", "/dossiers/{d}/entries/new", None, 200, 403),
    ("get", "/dossiers/{d}/entries/{e}", None, 200, 200),
    ("get", "/dossiers/{d}/entries/{e}/edit", None, 200, 403),
    ("get", "/dossiers/{d}/entries/{e}/history", None, 200, 200),
    ("get", "/dossiers/{d}/entries/{e}/attachments/{a}", None, 200, 200),
    ("get", "/dossiers/{d}/sections", None, 200, 403),
    ("get", "/dossiers/{d}/invite", None, 200, 403),
    ("get", "/dossiers/{d}/export", None, 200, 403),
    ("get", "/dossiers/{d}/destroy", None, 200, 403),
    (
        "post",
        "/dossiers/{d}/entries/new",
        {"section_id": "{s}", "kind": "note", "title": "T", "body": "B"},
        302,
        403,
    ),
    ("post", "/dossiers/{d}/entries/{e}/edit", {"title": "T", "body": "B"}, 302, 403),
    ("post", "/dossiers/{d}/entries/{r}/views", TEXT, 302, 403),
    ("post", "/dossiers/{d}/entries/{e}/attachments", "file", 302, 403),
    ("post", "/dossiers/{d}/entries/{r}/corrections", TEXT, 302, 403),
    ("post", "/dossiers/{d}/entries/{r}/corrections/{c}/answer", TEXT, 403, 403),
    ("post", "/dossiers/{d}/entries/{e}/outdated", {}, 302, 403),
    ("post", "/dossiers/{d}/sections", TEXT, 302, 403),
    ("post", "/dossiers/{d}/sections/{s}/rename", TEXT, 302, 403),
    ("post", "/dossiers/{d}/sections/{x}/archive", {}, 302, 403),
    ("post", "/dossiers/{d}/invite", {"relation": "guardian"}, 200, 403),
    ("post", "/dossiers/{d}/destroy", {"confirm": "not the name"}, 200, 403),
    ("post", "/dossiers/{d}/entries/{e}/archive", TEXT, 302, 403),
]
API = [
    ("get", "/api/v1/dossiers/{d}", None, 200, 200),
    ("get", "/api/v1/dossiers/{d}/sections", None, 200, 200),
    ("post", "/api/v1/dossiers/{d}/sections", {"name": "Extra"}, 201, 403),
    ("patch", "/api/v1/dossiers/{d}/sections/{s}", {"name": "Zorg"}, 204, 403),
    ("post", "/api/v1/dossiers/{d}/invitations", {}, 201, 403),
    ("get", "/api/v1/dossiers/{d}/export", None, 200, 403),
    ("get", "/api/v1/dossiers/{d}/entries", None, 200, 200),
    (
        "post",
        "/api/v1/dossiers/{d}/entries",
        {"section_id": "{s}", "title": "T", "body": "B", "kind": "note"},
        201,
        403,
    ),
    ("get", "/api/v1/dossiers/{d}/entries/{e}", None, 200, 200),
    ("patch", "/api/v1/dossiers/{d}/entries/{e}", {"title": "New"}, 200, 403),
    ("get", "/api/v1/dossiers/{d}/entries/{e}/history", None, 200, 200),
    ("post", "/api/v1/dossiers/{d}/entries/{r}/perspectives", {"body": "B"}, 201, 403),
    ("post", "/api/v1/dossiers/{d}/entries/{e}/attachments", "file", 201, 403),
    ("get", "/api/v1/dossiers/{d}/entries/{e}/attachments/{a}", None, 200, 200),
    ("post", "/api/v1/dossiers/{d}/entries/{r}/correction-requests", {"reason": "R"}, 201, 403),
    (
        "post",
        "/api/v1/dossiers/{d}/entries/{r}/correction-requests/{c}/answer",
        {"outcome": "declined", "message": "M"},
        403,
        403,
    ),
    ("delete", "/api/v1/dossiers/{d}?confirm=wrong", None, 422, 403),
    ("delete", "/api/v1/dossiers/{d}/entries/{e}", None, 204, 403),
]
# Routes that are not about one dossier, with their own tests elsewhere.
OTHER_ROUTES = ["/dossiers/new", "/join", "/api/v1/dossiers", "/api/v1/invitations/acceptance"]


@pytest.fixture
def world(app, ctx):  # type: ignore[no-untyped-def]
    """An owner's dossier with one of her entries, a file and a correction request on a
    professional's entry; a read-only grantee; and a stranger."""
    for email, role, extra in [
        ("owner@example.nl", "youth", {"birth_date": date(2012, 1, 1)}),
        ("pro@example.nl", "professional", {"organisation": "JT", "registration_number": "123456"}),
        (
            "reader@example.nl",
            "professional",
            {"organisation": "JT", "registration_number": "654321"},
        ),
        ("stranger@example.nl", "parent", {}),
    ]:
        accounts.register(
            ctx, accounts.NewAccount(email, PASSWORD, email.split("@")[0], role, **extra)
        )
    accounts.create_staff(ctx, accounts.NewAccount("admin@example.nl", PASSWORD, "Admin", "admin"))

    def who(email):  # type: ignore[no-untyped-def]
        return sessions.authenticate(
            ctx, sessions.log_in(ctx, email, PASSWORD, SessionKind.WEB).token, SessionKind.WEB
        )

    admin = who("admin@example.nl")
    for email in ["pro@example.nl", "reader@example.nl"]:
        accounts.verify_professional(ctx, admin, who(email).user_id)
    owner = who("owner@example.nl")
    dossier = dossiers.create_dossier(ctx, owner, "Owner", None, for_self=True)
    care = dossier.sections[1].id
    grant_access(ctx, owner, dossier.id, "pro@example.nl", [care])
    grant_access(ctx, owner, dossier.id, "reader@example.nl", [care], permission="read")
    entry, _ = entries.write_entry(ctx, owner, dossier.id, care, "Mine", "My words", "note")
    pro = who("pro@example.nl")
    report, _ = entries.write_entry(ctx, pro, dossier.id, care, "Report", "Their words", "report")
    correction = entries.request_correction(ctx, owner, dossier.id, report, "Please fix")
    attachment = entries.attach(ctx, owner, dossier.id, entry, "note.txt", b"plain text")
    spare = dossier.sections[4].id
    return {
        "d": dossier.id,
        "e": entry,
        "r": report,
        "s": care,
        "x": spare,
        "a": attachment.id,
        "c": correction.id,
    }


def fill(path: str, ids: dict) -> str:  # type: ignore[type-arg]
    return path.format(**ids)


def page_client(app, email: str | None):  # type: ignore[no-untyped-def]
    client = app.test_client()
    if email:
        token = csrf_token(client, "/login")
        assert (
            client.post(
                "/login", data={"csrf_token": token, "email": email, "password": PASSWORD}
            ).status_code
            == 302
        )
    return client


def form_data(body, ids, token):  # type: ignore[no-untyped-def]
    if body == "file":
        return {"csrf_token": token, "file": (io.BytesIO(b"plain text"), "note.txt")}
    return {"csrf_token": token, **{k: fill(v, ids) for k, v in (body or {}).items()}}


def json_body(body, ids):  # type: ignore[no-untyped-def]
    return {k: fill(v, ids) if isinstance(v, str) else v for k, v in (body or {}).items()}


@pytest.mark.parametrize("who", ["anonymous", "stranger", "owner", "reader"])
def test_dossier_pages_by_relation(app, world, who: str) -> None:  # type: ignore[no-untyped-def]
    client = page_client(app, None if who == "anonymous" else f"{who}@example.nl")
    token = csrf_token(client, "/forgot-password")
    for method, path, body, owner_status, reader_status in PAGES:
        url = fill(path, world)
        if method == "get":
            response = client.get(url)
        else:
            response = client.post(url, data=form_data(body, world, token))
        expected = {
            "anonymous": 302,
            "stranger": 404,
            "owner": owner_status,
            "reader": reader_status,
        }[who]
        assert response.status_code == expected, (who, method, path, response.status_code)
        if who == "anonymous":
            assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("who", ["anonymous", "stranger", "owner", "reader"])
def test_dossier_api_by_relation(app, world, who: str) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    headers = {} if who == "anonymous" else api_login(client, f"{who}@example.nl")
    for method, path, body, owner_status, reader_status in API:
        url = fill(path, world)
        if body == "file":
            response = client.post(
                url, headers=headers, data={"file": (io.BytesIO(b"plain text"), "note.txt")}
            )
        else:
            response = getattr(client, method)(url, headers=headers, json=json_body(body, world))
        expected = {
            "anonymous": 401,
            "stranger": 404,
            "owner": owner_status,
            "reader": reader_status,
        }[who]
        assert response.status_code == expected, (who, method, path, response.status_code)
        if response.status_code >= 400:
            assert response.mimetype == "application/problem+json"


def test_unknown_dossier_is_404_for_everyone(app, world) -> None:  # type: ignore[no-untyped-def]
    client = page_client(app, "owner@example.nl")
    missing = {**world, "d": "00000000-0000-4000-8000-000000000000"}
    for method, path, *_ in PAGES:
        if method == "get":
            assert client.get(fill(path, missing)).status_code == 404, path
