"""The client council, in a real Chromium: the service's operator makes Karin a council member
from the command line; she reads the demo's year of figures on her phone and on a desktop, looks
at one organisation, and downloads the report for the meeting. And Sanne (16), whose request
for a correction was answered, is asked "Do you feel heard?" on her start page, once."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import Browser, expect

from dossier.cli import main
from dossier.services import entries
from tests.conftest import PASSWORD, login_actor
from tests.e2e.test_journeys import VIEWPORTS, check, log_in
from tests.support import CARE_WORKER, YOUTH, cli_env, youth_world

pytestmark = pytest.mark.browser
KARIN = "karin@example.nl"


def test_a_council_member_reads_the_figures_and_takes_the_report_to_the_meeting(
    browser: Browser, base_url: str, app, keys_dir: Path
) -> None:
    env = cli_env(app, keys_dir)
    demo = CliRunner().invoke(main, ["demo"], env=env)
    assert demo.exit_code == 0, demo.output
    made = CliRunner().invoke(
        main,
        [
            "users", "create", "--role", "council", "--email", KARIN, "--name", "Karin Bos",
            "--password", PASSWORD,
        ],
        env=env,
    )  # fmt: skip
    assert made.exit_code == 0 and "created council" in made.output, made.output

    phone = log_in(browser, base_url, VIEWPORTS["phone"], KARIN)
    expect(phone.get_by_role("heading", name="Cijfers voor de cliëntenraad")).to_be_visible()
    phone.get_by_role("link", name="De cijfers bekijken").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Cijfers voor de cliëntenraad")
    own_words = phone.locator("#topic-participation")
    expect(own_words.get_by_role("row", name="Dossiers waarin de jongere")).not_to_contain_text(
        "minder dan 10"
    )
    expect(phone.locator("#chart-participation")).to_be_visible()
    expect(phone.get_by_text("minder dan 10").first).to_be_visible()  # a quiet month, hidden
    expect(phone.locator("#topic-feeling q").first).to_be_visible()  # comments, month only
    check(phone, "phone-council-figures")

    desktop = log_in(browser, base_url, VIEWPORTS["desktop"], KARIN)
    desktop.goto(f"{base_url}/council")
    desktop.get_by_label("Organisatie").select_option("Wijkteam Noord")
    desktop.get_by_role("button", name="Tonen").click()
    expect(desktop.locator("#period-title")).to_contain_text("Wijkteam Noord")
    expect(desktop.locator("#topic-feeling")).to_have_count(0)  # nobody answers per organisation
    check(desktop, "desktop-council-organisation")
    with desktop.expect_download() as report:
        desktop.get_by_role("link", name="Het verslag downloaden (pdf)").click()
    assert Path(report.value.path()).read_bytes()[:5] == b"%PDF-"
    assert report.value.suggested_filename.startswith("cijfers-clientenraad-")


def test_sanne_is_asked_once_whether_she_feels_heard(browser: Browser, base_url: str, ctx) -> None:
    world = youth_world(ctx, age=16)
    world.staff()
    anne = world.care_worker()
    world.share(CARE_WORKER, "contribute", ("care",))
    report = world.write(anne, "care", "Verslag", "Sanne komt vaak te laat.")
    asked = entries.request_correction(ctx, world.youth, world.dossier.id, report, "Dat is oud.")
    entries.answer_correction(
        ctx,
        login_actor(ctx, CARE_WORKER),
        world.dossier.id,
        report,
        asked.id,
        "declined",
        "Het klopt wel, maar ik zet je kant erbij.",
    )

    sanne = log_in(browser, base_url, VIEWPORTS["phone"], YOUTH)
    card = sanne.locator("#check-in")
    expect(card.get_by_role("heading")).to_have_text("Voel je je gehoord?")
    expect(card).to_contain_text("Je vraag om te verbeteren kreeg een antwoord.")
    expect(sanne.locator("footer")).to_contain_text("Je dossier is van jou.")
    check(sanne, "phone-check-in")
    card.get_by_role("button", name="Mijn antwoord sturen").click()  # no number chosen
    expect(sanne.get_by_text("Kies een getal van 1 tot en met 5.")).to_be_visible()
    card = sanne.locator("#check-in")
    card.get_by_label("3 · voor een deel").check()
    card.get_by_label("Wil je er iets over zeggen?").fill("Ze legde het wel uit.")
    card.get_by_role("button", name="Mijn antwoord sturen").click()
    expect(sanne.get_by_text("Dank je. Je antwoord telt mee, zonder je naam.")).to_be_visible()
    expect(sanne.locator("#check-in")).to_have_count(0)
    sanne.reload()
    expect(sanne.locator("#check-in")).to_have_count(0)  # once a month at most
