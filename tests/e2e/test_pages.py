"""The pages, driven over HTTP the way a browser without JavaScript would."""

from __future__ import annotations

from urllib.parse import unquote

from dossier.edge.auth import COOKIE_NAME
from tests.conftest import PASSWORD
from tests.support import csrf_token, post_form, recovery_code_in, register_youth

NEW_PASSWORD = "a brand new password"


def english(client) -> None:
    client.get("/language/en")


def test_pages_speak_dutch_by_default_and_english_on_request(client) -> None:
    assert "Inloggen" in client.get("/login").get_data(as_text=True)
    response = client.get("/language/en?next=/login")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert "Log in" in page and 'lang="en"' in page
    client.get("/language/nl")
    assert 'lang="nl"' in client.get("/login").get_data(as_text=True)


def test_language_switch_only_returns_to_our_own_site(client) -> None:
    for target in ["https://evil.example/", "//evil.example/x", "/\\evil.example"]:
        response = client.get("/language/en", query_string={"next": target})
        assert response.headers["Location"] == "/"


def test_a_youth_registers_saves_the_code_and_logs_back_in(client) -> None:
    english(client)
    response = post_form(
        client,
        "/register/youth",
        {
            "display_name": "Sanne",
            "email": "sanne@example.nl",
            "birth_date": "2012-01-05",
            "password": PASSWORD,
            "password_repeat": PASSWORD,
        },
    )
    page = response.get_data(as_text=True)
    code = recovery_code_in(page)
    assert "Download as a text file" in page
    download = page.split('href="data:text/plain;charset=utf-8,', 1)[1].split('"', 1)[0]
    assert code in unquote(download)
    assert client.get_cookie(COOKIE_NAME) is not None
    assert client.get_cookie(COOKIE_NAME).http_only

    # Continuing without ticking the box keeps the code on screen with a message.
    token = csrf_token(client, "/start")
    refused = client.post(
        "/recovery-code/saved",
        data={
            "csrf_token": token,
            "recovery_code": code,
            "email": "sanne@example.nl",
            "next": "/start",
        },
    )
    assert refused.status_code == 200
    assert code in refused.get_data(as_text=True)
    assert "Tick the box" in refused.get_data(as_text=True)
    saved = client.post(
        "/recovery-code/saved",
        data={"csrf_token": token, "recovery_code": code, "next": "/start", "saved": "y"},
    )
    assert saved.headers["Location"] == "/start"
    assert "Hello Sanne" in client.get("/start").get_data(as_text=True)

    post_form(client, "/logout", {}, form_page="/start")
    assert client.get_cookie(COOKIE_NAME) is None
    assert client.get("/start").status_code == 302

    logged_in = post_form(client, "/login", {"email": "sanne@example.nl", "password": PASSWORD})
    assert logged_in.status_code == 302 and logged_in.headers["Location"] == "/start"


