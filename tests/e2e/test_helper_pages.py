"""A trusted helper through the pages: Sanne (16) chooses her mentor Ilse as helper for Care
until a date; Ilse writes a suggestion on a report; Sanne changes and sends it as her own view.
"Who may look?" calls Ilse a helper."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.conftest import login_actor
from tests.e2e.test_dossier_pages import login
from tests.support import CARE_WORKER, person, post_form, youth_world

HELPER = "ilse@example.nl"


def test_sanne_chooses_a_helper_who_suggests_and_she_sends_it_as_hers(app, ctx) -> None:
    world = youth_world(ctx, age=16)
    world.staff()
    world.care_worker()
    world.share(CARE_WORKER, "contribute", ("care",))
    person(ctx, HELPER, "parent", "Ilse")
    report = world.write(
        login_actor(ctx, CARE_WORKER), "care", "Verslag", "Sanne wil niet naar school."
    )
    dossier = f"/dossiers/{world.dossier.id}"
    entry = f"{dossier}/entries/{report}"
    sanne = login(app, "sanne@example.nl")

    form = sanne.get(f"{dossier}/share").get_data(as_text=True)
    assert 'value="help"' in form and "Helper: reads, and writes suggestions" in form
    share = {
        "grantee_email": HELPER,
        "section_ids": str(world.section("care")),
        "permission": "help",
    }
    no_end = post_form(sanne, f"{dossier}/share", share)
    assert no_end.status_code == 200  # the share form answers as it always did
    assert "A helper helps for a while: choose an end date." in no_end.get_data(as_text=True)
    until = (ctx.now().date() + timedelta(days=60)).isoformat()
    shared = post_form(sanne, f"{dossier}/share", {**share, "expires_on": until})
    assert shared.status_code == 302
    access = sanne.get(f"{dossier}/access").get_data(as_text=True)
    assert "Ilse" in access and "<strong>helper</strong>: reads and writes suggestions" in access

    ilse = login(app, HELPER)
    page = ilse.get(entry).get_data(as_text=True)
    assert "Write a suggestion" in page and "Write my view" not in page
    empty = post_form(ilse, f"{entry}/drafts", {"kind": "view", "body": " "}, entry)
    assert empty.status_code == 422 and "Write your suggestion first." in empty.get_data(
        as_text=True
    )
    saved = post_form(ilse, f"{entry}/drafts", {"kind": "view", "body": "Ik ben vaak moe."}, entry)
    assert saved.status_code == 302
    assert "waits for the owners" in ilse.get(entry).get_data(as_text=True)
    assert ilse.get(f"{dossier}/log").status_code == 403  # never the access log
    assert ilse.get(f"{dossier}/share").status_code == 403  # never shares further

    page = sanne.get(entry).get_data(as_text=True)
    assert "Suggestions from your helper" in page and "Ik ben vaak moe." in page
    send = re.search(r"/drafts/([0-9a-f-]{36})/send", page)
    assert send is not None
    sent = post_form(
        sanne, f"{entry}/drafts/{send.group(1)}/send", {"body": "Ik ben vaak erg moe."}, entry
    )
    assert sent.status_code == 302
    page = sanne.get(entry).get_data(as_text=True)
    assert "Ik ben vaak erg moe." in page and "My view" in page
    assert "Suggestions from your helper" not in page  # nothing waits any more
    assert "sent" in ilse.get(entry).get_data(as_text=True)


def test_a_helper_suggests_a_plan_change_that_sanne_proposes_as_hers(app, ctx) -> None:
    world = youth_world(ctx, age=16)
    person(ctx, HELPER, "parent", "Ilse")
    world.share(HELPER, "help", ("care",), expires_at=ctx.now() + timedelta(days=60))
    plan = f"/dossiers/{world.dossier.id}/plan"

    ilse = login(app, HELPER)
    assert "Suggest a change of the plan" in ilse.get(plan).get_data(as_text=True)
    assert ilse.get(f"{plan}/new").status_code == 200
    saved = post_form(ilse, f"{plan}/new", {"goals-0-text": "Drie dagen naar school"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("#drafts")
    assert "waits for the owners" in ilse.get(plan).get_data(as_text=True)

    sanne = login(app, "sanne@example.nl")
    page = sanne.get(plan).get_data(as_text=True)
    assert "Suggestions from your helper" in page and "Drie dagen naar school" in page
    assert "There is no plan yet." in page  # nothing stands until she sends it
    send = re.search(r"/plan/drafts/([0-9a-f-]{36})/send", page)
    assert send is not None
    sent = post_form(sanne, f"/dossiers/{world.dossier.id}{send.group(0)}", {}, plan)
    assert sent.status_code == 302 and "#version-1" in sent.headers["Location"]
    page = sanne.get(plan).get_data(as_text=True)
    assert "Suggestions from your helper" not in page and "Drie dagen naar school" in page
