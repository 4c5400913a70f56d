"""Her dossier and her entries on a 360 px phone (and on a desktop), in a real Chromium.

Sanne (14) has four entries of her own and a report by Anne, her care worker, with a file. On her
phone the dossier shows her entries in the first screen, sections as tabs, the search folded
behind one button, and the things she does now and then on "Dossier beheren". An entry shows its
text first and its views beside or under it; its actions are buttons that open their form; once
she asks for a correction the page says it waits and offers no second one; Anne answers from the
text as it is. Anne's new entry starts in Care, never in Sanne's own story. An invitation link
says who invites to what, and keeps its code through registering and logging in. Dates have no
seconds, file sizes are round, and axe-core finds no violation on any of these pages.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from dossier.services import entries, ownership, sharing
from tests.conftest import PASSWORD
from tests.e2e.test_approver_journey import clean
from tests.e2e.test_journeys import VIEWPORTS, log_in
from tests.support import CARE_WORKER, YOUTH, World, person, youth_world

pytestmark = pytest.mark.browser
SECONDS = re.compile(r"\d{1,2}:\d{2}:\d{2}")
REPORT_BODY = "Sanne vertelde over school en thuis.\n\nWe spraken af elke week te praten."


def world_of_sanne(ctx, sections: tuple[str, ...] = ("care",)) -> tuple[World, dict[str, object]]:
    world = youth_world(ctx)
    world.staff()
    anne = world.care_worker()
    world.share(CARE_WORKER, sections=sections)
    for title, body in (
        ("Mijn eerste dag", "Vandaag begon ik op mijn nieuwe school."),
        ("Wat ik wil", "Ik wil zelf kiezen wie meekijkt."),
        ("Ruzie thuis", "Het was weer onrustig thuis."),
    ):
        world.write(world.youth, "my_story", title, body)
    world.write(world.youth, "school", "Mijn rooster", "Maandag wiskunde.")
    report = world.write(anne, "care", "Verslag gesprek", REPORT_BODY, "report")
    entries.add_view(ctx, world.youth, world.dossier.id, report, "Ik vond het een fijn gesprek.")
    entries.attach(ctx, anne, world.dossier.id, report, "plan.txt", b"x" * 340_000)
    return world, {"report": report, "anne": anne}


def no_seconds(page: Page) -> None:
    text = page.locator("main").inner_text()
    assert not SECONDS.search(text), SECONDS.search(text)


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_her_entries_come_first_on_the_dossier_page(
    browser: Browser, base_url: str, ctx, device: str
) -> None:
    world, _ = world_of_sanne(ctx)
    viewport = VIEWPORTS[device]
    page = log_in(browser, base_url, viewport, YOUTH)
    page.goto(f"{base_url}/dossiers/{world.dossier.id}")

    rows = page.locator(".entries .row")
    expect(rows).to_have_count(5)
    if device == "phone":  # at least three of her entries in the first screen, whole
        for index in range(3):
            box = rows.nth(index).bounding_box()
            assert box is not None and box["y"] + box["height"] <= viewport["height"], box
    no_seconds(page)

    # The search is folded behind one button until she taps it, and selects look like selects.
    search = page.get_by_label("Zoeken in dit dossier")
    expect(search).to_be_hidden()
    clean(page, f"dossier-after-{viewport['width']}")
    page.locator("#find summary").click()
    expect(search).to_be_visible()
    kind = page.get_by_label("Soort")
    chevron = kind.evaluate("e => getComputedStyle(e).backgroundImage")
    assert chevron.startswith('url("data:image/svg'), chevron
    assert kind.evaluate("e => getComputedStyle(e).appearance") == "none"
    clean(page, f"{device}-dossier-search-open")
    search.fill("rooster")
    page.get_by_role("button", name="Tonen").click()
    expect(rows).to_have_count(1)
    expect(page.locator("#find summary")).to_have_text("Zoeken (1 filter aan)")
    page.get_by_role("link", name="Alles tonen").click()
    expect(rows).to_have_count(5)

    # Sections are visible tabs.
    tabs = page.get_by_role("navigation", name="Onderdelen")
    for name in ("Alles", "Mijn verhaal", "Hulp", "Gezin", "School", "Gezondheid"):
        expect(tabs.get_by_role("link", name=name, exact=True)).to_be_visible()
    tabs.get_by_role("link", name="School", exact=True).click()
    expect(tabs.get_by_role("link", name="School", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Mijn rooster")
    tabs.get_by_role("link", name="Gezondheid", exact=True).click()
    expect(page.get_by_text("In dit onderdeel staat nog niets.")).to_be_visible()

    # Inviting, downloading and destroying are on "Dossier beheren", not on every visit.
    main = page.locator("main")
    for rare in ("Nodig nog een eigenaar uit", "Alles downloaden", "Dossier vernietigen"):
        expect(main.get_by_text(rare)).to_have_count(0)
    page.get_by_role("link", name="Dossier beheren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dossier beheren")
    for rare in ("Nodig nog een eigenaar uit", "Alles downloaden", "Dossier vernietigen"):
        expect(main.get_by_role("link", name=rare)).to_be_visible()
    clean(page, f"{device}-dossier-manage")
    page.get_by_role("link", name="Onderdelen veranderen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Onderdelen")
    page.context.close()


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_the_entry_text_comes_first_and_one_correction_at_a_time(
    browser: Browser, base_url: str, ctx, device: str
) -> None:
    world, made = world_of_sanne(ctx)
    viewport = VIEWPORTS[device]
    url = f"{base_url}/dossiers/{world.dossier.id}/entries/{made['report']}"
    page = log_in(browser, base_url, viewport, YOUTH)
    page.goto(url)

    text = page.locator("article.entry").bounding_box()
    views = page.locator("aside.views").bounding_box()
    assert text is not None and views is not None
    if device == "desktop":  # beside it
        assert views["x"] >= text["x"] + text["width"] - 1 and abs(views["y"] - text["y"]) < 2
    else:  # under it, the text first
        assert views["y"] >= text["y"] + text["height"] - 1
    expect(page.locator("article.entry")).to_contain_text("plan.txt (340 kB)")
    no_seconds(page)

    # Each action is a button that opens its form.
    reason = page.get_by_label("Wat klopt er niet?")
    expect(reason).to_be_hidden()
    expect(page.get_by_label("Mijn kant")).to_be_hidden()
    if device == "phone":
        clean(page, "entry-after-360")
    page.locator("summary", has_text="Klopt er iets niet?").click()
    expect(reason).to_be_visible()
    clean(page, f"{device}-entry-ask-open")
    reason.fill("Ik zei niet dat het thuis onrustig was.")
    page.get_by_role("button", name="Vraag om verbetering").click()
    expect(page.get_by_text("Je vraag is naar de schrijver gestuurd.")).to_be_visible()

    # The state of the correction is on top, and there is no second form while it waits.
    state = page.locator("#correction-state")
    expect(state).to_contain_text("Dit wacht op het antwoord van Anne.")
    state_box, text_box = state.bounding_box(), page.locator("article.entry").bounding_box()
    assert state_box is not None and text_box is not None and state_box["y"] < text_box["y"]
    expect(page.locator("summary", has_text="Klopt er iets niet?")).to_have_count(0)
    expect(page.get_by_label("Wat klopt er niet?")).to_have_count(0)
    clean(page, f"{device}-entry-correction-waiting")

    # Anne answers from the text as it is, not from an empty box.
    anne = log_in(browser, base_url, viewport, CARE_WORKER)
    anne.goto(url)
    asked = anne.locator("#correction-state")
    expect(asked).to_contain_text("Sanne vraagt je dit bericht te verbeteren")
    expect(asked).to_contain_text("Ik zei niet dat het thuis onrustig was.")
    asked.locator("summary", has_text="Antwoord geven").click()
    expect(anne.get_by_label("Verbeterde titel")).to_have_value("Verslag gesprek")
    body = anne.get_by_label("Verbeterde tekst")
    expect(body).to_have_value(REPORT_BODY)
    clean(anne, f"{device}-entry-answer-prefilled")
    anne.get_by_label("Ik heb de tekst verbeterd").check()
    body.fill(REPORT_BODY.replace("school en thuis", "school"))
    anne.get_by_label("Leg je antwoord uit").fill("Je hebt gelijk, ik heb het aangepast.")
    anne.get_by_role("button", name="Antwoord versturen").click()
    expect(anne.locator("article.entry")).to_contain_text("Sanne vertelde over school.")

    page.reload()
    expect(state).to_contain_text("Anne heeft dit bericht verbeterd")
    expect(state).to_contain_text("versie 2")
    expect(page.locator("summary", has_text="Klopt er iets niet?")).to_have_count(1)
    clean(page, f"{device}-entry-corrected")
    for opened in (page, anne):
        opened.context.close()


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_a_care_workers_entry_starts_in_a_section_shared_with_her(
    browser: Browser, base_url: str, ctx, device: str
) -> None:
    world, _ = world_of_sanne(ctx, sections=("my_story", "care"))
    anne = log_in(browser, base_url, VIEWPORTS[device], CARE_WORKER)
    new = f"{base_url}/dossiers/{world.dossier.id}/entries/new"
    section = anne.get_by_label("Onderdeel")
    # Sanne's own story comes first in the list, and still Anne starts in Care: also when she
    # comes from the tab of Sanne's story.
    for asked in ("", f"?section={world.section('my_story')}"):
        anne.goto(new + asked)
        expect(section.locator("option").first).to_have_text("Mijn verhaal")
        expect(section).to_have_value(str(world.section("care")))
    clean(anne, f"{device}-care-worker-writes")
    anne.get_by_label("Titel").fill("Afspraak")
    anne.get_by_label("Tekst").fill("Volgende week weer.")
    anne.get_by_role("button", name="Opslaan").click()
    expect(anne.locator("article.entry .meta").first).to_contain_text("Hulp")

    # Sanne herself starts in her own story.
    sanne = log_in(browser, base_url, VIEWPORTS[device], YOUTH)
    sanne.goto(new)
    expect(sanne.get_by_label("Onderdeel")).to_have_value(str(world.section("my_story")))
    for opened in (anne, sanne):
        opened.context.close()


def register_from(page: Page, name: str, email: str) -> None:
    """Make an account from the page an invitation link opened, as a parent."""
    page.locator("main").get_by_role("link", name="Account maken").click()
    page.get_by_role("link", name="Ik ben ouder of voogd").click()
    page.get_by_label("Je naam").fill(name)
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_label("Wachtwoord nog een keer").fill(PASSWORD)
    page.get_by_role("button", name="Account maken").click()
    page.get_by_label("Ik heb mijn herstelcode bewaard").check()
    page.get_by_role("button", name="Verder").click()


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_an_invitation_link_says_who_invites_to_what_and_keeps_its_code(
    browser: Browser, base_url: str, ctx, device: str
) -> None:
    world, _ = world_of_sanne(ctx)
    viewport = VIEWPORTS[device]
    link = sharing.share(
        ctx,
        world.youth,
        world.dossier.id,
        grantee_email=None,
        section_ids=[world.section("care"), world.section("school")],
        permission="read",
        expires_at=ctx.now() + timedelta(days=30),
    )
    sharing.approve(ctx, world.guardian, world.dossier.id, link.grant_id)
    assert link.invitation_code

    # A share link, followed by someone new who makes an account.
    aunt = browser.new_context(viewport=viewport).new_page()
    aunt.goto(f"{base_url}/join?code={link.invitation_code}")
    expect(aunt.get_by_role("heading", level=1)).to_have_text("Je bent uitgenodigd")
    card = aunt.locator("#invitation")
    expect(card).to_contain_text("Sanne nodigt je uit")
    expect(card).to_contain_text("Je mag lezen in: Hulp, School.")
    for content in ("Verslag gesprek", "Mijn rooster", "Dossier van Sanne"):
        expect(aunt.locator("main")).not_to_contain_text(content)
    clean(aunt, f"{device}-invited-share-link")
    register_from(aunt, "Tante Els", "els@example.nl")
    expect(aunt).to_have_url(re.compile(r"/join\?code="))
    expect(aunt.get_by_label("Uitnodigingscode")).to_have_value(link.invitation_code)
    expect(aunt.locator("#invitation")).to_contain_text("Je mag lezen in: Hulp, School.")
    clean(aunt, f"{device}-join-after-registering")
    aunt.get_by_role("button", name="Meedoen").click()
    aunt.get_by_role("link", name="Mijn rooster").click()
    expect(aunt.get_by_text("Maandag wiskunde.")).to_be_visible()

    # A co-owner's invitation, followed by someone who has an account and logs in.
    person(ctx, "johan@example.nl", "parent", "Johan")
    ticket = ownership.invite_owner(ctx, world.guardian, world.dossier.id, "guardian")
    father = browser.new_context(viewport=viewport).new_page()
    father.goto(f"{base_url}/join?code={ticket.code}")
    expect(father.locator("#invitation")).to_contain_text("Marieke nodigt je uit")
    expect(father.locator("#invitation")).to_contain_text("als ouder of voogd")
    expect(father.locator("#invitation")).to_contain_text("Als eigenaar lees je alles")
    clean(father, f"{device}-invited-co-owner")
    back_here = re.compile(r"next=/join\?code%3D" + re.escape(ticket.code))
    header = father.get_by_role("banner")  # the header's links come back to the code too
    for name in ("Inloggen", "Account maken"):
        expect(header.get_by_role("link", name=name)).to_have_attribute("href", back_here)
    father.locator("main").get_by_role("link", name="Inloggen").click()
    father.get_by_label("E-mailadres").fill("johan@example.nl")
    father.get_by_label("Wachtwoord").fill(PASSWORD)
    father.get_by_role("button", name="Inloggen").click()
    expect(father.get_by_label("Uitnodigingscode")).to_have_value(ticket.code)
    expect(father.locator("#invitation")).to_contain_text("Marieke nodigt je uit")

    # A spent code says so, in words, before anyone logs in.
    stranger = browser.new_context(viewport=viewport).new_page()
    stranger.goto(f"{base_url}/join?code={link.invitation_code}")
    expect(stranger.get_by_role("alert")).to_contain_text("Deze uitnodigingscode werkt niet.")
    clean(stranger, f"{device}-invited-spent-code")
    for opened in (aunt, father, stranger):
        opened.context.close()
