"""Asking for access through the pages: a mentor asks with the code Sanne made, Sanne and her
mother say yes on "Who may look?", and his list says so. Bad input keeps what he typed."""

from __future__ import annotations

import re

from dossier.services import accounts
from tests.conftest import login_actor
from tests.e2e.test_dossier_pages import login
from tests.support import post_form, youth_world

MENTOR = "joris@example.nl"


def test_a_mentor_asks_with_the_code_and_both_owners_say_yes(app, client, ctx) -> None:
    world = youth_world(ctx)
    world.staff()
    world.care_worker(MENTOR, "Joris", "Het College")
    dossier = f"/dossiers/{world.dossier.id}"
    sanne = login(app, "sanne@example.nl")
    access = sanne.get(dossier + "/access").get_data(as_text=True)
    assert "Let someone ask to look" in access and "Make a code" in access
    made = post_form(sanne, dossier + "/request-code", {}, dossier + "/access")
    assert made.status_code == 302 and made.headers["Location"].endswith("#request-code")
    code = re.search(
        r"<code>([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})</code>",
        sanne.get(dossier + "/access").get_data(as_text=True),
    )
    assert code is not None

    joris = login(app, MENTOR)
    assert "Ask to look in a dossier" in joris.get("/start").get_data(as_text=True)
    form = joris.get("/ask").get_data(as_text=True)
    assert 'value="school"' in form and 'value="my_story"' not in form  # her own story is hers
    refused = post_form(
        joris, "/ask", {"code": code.group(1), "purpose": "", "months": "3", "permission": "read"}
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "Choose at least one section from the list." in html
    assert code.group(1) in html  # what he typed stays
    sent = post_form(
        joris,
        "/ask",
        {
            "code": code.group(1),
            "sections": "school",
            "permission": "read",
            "months": "3",
            "purpose": "Rooster afstemmen",
        },
    )
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/ask/sent")
    assert "no answer yet" in joris.get("/ask/sent").get_data(as_text=True)

    page = sanne.get(dossier + "/access").get_data(as_text=True)
    assert "Someone asks to look" in page and "Joris" in page and "Rooster afstemmen" in page
    request_id = re.search(r"/requests/([0-9a-f-]{36})/yes", page)
    assert request_id is not None
    said = post_form(
        sanne, f"{dossier}/requests/{request_id.group(1)}/yes", {}, dossier + "/access"
    )
    assert said.status_code == 302
    assert "The sharing waits for the other yes" in sanne.get(dossier + "/access").get_data(
        as_text=True
    )
    assert "the owners said yes" in joris.get("/ask/sent").get_data(as_text=True)
    again = post_form(
        sanne, f"{dossier}/requests/{request_id.group(1)}/no", {}, dossier + "/access"
    )
    assert again.status_code == 302
    assert "This request was answered already" in sanne.get(dossier + "/access").get_data(
        as_text=True
    )


def test_an_unchecked_care_worker_cannot_ask(app, client, ctx) -> None:
    world = youth_world(ctx)
    world.staff()
    accounts.register(
        ctx,
        accounts.NewAccount(
            "nieuw@example.nl",
            "a long enough test password",
            "Nieuw",
            "professional",
            organisation="X",
            registration_number="654321",
        ),
    )
    assert login_actor(ctx, "nieuw@example.nl") is not None
    nieuw = login(app, "nieuw@example.nl")
    answer = post_form(
        nieuw,
        "/ask",
        {
            "owner_email": "marieke@example.nl",
            "sections": "school",
            "permission": "read",
            "months": "3",
            "purpose": "x",
        },
    )
    assert answer.status_code == 403


def test_asking_again_and_again_is_slowed_down(app, client, ctx) -> None:
    """Nobody tries codes by the hundred: after a few requests in an hour, the next waits."""
    world = youth_world(ctx)
    world.staff()
    world.care_worker(MENTOR, "Joris", "Het College")
    joris = login(app, MENTOR)
    answers = [
        post_form(
            joris,
            "/ask",
            {
                "code": f"ABCD-EFGH-JK{n:02d}".replace("0", "A").replace("1", "B"),
                "sections": "school",
                "permission": "read",
                "months": "3",
                "purpose": "Rooster",
            },
            "/ask",
        ).status_code
        for n in range(6)
    ]
    assert answers[:5] == [302] * 5 and answers[5] == 429


def test_the_sections_are_checkboxes_that_keep_their_choice(app, client, ctx) -> None:
    world = youth_world(ctx)
    world.staff()
    world.care_worker(MENTOR, "Joris", "Het College")
    joris = login(app, MENTOR)
    html = post_form(joris, "/ask", {"sections": "school", "purpose": ""}).get_data(as_text=True)
    assert (
        '<input type="checkbox"' in html and 'value="school" id="sections-school" checked' in html
    )
    assert "<option" not in html.split('name="sections"')[0][-300:]
