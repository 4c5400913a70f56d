"""Access on a legal basis as the owners see it on "Who may look?": in plain words, with its
basis and reference, not in red, and without a button to stop it."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

from dossier.days import LOCAL
from dossier.keys import load_keys
from dossier.services import access_requests, emergency, legal_basis
from tests.conftest import PASSWORD, login_actor
from tests.e2e.test_dossier_pages import login
from tests.support import ADMIN, AUDITOR, World, post_form, youth_world

LEAD = "lead@example.nl"
GEA = "gi@example.nl"
REFERENCE = "C/16/512345 / JE RK 26-101"


def test_owners_see_access_by_law_with_its_basis_and_reference(app, ctx, keys_dir) -> None:
    ctx = replace(ctx, job_key=load_keys(keys_dir).job_key)
    made = World(ctx, None, None, None)
    made.staff()
    made.care_worker(LEAD, "Lead", "Crisisdienst")
    emergency.create_key(ctx, [ADMIN, AUDITOR, LEAD], threshold=2)
    world = youth_world(ctx)
    world.care_worker(GEA, "Gea", "Gecertificeerde instelling")
    recorded = legal_basis.record(
        ctx,
        login_actor(ctx, LEAD),
        world.dossier.id,
        GEA,
        [world.section("health")],
        ctx.now().astimezone(LOCAL).date() + timedelta(days=90),
        "safety_report",
        REFERENCE,
        password=PASSWORD,
    )
    sanne = login(app, "sanne@example.nl")
    before = sanne.get(f"/dossiers/{world.dossier.id}/access").get_data(as_text=True)
    assert REFERENCE not in before  # one officer alone opens and shows nothing
    legal_basis.approve(ctx, login_actor(ctx, ADMIN), recorded.id, password=PASSWORD)

    access = sanne.get(f"/dossiers/{world.dossier.id}/access").get_data(as_text=True)
    assert 'id="legal"' in access and "Access by law" in access
    assert f"By law: a report under the reporting code, {REFERENCE}." in access
    assert "Gea" in access and "Lead, Admin" in access
    legal_row = access[access.index(f'id="legal-{recorded.id}"') :].split("</li>")[0]
    assert "emergency-words" not in legal_row  # lawful: not in red
    last_day = ctx.now().astimezone(LOCAL).date() + timedelta(days=90)
    assert f"up to and including {last_day.day} " in legal_row and "00:00" not in legal_row
    # Once, in its own block: not again among the sharings the owners can stop.
    assert access.count("Gea") == 1
    assert "Access by law you cannot stop." in access


def _officers_and_sanne(ctx):
    made = World(ctx, None, None, None)
    made.staff()
    made.care_worker(LEAD, "Lead", "Crisisdienst")
    emergency.create_key(ctx, [ADMIN, AUDITOR, LEAD], threshold=2)
    world = youth_world(ctx)
    world.care_worker(GEA, "Gea", "Gecertificeerde instelling")
    return world


def test_officers_record_and_open_it_in_the_pages_and_the_auditor_counts_it(app, ctx) -> None:
    world = _officers_and_sanne(ctx)
    note = world.write(world.youth, "health", "Medicijnen", "Elke avond 10 mg")
    dossier = str(world.dossier.id)
    code = access_requests.new_request_code(ctx, world.youth, world.dossier.id)  # given out
    until = (ctx.now().astimezone(LOCAL).date() + timedelta(days=180)).isoformat()
    filled = {
        "dossier_code": code,
        "grantee": GEA,
        "sections": "health",
        "until": until,
        "basis": "child_protection",
        "reference": REFERENCE,
        "password": PASSWORD,
    }

    lead = login(app, LEAD)
    assert lead.get("/start").status_code == 200
    form = lead.get("/legal/new").get_data(as_text=True)
    assert 'value="child_protection"' in form and 'value="health"' in form
    missing = post_form(lead, "/legal/new", {**filled, "reference": " ", "basis": ""})
    html = missing.get_data(as_text=True)
    assert missing.status_code == 422
    assert "Fill in the reference of the decision or report." in html
    assert "Choose a legal basis from the list." in html
    assert GEA in html and until in html  # what was typed stays
    too_long = (ctx.now().astimezone(LOCAL).date() + timedelta(days=400)).isoformat()
    late = post_form(lead, "/legal/new", {**filled, "until": too_long})
    assert late.status_code == 422 and "lasts at most a year" in late.get_data(as_text=True)
    unknown = post_form(lead, "/legal/new", {**filled, "dossier_code": "ZZZZ-ZZZZ-ZZZZ"})
    assert unknown.status_code == 422
    assert "request code (like ABCD-EFGH-JKLM)" in unknown.get_data(as_text=True)
    wrong = post_form(lead, "/legal/new", {**filled, "password": "not-my-password"})
    assert wrong.status_code == 422 and "This password is not right." in wrong.get_data(
        as_text=True
    )
    recorded = post_form(lead, "/legal/new", filled)
    assert recorded.status_code == 302 and recorded.headers["Location"].endswith("/legal")
    assert "Nothing waits for your yes." in lead.get("/legal").get_data(as_text=True)

    admin = login(app, ADMIN)
    waiting = admin.get("/legal").get_data(as_text=True)
    assert "Gea" in waiting and REFERENCE in waiting and "the dossier of Sanne" in waiting
    assert "Recorded by Lead" in waiting
    found = re.search(r"/legal/([0-9a-f-]{36})/approve", waiting)
    assert found is not None
    said = post_form(admin, found.group(0), {"password": PASSWORD}, "/legal")
    assert said.status_code == 302
    assert "Enough officers said yes: the access is open." in admin.get("/legal").get_data(
        as_text=True
    )

    gea = login(app, GEA)
    read = gea.get(f"/dossiers/{dossier}/entries/{note}")
    assert read.status_code == 200 and "Elke avond 10 mg" in read.get_data(as_text=True)

    sanne = login(app, "sanne@example.nl")
    log = sanne.get(f"/dossiers/{dossier}/log").get_data(as_text=True)
    gea_line = log[log.index('<p class="law-words">Access by law</p>') :].split("</li>")[0]
    assert "Gea" in gea_line and "emergency-words" not in gea_line

    pieter = login(app, AUDITOR)
    assert "/audit/legal" in pieter.get("/audit").get_data(as_text=True)
    counted = pieter.get("/audit/legal").get_data(as_text=True)
    assert '<td id="legal-total">1</td>' in counted and '<td id="legal-live">1</td>' in counted
    assert '<td id="legal-child_protection">1</td>' in counted
    assert '<td id="legal-safety_report">0</td>' in counted
    assert REFERENCE in counted and "Recorded by Lead" in counted


def test_only_officers_record_or_see_what_waits_and_only_the_auditor_counts(app, ctx) -> None:
    _officers_and_sanne(ctx)
    for email, officer_pages, audit in (
        ("sanne@example.nl", 403, 403),
        (GEA, 403, 403),  # a checked professional, but no officer
        (LEAD, 200, 403),
        (ADMIN, 200, 403),
        (AUDITOR, 200, 200),
    ):
        client = login(app, email)
        assert client.get("/legal/new").status_code == officer_pages, email
        assert client.get("/legal").status_code == officer_pages, email
        assert client.get("/audit/legal").status_code == audit, email
