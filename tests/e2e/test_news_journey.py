"""News that reaches her, in a real Chromium, on a phone and on a desktop.

Since Sanne (14) was last here: Anne, her care worker, wrote a plan and her mother added her view
to it; her mother answered Sanne's request to correct a report, and said yes to sharing Care and
School with Anne, for six days; Anne looked in the dossier for the first time (the worker's tick
tells of that, and of the end a week ahead). Sanne logs in: the start page says each in one plain
Dutch line naming who, which dossier and which sections, newest first, and the header counts them
until she has seen them. Anne sees "Sanne deelde Hulp en School met je" once. axe-core finds
nothing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from dossier.services import entries, jobs, pages, sharing
from dossier.services.context import Context
from tests.conftest import login_actor
from tests.e2e.conftest import shot
from tests.e2e.test_journeys import AXE, VIEWPORTS, check, log_in
from tests.support import CARE_WORKER, YOUTH, youth_world

pytestmark = pytest.mark.browser


def clean(page: Page, name: str) -> None:
    """Not a single axe-core violation, of any impact; then the house checks and a screenshot."""
    violations = [f"{v['id']} ({v['impact']})" for v in AXE.run(page).response["violations"]]
    assert violations == [], f"{name}: {violations}"
    check(page, name)
    shot(page, name)


def what_happened(ctx: Context) -> None:
    world = youth_world(ctx)
    world.staff()
    anne = world.care_worker()
    # an older report of her mother's, which Sanne asked to correct before she left
    report = world.write(world.guardian, "care", "Verslag gesprek", "We spraken op maandag.")
    asked = entries.request_correction(
        ctx, world.youth, world.dossier.id, report, "Het was dinsdag."
    )
    pages.start_page(ctx, login_actor(ctx, YOUTH))  # she was here: what came before is seen
    shared = sharing.share(
        ctx,
        world.youth,
        world.dossier.id,
        grantee_email=CARE_WORKER,
        section_ids=[world.section("care"), world.section("school")],
        permission="contribute",
        expires_at=ctx.now() + timedelta(days=6),
    )
    sharing.approve(ctx, world.guardian, world.dossier.id, shared.grant_id)
    entries.answer_correction(
        ctx,
        world.guardian,
        world.dossier.id,
        report,
        asked.id,
        "corrected",
        "Aangepast",
        body="Dinsdag.",
    )
    plan = world.write(anne, "care", "Plan voor school", "Terug naar school.", "plan")
    entries.add_view(ctx, world.guardian, world.dossier.id, plan, "Goed plan.")
    pages.dossier_page(ctx, anne, world.dossier.id, entries.Filters())
    jobs.tick(ctx)  # the end within a week, and Anne's first look


LINES = [
    "Bij een bericht in Hulp staat nu de kant van Marieke.",
    "Anne schreef een nieuw plan in Hulp.",
    "Marieke gaf antwoord op je vraag om verbetering, in Hulp: het bericht is verbeterd.",
    "Marieke zei ja: Anne mag nu kijken in Hulp en School.",
    "Anne keek voor het eerst in het dossier.",
]


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_she_sees_what_happened_since_she_was_here(
    browser: Browser, base_url: str, keyed: Context, device: str
) -> None:
    viewport = VIEWPORTS[device]
    what_happened(keyed)

    youth = log_in(browser, base_url, viewport, YOUTH)
    news = youth.locator("#news")
    items = news.locator("li")
    count = items.count()
    unread = news.locator(".new-label").count()
    assert unread >= len(LINES) + 1  # and what she saw last time is no longer new
    expect(youth.locator(".site-header .count")).to_have_text(f"{unread} nieuwe meldingen")
    said = [items.nth(i).locator("p").first.inner_text() for i in range(count)]
    for line in LINES:
        assert sum(line in text for text in said) == 1, (line, said)
    assert any("mag nog tot en met" in text and "kijken in Hulp en School" in text for text in said)
    # newest first: the tick's news after what Anne and Marieke did
    assert said.index(next(t for t in said if LINES[0] in t)) < said.index(
        next(t for t in said if LINES[3] in t)
    )
    expect(news.get_by_text("Dossier van Sanne").first).to_be_visible()
    expect(news.locator(".new-label").first).to_have_text("Nieuw")
    # no title, no text of any entry
    for words in ("Plan voor school", "Verslag gesprek", "Goed plan", "dinsdag", "Aangepast"):
        expect(news).not_to_contain_text(words)
    clean(youth, f"{device}-news-start")

    # seen: the count is gone on the next page, and the lines are no longer new
    youth.get_by_role("link", name="Dossier van Sanne").first.click()
    expect(youth.locator(".site-header .count")).to_have_count(0)
    youth.goto(base_url + "/start")
    expect(youth.locator("#news .new-label")).to_have_count(0)

    # the account page leads to the e-mail choices
    youth.goto(base_url + "/account")
    youth.get_by_role("link", name="Kies e-mails").click()
    youth.get_by_label("Iemand keek voor het eerst").uncheck()
    youth.get_by_role("button", name="Opslaan").click()
    expect(youth.get_by_role("status")).to_contain_text("Opgeslagen")
    expect(youth.get_by_label("Iemand keek voor het eerst")).not_to_be_checked()
    clean(youth, f"{device}-news-mail-choices")

    anne = log_in(browser, base_url, viewport, CARE_WORKER)
    expect(anne.locator("#news")).to_contain_text("Sanne deelde Hulp en School met je.")
    assert anne.locator("#news").inner_text().count("Sanne deelde") == 1
    clean(anne, f"{device}-news-care-worker")
