"""A youth of 14 starts on her own, in a real Chromium, on a phone and on a desktop.

Sanne registers, makes her dossier with no guardian in it, and shares Care with Anne, a care
worker. Before sharing she reads who must agree and why; after it the page says nobody can say
yes as her parent yet, and she asks her mother Ilse by e-mail to approve only. Ilse opens the link,
makes an account (or logs in: the code survives both), sees who, which parts, how long and the
message, and says yes (or, in another run, no) without being able to open the dossier. After a
yes Anne reads; after a no she does not. axe-core finds no violation on any of these pages.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from dossier.services import accounts
from dossier.services.mail import Mail
from tests.conftest import PASSWORD, login_actor
from tests.e2e.test_journeys import AXE, VIEWPORTS, check, log_in

pytestmark = pytest.mark.browser
LINK = re.compile(r"(http://\S+/join\?code=\S+)")


@pytest.fixture
def outbox(monkeypatch: pytest.MonkeyPatch) -> list[Mail]:
    sent: list[Mail] = []
    monkeypatch.setattr("dossier.services.context.send", lambda _url, mail: sent.append(mail))
    return sent


def clean(page: Page, name: str) -> None:
    """Not a single axe-core violation, of any impact; then the house checks and a screenshot."""
    violations = [f"{v['id']} ({v['impact']})" for v in AXE.run(page).response["violations"]]
    assert violations == [], f"{name}: {violations}"
    check(page, name)


def people(ctx) -> None:
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
    accounts.verify_professional(
        ctx, login_actor(ctx, "admin@example.nl"), login_actor(ctx, "anne@example.nl").user_id
    )


@pytest.mark.parametrize(
    ("device", "answer"), [("phone", "yes"), ("desktop", "yes"), ("phone", "no")]
)
def test_a_youth_of_14_asks_her_mother_to_approve_only(
    browser: Browser, base_url: str, ctx, outbox: list[Mail], device: str, answer: str
) -> None:
    viewport = VIEWPORTS[device]
    name = f"{device}-approver-{answer}"
    people(ctx)
    if answer == "no":  # this time Ilse has an account already and logs in
        accounts.register(ctx, accounts.NewAccount("ilse@example.nl", PASSWORD, "Ilse", "parent"))

    # Sanne registers, at 14, and makes her own dossier: no guardian in it.
    youth = browser.new_context(viewport=viewport).new_page()
    youth.goto(base_url + "/register/youth")
    youth.get_by_label("Je naam").fill("Sanne")
    youth.get_by_label("E-mailadres").fill("sanne@example.nl")
    born = date.today().replace(year=date.today().year - 14) - timedelta(days=20)
    youth.get_by_label("Geboortedatum").fill(born.isoformat())
    youth.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    youth.get_by_label("Wachtwoord nog een keer").fill(PASSWORD)
    youth.get_by_role("button", name="Account maken").click()
    youth.get_by_label("Ik heb mijn herstelcode bewaard").check()
    youth.get_by_role("button", name="Verder").click()
    youth.get_by_role("link", name="Mijn dossier maken").click()
    youth.get_by_role("button", name="Dossier maken").click()
    dossier_url = youth.url.split("?")[0]
    youth.get_by_role("link", name="Bericht schrijven").first.click()
    youth.get_by_label("Onderdeel").select_option(label="Hulp")
    youth.get_by_label("Titel").fill("Mijn plan")
    youth.get_by_label("Tekst").fill("Elke week een gesprek met Anne.")
    youth.get_by_role("button", name="Opslaan").click()
    expect(youth.get_by_text("Je bericht is opgeslagen.")).to_be_visible()

    # Before sharing she reads who must agree, and why.
    youth.goto(dossier_url + "/share")
    expect(youth.locator("#who-agrees")).to_contain_text("Je bent 14")
    expect(youth.locator("#who-agrees")).to_contain_text("ouder of voogd")
    youth.get_by_label("E-mailadres van de persoon").fill("anne@example.nl")
    youth.get_by_label("Hulp", exact=True).check()
    youth.get_by_label("Tot en met").fill((date.today() + timedelta(days=60)).isoformat())
    youth.get_by_label("Persoonlijke boodschap").fill("Anne helpt mij met school.")
    clean(youth, f"{name}-share")
    youth.get_by_role("button", name="Delen").click()
    expect(youth.get_by_text("Niemand kan al ja zeggen als je ouder of voogd")).to_be_visible()
    clean(youth, f"{name}-waiting")

    youth.get_by_role("link", name="Vraag een ouder of voogd").first.click()
    youth.get_by_label("E-mailadres van je ouder of voogd").fill("ilse@example.nl")
    clean(youth, f"{name}-ask")
    youth.get_by_role("button", name="Vraag versturen").click()
    expect(youth.get_by_text("We hebben een e-mail gestuurd naar ilse@example.nl")).to_be_visible()
    clean(youth, f"{name}-asked")

    [mail] = [m for m in outbox if m.to == "ilse@example.nl" and "Sanne" in m.subject]
    found = LINK.search(mail.body)
    assert found, mail.body

    # Ilse follows the link: the code survives making an account or logging in.
    mother = browser.new_context(viewport=viewport).new_page()
    mother.goto(found.group(1))
    expect(mother.get_by_role("heading", level=1)).to_have_text("Je bent uitgenodigd")
    invitation = mother.locator("#invitation")
    expect(invitation).to_contain_text("Sanne nodigt je uit")
    expect(invitation).to_contain_text("ja of nee")
    expect(invitation).not_to_contain_text("Mijn plan")
    clean(mother, f"{name}-invited")
    main = mother.locator("main")
    if answer == "no":
        main.get_by_role("link", name="Inloggen").click()
        expect(mother.get_by_role("heading", level=1)).to_have_text("Inloggen")
        mother.get_by_label("E-mailadres").fill("ilse@example.nl")
        mother.get_by_label("Wachtwoord").fill(PASSWORD)
        mother.get_by_role("button", name="Inloggen").click()
    else:
        main.get_by_role("link", name="Account maken").click()
        mother.get_by_role("link", name="Ik ben ouder of voogd").click()
        mother.get_by_label("Je naam").fill("Ilse")
        mother.get_by_label("E-mailadres").fill("ilse@example.nl")
        mother.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
        mother.get_by_label("Wachtwoord nog een keer").fill(PASSWORD)
        mother.get_by_role("button", name="Account maken").click()
        mother.get_by_label("Ik heb mijn herstelcode bewaard").check()
        mother.get_by_role("button", name="Verder").click()
    expect(mother.get_by_label("Uitnodigingscode")).not_to_have_value("")
    mother.get_by_role("button", name="Meedoen").click()
    expect(mother.get_by_role("heading", level=1)).to_have_text("Delen dat wacht op jouw ja")
    request = mother.locator(".request")
    for shown in ("Anne", "Jeugdteam Zuid", "Hulp", "lezen", "tot", "Anne helpt mij met school."):
        expect(request).to_contain_text(shown)
    expect(request).not_to_contain_text("Mijn plan")
    clean(mother, f"{name}-requests")

    mother.goto(dossier_url)  # she approves; she does not read
    expect(mother.get_by_role("heading", level=1)).to_have_text("Dit is niet gevonden.")
    mother.goto(base_url + "/start")
    mother.get_by_role("link", name="Bekijk en beslis").click()

    if answer == "yes":
        mother.get_by_role("button", name="Ja, ik ga akkoord").click()
        expect(mother.get_by_text("Anne mag nu meekijken.")).to_be_visible()
        clean(mother, f"{name}-decided")
        anne = log_in(browser, base_url, viewport, "anne@example.nl")
        anne.get_by_role("link", name="Dossier van Sanne").click()
        anne.get_by_role("link", name="Mijn plan").click()
        expect(anne.get_by_text("Elke week een gesprek met Anne.")).to_be_visible()
        clean(anne, f"{name}-care-worker-reads")
    else:
        mother.get_by_role("button", name="Nee").click()
        expect(mother.get_by_text("Je zei nee. Anne mag niet meekijken.")).to_be_visible()
        clean(mother, f"{name}-decided")
        anne = log_in(browser, base_url, viewport, "anne@example.nl")
        anne.goto(dossier_url)
        expect(anne.get_by_role("heading", level=1)).to_have_text("Dit is niet gevonden.")
    youth.goto(dossier_url + "/access")
    expect(youth.get_by_text("Ilse").first).to_be_visible()
    clean(youth, f"{name}-who-may-look")
    for page in (youth, mother, anne):
        page.context.close()