def test_registration_errors_are_shown_next_to_fields_and_input_is_kept(client) -> None:
    english(client)
    response = post_form(
        client,
        "/register/youth",
        {
            "display_name": "Sanne",
            "email": "sanne@example",
            "birth_date": "",
            "password": "short",
            "password_repeat": "short",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This password is too short. Use at least 12 characters" in page
    assert "does not look like an e-mail address" in page
    assert "Fill in your date of birth" in page
    assert 'value="sanne@example"' in page and 'value="Sanne"' in page
    assert 'aria-invalid="true"' in page
    assert client.get_cookie(COOKIE_NAME) is None


def test_mismatched_passwords_are_caught_before_anything_is_stored(client) -> None:
    english(client)
    page = post_form(
        client,
        "/register/parent",
        {
            "display_name": "Marieke",
            "email": "m@example.nl",
            "password": PASSWORD,
            "password_repeat": PASSWORD + "x",
        },
    ).get_data(as_text=True)
    assert "The two passwords are not the same." in page
    assert (
        post_form(client, "/login", {"email": "m@example.nl", "password": PASSWORD}).status_code
        == 401
    )


def test_wrong_password_gives_one_message_whether_or_not_the_account_exists(client) -> None:
    register_youth(client)
    post_form(client, "/logout", {}, form_page="/start")
    english(client)
    wrong = post_form(
        client, "/login", {"email": "sanne@example.nl", "password": "wrong password!"}
    )
    unknown = post_form(
        client, "/login", {"email": "nobody@example.nl", "password": "wrong password!"}
    )
    message = "That e-mail address and password do not match an account."
    assert wrong.status_code == unknown.status_code == 401
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)


def test_reset_password_with_recovery_code_then_log_in(client) -> None:
    code = register_youth(client)
    post_form(client, "/logout", {}, form_page="/start")
    english(client)
    response = post_form(
        client,
        "/forgot-password",
        {
            "email": "sanne@example.nl",
            "recovery_code": code.lower().replace("-", " "),
            "new_password": NEW_PASSWORD,
            "new_password_repeat": NEW_PASSWORD,
        },
    )
    page = response.get_data(as_text=True)
    new_code = recovery_code_in(page)
    assert new_code != code
    assert (
        post_form(client, "/login", {"email": "sanne@example.nl", "password": PASSWORD}).status_code
        == 401
    )
    assert (
        post_form(
            client, "/login", {"email": "sanne@example.nl", "password": NEW_PASSWORD}
        ).status_code
        == 302
    )


def test_a_wrong_recovery_code_is_refused_plainly(client) -> None:
    register_youth(client)
    post_form(client, "/logout", {}, form_page="/start")
    english(client)
    page = post_form(
        client,
        "/forgot-password",
        {
            "email": "sanne@example.nl",
            "recovery_code": "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GG",
            "new_password": NEW_PASSWORD,
            "new_password_repeat": NEW_PASSWORD,
        },
    ).get_data(as_text=True)
    assert "That e-mail address and recovery code do not match an account." in page


def test_change_password_and_log_out_everywhere(app, client) -> None:
    register_youth(client)
    other_device = app.test_client()
    post_form(other_device, "/login", {"email": "sanne@example.nl", "password": PASSWORD})
    assert other_device.get("/start").status_code == 200
    english(client)
    wrong = post_form(
        client,
        "/account/password",
        {
            "current_password": "not my password",
            "new_password": NEW_PASSWORD,
            "new_password_repeat": NEW_PASSWORD,
        },
    )
    assert "This is not your current password." in wrong.get_data(as_text=True)
    changed = post_form(
        client,
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_repeat": NEW_PASSWORD,
        },
    )
    assert changed.headers["Location"] == "/account"
    assert other_device.get("/start").status_code == 302  # the other device is logged out
    assert client.get("/start").status_code == 200

    post_form(other_device, "/login", {"email": "sanne@example.nl", "password": NEW_PASSWORD})
    everywhere = post_form(client, "/account/logout-everywhere", {}, form_page="/account")
    assert everywhere.headers["Location"] == "/login"
    assert client.get("/start").status_code == 302
    assert other_device.get("/start").status_code == 302


def test_professional_waits_until_the_admin_verifies(app, client, ctx) -> None:
    from dossier.services import accounts

    accounts.create_staff(ctx, accounts.NewAccount("admin@example.nl", PASSWORD, "Fatima", "admin"))
    english(client)
    response = post_form(
        client,
        "/register/professional",
        {
            "display_name": "Anne",
            "email": "anne@example.nl",
            "organisation": "Jeugdteam Zuid",
            "registration_number": "SKJ 100012345",
            "password": PASSWORD,
            "password_repeat": PASSWORD,
        },
    )
    recovery_code_in(response.get_data(as_text=True))
    assert "We still need to check your registration number" in client.get("/start").get_data(
        as_text=True
    )

    admin = app.test_client()
    english(admin)
    post_form(admin, "/login", {"email": "admin@example.nl", "password": PASSWORD})
    assert "1 professional waits for a check." in admin.get("/start").get_data(as_text=True)
    listing = admin.get("/admin/professionals").get_data(as_text=True)
    assert "SKJ 100012345" in listing
    action = next(
        part.split('"', 1)[0]
        for part in listing.split('action="')[1:]
        if "/verify" in part.split('"', 1)[0]
    )
    unticked = post_form(admin, action, {}, form_page="/admin/professionals")
    assert unticked.status_code == 422
    assert "Tick the box once you have checked the register." in unticked.get_data(as_text=True)
    done = post_form(admin, action, {"checked": "y"}, form_page="/admin/professionals")
    assert done.status_code == 302
    assert "Anne is verified" in admin.get("/admin/professionals").get_data(as_text=True)
    assert "We still need to check" not in client.get("/start").get_data(as_text=True)


def test_forms_without_csrf_token_are_refused(client) -> None:
    response = client.post("/login", data={"email": "a@example.nl", "password": PASSWORD})
    assert response.status_code == 400
    assert "form has expired" in response.get_data(as_text=True) or "verlopen" in response.get_data(
        as_text=True
    )


def test_login_redirects_only_to_our_own_pages(client) -> None:
    register_youth(client)
    post_form(client, "/logout", {}, form_page="/start")
    token = csrf_token(client, "/login")
    away = client.post(
        "/login?next=https://evil.example/",
        data={"csrf_token": token, "email": "sanne@example.nl", "password": PASSWORD},
    )
    assert away.headers["Location"] == "/start"
    post_form(client, "/logout", {}, form_page="/start")
    token = csrf_token(client, "/login")
    home = client.post(
        "/login?next=/account",
        data={"csrf_token": token, "email": "sanne@example.nl", "password": PASSWORD},
    )
    assert home.headers["Location"] == "/account"
