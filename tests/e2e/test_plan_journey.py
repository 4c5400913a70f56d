"""The family's plan, made together in a real Chromium on phones (360 px): Sanne (14), her
mother Marieke and Anne, the care worker; at the end Anne looks at it on a desktop too.

Anne proposes a plan; Sanne does not stand behind one goal and says why; her mother does; Anne
changes the goal; all three stand behind version 2, which becomes the plan. Sanne ticks off her
own action in one tap; Anne's action runs late, reads so, and the worker's tick tells her on her
start page; at the evaluation they write what was reached; Marieke downloads the plan as a PDF
and as FHIR, which validates. Every page passes the house checks (axe-core, no sideways
scrolling, touch targets).
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from playwright.sync_api import Browser, Page, expect

from dossier.services import jobs
from tests.e2e.conftest import shot
from tests.e2e.test_journeys import VIEWPORTS, check, log_in
from tests.support import CARE_WORKER, GUARDIAN, YOUTH, youth_world

pytestmark = pytest.mark.browser


def _plan(page: Page, base_url: str, dossier: str) -> None:
    page.goto(f"{base_url}/dossiers/{dossier}/plan")


def _mark(page: Page, number: int, agrees: bool, reason: str = "") -> None:
    version = page.locator(f"#version-{number}")
    version.get_by_label("Ja, ik sta achter dit plan" if agrees else "Nee, nog niet").check()
    if reason:
        version.get_by_label("Waarom niet? Wat moet er veranderen?").fill(reason)
    version.get_by_role("button", name="Mijn antwoord sturen").click()
    expect(page.get_by_role("status").first).to_be_visible()


def test_three_people_make_a_plan_together(browser: Browser, base_url: str, keyed, clock) -> None:
    ctx = keyed  # the worker checkpoints the log, which needs the audit key
    world = youth_world(ctx, age=14)
    world.staff()
    world.care_worker()
    world.share(CARE_WORKER, "contribute")
    dossier = str(world.dossier.id)
    phone, desktop = VIEWPORTS["phone"], VIEWPORTS["desktop"]

    # Sanne finds the plan from her dossier: there is none yet.
    sanne = log_in(browser, base_url, phone, YOUTH)
    sanne.goto(f"{base_url}/dossiers/{dossier}")
    sanne.get_by_role("link", name="Ons plan").click()
    expect(sanne.get_by_text("Er is nog geen plan.")).to_be_visible()
    check(sanne, "phone-plan-empty")

    # Anne proposes a plan on her phone, with an action for Sanne and one for herself.
    anne = log_in(browser, base_url, phone, CARE_WORKER)
    anne.goto(f"{base_url}/dossiers/{dossier}/plan/new")
    anne.fill('[name="strengths"]', "Sanne tekent heel goed. Oma Els helpt graag.")
    anne.fill('[name="network-0-name"]', "Oma Els")
    anne.fill('[name="network-0-how"]', "Haalt Sanne op woensdag op")
    anne.fill('[name="goals-0-text"]', "Elke dag naar school")
    anne.fill('[name="goals-0-actions-0-what"]', "Samen ontbijten voor school")
    anne.select_option('[name="goals-0-actions-0-who_id"]', label="Sanne")
    today = ctx.now().date()
    anne.fill('[name="goals-0-actions-0-by"]', (today + timedelta(days=5)).isoformat())
    anne.get_by_role("button", name="Meer regels").click()  # a second action, no script needed
    anne.fill('[name="goals-0-actions-1-what"]', "School bellen over het rooster")
    anne.select_option('[name="goals-0-actions-1-who_id"]', label="Anne")
    anne.fill('[name="goals-0-actions-1-by"]', (today + timedelta(days=2)).isoformat())
    check(anne, "phone-plan-write")
    anne.get_by_role("button", name="Bewaren als voorstel").click()
    expect(anne.get_by_text("Versie 1 van het plan is bewaard.")).to_be_visible()

    # Sanne reads it on her phone and says why she does not stand behind it yet.
    _plan(sanne, base_url, dossier)
    expect(sanne.locator("#version-1")).to_contain_text("Elke dag naar school")
    expect(sanne.locator("#version-1")).to_contain_text(
        "Het wacht nog op een ja van de jongere en een ouder of voogd."
    )
    check(sanne, "phone-plan-proposal")
    _mark(sanne, 1, False, "Elke dag is te veel. Drie dagen lukt wel.")

    marieke = log_in(browser, base_url, phone, GUARDIAN)
    _plan(marieke, base_url, dossier)
    expect(marieke.locator("#version-1")).to_contain_text("Drie dagen lukt wel.")
    _mark(marieke, 1, True)
    expect(marieke.locator("#version-1")).to_contain_text(
        "Nog niet iedereen staat achter dit plan."
    )
    check(marieke, "phone-plan-marks")

    # Anne changes the goal; version 2 keeps the actions.
    _plan(anne, base_url, dossier)
    anne.locator("#version-1").get_by_role("link", name="Dit plan veranderen").click()
    anne.fill('[name="goals-0-text"]', "Drie dagen per week naar school")
    anne.get_by_role("button", name="Bewaren als voorstel").click()
    expect(anne.get_by_text("Versie 2 van het plan is bewaard.")).to_be_visible()
    _mark(anne, 2, True)
    _plan(sanne, base_url, dossier)
    _mark(sanne, 2, True)
    _plan(marieke, base_url, dossier)
    _mark(marieke, 2, True)
    expect(marieke.locator("#version-2").get_by_role("heading", name="Het plan nu")).to_be_visible()
    expect(
        marieke.get_by_text("Iedereen die ja moet zeggen, staat achter dit plan.")
    ).to_be_visible()

    # Sanne ticks off her own action in one tap; three days on, Anne's call is late.
    _plan(sanne, base_url, dossier)
    mine = sanne.locator(".plan-action", has_text="Samen ontbijten voor school")
    expect(mine.locator(".you")).to_have_text("jij")
    mine.get_by_role("button", name="Gedaan!").click()
    expect(sanne.locator(".plan-action.done", has_text="Samen ontbijten")).to_be_visible()
    clock.advance(days=3)  # sessions end when idle that long: everyone logs in again
    sanne = log_in(browser, base_url, phone, YOUTH)
    anne = log_in(browser, base_url, phone, CARE_WORKER)
    _plan(sanne, base_url, dossier)
    expect(sanne.locator(".plan-action.overdue", has_text="School bellen")).to_contain_text(
        "te laat"
    )
    check(sanne, "phone-plan-agreed")
    shot(sanne, "phone-plan-agreed-full")
    jobs.tick(ctx)  # the worker: Anne hears that her action is late
    anne.goto(f"{base_url}/start")
    expect(anne.get_by_text("Je stap in het plan moest klaar zijn op")).to_be_visible()

    # At the evaluation Anne writes down what was reached.
    _plan(anne, base_url, dossier)
    anne.get_by_role("link", name="Terugkijken").click()
    anne.get_by_label("Een deel").check()
    anne.get_by_label("In je eigen woorden").fill("Twee of drie dagen lukt bijna altijd.")
    check(anne, "phone-plan-evaluate")
    anne.get_by_role("button", name="Bewaren").click()
    expect(
        anne.get_by_text("Een deel gelukt: Twee of drie dagen lukt bijna altijd.")
    ).to_be_visible()

    # Marieke takes the plan to a meeting on paper, and to another organisation's system.
    marieke = log_in(browser, base_url, phone, GUARDIAN)
    _plan(marieke, base_url, dossier)
    with marieke.expect_download() as printed:
        marieke.get_by_role("link", name="Print als PDF").click()
    assert Path(printed.value.path()).read_bytes()[:5] == b"%PDF-"
    marieke.get_by_text("Voor een zorgorganisatie").click()
    with marieke.expect_download() as exported:
        marieke.get_by_role("link", name="FHIR").click()
    bundle = Bundle.model_validate(json.loads(Path(exported.value.path()).read_bytes()))
    kinds = [entry.resource and entry.resource.__resource_type__ for entry in bundle.entry or ()]
    assert kinds == ["CarePlan", "Goal"]

    # The history keeps version 1 with its marks.
    _plan(sanne, base_url, dossier)
    sanne.get_by_text("Eerdere versies").click()
    sanne.get_by_role("link", name="Versie 1").click()
    expect(sanne.locator("#version-1")).to_contain_text("Elke dag is te veel.")
    check(sanne, "phone-plan-version-1")

    # On a desktop the same plan reads as a card in a wider page.
    wide = log_in(browser, base_url, desktop, CARE_WORKER)
    _plan(wide, base_url, dossier)
    expect(wide.locator("#version-2")).to_contain_text("Drie dagen per week naar school")
    check(wide, "desktop-plan")
