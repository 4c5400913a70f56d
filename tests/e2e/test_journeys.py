"""The whole story in a real Chromium, on a phone and on a desktop, with axe-core on every page.

A youth of 14 registers, makes her dossier and writes in My story; she shares Care with a care
worker, her mother approves; the care worker reads and writes a report; the youth adds her view
next to it and stops the sharing; the care worker is refused; the auditor verifies the log; the
language switch works. Every page: no serious or critical axe violation, no horizontal scrolling,
touch targets of at least 44 px.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from dossier.services import accounts, dossiers, ownership
from tests.conftest import PASSWORD, login_actor
from tests.e2e.conftest import no_horizontal_scroll, shot

pytestmark = pytest.mark.browser
AXE = Axe()
VIEWPORTS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 900}}
TARGETS = "button, input:not([type=hidden]), select, textarea, .site-nav a, a.button"


def check(page: Page, name: str) -> None:
    """What every page must pass, wherever the journey goes."""
    results = AXE.run(page)
    serious = [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}x)"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
    assert serious == [], f"{name}: {serious}"
    no_horizontal_scroll(page)
    small = page.eval_on_selector_all(
        TARGETS,
        """els => els.filter(e => e.offsetParent !== null).map(e => {
               // A checkbox or radio is touched through its label as well.
               const label = e.id && (e.type === 'checkbox' || e.type === 'radio')
                   ? document.querySelector(`label[for="${e.id}"]`) : null;
               const height = Math.max(e.getBoundingClientRect().height,
                                       label ? label.getBoundingClientRect().height : 0);
               return [e.outerHTML.slice(0, 80), height];
           }).filter(([_, h]) => h < 44)""",
    )
    assert small == [], f"{name}: touch targets under 44px: {small}"
    shot(page, name)


def log_in(browser: Browser, base_url: str, viewport, email: str) -> Page:
    page = browser.new_context(viewport=viewport, accept_downloads=True).new_page()
    page.goto(base_url + "/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hoi")
    return page


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_the_whole_story(browser: Browser, base_url: str, ctx, device: str) -> None:
    viewport = VIEWPORTS[device]
    accounts.register(ctx, accounts.NewAccount("marieke@example.nl", PASSWORD, "Marieke", "parent"))
    accounts.register(
        ctx,
        accounts.NewAccount(
            "anne@example.nl",
            PASSWORD,
            "Anne",
            "professional",
            organisation="Jeugdteam Zuid",
            registration_number="SKJ 100012345",
        ),
    )
    accounts.create_staff(ctx, accounts.NewAccount("admin@example.nl", PASSWORD, "Admin", "admin"))
    accounts.create_staff(
        ctx, accounts.NewAccount("auditor@example.nl", PASSWORD, "Pieter", "auditor")
    )
    accounts.verify_professional(
        ctx, login_actor(ctx, "admin@example.nl"), login_actor(ctx, "anne@example.nl").user_id
    )

    # The youth registers, saves her code, makes her dossier and writes in My story.
    youth = browser.new_context(viewport=viewport, accept_downloads=True).new_page()
    youth.goto(base_url + "/")
    check(youth, f"{device}-journey-home")
    youth.get_by_role("link", name="Account maken").first.click()
    check(youth, f"{device}-journey-register-choice")
    youth.get_by_role("link", name="Ik ben jongere").click()
    youth.get_by_label("Je naam").fill("Sanne")
    youth.get_by_label("E-mailadres").fill("sanne@example.nl")
    born = date.today().replace(year=date.today().year - 14) - timedelta(days=20)
    youth.get_by_label("Geboortedatum").fill(born.isoformat())
    youth.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    youth.get_by_label("Wachtwoord nog een keer").fill(PASSWORD)
    check(youth, f"{device}-journey-register")
    youth.get_by_role("button", name="Account maken").click()
    check(youth, f"{device}-journey-recovery")
    youth.get_by_label("Ik heb mijn herstelcode bewaard").check()
    youth.get_by_role("button", name="Verder").click()
    check(youth, f"{device}-journey-start-empty")
    youth.get_by_role("link", name="Mijn dossier maken").click()
    check(youth, f"{device}-journey-new-dossier")
    youth.get_by_role("button", name="Dossier maken").click()
    check(youth, f"{device}-journey-dossier-empty")
    youth.get_by_role("link", name="Bericht schrijven").first.click()
    youth.get_by_label("Titel").fill("Over mij")
    youth.get_by_label("Tekst").fill("Ik hou van tekenen. Het gaat nu over **mij**.")
    check(youth, f"{device}-journey-write")
    youth.get_by_role("button", name="Opslaan").click()
    expect(youth.get_by_text("Je bericht is opgeslagen.")).to_be_visible()
    check(youth, f"{device}-journey-entry")
    dossier_url = re.sub(r"/entries/.*$", "", youth.url)

    # Her mother joins as co-owner (by code), then Sanne shares Care with Anne: pending.
    sanne = login_actor(ctx, "sanne@example.nl")
    [own] = dossiers.list_dossiers(ctx, sanne)
    ownership.join(
        ctx,
        login_actor(ctx, "marieke@example.nl"),
        ownership.invite_owner(ctx, sanne, own.id, "guardian").code,
    )
    youth.goto(dossier_url + "/share")
    check(youth, f"{device}-journey-share")
    youth.get_by_label("E-mailadres van de persoon").fill("anne@example.nl")
    youth.get_by_label("Hulp", exact=True).check()
    youth.get_by_label("Lezen en schrijven", exact=False).check()
    youth.get_by_role("button", name="Delen").click()
    expect(youth.get_by_text("Wacht op de ja van:")).to_be_visible()
    check(youth, f"{device}-journey-who-may-look")

    mother = log_in(browser, base_url, viewport, "marieke@example.nl")
    check(mother, f"{device}-journey-parent-start")
    mother.get_by_role("link", name="Bekijk en beslis").click()
    mother.get_by_role("button", name="Ja zeggen").click()
    expect(mother.get_by_text("Je zei ja. Het delen is begonnen.")).to_be_visible()

    # The care worker reads and writes a report.
    anne = log_in(browser, base_url, viewport, "anne@example.nl")
    check(anne, f"{device}-journey-care-worker-start")
    anne.get_by_role("link", name="Dossier van Sanne").click()
    check(anne, f"{device}-journey-care-worker-dossier")
    anne.get_by_role("link", name="Bericht schrijven").first.click()
    anne.get_by_label("Soort").select_option("report")
    anne.get_by_label("Titel").fill("Verslag gesprek")
    anne.get_by_label("Tekst").fill("Sanne vertelde over school.")
    anne.get_by_role("button", name="Opslaan").click()
    expect(anne.get_by_role("heading", name="Verslag gesprek")).to_be_visible()
    report_url = anne.url

    # Sanne adds her view next to it, then stops the sharing.
    youth.goto(report_url)
    youth.locator("summary", has_text="Mijn kant schrijven").click()  # the button opens its form
    youth.get_by_label("Mijn kant").fill("Ik vertelde ook dat het beter gaat.")
    youth.get_by_role("button", name="Mijn kant toevoegen").click()
    expect(youth.get_by_text("Jouw kant staat nu naast het bericht.")).to_be_visible()
    expect(youth.locator("article.entry .byline")).to_contain_text("Anne, hulpverlener")
    expect(youth.locator("aside.views")).to_contain_text("Mijn kant, jongere")
    check(youth, f"{device}-journey-view")
    youth.goto(dossier_url)
    expect(youth.get_by_text("1 kant van het verhaal")).to_be_visible()
    check(youth, f"{device}-journey-dossier")
    youth.goto(dossier_url + "/access")
    youth.get_by_role("link", name="Stoppen met delen").click()
    check(youth, f"{device}-journey-revoke-confirm")
    youth.get_by_role("button", name="Ja, stop met delen").click()
    expect(youth.get_by_text("kan niet meer meekijken")).to_be_visible()
    youth.goto(dossier_url + "/log")
    expect(youth.get_by_text("Anne").first).to_be_visible()
    expect(youth.get_by_role("listitem").filter(has_text="Anne").first).to_contain_text(
        "(hulpverlener bij Jeugdteam Zuid)"
    )
    check(youth, f"{device}-journey-who-looked")

    anne.goto(report_url)
    expect(anne.get_by_role("heading", level=1)).to_have_text("Dit is niet gevonden.")
    check(anne, f"{device}-journey-refused")

    # The auditor verifies the log.
    auditor = log_in(browser, base_url, viewport, "auditor@example.nl")
    auditor.get_by_role("link", name="Logboek openen").click()
    check(auditor, f"{device}-journey-audit-console")
    auditor.get_by_role("button", name="Controleer nu alle ketens").click()
    expect(auditor.get_by_text("Het logboek is in orde")).to_be_visible()

    # The language switch, remembered.
    youth.get_by_role("button", name="English").click()
    expect(youth.get_by_role("heading", level=1)).to_have_text("Who looked at my dossier?")
    youth.goto(base_url + "/start")
    expect(youth.get_by_role("heading", level=1)).to_have_text("Hello Sanne")
    check(youth, f"{device}-journey-start-english")
    for page in (youth, mother, anne, auditor):
        page.context.close()
