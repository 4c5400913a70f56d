"""A trusted helper, in a real Chromium on a phone: Sanne (16) chooses her mentor Ilse as helper
for Care until a date; Ilse drafts a view on Anne's report; Sanne changes a word and sends it as
her own. Every page passes the house checks (axe-core, no sideways scrolling, touch targets)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import login_actor
from tests.e2e.test_journeys import VIEWPORTS, check, log_in
from tests.support import CARE_WORKER, YOUTH, person, youth_world

pytestmark = pytest.mark.browser
HELPER = "ilse@example.nl"


def test_a_helper_drafts_a_view_that_sanne_sends_as_her_own(
    browser: Browser, base_url: str, ctx
) -> None:
    phone = VIEWPORTS["phone"]
    world = youth_world(ctx, age=16)
    world.staff()
    world.care_worker()
    world.share(CARE_WORKER, "contribute", ("care",))
    person(ctx, HELPER, "parent", "Ilse")
    report = world.write(
        login_actor(ctx, CARE_WORKER), "care", "Verslag", "Sanne wil niet naar school."
    )
    dossier = f"{base_url}/dossiers/{world.dossier.id}"

    sanne = log_in(browser, base_url, phone, YOUTH)
    sanne.goto(f"{dossier}/share")
    sanne.get_by_label("E-mailadres van de persoon").fill(HELPER)
    sanne.get_by_role("checkbox", name="Hulp").check()
    sanne.get_by_label("Helper", exact=False).check()
    until = ctx.now().date() + timedelta(days=60)
    sanne.get_by_label("Tot en met").fill(until.isoformat())
    check(sanne, "phone-share-helper")
    sanne.get_by_role("button", name="Delen").click()
    sanne.goto(f"{dossier}/access")
    expect(sanne.get_by_text("leest mee en schrijft voorstellen voor jou")).to_be_visible()

    ilse = log_in(browser, base_url, phone, HELPER)
    ilse.goto(f"{dossier}/entries/{report}")
    ilse.get_by_text("Een voorstel schrijven").click()
    ilse.get_by_label("Je voorstel").fill("Ik wil wel naar school, maar ik ben vaak moe.")
    check(ilse, "phone-helper-drafts")
    ilse.get_by_role("button", name="Voorstel bewaren").click()
    expect(ilse.locator(".draft").get_by_text("wacht op de eigenaren")).to_be_visible()

    sanne.goto(f"{dossier}/entries/{report}")
    expect(sanne.get_by_text("Voorstellen van je helper")).to_be_visible()
    words = sanne.get_by_label("In je eigen woorden")
    expect(words).to_have_value("Ik wil wel naar school, maar ik ben vaak moe.")
    words.fill("Ik wil wel naar school, maar ik ben vaak erg moe.")
    check(sanne, "phone-helper-suggestion")
    sanne.get_by_role("button", name="Versturen als mijn kant").click()
    expect(sanne.get_by_text("Ik wil wel naar school, maar ik ben vaak erg moe.")).to_be_visible()
    expect(sanne.get_by_text("Voorstellen van je helper")).to_have_count(0)
