"""Rate limits, security headers, error pages and who may open which route."""

from __future__ import annotations

import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import PASSWORD
from tests.support import api_login, api_register, csrf_token, register_youth

PROBLEM = "application/problem+json"


def test_too_many_login_attempts_for_one_account_get_429_with_retry_after(client) -> None:
    api_register(client, "sanne@example.nl")
    statuses = [
        client.post(
            "/api/v1/sessions", json={"email": "sanne@example.nl", "password": "wrong!wrong!"}
        ).status_code
        for _ in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    blocked = client.post(
        "/api/v1/sessions", json={"email": "sanne@example.nl", "password": PASSWORD}
    )
    assert blocked.status_code == 429 and blocked.mimetype == PROBLEM
    assert int(blocked.headers["Retry-After"]) > 0
    # Another account from the same address is still allowed.
    api_register(client, "daan@example.nl")
    api_login(client, "daan@example.nl")


def test_the_account_limit_counts_pages_and_api_together(client) -> None:
    api_register(client, "sanne@example.nl")
    for _ in range(5):
        client.post(
            "/api/v1/sessions", json={"email": "sanne@example.nl", "password": "wrong!wrong!"}
        )
    token = csrf_token(client, "/login")
    page = client.post(
        "/login", data={"csrf_token": token, "email": "Sanne@example.nl", "password": PASSWORD}
    )
    assert page.status_code == 429
    assert "Retry-After" in page.headers
    assert "Te veel pogingen" in page.get_data(as_text=True)


def test_too_many_attempts_from_one_address_get_429(app, client) -> None:
    statuses = set()
    for number in range(31):
        response = client.post(
            "/api/v1/sessions",
            json={"email": f"user{number}@example.nl", "password": "wrong!wrong!"},
        )
        statuses.add(response.status_code)
    assert statuses == {401, 429}
    assert response.status_code == 429 and "Retry-After" in response.headers


def test_security_headers_on_pages_and_api(client) -> None:
    for path in ["/", "/login", "/api/v1/openapi.json", "/api/v1/me"]:
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert "default-src 'self'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "Strict-Transport-Security" not in headers  # only in production


def test_production_adds_hsts_and_secure_cookies(keys_dir, database_urls, clock) -> None:
    from dossier import create_app
    from dossier.crypto import PRODUCTION_KDF_COST
    from tests.conftest import make_settings

    app = create_app(
        make_settings(
            database_urls["postgresql"],
            keys_dir,
            env="production",
            kdf_cost=PRODUCTION_KDF_COST,
            redis_url=os.environ.get("DOSSIER_TEST_REDIS_URL", "redis://127.0.0.1:6379/7"),
        ),
        clock=clock,
    )
    client = app.test_client()
    response = client.get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    app.extensions["dossier"]["engine"].dispose()


def test_session_cookie_attributes(client) -> None:
    token = csrf_token(client, "/register/youth")
    response = client.post(
        "/register/youth",
        data={
            "csrf_token": token,
            "display_name": "Sanne",
            "email": "s@example.nl",
            "birth_date": "2012-01-05",
            "password": PASSWORD,
            "password_repeat": PASSWORD,
        },
    )
    cookies = [
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("dossier_session=")
    ]
    assert len(cookies) == 1
    assert "HttpOnly" in cookies[0] and "SameSite=Lax" in cookies[0]


def test_unknown_pages_and_endpoints(client) -> None:
    page = client.get("/nowhere")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "Naar de startpagina" in page.get_data(as_text=True)
    api = client.get("/api/v1/nowhere")
    assert api.status_code == 404 and api.mimetype == PROBLEM
    wrong_method = client.put("/api/v1/sessions", json={})
    assert wrong_method.status_code == 405 and wrong_method.mimetype == PROBLEM


# (path, answer to a visitor, answer to someone logged in): the front door and the login page send
# someone logged in on to /start, and the language switch always sends back.
PUBLIC_PAGES = [
    ("/", 200, 302),
    ("/login", 200, 302),
    ("/register", 200, 200),
    ("/register/youth", 200, 200),
    ("/register/parent", 200, 200),
    ("/register/professional", 200, 200),
    ("/forgot-password", 200, 200),
    # the second step of logging in: without a password given first, back to the login page
    ("/login/code", 302, 302),
    ("/login/recovery", 302, 302),
    ("/language/en", 302, 302),
    ("/healthz", 200, 200),
    ("/readyz", 200, 200),
]
MEMBER_PAGES = [
    "/start",
    "/account",
    "/account/password",
    "/account/name",
    "/account/email",
    "/account/sessions",
    "/account/remove",
    "/account/mail",
    "/account/second-step",
    "/ask",  # anyone may see the form; asking is refused to staff and unchecked professionals
    "/ask/sent",
    "/emergency/new",  # anyone may see the form; filing is refused to all but checked professionals
    "/emergency",
]
# Only emergency officers; nobody is one here (there is no emergency key), so all are refused.
# An officer's and the auditor's own views: tests/e2e/test_emergency_pages.py.
OFFICER_PAGES = ["/emergency/approvals", "/legal", "/legal/new"]
ADMIN_PAGES = ["/admin/professionals", "/admin/second-step-resets"]
COUNCIL_PAGES = ["/council", "/council?period=2026-Q1&organisation=Wijkteam", "/council/report.pdf"]
AUDITOR_PAGES = [
    "/audit",
    "/audit/export?format=csv",
    "/audit/emergencies",
    "/audit/legal",
    "/audit/passages",
]
AUDITOR_API = [
    ("get", "/api/v1/audit/events"),
    ("get", "/api/v1/audit/export?format=json"),
    ("post", "/api/v1/audit/verification"),
    ("get", "/api/v1/audit/checkpoints"),
]
# (method, path, answer): sent with an empty body, which is refused as incomplete (422) by each
# endpoint that needs one, once the asker is let in.
PUBLIC_API = [
    ("post", "/api/v1/accounts", 422),
    ("post", "/api/v1/sessions", 422),
    ("post", "/api/v1/password-resets", 422),
    ("post", "/api/v1/sessions/second-factor", 422),
    ("get", "/api/v1/openapi.json", 200),
]
MEMBER_API = [
    ("get", "/api/v1/me", 200),
    ("get", "/api/v1/notices", 200),
    ("post", "/api/v1/me/password", 422),
    ("delete", "/api/v1/sessions/current", 204),
    ("delete", "/api/v1/sessions", 204),
]
ADMIN_API = [
    ("get", "/api/v1/admin/professionals"),
    ("post", "/api/v1/admin/professionals/{pro}/verification"),
]
ROLES = ["anonymous", "youth", "parent", "professional", "auditor", "admin", "council"]


def _route_count(app) -> int:
    return sum(1 for rule in app.url_map.iter_rules() if rule.endpoint != "static")


def _shape(path: str) -> str:
    """A route or a listed path with every variable part replaced by {}."""
    path = path.split("?", 1)[0]
    path = re.sub(r"<[^>]+>", "{}", path)
    path = re.sub(r"\{[^}]*\}", "{}", path)
    return path.replace("/register/youth", "/register/{}").replace("/language/en", "/language/{}")


def test_the_access_matrix_covers_every_route(app) -> None:
    from tests.e2e.test_authorization_matrix import API, OTHER_ROUTES, PAGES

    page_posts = [
        "/logout",
        "/recovery-code/saved",
        "/account/logout-everywhere",
        "/admin/professionals/<uuid:professional_id>/verify",
    ]
    page_posts.append("/audit/verify")
    page_posts.append("/check-in")
    page_posts += [
        "/emergency/approvals/<uuid:request_id>",
        "/audit/emergencies/<uuid:request_id>/review",
        "/legal/<uuid:record_id>/approve",
        "/audit/passages/<uuid:objection_id>/answer",
    ]
    # one's own account: who may change what is held in test_account_pages.py
    page_posts += [
        "/account/language",
        "/account/email/confirm/<code>",
        "/account/sessions/<uuid:session_id>/end",
        "/account/sessions/end-others",
    ]
    # second steps: who may do what is held in tests/e2e/test_second_factor_pages.py
    page_posts += [
        "/login/passkey/options",
        "/login/passkey",
        "/account/second-step/app",
        "/account/second-step/app/<uuid:factor_id>",
        "/account/second-step/<uuid:factor_id>/remove",
        "/account/second-step/passkey/options",
        "/account/second-step/passkey",
        "/admin/second-step-resets/<uuid:reset_id>/confirm",
    ]
    listed = {
        _shape(p)
        for p in MEMBER_PAGES
        + ADMIN_PAGES
        + AUDITOR_PAGES
        + OFFICER_PAGES
        + COUNCIL_PAGES
        + page_posts
    }
    listed |= {_shape(p) for p, *_ in PUBLIC_PAGES}
    listed |= {_shape(p) for _m, p, *_ in PUBLIC_API + MEMBER_API + ADMIN_API + AUDITOR_API}
    listed |= {_shape(p) for _m, p, *_ in PAGES + API}
    listed |= {_shape(p) for p in OTHER_ROUTES}
    routes = {_shape(rule.rule) for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert routes - listed == set()


@pytest.fixture
def people(app, client, ctx):
    from dossier.services import accounts

    ids = {}
    for role in ["youth", "parent", "professional"]:
        ids[role] = api_register(client, f"{role}@example.nl", role=role)["id"]
    for role in ["auditor", "admin", "council"]:
        accounts.create_staff(ctx, accounts.NewAccount(f"{role}@example.nl", PASSWORD, role, role))
    return ids


@pytest.mark.parametrize("role", ROLES)
def test_pages_by_role(app, people, role: str) -> None:
    client = app.test_client()
    if role != "anonymous":
        token = csrf_token(client, "/login")
        assert (
            client.post(
                "/login",
                data={"csrf_token": token, "email": f"{role}@example.nl", "password": PASSWORD},
            ).status_code
            == 302
        )
    for path, to_visitor, to_member in PUBLIC_PAGES:
        expected = to_visitor if role == "anonymous" else to_member
        assert client.get(path).status_code == expected, (path, role)
    for path in MEMBER_PAGES:
        status = client.get(path).status_code
        assert status == (302 if role == "anonymous" else 200), path
    for path in ADMIN_PAGES:
        status = client.get(path).status_code
        expected = {"anonymous": 302, "admin": 200}.get(role, 403)
        assert status == expected, (path, role)
    for path in AUDITOR_PAGES:
        status = client.get(path).status_code
        assert status == {"anonymous": 302, "auditor": 200}.get(role, 403), (path, role)
    for path in OFFICER_PAGES:
        status = client.get(path).status_code
        assert status == (302 if role == "anonymous" else 403), (path, role)
    for path in COUNCIL_PAGES:
        status = client.get(path).status_code
        assert status == {"anonymous": 302, "council": 200}.get(role, 403), (path, role)
    token = csrf_token(client, "/forgot-password")
    # Nobody here had a moment that brings the question: an answer is refused, nothing is kept.
    answered_check_in = client.post("/check-in", data={"csrf_token": token, "score": "4"})
    assert answered_check_in.status_code == 302, role
    if role != "anonymous":
        assert answered_check_in.headers["Location"].endswith("/start#check-in"), role
    verified_log = client.post("/audit/verify", data={"csrf_token": token})
    assert verified_log.status_code == {"anonymous": 302, "auditor": 302}.get(role, 403)
    nowhere = "00000000-0000-4000-8000-000000000000"  # no such request
    said_yes = client.post(
        f"/emergency/approvals/{nowhere}", data={"csrf_token": token, "password": PASSWORD}
    )
    assert said_yes.status_code == (302 if role == "anonymous" else 404), role
    by_law = client.post(
        f"/legal/{nowhere}/approve", data={"csrf_token": token, "password": PASSWORD}
    )
    assert by_law.status_code == (302 if role == "anonymous" else 404), role
    reviewed = client.post(
        f"/audit/emergencies/{nowhere}/review", data={"csrf_token": token, "verdict": "Fine"}
    )
    assert reviewed.status_code == {"anonymous": 302, "auditor": 404}.get(role, 403), role
    answered = client.post(
        f"/audit/passages/{nowhere}/answer", data={"csrf_token": token, "verdict": "Fine"}
    )
    assert answered.status_code == {"anonymous": 302, "auditor": 404}.get(role, 403), role
    verify = client.post(
        f"/admin/professionals/{people['professional']}/verify",
        data={"csrf_token": token, "checked": "y"},
    )
    assert verify.status_code == {"anonymous": 302, "admin": 302}.get(role, 403)


@pytest.mark.parametrize("role", ROLES)
def test_api_by_role(app, people, role: str) -> None:
    client = app.test_client()
    headers = {} if role == "anonymous" else api_login(client, f"{role}@example.nl")
    for method, path in ADMIN_API:
        response = getattr(client, method)(path.format(pro=people["professional"]), headers=headers)
        expected = {"anonymous": 401, "admin": 200}.get(role, 403)
        assert response.status_code == expected, (path, role)
    for method, path in AUDITOR_API:
        response = getattr(client, method)(path, headers=headers)
        assert response.status_code == {"anonymous": 401, "auditor": 200}.get(role, 403), (
            path,
            role,
        )
    for method, path, answer in MEMBER_API:
        response = getattr(client, method)(path, headers=headers, json={})
        assert response.status_code == (401 if role == "anonymous" else answer), (path, role)
        if role != "anonymous" and method == "delete":  # a log-out: log in again for the next row
            headers = api_login(client, f"{role}@example.nl")
    for method, path, answer in PUBLIC_API:
        response = getattr(client, method)(path, json={})
        assert response.status_code == answer, (path, role)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.one_of(
        st.dictionaries(
            st.sampled_from(
                [
                    "email",
                    "password",
                    "display_name",
                    "role",
                    "birth_date",
                    "organisation",
                    "registration_number",
                    "recovery_code",
                    "new_password",
                    "other",
                ]
            ),
            st.one_of(
                st.text(max_size=40),
                st.integers(),
                st.none(),
                st.booleans(),
                st.lists(st.integers(), max_size=2),
            ),
        ),
        st.lists(st.integers(), max_size=3),
        st.text(max_size=20),
    ),
    path=st.sampled_from(["/api/v1/accounts", "/api/v1/sessions", "/api/v1/password-resets"]),
)
def test_bad_input_never_yields_a_500(client, body, path) -> None:
    from dossier.edge.limits import limiter

    with client.application.app_context():
        limiter.reset()
    response = client.post(path, json=body)
    assert response.status_code < 500
    assert response.status_code in (201, 400, 401, 422)
    if response.status_code >= 400:
        assert response.mimetype == PROBLEM


def test_bad_form_input_never_yields_a_500(client) -> None:
    token = csrf_token(client, "/register/youth")
    for data in [
        {"birth_date": "not a date"},
        {"birth_date": "2012-13-45"},
        {"email": "x" * 5000},
        {"display_name": "\x00"},
        {"password": "é" * 600, "password_repeat": "é" * 600},
    ]:
        response = client.post("/register/youth", data={"csrf_token": token, **data})
        assert response.status_code == 200
    register_youth(client, "sanne@example.nl")
