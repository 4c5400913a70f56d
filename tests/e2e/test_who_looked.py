"""The page "Who looked?" answers the question: her mother and a care worker looked, and she
looked herself.

The page shows the others first, one line per visit ("Anne (care professional) looked at 3
entries in Care"), a year only on a date of another year, and her own visits when she asks for
them. The start page and the dossier count her mother too. The auditor's console says every
action, outcome and basis in words, on a phone as well. The API still lists every event.

The world is `youth_world` with its steps, plus what this page is about: visits more than a
year apart, the clock moved on between them (`looked_world`).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from dossier.actions import Action
from dossier.services import pages
from dossier.services.entries.cards import Filters
from tests.conftest import Clock, login_actor
from tests.e2e.conftest import shot
from tests.e2e.test_audit_pages import page_login
from tests.e2e.test_journeys import VIEWPORTS, check, log_in
from tests.support import AUDITOR, CARE_WORKER, GUARDIAN, YOUTH, api_login, youth_world
from tests.unit.test_actions import dutch


@dataclass
class Looked:
    dossier: uuid.UUID
    story: uuid.UUID  # Sanne's "About me", in My story
    care: list[uuid.UUID]  # three entries in Care
    long_ago: datetime  # when Anne first looked, in another year than today

    @property
    def that_year(self) -> str:
        return str(self.long_ago.year)


def looked_world(ctx: Any, clock: Clock) -> Looked:
    """Anne read the plan more than a year ago; today her mother read Sanne's story, and three
    hours later Anne read three entries in Care."""
    world = youth_world(ctx)
    world.staff()
    anne = world.care_worker()
    care = [
        world.write(world.youth, "care", title, "Wat we afspraken.", "plan")
        for title in ("Plan van aanpak", "Verslag gesprek", "Afspraken school")
    ]
    story = world.write(world.youth, "my_story", "Over mij", "Ik teken graag.")
    world.share(CARE_WORKER, "contribute")
    dossier = world.dossier.id
    long_ago = ctx.now()
    pages.dossier_page(ctx, anne, dossier, Filters())
    pages.entry_page(ctx, anne, dossier, care[0])
    clock.advance(days=400)  # a new year: the visit above shows its year
    marieke, anne = login_actor(ctx, GUARDIAN), login_actor(ctx, CARE_WORKER)
    pages.dossier_page(ctx, marieke, dossier, Filters())
    pages.entry_page(ctx, marieke, dossier, story)
    clock.advance(hours=3)
    pages.dossier_page(ctx, anne, dossier, Filters())
    for entry in care:
        pages.entry_page(ctx, anne, dossier, entry)
    clock.advance(hours=1)
    return Looked(dossier, story, care, long_ago)


def lines(html: str) -> list[str]:
    """Each line of "Who looked?" as its words, tags and spaces folded."""
    rows = re.findall(r'<li class="row[^"]*">(.*?)</li>', html, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


# --- the page, over HTTP ---------------------------------------------------------------------


def test_others_first_one_line_per_visit_her_own_when_she_asks(app, keyed, clock) -> None:
    looked = looked_world(keyed, clock)
    sanne = page_login(app, YOUTH)
    url = f"/dossiers/{looked.dossier}"
    sanne.get(url)
    sanne.get(f"{url}/entries/{looked.story}")
    others = lines(sanne.get(f"{url}/log").get_data(as_text=True))
    assert len(others) == 3, others
    anne_today, marieke, anne_last_year = others
    assert anne_today.startswith(
        "Anne (care professional at Jeugdteam Zuid) looked at 3 entries in Care"
    )
    assert "“Plan van aanpak”, “Verslag gesprek”, “Afspraken school”" in anne_today
    assert marieke.startswith("Marieke (parent or guardian) looked at 1 entry in My story")
    year = looked.that_year
    assert year in anne_last_year and year not in anne_today and year not in marieke
    assert not any("Sanne" in line for line in others)

    everyone = lines(sanne.get(f"{url}/log?mine=1").get_data(as_text=True))
    assert everyone[0].startswith("Sanne (you) looked at 1 entry in My story")
    assert everyone[1:] == others  # hers on top, as the newest; nothing else changes

    # Asking for herself by name shows hers; the switch keeps what she searched for.
    me = login_actor(keyed, YOUTH).user_id
    herself = sanne.get(f"{url}/log?person={me}").get_data(as_text=True)
    assert [line.split(" looked")[0] for line in lines(herself)] == ["Sanne (you)"]
    assert f"/log?person={me}&amp;mine=1" in herself


def test_the_page_speaks_dutch(app, keyed, clock) -> None:
    looked = looked_world(keyed, clock)
    sanne = page_login(app, YOUTH)
    sanne.get("/language/nl")
    html = sanne.get(f"/dossiers/{looked.dossier}/log").get_data(as_text=True)
    anne, marieke, _ = lines(html)
    assert anne.startswith("Anne (hulpverlener bij Jeugdteam Zuid) keek naar 3 berichten in Hulp")
    assert marieke.startswith("Marieke (ouder of voogd) keek naar 1 bericht in Mijn verhaal")
    assert "Laat ook zien wat ik zelf opende" in html


def test_a_visit_ends_after_a_pause_and_changes_stay_lines_of_their_own(app, keyed, clock) -> None:
    looked = looked_world(keyed, clock)
    anne = login_actor(keyed, CARE_WORKER)
    pages.entry_page(keyed, anne, looked.dossier, looked.care[0])
    clock.advance(hours=2)
    pages.entry_page(keyed, anne, looked.dossier, looked.care[1])
    sanne = page_login(app, YOUTH)
    first, second, *_ = lines(sanne.get(f"/dossiers/{looked.dossier}/log").get_data(as_text=True))
    assert "looked at 1 entry in Care" in first and "“Verslag gesprek”" in first
    assert "looked at 1 entry in Care" in second and "“Plan van aanpak”" in second
    with_changes = lines(
        sanne.get(f"/dossiers/{looked.dossier}/log?all=1&mine=1").get_data(as_text=True)
    )
    assert any(line.startswith("Sanne (you) wrote “Over mij”") for line in with_changes)
    assert any(
        line.startswith("Marieke (parent or guardian) agreed to a sharing") for line in with_changes
    )


def test_her_mother_counts_on_the_start_page_and_the_dossier(app, keyed, clock) -> None:
    looked = looked_world(keyed, clock)
    sanne = page_login(app, YOUTH)
    start = sanne.get("/start").get_data(as_text=True)
    recent = start.split("Who looked recently?")[1]
    assert "Marieke" in recent and "Anne" in recent
    assert "Nobody else has looked" not in recent
    assert looked.that_year not in recent  # both looked this year
    sanne.get(f"/dossiers/{looked.dossier}")
    clock.advance(minutes=5)
    pages.entry_page(keyed, login_actor(keyed, GUARDIAN), looked.dossier, looked.story)
    again = sanne.get(f"/dossiers/{looked.dossier}").get_data(as_text=True)
    assert "these people looked in your dossier: Marieke." in again
    # Her mother sees Sanne's looking too, and not her own.
    marieke = page_login(app, GUARDIAN)
    assert "Sanne" in marieke.get("/start").get_data(as_text=True).split("Who looked recently?")[1]
    hers = lines(marieke.get(f"/dossiers/{looked.dossier}/log").get_data(as_text=True))
    assert hers[0].startswith("Sanne (young person) opened the dossier")
    assert not any(line.startswith("Marieke") for line in hers)


def test_the_api_still_lists_every_event(client, keyed, clock) -> None:
    looked = looked_world(keyed, clock)
    sanne = api_login(client, YOUTH)
    log = client.get(f"/api/v1/dossiers/{looked.dossier}/access-log", headers=sanne).get_json()
    reads = [i for i in log["items"] if i["actor_name"] == "Anne" and i["action"] == "entry.read"]
    assert len(reads) == 4  # one per read, not one per visit
    assert set(log["items"][0]) == {
        "at",
        "actor_name",
        "actor_role",
        "organisation",
        "action",
        "object_type",
        "object_id",
        "title",
        "outcome",
    }
    everything = client.get(
        f"/api/v1/dossiers/{looked.dossier}/access-log?all=true", headers=sanne
    ).get_json()
    assert any(i["actor_name"] == "Sanne" for i in everything["items"])  # her own as before


def test_the_auditor_reads_every_action_and_outcome_in_dutch(app, keyed, clock) -> None:
    looked_world(keyed, clock)
    auditor = page_login(app, AUDITOR)
    auditor.get("/language/nl")
    console = auditor.get("/audit").get_data(as_text=True)
    for action in Action:
        assert f'<option value="{action}" >{dutch()[action.label]}</option>' in console
    text = re.sub(r"<[^>]+>", " ", console)
    assert not re.search(r"\b(success|denied|ownership:\w+|grant:|[a-z]+\.[a-z_]+)\b", text)
    assert "eigenaar (de jongere)" in text and "gelukt" in text
    exported = auditor.get("/audit/export?format=csv&action=entry.read").get_data(as_text=True)
    assert ",entry.read,las een bericht," in exported


# --- in a real browser -----------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_who_looked_in_the_browser(
    browser: Browser, base_url: str, keyed, clock, device: str
) -> None:
    looked = looked_world(keyed, clock)
    viewport = VIEWPORTS[device]
    page = log_in(browser, base_url, viewport, YOUTH)
    recent = page.locator("section", has=page.get_by_role("heading", name="Wie keek er laatst?"))
    expect(recent).to_contain_text("Marieke")
    expect(recent).to_contain_text("Anne")
    page.get_by_role("link", name="Dossier van Sanne").first.click()
    page.get_by_role("link", name="Over mij").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Over mij")
    page.go_back()
    page.get_by_role("link", name="Wie keek er?").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wie keek er in mijn dossier?")
    rows = page.locator(".timeline .row")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text(
        "Anne (hulpverlener bij Jeugdteam Zuid) keek naar 3 berichten in Hulp"
    )
    expect(rows.nth(1)).to_contain_text(
        "Marieke (ouder of voogd) keek naar 1 bericht in Mijn verhaal"
    )
    expect(rows.nth(2)).to_contain_text(looked.that_year)
    expect(page.get_by_text("Sanne (jij)")).to_have_count(0)
    expect(page.get_by_label("Persoon")).to_be_hidden()  # the search is folded away
    check(page, f"{device}-who-looked")
    if device == "phone":
        shot(page, "who-looked-after-360")

    page.get_by_role("link", name="Laat ook zien wat ik zelf opende").click()
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("Sanne (jij) keek naar 1 bericht in Mijn verhaal")
    page.get_by_text("Zoeken op persoon of datum").click()
    expect(page.get_by_label("Persoon")).to_be_visible()
    check(page, f"{device}-who-looked-mine")
    page.get_by_role("link", name="Verberg wat ik zelf opende").click()
    expect(rows).to_have_count(3)


@pytest.mark.browser
@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_the_auditors_console_on_a_phone(
    browser: Browser, base_url: str, keyed, clock, device: str
) -> None:
    looked_world(keyed, clock)
    page = log_in(browser, base_url, VIEWPORTS[device], AUDITOR)
    page.goto(base_url + "/audit?outcome=success")
    expect(page.get_by_label("Uitkomst")).to_have_value("success")
    event = page.locator("table.log tbody tr").first
    expect(event).to_contain_text("gelukt")
    expect(page.locator("table.log")).not_to_contain_text("success")
    expect(page.locator("table.log")).not_to_contain_text("ownership:")
    check(page, f"{device}-audit-console")
    if device == "phone":
        # One card per event: the label beside its value, no table wider than the phone.
        box = event.bounding_box()
        assert box is not None and box["width"] <= VIEWPORTS["phone"]["width"]
        assert (
            page.locator("table.log thead").is_hidden()
            or page.evaluate("getComputedStyle(document.querySelector('table.log thead')).position")
            == "absolute"
        )
