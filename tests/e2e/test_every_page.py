"""Every page the app has, on a 360 px phone, in Chromium, checked by axe-core: what the journeys
do not pass through is visited here, as the person who would see it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from dossier.services import accounts, entries
from tests.conftest import PASSWORD, login_actor
from tests.e2e.test_journeys import VIEWPORTS, check
from tests.unit.test_dutch_words import has, word_list

pytestmark = pytest.mark.browser

ANONYMOUS = [
    "/",
    "/login",
    "/register",
    "/register/youth",
    "/register/parent",
    "/register/professional",
    "/forgot-password",
    "/nowhere",
]
OWNER = [
    "/start",
    "/account",
    "/account/password",
    "/account/name",
    "/account/email",
    "/account/sessions",
    "/account/remove",  # she owns her dossier: the page says why the account cannot go yet
    "/account/mail",
    "/join",
    "/dossiers/{d}",
    "/dossiers/{d}?older=1",
    "/dossiers/{d}/entries/new",
    "/dossiers/{d}/entries/{e}",
    "/dossiers/{d}/entries/{e}/edit",
    "/dossiers/{d}/entries/{e}/history",
    "/dossiers/{d}/entries/{r}",
    "/dossiers/{d}/settings",
    "/dossiers/{d}/sections",
    "/dossiers/{d}/invite",
    "/dossiers/{d}/destroy",
    "/dossiers/{d}/access",
    "/dossiers/{d}/share",
    "/dossiers/{d}/grants/{g}/revoke",
    "/dossiers/{d}/log",
]
PARENT = ["/dossiers/new"]
ADMIN = ["/admin/professionals"]
AUDITOR = ["/audit"]


def visit(
    browser: Browser, base_url: str, email: str | None, paths: list[str], ids: dict, label: str
) -> None:
    context = browser.new_context(viewport=VIEWPORTS["phone"])
    page = context.new_page()
    if email:
        page.goto(base_url + "/login")
        page.get_by_label("E-mailadres").fill(email)
        page.get_by_label("Wachtwoord").fill(PASSWORD)
        page.get_by_role("button", name="Inloggen").click()
    for path in paths:
        page.goto(base_url + path.format(**ids))
        name = path.strip("/").replace("/", "-").replace("{", "").replace("}", "").replace("?", "-")
        check(page, f"phone-page-{label}-{name or 'home'}")
        assert not_on_the_list(page.inner_text("body")) == [], path
    context.close()


def not_on_the_list(text: str) -> list[str]:
    """What a Dutch page shows that the word list bans: an office word, or a code in English."""
    words = word_list()
    banned = [word for banned in words["banned"] for word in banned["words"]]
    return [word for word in banned + words["english"]["words"] if has(text, word)]


def test_every_page_on_a_phone(browser: Browser, base_url: str, ctx, shared_world) -> None:
    w = shared_world
    report, _ = entries.write_entry(
        ctx,
        w["anne"],
        w["dossier"],
        w["dossier_sections"][1],
        "Verslag",
        "Tekst van **Anne**",
        "report",
    )
    entries.add_view(ctx, w["sanne"], w["dossier"], report, "Zo zie ik het zelf.")
    entries.request_correction(ctx, w["sanne"], w["dossier"], report, "Klopt niet")
    accounts.register(ctx, accounts.NewAccount("jan@example.nl", PASSWORD, "Jan", "parent"))
    login_actor(ctx, "jan@example.nl")
    ids = {"d": w["dossier"], "e": w["plan"], "r": report, "g": w["grant"]}
    visit(browser, base_url, None, ANONYMOUS, ids, "visitor")
    visit(browser, base_url, "sanne@example.nl", OWNER, ids, "owner")
    visit(
        browser,
        base_url,
        "anne@example.nl",
        ["/start", "/dossiers/{d}/entries/{r}"],
        ids,
        "care-worker",
    )
    visit(browser, base_url, "jan@example.nl", PARENT, ids, "parent")
    visit(browser, base_url, "admin@example.nl", ADMIN, ids, "admin")
    visit(browser, base_url, "auditor@example.nl", AUDITOR, ids, "auditor")


def test_focus_is_visible_when_moving_by_keyboard(browser: Browser, base_url: str) -> None:
    context = browser.new_context(viewport=VIEWPORTS["phone"])
    page = context.new_page()
    page.goto(base_url + "/login")
    seen = []
    for _ in range(8):
        page.keyboard.press("Tab")
        seen.append(
            page.evaluate(
                """() => { const e = document.activeElement; const s = getComputedStyle(e);
                       return [e.tagName, s.outlineStyle, s.outlineWidth, s.boxShadow]; }"""
            )
        )
    context.close()
    focused = [item for item in seen if item[0] in ("A", "BUTTON", "INPUT")]
    assert len(focused) >= 5
    for tag, style, width, shadow in focused:
        assert (style != "none" and width != "0px") or shadow != "none", (tag, style, width, shadow)
