"""Her own account in a real Chromium, on a phone and on a desktop, axe-core on every page.

Sanne changes her name, then her e-mail address (she opens the link from the mail), switches to
English and finds it kept when she logs in again, in this browser and in another; she sees her two
sessions and ends the other one, which is then logged out. Then a test account that owns nothing
is removed, after the page said what happens.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from dossier.services import accounts
from dossier.services.mail import Mail
from tests.conftest import PASSWORD
from tests.e2e.test_journeys import VIEWPORTS, check

pytestmark = pytest.mark.browser
PHONE_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)


@pytest.fixture
def outbox(monkeypatch: pytest.MonkeyPatch) -> list[Mail]:
    """The mails the served app sends, caught where they would go to the mail server."""
    sent: list[Mail] = []
    monkeypatch.setattr("dossier.services.context.send", lambda _url, mail: sent.append(mail))
    return sent


def log_in(page: Page, base_url: str, email: str, button: str, greeting: str) -> None:
    page.goto(base_url + "/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name=button).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(greeting)


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_her_account(browser: Browser, base_url: str, ctx, outbox: list[Mail], device: str) -> None:
    viewport = VIEWPORTS[device]
    born = date.today().replace(year=date.today().year - 15) - timedelta(days=40)
    email, new_email = f"sanne-{device}@example.nl", f"sanne.nieuw-{device}@example.nl"
    accounts.register(ctx, accounts.NewAccount(email, PASSWORD, "Sanne", "youth", birth_date=born))
    here = browser.new_context(viewport=viewport).new_page()
    log_in(here, base_url, email, "Inloggen", "Hoi Sanne")
    here.get_by_role("link", name="Mijn account", exact=True).click()
    check(here, f"{device}-account")

    # Her name.
    here.get_by_role("link", name="Naam veranderen").click()
    check(here, f"{device}-account-name")
    here.get_by_label("Je naam").fill("Sanne de Vries")
    here.get_by_role("button", name="Opslaan").click()
    expect(here.get_by_text("Je naam is veranderd.")).to_be_visible()
    expect(here.locator(".facts")).to_contain_text("Sanne de Vries")

    # Her e-mail address: nothing changes until she opens the link sent to the new address.
    here.get_by_role("link", name="E-mailadres veranderen").click()
    here.get_by_label("Nieuw e-mailadres").fill(new_email)
    here.get_by_label("Je wachtwoord").fill(PASSWORD)
    check(here, f"{device}-account-email")
    here.get_by_role("button", name="Stuur de link").click()
    expect(here.get_by_text(f"We hebben een link gestuurd naar {new_email}")).to_be_visible()
    expect(here.locator(".facts")).to_contain_text(email)
    check(here, f"{device}-account-email-waiting")
    [mail] = [m for m in outbox if m.to == new_email]
    assert [m.to for m in outbox if "veranderen" in m.subject] == [email]  # the old one is told
    link = re.search(r"https?://\S+/account/email/confirm/\S+", mail.body)
    assert link, mail.body
    here.goto(link.group(0))
    expect(here.get_by_text(f"Wil je vanaf nu inloggen met {new_email}?")).to_be_visible()
    check(here, f"{device}-account-email-confirm")
    here.get_by_role("button", name="Ja, gebruik dit adres").click()
    expect(here.locator(".facts")).to_contain_text(new_email)

    # English, kept with her account: after logging in again, here and in another browser.
    here.get_by_role("button", name="Use English").click()
    expect(here.get_by_role("heading", level=1)).to_have_text("My account")
    check(here, f"{device}-account-english")
    here.get_by_role("button", name="Log out").click()
    log_in(here, base_url, new_email, "Log in", "Hello Sanne de Vries")
    other = browser.new_context(viewport=viewport, user_agent=PHONE_AGENT).new_page()
    log_in(other, base_url, new_email, "Inloggen", "Hello Sanne de Vries")

    # Her two sessions; she ends the other one, which is then logged out.
    here.get_by_role("link", name="My account", exact=True).click()
    here.get_by_role("link", name="See where you are logged in").click()
    sessions = here.locator("li.session")
    expect(sessions).to_have_count(2)
    expect(sessions.first).to_contain_text("this device")
    expect(sessions.nth(1)).to_contain_text("Chrome on Android")
    check(here, f"{device}-account-sessions")
    sessions.nth(1).get_by_role("button", name="Log out this device").click()
    expect(here.get_by_text("That device is logged out.")).to_be_visible()
    expect(here.locator("li.session")).to_have_count(1)
    check(here, f"{device}-account-sessions-ended")
    other.goto(base_url + "/start")
    expect(other.get_by_role("heading", level=1)).to_have_text("Log in")
    here.goto(base_url + "/start")
    expect(here.get_by_role("heading", level=1)).to_have_text("Hello Sanne de Vries")

    # A test account that owns nothing is removed, after the page said what happens.
    test_address = f"proef-{device}@example.nl"
    accounts.register(ctx, accounts.NewAccount(test_address, PASSWORD, "Proef", "parent"))
    trial = browser.new_context(viewport=viewport).new_page()
    log_in(trial, base_url, test_address, "Inloggen", "Hoi Proef")
    trial.get_by_role("link", name="Mijn account", exact=True).click()
    trial.get_by_role("link", name="Mijn account verwijderen").click()
    expect(trial.get_by_text("Dit kun je niet terugdraaien.")).to_be_visible()
    check(trial, f"{device}-account-remove")
    trial.get_by_label("Je wachtwoord").fill(PASSWORD)
    trial.get_by_role("button", name="Mijn account verwijderen").click()
    expect(trial.get_by_text("Je account is verwijderd.")).to_be_visible()
    check(trial, f"{device}-account-removed")
    trial.goto(base_url + "/login")
    trial.locator("#email").fill(test_address)
    trial.locator("#password").fill(PASSWORD)
    trial.get_by_role("button", name="Inloggen").click()
    expect(trial.get_by_role("heading", level=1)).to_have_text("Inloggen")
    expect(
        trial.get_by_text("Dit e-mailadres en wachtwoord horen niet bij een account")
    ).to_be_visible()

    # The way back in, said plainly: what a recovery code is for, and what if both are lost.
    trial.get_by_role("link", name="Wachtwoord vergeten?").click()
    expect(trial.get_by_role("heading", name="Wat is een herstelcode?")).to_be_visible()
    expect(trial.get_by_role("heading", name="Ook je herstelcode kwijt?")).to_be_visible()
    check(trial, f"{device}-forgot-password")
    for page in (here, other, trial):
        page.context.close()
