"""The JSON API for accounts, sessions, resets, `me` and the admin's check, with problem+json."""

from __future__ import annotations

import re

from tests.conftest import PASSWORD
from tests.support import api_login, api_register

PROBLEM = "application/problem+json"


def test_register_log_in_me_and_log_out(client) -> None:
    created = api_register(client, "sanne@example.nl")
    assert set(created) == {"id", "role", "recovery_code"} and created["role"] == "youth"
    response = client.post(
        "/api/v1/sessions", json={"email": "sanne@example.nl", "password": PASSWORD}
    )
    assert response.status_code == 201
    assert set(response.get_json()) == {"token", "expires_at"}
    headers = {"Authorization": f"Bearer {response.get_json()['token']}"}
    me = client.get("/api/v1/me", headers=headers)
    assert me.get_json() == {
        "id": created["id"],
        "email": "sanne@example.nl",
        "display_name": "sanne",
        "role": "youth",
        "verified": True,
    }
    assert client.delete("/api/v1/sessions/current", headers=headers).status_code == 204
    after = client.get("/api/v1/me", headers=headers)
    assert after.status_code == 401 and after.mimetype == PROBLEM


def test_validation_errors_are_problem_json_per_field(client) -> None:
    response = client.post(
        "/api/v1/accounts",
        json={"email": "x", "password": "short", "display_name": "", "role": "youth"},
    )
    body = response.get_json()
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert {"type", "title", "status", "detail", "errors"} <= set(body)
    assert set(body["errors"]) == {"email", "password", "display_name", "birth_date"}


def test_schema_errors_and_malformed_bodies(client) -> None:
    unknown = client.post(
        "/api/v1/sessions", json={"email": "a@b.nl", "password": "x", "admin": True}
    )
    assert unknown.status_code == 422 and "admin" in unknown.get_json()["errors"]
    missing = client.post("/api/v1/accounts", json={"email": "a@b.nl"})
    assert missing.status_code == 422 and "password" in missing.get_json()["errors"]
    bad_role = client.post(
        "/api/v1/accounts",
        json={"email": "a@b.nl", "password": PASSWORD, "display_name": "A", "role": "admin"},
    )
    assert "role" in bad_role.get_json()["errors"]
    for body in [b"not json", b"[1, 2]", b""]:
        response = client.post("/api/v1/sessions", data=body, content_type="application/json")
        assert response.status_code == 400 and response.mimetype == PROBLEM
    bad_date = client.post(
        "/api/v1/accounts",
        json={
            "email": "a@b.nl",
            "password": PASSWORD,
            "display_name": "A",
            "role": "youth",
            "birth_date": "14-03-2011",
        },
    )
    assert bad_date.status_code == 422 and "birth_date" in bad_date.get_json()["errors"]


def test_wrong_password_is_one_problem_for_known_and_unknown_accounts(client) -> None:
    api_register(client, "sanne@example.nl")
    wrong = client.post(
        "/api/v1/sessions", json={"email": "sanne@example.nl", "password": "wrong one!!!"}
    )
    unknown = client.post(
        "/api/v1/sessions", json={"email": "x@example.nl", "password": "wrong one!!!"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()


def test_password_reset_hands_out_a_fresh_code(client) -> None:
    created = api_register(client, "sanne@example.nl")
    response = client.post(
        "/api/v1/password-resets",
        json={
            "email": "sanne@example.nl",
            "recovery_code": created["recovery_code"],
            "new_password": "a new long password",
        },
    )
    assert response.status_code == 200
    assert response.get_json()["recovery_code"] != created["recovery_code"]
    api_login(client, "sanne@example.nl", "a new long password")
    again = client.post(
        "/api/v1/password-resets",
        json={
            "email": "sanne@example.nl",
            "recovery_code": created["recovery_code"],
            "new_password": "yet another password",
        },
    )
    assert again.status_code == 401 and again.mimetype == PROBLEM


def test_change_password_and_log_out_everywhere(client) -> None:
    api_register(client, "sanne@example.nl")
    first = api_login(client, "sanne@example.nl")
    second = api_login(client, "sanne@example.nl")
    wrong = client.post(
        "/api/v1/me/password",
        headers=first,
        json={"current_password": "nope nope nope", "new_password": "a new long password"},
    )
    assert wrong.status_code == 422 and "current_password" in wrong.get_json()["errors"]
    changed = client.post(
        "/api/v1/me/password",
        headers=first,
        json={"current_password": PASSWORD, "new_password": "a new long password"},
    )
    assert changed.status_code == 204
    assert client.get("/api/v1/me", headers=second).status_code == 401
    third = api_login(client, "sanne@example.nl", "a new long password")
    assert client.delete("/api/v1/sessions", headers=first).status_code == 204
    assert client.get("/api/v1/me", headers=first).status_code == 401
    assert client.get("/api/v1/me", headers=third).status_code == 401


def test_admin_verifies_a_professional(client, ctx) -> None:
    from dossier.services import accounts

    accounts.create_staff(ctx, accounts.NewAccount("admin@example.nl", PASSWORD, "Fatima", "admin"))
    pro = api_register(client, "anne@example.nl", role="professional")
    pro_headers = api_login(client, "anne@example.nl")
    assert client.get("/api/v1/me", headers=pro_headers).get_json()["verified"] is False
    admin = api_login(client, "admin@example.nl")
    listing = client.get("/api/v1/admin/professionals", headers=admin).get_json()
    assert [p["registration_number"] for p in listing["items"]] == ["SKJ 100012345"]
    assert listing["next_cursor"] is None
    denied = client.post(
        f"/api/v1/admin/professionals/{pro['id']}/verification", headers=pro_headers
    )
    assert denied.status_code == 403 and denied.mimetype == PROBLEM
    response = client.post(f"/api/v1/admin/professionals/{pro['id']}/verification", headers=admin)
    assert response.status_code == 200 and response.get_json()["verified"] is True
    assert client.get("/api/v1/me", headers=pro_headers).get_json()["verified"] is True
    missing = client.post(
        "/api/v1/admin/professionals/00000000-0000-4000-8000-000000000000/verification",
        headers=admin,
    )
    assert missing.status_code == 404


def test_cookies_never_authenticate_the_api(client) -> None:
    from tests.support import register_youth

    register_youth(client)
    assert client.get("/start").status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_openapi_document_describes_every_route(app, client) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    documented = {
        (path, method) for path, operations in document["paths"].items() for method in operations
    }
    routed = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1/openapi.json":
            continue
        path = re.sub(
            r"<(?:uuid|number):(\w+)>",
            lambda m: (
                "{id}" if m.group(1) in ("dossier_id", "professional_id") else f"{{{m.group(1)}}}"
            ),
            rule.rule.removeprefix("/api/v1"),
        )
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routed.add((path, method.lower()))
    assert routed == documented
    schemas = document["components"]["schemas"]
    assert "password" in schemas["AccountCreate"]["properties"]
    assert "password" not in schemas.get("AccountCreated", {}).get("properties", {})
    assert document["paths"]["/accounts"]["post"]["responses"]["201"]
