"""Emergency access through the pages: a crisis worker asks at night, two officers say yes with
their password again, Sanne sees it in red words with the reason and who said yes, her log marks
the reads, and the auditor writes a verdict. Every form keeps what was typed on an error."""

from __future__ import annotations

import re
from dataclasses import replace

from dossier.keys import load_keys
from dossier.services import emergency
from tests.conftest import PASSWORD, login_actor
from tests.e2e.test_dossier_pages import login
from tests.support import ADMIN, AUDITOR, World, person, post_form, youth_world

LEAD = "lead@example.nl"
CRISIS = "crisis@example.nl"
REASON = "Sanne belde om drie uur in paniek; ik moet weten welke medicijnen ze neemt."


def _world(ctx):
    """The emergency key first (made before the dossier, so every key version is sealed to
    it), then Sanne's dossier, and a crisis worker who never had access."""
    made = World(ctx, None, None, None)
    made.staff()
    made.care_worker(LEAD, "Lead", "Crisisdienst")
    emergency.create_key(ctx, [ADMIN, AUDITOR, LEAD], threshold=2)
    world = youth_world(ctx)
    world.care_worker(CRISIS, "Cris", "Crisisdienst")
    return world


def test_an_emergency_from_the_request_to_the_verdict(app, ctx) -> None:
    world = _world(ctx)
    note = world.write(world.youth, "health", "Medicijnen", "Elke avond 10 mg")
    dossier = str(world.dossier.id)

    cris = login(app, CRISIS)
    assert "Emergency access" in cris.get("/start").get_data(as_text=True)
    form = cris.get("/emergency/new").get_data(as_text=True)
    assert 'value="health"' in form and 'value="my_story"' not in form
    missing = post_form(
        cris, "/emergency/new", {"dossier_id": dossier, "hours": "24", "reason": REASON}
    )
    html = missing.get_data(as_text=True)
    assert missing.status_code == 200 and "Choose at least one section." in html
    assert dossier in html and "drie uur in paniek" in html  # what she typed stays
    wrong = post_form(
        cris,
        "/emergency/new",
        {"dossier_id": "not-a-number", "sections": "health", "hours": "24", "reason": REASON},
    )
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 200 and "not-a-number" in html and "drie uur in paniek" in html
    assert "request code (like ABCD-EFGH-JKLM)" in html
    sent = post_form(
        cris,
        "/emergency/new",
        {"dossier_id": dossier, "sections": "health", "hours": "24", "reason": REASON},
    )
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/emergency")
    assert "waiting for emergency officers (0 of 2 said yes)" in cris.get("/emergency").get_data(
        as_text=True
    )

    admin = login(app, ADMIN)
    start = admin.get("/start").get_data(as_text=True)
    assert "1 emergency request waits for your yes." in start
    waiting = admin.get("/emergency/approvals").get_data(as_text=True)
    assert "Cris" in waiting and "drie uur in paniek" in waiting
    found = re.search(r"/emergency/approvals/([0-9a-f-]{36})", waiting)
    assert found is not None
    path = found.group(0)
    refused = post_form(admin, path, {"password": "not-my-password"}, "/emergency/approvals")
    assert refused.status_code == 422
    assert "This password is not right." in refused.get_data(as_text=True)
    said = post_form(admin, path, {"password": PASSWORD}, "/emergency/approvals")
    assert said.status_code == 302
    assert "It waits for another emergency officer" in admin.get("/emergency/approvals").get_data(
        as_text=True
    )
    # Her yes is said: the start page no longer counts it as waiting for her, but for the lead.
    assert "No emergency request waits for you." in admin.get("/start").get_data(as_text=True)
    lead = login(app, LEAD)
    assert "1 emergency request waits for your yes." in lead.get("/start").get_data(as_text=True)
    opened = post_form(lead, path, {"password": PASSWORD}, "/emergency/approvals")
    assert opened.status_code == 302
    assert "the access is open" in lead.get("/emergency/approvals").get_data(as_text=True)
    assert "open until" in cris.get("/emergency").get_data(as_text=True)
    read = cris.get(f"/dossiers/{dossier}/entries/{note}")
    assert read.status_code == 200 and "Elke avond 10 mg" in read.get_data(as_text=True)

    sanne = login(app, "sanne@example.nl")
    access = sanne.get(f"/dossiers/{dossier}/access").get_data(as_text=True)
    assert 'class="utrecht-heading-2 emergency-words"' in access
    assert "Access in an emergency" in access and "drie uur in paniek" in access
    assert "Admin, Lead" in access
    log = sanne.get(f"/dossiers/{dossier}/log").get_data(as_text=True)
    assert '<p class="emergency-words">Access in an emergency</p>' in log

    pieter = login(app, AUDITOR)
    queue = pieter.get("/audit/emergencies").get_data(as_text=True)
    assert "Cris" in queue and "drie uur in paniek" in queue and "Save the verdict" in queue
    review = re.search(r"/audit/emergencies/[0-9a-f-]{36}/review", queue)
    assert review is not None
    empty = post_form(pieter, review.group(0), {"verdict": "  "}, "/audit/emergencies")
    assert empty.status_code == 422 and "Write your verdict" in empty.get_data(as_text=True)
    done = post_form(
        pieter,
        review.group(0),
        {"verdict": "Echte crisis, alleen Gezondheid."},
        "/audit/emergencies",
    )
    assert done.status_code == 302
    queue = pieter.get("/audit/emergencies").get_data(as_text=True)
    assert "Echte crisis, alleen Gezondheid." in queue and "Save the verdict" not in queue


