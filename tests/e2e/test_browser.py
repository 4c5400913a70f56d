"""A real Chromium, driven by Playwright, through the first visit on a phone and a desktop."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import no_horizontal_scroll, shot

NEW_PASSWORD = "my new browser password"


@pytest.mark.parametrize(
    ("device", "viewport"),
    [("phone", {"width": 360, "height": 740}), ("desktop", {"width": 1280, "height": 900})],
)
def test_register_save_code_log_out_log_in_and_reset(
    browser: Browser, base_url: str, backend: str, device: str, viewport: dict[str, int]
) -> None:
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    page = context.new_page()
    page.goto(base_url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Jouw dossier, in jouw handen")
    no_horizontal_scroll(page)
    shot(page, f"{device}-home")

    page.get_by_role("link", name="Account maken").first.click()
    page.get_by_role("link", name="Ik ben jongere").click()
    page.get_by_label("Je naam").fill("Sanne")
    page.get_by_label("E-mailadres").fill(f"sanne-{device}@example.nl")
    page.get_by_label("Geboortedatum").fill("2012-01-05")
    page.get_by_label("Wachtwoord", exact=True).fill("te kort")
    page.get_by_label("Wachtwoord nog een keer").fill("te kort")
    page.get_by_role("button", name="Account maken").click()
    expect(page.get_by_text("Dit wachtwoord is te kort.")).to_be_visible()
    expect(page.get_by_label("E-mailadres")).to_have_value(f"sanne-{device}@example.nl")
    no_horizontal_scroll(page)
    shot(page, f"{device}-register-error")

    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_label("Wachtwoord nog een keer").fill(PASSWORD)
    page.get_by_role("button", name="Account maken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bewaar je herstelcode")
    code = page.locator("#recovery-code code").inner_text()
    assert len(code.replace("-", "")) == 26
    no_horizontal_scroll(page)
    shot(page, f"{device}-recovery-code")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Downloaden als tekstbestand").click()
    download = download_info.value
    assert download.suggested_filename == "eigen-dossier-recovery-code.txt"
    assert code in Path(download.path()).read_text(encoding="utf-8")

    page.get_by_role("button", name="Verder").click()
    expect(page.get_by_text("Zet een vinkje als je de code hebt bewaard.")).to_be_visible()
    page.get_by_label("Ik heb mijn herstelcode bewaard").check()
    page.get_by_role("button", name="Verder").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hoi Sanne")
    shot(page, f"{device}-start")

    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_text("Je bent uitgelogd.")).to_be_visible()

    page.goto(base_url + "/login")
    page.get_by_role("link", name="Wachtwoord vergeten?").click()
    page.get_by_label("E-mailadres").fill(f"sanne-{device}@example.nl")
    page.get_by_label("Herstelcode").fill(code.lower())
    page.get_by_label("Nieuw wachtwoord", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Nieuw wachtwoord nog een keer").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Nieuw wachtwoord instellen").click()
    new_code = page.locator("#recovery-code code").inner_text()
    assert new_code != code
    page.get_by_label("Ik heb mijn herstelcode bewaard").check()
    page.get_by_role("button", name="Verder").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")
    page.get_by_label("E-mailadres").fill(f"sanne-{device}@example.nl")
    page.get_by_label("Wachtwoord").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hoi Sanne")

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello Sanne")
    context.close()


@pytest.mark.parametrize(
    ("device", "viewport"),
    [("phone", {"width": 360, "height": 740}), ("desktop", {"width": 1280, "height": 900})],
)
def test_view_beside_the_report_then_export_and_read_it(
    browser: Browser, base_url: str, ctx, device: str, viewport: dict[str, int], tmp_path: Path
) -> None:
    import zipfile
    from datetime import date

    from dossier.models import SessionKind
    from dossier.services import accounts, dossiers, entries, sessions
    from tests.support import grant_access

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

    def actor(email: str):
        ticket = sessions.log_in(ctx, email, PASSWORD, SessionKind.WEB)
        return sessions.authenticate(ctx, ticket.token, SessionKind.WEB)

    accounts.verify_professional(ctx, actor("admin@example.nl"), actor("anne@example.nl").user_id)
    parent = actor("marieke@example.nl")
    dossier = dossiers.create_dossier(ctx, parent, "Lotte", date(2016, 5, 1), for_self=False)
    grant_access(ctx, parent, dossier.id, "anne@example.nl")
    entries.write_entry(
        ctx,
        actor("anne@example.nl"),
        dossier.id,
        dossier.sections[1].id,
        "Verslag intake",
        "Moeder is **bezorgd** over school.",
        "report",
    )

    context = browser.new_context(viewport=viewport, accept_downloads=True)
    page = context.new_page()
    page.goto(base_url + "/login")
    page.get_by_label("E-mailadres").fill("marieke@example.nl")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("link", name="Dossier van Lotte").click()
    page.get_by_role("link", name="Verslag intake").click()
    expect(page.locator(".prose strong")).to_have_text("bezorgd")
    page.locator("summary", has_text="Mijn kant schrijven").click()  # the button opens its form
    page.get_by_label("Mijn kant").fill("Ik ben niet bezorgd, ik wil hulp.")
    page.get_by_role("button", name="Mijn kant toevoegen").click()
    expect(page.get_by_text("Jouw kant staat nu naast het bericht.")).to_be_visible()
    byline = page.locator("article.entry .byline")
    expect(byline).to_contain_text("Geschreven door Anne, hulpverlener")
    expect(page.get_by_role("heading", name="Kanten van het verhaal")).to_be_visible()
    expect(page.locator("aside.views .byline")).to_contain_text("Mijn kant, ouder of voogd")
    entry_box = page.locator("article.entry").bounding_box()
    view_box = page.locator("aside.views").bounding_box()
    assert entry_box is not None and view_box is not None
    if device == "desktop":
        assert view_box["x"] > entry_box["x"] + entry_box["width"] - 1  # side by side
    else:
        assert view_box["y"] >= entry_box["y"] + entry_box["height"] - 1  # directly under it
    no_horizontal_scroll(page)
    shot(page, f"{device}-entry-with-view")

    page.get_by_role("link", name="Dossier van Lotte").click()
    page.get_by_role("link", name="Dossier beheren").click()  # now and then, not every visit
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Alles downloaden").click()
    archive_path = tmp_path / "export.zip"
    download_info.value.save_as(archive_path)
    with zipfile.ZipFile(archive_path) as archive:
        archive.extractall(tmp_path / "export")
    page.goto((tmp_path / "export" / "index.html").as_uri())
    expect(page.get_by_role("heading", level=1)).to_have_text("Dossier van Lotte")
    expect(page.get_by_role("heading", name="Verslag intake")).to_be_visible()
    expect(page.get_by_text("Ik ben niet bezorgd, ik wil hulp.")).to_be_visible()
    expect(page.locator(".view .meta")).to_contain_text("De kant van Marieke, ouder of voogd")
    expect(page.locator(".entry .meta").first).to_contain_text("Anne (hulpverlener)")
    shot(page, f"{device}-export")
    context.close()
