"""The authorization matrix: every dossier page and API endpoint, asked by every relation.

Relations: the youth who owns the dossier (14), her guardian, a grantee who may read, a grantee
who may contribute, a grantee whose grant expired, one whose grant was revoked, a stranger, an
auditor, an admin, and an anonymous visitor. Bodies are valid, so each answer is about who may,
not about what was sent. Each relation gets a world of its own; rows that end something run last.
Routes not about one dossier are in test_guards.py; together they must cover every route.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

from dossier.models import SessionKind
from dossier.services import accounts, dossiers, entries, ownership, sessions, sharing
from tests.conftest import PASSWORD
from tests.support import api_login, csrf_token

OWNERS_READERS = ("youth", "guardian", "reader", "writer")
ELSEWHERE = ("expired", "revoked", "stranger", "auditor", "admin")
RELATIONS = (*OWNERS_READERS, *ELSEWHERE, "anonymous")

TEXT = {
    "body": "words",
    "reason": "words",
    "name": "Renamed",
    "outcome": "declined",
    "message": "words",
    "sure": "y",
}
ALL4 = (200, 200, 200, 200)
OWNERS = (200, 200, 403, 403)

# (method, path, body, answers for youth, guardian, reader, writer). Everyone in ELSEWHERE gets 404;
# anonymous visitors are sent to the login page (pages) or get 401 (API).
PAGES = [
    ("get", "/dossiers/{d}", None, ALL4),
    ("get", "/dossiers/{d}/entries/new", None, (200, 200, 403, 200)),
    ("get", "/dossiers/{d}/entries/{e}", None, ALL4),
    ("get", "/dossiers/{d}/entries/{e}/edit", None, (200, 403, 403, 403)),
    ("get", "/dossiers/{d}/entries/{e}/history", None, ALL4),
    ("get", "/dossiers/{d}/entries/{e}/attachments/{a}", None, ALL4),
    ("get", "/dossiers/{d}/sections", None, OWNERS),
    ("get", "/dossiers/{d}/invite", None, OWNERS),
    ("get", "/dossiers/{d}/export", None, OWNERS),
    ("get", "/dossiers/{d}/destroy", None, OWNERS),
    ("get", "/dossiers/{d}/access", None, OWNERS),
    ("get", "/dossiers/{d}/log", None, OWNERS),
    ("get", "/dossiers/{d}/share", None, OWNERS),
    ("get", "/dossiers/{d}/grants/{g}/revoke", None, OWNERS),
    ("get", "/dossiers/{d}/owners/{o}/remove", None, OWNERS),
    (
        "post",
        "/dossiers/{d}/entries/new",
        {"section_id": "{c}", "kind": "note", "title": "T", "body": "B"},
        (302, 302, 403, 302),
    ),
    ("post", "/dossiers/{d}/entries/{e}/edit", {"title": "T", "body": "B"}, (302, 403, 403, 403)),
    ("post", "/dossiers/{d}/entries/{r}/views", TEXT, (302, 302, 403, 422)),
    ("post", "/dossiers/{d}/entries/{e}/attachments", "file", (302, 403, 403, 403)),
    ("post", "/dossiers/{d}/entries/{r}/corrections", TEXT, (302, 302, 403, 403)),
    ("post", "/dossiers/{d}/entries/{r}/corrections/{k}/answer", TEXT, (403, 403, 403, 302)),
    ("post", "/dossiers/{d}/entries/{e}/outdated", {}, (302, 302, 403, 403)),
    ("post", "/dossiers/{d}/sections", TEXT, (302, 302, 403, 403)),
    ("post", "/dossiers/{d}/sections/{c}/rename", TEXT, (302, 302, 403, 403)),
    ("post", "/dossiers/{d}/sections/{x}/archive", {}, (302, 302, 403, 403)),
    ("post", "/dossiers/{d}/invite", {"relation": "guardian"}, (200, 200, 403, 403)),
    (
        "post",
        "/dossiers/{d}/share",
        {"grantee_email": "new@example.nl", "section_ids": "{c}", "permission": "read"},
        (302, 302, 403, 403),
    ),
    ("post", "/dossiers/{d}/grants/{p}/approve", {}, (302, 302, 403, 403)),
    ("post", "/dossiers/{d}/grants/{g}/change", {"section_ids": "{c}"}, (302, 302, 403, 403)),
    ("post", "/dossiers/{d}/destroy", {"confirm": "not the name"}, (200, 200, 403, 403)),
    ("post", "/dossiers/{d}/grants/{g}/revoke", {}, (302, 302, 403, 403)),
    ("post", "/dossiers/{d}/entries/{e}/archive", TEXT, (302, 403, 403, 403)),
    # the youth's yes is the one the new owner waits for; the guardian asked, so may withdraw
    ("post", "/dossiers/{d}/ownership-changes/{h}/approval", {}, (302, 403, 403, 403)),
    ("post", "/dossiers/{d}/ownership-changes/{h}/cancel", {}, (302, 302, 403, 403)),
    # the youth asks (it waits for a guardian); the guardian steps down
    ("post", "/dossiers/{d}/owners/{o}/remove", {}, (302, 302, 403, 403)),
]
API = [
    ("get", "/api/v1/dossiers/{d}", None, ALL4),
    ("get", "/api/v1/dossiers/{d}/sections", None, ALL4),
    ("post", "/api/v1/dossiers/{d}/sections", {"name": "Extra"}, (201, 201, 403, 403)),
    ("patch", "/api/v1/dossiers/{d}/sections/{c}", {"name": "Zorg"}, (204, 204, 403, 403)),
    ("post", "/api/v1/dossiers/{d}/invitations", {}, (201, 201, 403, 403)),
    ("get", "/api/v1/dossiers/{d}/export", None, OWNERS),
    ("get", "/api/v1/dossiers/{d}/entries", None, ALL4),
    (
        "post",
        "/api/v1/dossiers/{d}/entries",
        {"section_id": "{c}", "title": "T", "body": "B", "kind": "note"},
        (201, 201, 403, 201),
    ),
    ("get", "/api/v1/dossiers/{d}/entries/{e}", None, ALL4),
    ("patch", "/api/v1/dossiers/{d}/entries/{e}", {"title": "New"}, (200, 403, 403, 403)),
    ("get", "/api/v1/dossiers/{d}/entries/{e}/history", None, ALL4),
    ("post", "/api/v1/dossiers/{d}/entries/{r}/perspectives", {"body": "B"}, (201, 201, 403, 422)),
    ("post", "/api/v1/dossiers/{d}/entries/{e}/attachments", "file", (201, 403, 403, 403)),
    ("get", "/api/v1/dossiers/{d}/entries/{e}/attachments/{a}", None, ALL4),
    (
        "post",
        "/api/v1/dossiers/{d}/entries/{r}/correction-requests",
        {"reason": "R"},
        (201, 201, 403, 403),
    ),
    (
        "post",
        "/api/v1/dossiers/{d}/entries/{r}/correction-requests/{k}/answer",
        {"outcome": "declined", "message": "M"},
        (403, 403, 403, 200),
    ),
    ("get", "/api/v1/dossiers/{d}/grants", None, OWNERS),
    ("get", "/api/v1/dossiers/{d}/access-log", None, OWNERS),
    (
        "post",
        "/api/v1/dossiers/{d}/grants",
        {"grantee_email": "new@example.nl", "section_ids": ["{c}"], "permission": "read"},
        (201, 201, 403, 403),
    ),
    ("post", "/api/v1/dossiers/{d}/grants/{p}/approval", None, OWNERS),
    ("patch", "/api/v1/dossiers/{d}/grants/{g}", {"section_ids": ["{c}"]}, (204, 204, 403, 403)),
    ("delete", "/api/v1/dossiers/{d}/grants/{g}", None, (204, 204, 403, 403)),
    ("delete", "/api/v1/dossiers/{d}?confirm=wrong", None, (422, 422, 403, 403)),
    ("delete", "/api/v1/dossiers/{d}/entries/{e}", None, (204, 403, 403, 403)),
    ("post", "/api/v1/dossiers/{d}/ownership-changes/{h}/approval", None, (200, 403, 403, 403)),
    ("delete", "/api/v1/dossiers/{d}/ownership-changes/{h}", None, (204, 204, 403, 403)),
    ("delete", "/api/v1/dossiers/{d}/owners/{o}", None, (202, 204, 403, 403)),
]
# Routes that are not about one dossier; test_guards.py and the journeys test them.
OTHER_ROUTES = [
    "/dossiers/new",
    "/join",
    "/notices/read",
    "/api/v1/dossiers",
    "/api/v1/invitations/acceptance",
    "/api/v1/notices",
]


def _who(ctx, email: str):  # type: ignore[no-untyped-def]
    ticket = sessions.log_in(ctx, email, PASSWORD, SessionKind.WEB)
    return sessions.authenticate(ctx, ticket.token, SessionKind.WEB)


@pytest.fixture
def world(app, ctx, clock):  # type: ignore[no-untyped-def]
    people = [
        (
            "youth@example.nl",
            "youth",
            {"birth_date": ctx.now().date().replace(year=ctx.now().year - 14) - timedelta(days=30)},
        ),
        ("guardian@example.nl", "parent", {}),
        ("stranger@example.nl", "parent", {}),
        ("new@example.nl", "parent", {}),
        ("someone@example.nl", "parent", {}),
    ]
    for name in ("reader", "writer", "expired", "revoked"):
        people.append(
            (
                f"{name}@example.nl",
                "professional",
                {"organisation": "Jeugdteam", "registration_number": "SKJ 100012345"},
            )
        )
    for email, role, extra in people:
        accounts.register(
            ctx, accounts.NewAccount(email, PASSWORD, email.split("@")[0], role, **extra)
        )
    for role in ("admin", "auditor"):
        accounts.create_staff(ctx, accounts.NewAccount(f"{role}@example.nl", PASSWORD, role, role))
    admin = _who(ctx, "admin@example.nl")
    for name in ("reader", "writer", "expired", "revoked"):
        accounts.verify_professional(ctx, admin, _who(ctx, f"{name}@example.nl").user_id)
    youth, guardian = _who(ctx, "youth@example.nl"), _who(ctx, "guardian@example.nl")
    dossier = dossiers.create_dossier(ctx, youth, "Youth", None, for_self=True)
    ownership.join(ctx, guardian, ownership.invite_owner(ctx, youth, dossier.id, "guardian").code)
    care, spare = dossier.sections[1].id, dossier.sections[4].id

    def grant(email, permission, **extra):  # type: ignore[no-untyped-def]
        shared = sharing.share(
            ctx,
            youth,
            dossier.id,
            grantee_email=email,
            section_ids=[care],
            permission=permission,
            **extra,
        )
        sharing.approve(ctx, guardian, dossier.id, shared.grant_id)
        return shared.grant_id

    grant("reader@example.nl", "read")
    writer_grant = grant("writer@example.nl", "contribute")
    grant("expired@example.nl", "contribute", expires_at=ctx.now() + timedelta(minutes=5))
    sharing.revoke(ctx, guardian, dossier.id, grant("revoked@example.nl", "contribute"))
    pending = sharing.share(
        ctx,
        youth,
        dossier.id,
        grantee_email="someone@example.nl",
        section_ids=[care],
        permission="read",
    ).grant_id
    entry, _ = entries.write_entry(ctx, youth, dossier.id, care, "Mine", "My words", "note")
    report, _ = entries.write_entry(
        ctx, _who(ctx, "writer@example.nl"), dossier.id, care, "Report", "Theirs", "report"
    )
    correction = entries.request_correction(ctx, youth, dossier.id, report, "Please fix")
    attachment = entries.attach(ctx, youth, dossier.id, entry, "note.txt", b"plain text")
    ownership.invite_owner(ctx, guardian, dossier.id, "guardian")  # waits for the youth
    [change] = sharing.overview(ctx, youth, dossier.id).changes
    clock.advance(minutes=10)  # the expired grantee's end has passed
    return {
        "d": dossier.id,
        "e": entry,
        "r": report,
        "c": care,
        "x": spare,
        "a": attachment.id,
        "k": correction.id,
        "g": writer_grant,
        "p": pending,
        "h": change.id,
        "o": guardian.user_id,
    }


def fill(value, ids):  # type: ignore[no-untyped-def]
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list):
        return [fill(item, ids) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, ids) for key, item in value.items()}
    return value


def expected(row_answers: tuple[int, ...], who: str, anonymous: int) -> int:
    if who == "anonymous":
        return anonymous
    if who in ELSEWHERE:
        return 404
    return row_answers[OWNERS_READERS.index(who)]


@pytest.mark.parametrize("who", RELATIONS)
def test_pages(app, world, who: str) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    if who != "anonymous":
        token = csrf_token(client, "/login")
        assert (
            client.post(
                "/login",
                data={"csrf_token": token, "email": f"{who}@example.nl", "password": PASSWORD},
            ).status_code
            == 302
        )
    token = csrf_token(client, "/forgot-password")
    for method, path, body, answers in PAGES:
        url = fill(path, world)
        if method == "get":
            response = client.get(url)
        elif body == "file":
            response = client.post(
                url, data={"csrf_token": token, "file": (io.BytesIO(b"text"), "n.txt")}
            )
        else:
            response = client.post(url, data={"csrf_token": token, **fill(body, world)})
        assert response.status_code == expected(answers, who, 302), (who, method, path)
        if who == "anonymous":
            assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("who", RELATIONS)
def test_api(app, world, who: str) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    headers = {} if who == "anonymous" else api_login(client, f"{who}@example.nl")
    for method, path, body, answers in API:
        url = fill(path, world)
        if body == "file":
            response = client.post(
                url, headers=headers, data={"file": (io.BytesIO(b"text"), "n.txt")}
            )
        else:
            response = getattr(client, method)(url, headers=headers, json=fill(body or {}, world))
        assert response.status_code == expected(answers, who, 401), (who, method, path)
        if response.status_code >= 400:
            assert response.mimetype == "application/problem+json"


def test_strangers_get_the_same_answer_for_real_and_made_up_dossiers(app, world) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    headers = api_login(client, "stranger@example.nl")
    made_up = {**world, "d": "00000000-0000-4000-8000-000000000000"}
    for method, path, _body, _answers in API:
        if method != "get":
            continue
        real = client.get(fill(path, world), headers=headers)
        fake = client.get(fill(path, made_up), headers=headers)
        assert real.status_code == fake.status_code == 404
        assert real.get_json() == fake.get_json()


def test_today_is_the_day_it_matters(ctx, world) -> None:  # type: ignore[no-untyped-def]
    """The world really is what the rows assume: the subject is 14, two owners, grants as named."""
    youth = _who(ctx, "youth@example.nl")
    overview = sharing.overview(ctx, youth, world["d"])
    statuses = {g.grantee.name: g.status for g in overview.grants}
    assert statuses == {
        "reader": "active",
        "writer": "active",
        "expired": "expired",
        "revoked": "revoked",
        "someone": "pending",
    }
    assert {o.relation for o in overview.owners} == {"subject", "guardian"}
    assert dossiers.get_dossier(ctx, youth, world["d"]).subject_birth_date < date.today()