def test_a_verdict_that_is_too_long_keeps_what_was_written(app, ctx, keys_dir) -> None:
    world = _world(ctx)
    ctx = replace(ctx, job_key=load_keys(keys_dir).job_key)

    filed = emergency.file_request(
        ctx, login_actor(ctx, CRISIS), world.dossier.id, [world.section("health")], REASON, 4
    )
    emergency.approve_request(ctx, login_actor(ctx, ADMIN), filed.id)
    emergency.approve_request(ctx, login_actor(ctx, LEAD), filed.id)
    pieter = login(app, AUDITOR)
    long = "Te lang. " * 600
    response = post_form(
        pieter, f"/audit/emergencies/{filed.id}/review", {"verdict": long}, "/audit/emergencies"
    )
    assert response.status_code == 422 and "Te lang. Te lang." in response.get_data(as_text=True)


def test_only_officers_see_what_waits_and_only_the_auditor_the_queue(app, ctx) -> None:
    _world(ctx)
    for email, approvals, queue in (
        ("sanne@example.nl", 403, 403),
        (CRISIS, 403, 403),  # a checked professional, but no officer
        (LEAD, 200, 403),
        (ADMIN, 200, 403),
        (AUDITOR, 200, 200),
    ):
        client = login(app, email)
        start = client.get("/start").get_data(as_text=True)
        # Officers find their work from the start page; nobody else is sent there.
        assert ('href="/emergency/approvals"' in start) == (approvals == 200), email
        assert client.get("/emergency/approvals").status_code == approvals, email
        assert client.get("/audit/emergencies").status_code == queue, email


def test_a_young_person_cannot_ask_for_emergency_access(app, ctx) -> None:
    world = _world(ctx)
    sanne = login(app, "sanne@example.nl")
    response = post_form(
        sanne,
        "/emergency/new",
        {"dossier_id": str(world.dossier.id), "sections": "health", "hours": "4", "reason": "x"},
    )
    assert response.status_code == 403
    assert "You have not asked for emergency access." in sanne.get("/emergency").get_data(
        as_text=True
    )


def test_before_making_a_dossier_she_reads_who_can_look_without_asking(app, ctx) -> None:
    made = World(ctx, None, None, None)
    made.staff()
    person(ctx, "nina@example.nl", "parent", "Nina")
    nina = login(app, "nina@example.nl")
    assert 'id="emergency-key"' not in nina.get("/dossiers/new").get_data(as_text=True)
    made.care_worker(LEAD, "Lead", "Crisisdienst")
    emergency.create_key(ctx, [ADMIN, AUDITOR, LEAD], threshold=2)
    page = nina.get("/dossiers/new").get_data(as_text=True)
    told = page[page.index('id="emergency-key"') :]
    assert "2 officers must say yes" in told and "at most 72 hours" in told
    officers = told[told.index("The emergency officers are:") :].split("</p>")[0]
    assert all(name in officers for name in ("Admin", "Pieter", "Lead"))
