"""Logging in in two steps in a real Chromium: an admin sets up a second step before anything
else; a professional logs in with her password and a code from her app; a youth adds a passkey
(DevTools' virtual authenticator) and uses it as her second step. Every page passes `check`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect

from dossier.services import accounts
from tests.conftest import PASSWORD, Clock
from tests.e2e.test_journeys import VIEWPORTS, check
from tests.support import api_register

pytestmark = pytest.mark.browser


@pytest.fixture
def strict(app: Any) -> Iterator[None]:
    state = app.extensions["dossier"]
    before = state["settings"]
    state["settings"] = before.with_overrides(
        require_second_factor_for_staff=True, require_second_factor_for_professionals=True
    )
    yield
    state["settings"] = before


def password_step(page: Page, base_url: str, email: str) -> None:
    page.goto(base_url + "/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()


def add_app(page: Page, clock: Clock, name: str) -> str:
    page.locator("form[action$='/account/second-step/app'] button").click()
    expect(page.locator("svg")).not_to_have_count(0)
    secret = page.locator("#app-secret").inner_text()
    page.locator("#name").fill(name)
    page.locator("#code").fill(pyotp.TOTP(secret).at(clock()))
    page.locator("form:has(#code) button[type=submit]").click()
    expect(page.locator(".factor h3")).to_contain_text(name)
    return secret


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_an_admin_sets_up_a_second_step_before_anything_else(
    browser: Browser, base_url: str, ctx, clock, strict, device: str
) -> None:
    accounts.create_staff(ctx, accounts.NewAccount("admin@example.nl", PASSWORD, "Admin", "admin"))
    page = browser.new_context(viewport=VIEWPORTS[device]).new_page()
    password_step(page, base_url, "admin@example.nl")
    expect(page).to_have_url(base_url + "/account/second-step")
    expect(page.get_by_role("alert")).to_be_visible()
    check(page, f"second-step-required-{device}")
    page.goto(base_url + "/admin/professionals")
    expect(page).to_have_url(base_url + "/account/second-step")
    page.locator("form[action$='/account/second-step/app'] button").click()
    check(page, f"second-step-add-app-{device}")
    page.goto(base_url + "/account/second-step")
    add_app(page, clock, "Telefoon")
    page.goto(base_url + "/admin/professionals")
    expect(page).to_have_url(base_url + "/admin/professionals")


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_a_professional_logs_in_with_password_and_code(
    browser: Browser, base_url: str, app, clock, device: str
) -> None:
    api_register(app.test_client(), "anne@example.nl", role="professional")
    page = browser.new_context(viewport=VIEWPORTS[device]).new_page()
    password_step(page, base_url, "anne@example.nl")
    page.goto(base_url + "/account/second-step")
    secret = add_app(page, clock, "Werktelefoon")
    page.context.clear_cookies()
    clock.advance(seconds=31)  # a new code: the one used to add the app works once
    password_step(page, base_url, "anne@example.nl")
    expect(page).to_have_url(base_url + "/login/code")
    check(page, f"second-step-code-{device}")
    page.locator("#code").fill("000000")
    page.locator("form:has(#code) button[type=submit]").click()
    expect(page.locator("#code-error")).to_be_visible()
    page.locator("#code").fill(pyotp.TOTP(secret).at(clock()))
    page.locator("form:has(#code) button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hoi")


def test_a_youth_adds_a_passkey_and_uses_it_as_second_step(
    browser: Browser, base_url: str, app
) -> None:
    # A passkey belongs to a host name; Chromium takes none for an IP address.
    site = base_url.replace("127.0.0.1", "localhost")
    api_register(app.test_client(), "sanne@example.nl")
    page = browser.new_context(viewport=VIEWPORTS["phone"]).new_page()
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    password_step(page, site, "sanne@example.nl")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hoi")
    page.goto(site + "/account/second-step")
    check(page, "second-step-youth")
    page.locator("#passkey-name").fill("Mijn telefoon")
    page.locator("[data-passkey=add]").click()
    expect(page.locator(".factor h3")).to_contain_text("Mijn telefoon")
    page.context.clear_cookies()
    password_step(page, site, "sanne@example.nl")
    expect(page).to_have_url(site + "/login/code")
    expect(page.locator("#code")).to_have_count(0)  # she has a passkey only
    check(page, "second-step-passkey")
    page.locator("[data-passkey=login]").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hoi")


def test_an_admin_sets_up_a_passkey_before_anything_else(
    browser: Browser, base_url: str, ctx, strict
) -> None:
    site = base_url.replace("127.0.0.1", "localhost")  # a passkey needs a host name
    accounts.create_staff(ctx, accounts.NewAccount("admin@example.nl", PASSWORD, "Admin", "admin"))
    page = browser.new_context(viewport=VIEWPORTS["phone"]).new_page()
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    password_step(page, site, "admin@example.nl")
    expect(page).to_have_url(site + "/account/second-step")
    page.goto(site + "/admin/professionals")
    expect(page).to_have_url(site + "/account/second-step")  # nothing else first
    page.locator("#passkey-name").fill("Sleutel van het werk")
    page.locator("[data-passkey=add]").click()
    expect(page.locator(".factor h3")).to_contain_text("Sleutel van het werk")
    page.goto(site + "/admin/professionals")
    expect(page).to_have_url(site + "/admin/professionals")
    page.context.clear_cookies()
    password_step(page, site, "admin@example.nl")
    expect(page).to_have_url(site + "/login/code")
    page.locator("[data-passkey=login]").click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(site + "/admin/professionals")
    expect(page).to_have_url(site + "/admin/professionals")
