"""When others need in, in a real Chromium on phones: Anne, a care worker, asks with the code
Sanne's mother gives her and both owners say yes; at night Cris, a crisis worker, asks for
emergency access to Health with the same code, two officers say yes with their passwords, she
reads Health, Sanne sees at once who looks and why in red words, and the auditor writes a
verdict. Every page passes the house checks (axe-core, no sideways scrolling, touch targets)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from dossier.services import accounts, emergency
from tests.conftest import PASSWORD, login_actor
from tests.e2e.test_journeys import VIEWPORTS, check, log_in
from tests.support import CARE_WORKER, GUARDIAN, YOUTH, person, youth_world

pytestmark = pytest.mark.browser
ADMIN, AUDITOR = "admin@example.nl", "auditor@example.nl"
LEAD, CRISIS = "lead@example.nl", "crisis@example.nl"


def _professional(ctx, email: str, name: str) -> None:
    person(
        ctx, email, "professional", name, organisation="Crisisdienst", registration_number="123456"
    )
    accounts.verify_professional(ctx, login_actor(ctx, ADMIN), login_actor(ctx, email).user_id)


def test_asked_then_opened_in_an_emergency_in_plain_sight(
    browser: Browser, base_url: str, keyed, ctx
) -> None:
    phone = VIEWPORTS["phone"]
    for email, name, role in ((ADMIN, "Admin", "admin"), (AUDITOR, "Pieter", "auditor")):
        accounts.create_staff(ctx, accounts.NewAccount(email, PASSWORD, name, role))
    _professional(ctx, LEAD, "Lea")
    emergency.create_key(keyed, [ADMIN, AUDITOR, LEAD], threshold=2)  # before the dossier
    world = youth_world(ctx)
    _professional(ctx, CARE_WORKER, "Anne")
    _professional(ctx, CRISIS, "Cris")
    dossier = str(world.dossier.id)
    world.write(world.youth, "health", "Medicijnen", "Elke avond 10 mg")

    # Marieke makes the request code on "Wie mag meekijken?".
    marieke = log_in(browser, base_url, phone, GUARDIAN)
    marieke.goto(f"{base_url}/dossiers/{dossier}/access")
    marieke.get_by_role("button", name="Een code maken").click()
    code = marieke.locator(".request-code code").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}", code)
    check(marieke, "phone-request-code")

    # Anne asks for School with it.
    anne = log_in(browser, base_url, phone, CARE_WORKER)
    anne.goto(f"{base_url}/ask")
    anne.get_by_label("Code om te vragen").fill(code)
    anne.get_by_label("School").check()
    anne.get_by_label("Waarom vraag je het?").fill(
        "Ik ben haar mentor en wil het rooster afstemmen."
    )
    check(anne, "phone-ask")
    anne.get_by_role("button", name="De vraag sturen").click()
    expect(anne.get_by_text("nog geen antwoord")).to_be_visible()

    # Both owners say yes (at 14 both are needed).
    marieke.goto(f"{base_url}/dossiers/{dossier}/access")
    expect(marieke.get_by_text("Ik ben haar mentor en wil het rooster afstemmen.")).to_be_visible()
    check(marieke, "phone-request-waiting")
    marieke.get_by_role("button", name="Ja, delen").click()
    sanne = log_in(browser, base_url, phone, YOUTH)
    sanne.goto(f"{base_url}/dossiers/{dossier}/access")
    sanne.get_by_role("button", name="Ja zeggen").first.click()
    anne.goto(f"{base_url}/ask/sent")
    expect(anne.get_by_text("de eigenaren zeiden ja")).to_be_visible()

    # At night Cris asks for Health in an emergency, with the same code.
    cris = log_in(browser, base_url, phone, CRISIS)
    cris.goto(f"{base_url}/emergency/new")
    cris.locator('[name="dossier_id"]').fill(code)
    cris.get_by_label("Gezondheid").check()
    cris.locator('[name="reason"]').fill("Sanne is in crisis. Ik moet haar medicijnen weten.")
    check(cris, "phone-emergency-new")
    cris.get_by_role("button", name="Vraag versturen").click()
    expect(cris.get_by_role("status").first).to_be_visible()

    # Two officers say yes, each with their own password.
    for officer in (ADMIN, LEAD):
        page = log_in(browser, base_url, phone, officer)
        page.goto(f"{base_url}/emergency/approvals")
        page.get_by_label("Je wachtwoord").first.fill(PASSWORD)
        page.get_by_role("button", name="Ja, open het").first.click()
    cris.goto(f"{base_url}/dossiers/{dossier}")
    expect(cris.get_by_text("Medicijnen")).to_be_visible()

    # Sanne sees it at once: who, why, in red words.
    sanne.goto(f"{base_url}/start")
    sanne.goto(f"{base_url}/dossiers/{dossier}/access")
    red = sanne.get_by_text("Toegang in een noodgeval").first
    expect(red).to_be_visible()
    expect(sanne.get_by_text("Ik moet haar medicijnen weten.").first).to_be_visible()
    check(sanne, "phone-emergency-seen")

    # The auditor closes it with a verdict.
    pieter = log_in(browser, base_url, phone, AUDITOR)
    pieter.goto(f"{base_url}/audit/emergencies")
    pieter.get_by_label("Je oordeel").first.fill("Echte nood, juist gebruikt.")
    pieter.get_by_role("button", name="Oordeel bewaren").first.click()
    expect(pieter.get_by_text("Echte nood, juist gebruikt.")).to_be_visible()
    check(pieter, "phone-emergency-verdict")


def test_by_law_and_a_part_kept_back_in_plain_sight(
    browser: Browser, base_url: str, keyed, ctx
) -> None:
    """Lea, an emergency officer, records access by law for Gea with the code on the court's
    order and Admin says yes; Sanne sees it with its reference. Anne keeps a part of her report
    from Sanne's father, who sees that it exists and objects; the auditor answers."""
    from datetime import timedelta

    from dossier.days import LOCAL
    from dossier.services import access_requests

    phone = VIEWPORTS["phone"]
    for email, name, role in ((ADMIN, "Admin", "admin"), (AUDITOR, "Pieter", "auditor")):
        accounts.create_staff(ctx, accounts.NewAccount(email, PASSWORD, name, role))
    _professional(ctx, LEAD, "Lea")
    emergency.create_key(keyed, [ADMIN, AUDITOR, LEAD], threshold=2)
    world = youth_world(ctx)
    _professional(ctx, CARE_WORKER, "Anne")
    _professional(ctx, "gea@example.nl", "Gea")
    person(ctx, "marco@example.nl", "parent", "Marco")
    world.share(CARE_WORKER, "contribute", ("care",))
    world.share("marco@example.nl", "read", ("care",))
    dossier = str(world.dossier.id)
    code = access_requests.new_request_code(ctx, world.guardian, world.dossier.id)
    report = world.write(login_actor(ctx, CARE_WORKER), "care", "Huisbezoek", "Sanne slaapt beter.")

    lea = log_in(browser, base_url, phone, LEAD)
    lea.goto(f"{base_url}/legal/new")
    lea.get_by_label("De code van het dossier").fill(code)
    lea.get_by_label("E-mailadres van de hulpverlener die toegang krijgt").fill("gea@example.nl")
    lea.get_by_role("checkbox", name="Hulp").check()
    until = ctx.now().astimezone(LOCAL).date() + timedelta(days=180)
    lea.get_by_label("Tot en met").fill(until.isoformat())
    lea.get_by_label("Grond in de wet").select_option("child_protection")
    lea.get_by_label("Kenmerk van de beslissing of melding").fill("C/16/512345 / JE RK 26-101")
    lea.get_by_label("Je wachtwoord").fill(PASSWORD)
    check(lea, "phone-legal-new")
    lea.get_by_role("button", name="Vastleggen").click()
    expect(lea.get_by_text("Er wacht niets op jouw ja.")).to_be_visible()

    admin = log_in(browser, base_url, phone, ADMIN)
    admin.goto(f"{base_url}/legal")
    expect(admin.get_by_text("C/16/512345 / JE RK 26-101")).to_be_visible()
    # The day Lea chose, as she chose it: through that day, not "until midnight" after it.
    access = admin.get_by_text("Krijgt toegang tot")
    expect(access).to_contain_text(f"tot en met {until.day} ")
    expect(access).not_to_contain_text("00:00")
    check(admin, "phone-legal-waiting")
    admin.get_by_label("Je wachtwoord").first.fill(PASSWORD)
    admin.get_by_role("button", name="Ja, open het").first.click()
    expect(admin.get_by_text("de toegang is open", exact=False)).to_be_visible()

    sanne = log_in(browser, base_url, phone, YOUTH)
    sanne.goto(f"{base_url}/dossiers/{dossier}/access")
    expect(sanne.get_by_text("C/16/512345 / JE RK 26-101", exact=False).first).to_be_visible()
    check(sanne, "phone-legal-seen")

    anne = log_in(browser, base_url, phone, CARE_WORKER)
    anne.goto(f"{base_url}/dossiers/{dossier}/entries/{report}")
    anne.get_by_role("link", name="Een deel achterhouden").click()
    anne.get_by_label("Het deel dat je achterhoudt").fill("Moeder woont nu in Zeist.")
    anne.get_by_label("Wie beschermt het, en waarom?").fill("Dit beschermt de moeder.")
    anne.get_by_label("Marco").check()
    check(anne, "phone-withhold")
    anne.get_by_role("button", name="Achterhouden", exact=True).click()
    expect(anne.get_by_text("Moeder woont nu in Zeist.")).to_be_visible()

    marco = log_in(browser, base_url, phone, "marco@example.nl")
    marco.goto(f"{base_url}/dossiers/{dossier}/entries/{report}")
    expect(marco.get_by_text("Er is een deel voor je achtergehouden")).to_be_visible()
    expect(marco.get_by_text("Zeist")).to_have_count(0)
    marco.get_by_text("Ik ben het er niet mee eens").click()
    marco.get_by_label("Waarom maak je bezwaar?").fill("Ik ben haar vader.")
    check(marco, "phone-kept-from-me")
    marco.get_by_role("button", name="Mijn bezwaar sturen").click()
    expect(
        marco.get_by_text("Je maakte bezwaar. Een controleur geeft je antwoord.")
    ).to_be_visible()

    pieter = log_in(browser, base_url, phone, AUDITOR)
    pieter.goto(f"{base_url}/audit/passages")
    pieter.get_by_label("Je antwoord").first.fill("Terecht achtergehouden.")
    pieter.get_by_role("button", name="Antwoord bewaren").first.click()
    expect(pieter.get_by_text("Terecht achtergehouden.")).to_be_visible()
    check(pieter, "phone-objection-answered")
