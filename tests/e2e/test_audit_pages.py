"""The access log over HTTP: the owner's "who looked", the auditor's console, and the API."""

from __future__ import annotations

import json

from tests.conftest import PASSWORD
from tests.support import api_login, post_form


def page_login(app, email: str):
    client = app.test_client()
    client.get("/language/en")
    assert post_form(client, "/login", {"email": email, "password": PASSWORD}).status_code == 302
    return client


def test_owner_sees_who_looked_and_is_told_of_new_lookers(app, shared_world) -> None:
    from dossier.services import entries

    w = shared_world
    sanne = page_login(app, "sanne@example.nl")
    dossier_url = f"/dossiers/{w['dossier']}"
    sanne.get(dossier_url)
    entries.read_entry(w["ctx"], w["anne"], w["dossier"], w["plan"])
    page = sanne.get(dossier_url).get_data(as_text=True)
    assert "Since your last visit, these people looked in your dossier: Anne." in page
    log = sanne.get(dossier_url + "/log").get_data(as_text=True)
    # Her opening the dossier and the log, twice, is hers; Anne's two reads are one visit.
    assert "<strong>Sanne</strong>" not in log
    assert "<strong>Anne</strong> (care professional at Jeugdteam Zuid)" in log
    assert log.count("looked at 1 entry in Care") == 1
    assert "“Plan van aanpak”" in log
    only_anne = sanne.get(dossier_url + f"/log?person={w['anne'].user_id}&all=1").get_data(
        as_text=True
    )
    assert "<strong>Sanne</strong>" not in only_anne
    dutch = app.test_client()
    dutch.get("/language/nl")
    post_form(dutch, "/login", {"email": "sanne@example.nl", "password": PASSWORD})
    in_dutch = dutch.get(dossier_url + "/log").get_data(as_text=True)
    assert "<strong>Anne</strong> (hulpverlener bij Jeugdteam Zuid)" in in_dutch
    assert "keek naar 1 bericht in Hulp" in in_dutch
    bad = sanne.get(dossier_url + "/log?since=yesterday")
    assert bad.status_code == 302  # back to the page, with a message
    assert "Use a date like 2026-03-14." in sanne.get(bad.headers["Location"]).get_data(
        as_text=True
    )


def test_auditor_console_search_export_verify(app, shared_world) -> None:
    auditor = page_login(app, "auditor@example.nl")
    console = auditor.get("/audit?action=entry.read").get_data(as_text=True)
    assert "entry.read" in console and "Anne" in console and "Plan van aanpak" not in console
    # Every action, outcome and basis in words; the codes stay in the form's values only.
    assert '<td data-label="Action">read an entry</td>' in console
    assert '<option value="entry.read" selected>read an entry</option>' in console
    assert '<option value="audit.timeline" >looked at who looked in the dossier</option>' in console
    assert '<td data-label="Outcome">done</td>' in console
    assert '<td data-label="Basis">a sharing</td>' in console
    assert ">entry.read<" not in console and ">success<" not in console
    owners = auditor.get("/audit?action=dossier.create").get_data(as_text=True)
    assert '<td data-label="Basis">owner (the young person)</td>' in owners
    assert "ownership:subject" not in owners
    refused = auditor.get("/audit?outcome=denied").get_data(as_text=True)
    assert '<option value="denied" selected>refused</option>' in refused
    csv = auditor.get("/audit/export?format=csv&action=entry.read")
    assert csv.mimetype == "text/csv" and csv.data.decode().count("entry.read") >= 1
    verified = post_form(auditor, "/audit/verify", {}, form_page="/audit")
    assert verified.status_code == 302
    assert "The log is intact" in auditor.get("/audit").get_data(as_text=True)


def test_access_log_and_audit_api(client, shared_world) -> None:
    w = shared_world
    sanne = api_login(client, "sanne@example.nl")
    log = client.get(f"/api/v1/dossiers/{w['dossier']}/access-log", headers=sanne).get_json()
    item = next(i for i in log["items"] if i["action"] == "entry.read")
    assert {
        "at",
        "actor_name",
        "actor_role",
        "action",
        "object_type",
        "object_id",
        "outcome",
    } <= set(item)
    assert item["actor_name"] == "Anne" and item["title"] == "Plan van aanpak"
    auditor = api_login(client, "auditor@example.nl")
    events = client.get(
        "/api/v1/audit/events?action=entry.read&limit=1", headers=auditor
    ).get_json()
    assert len(events["items"]) == 1 and "title" not in events["items"][0]
    bad = client.get("/api/v1/audit/events?since=yesterday", headers=auditor)
    assert bad.status_code == 422 and "since" in bad.get_json()["errors"]
    unknown = client.get("/api/v1/audit/events?action=entry.peek", headers=auditor)
    assert unknown.status_code == 422 and "action" in unknown.get_json()["errors"]
    exported = client.get("/api/v1/audit/export?format=json", headers=auditor)
    assert {e["action"] for e in json.loads(exported.data)} >= {"entry.read", "grant.approve"}
    report = client.post("/api/v1/audit/verification", headers=auditor).get_json()
    assert report["ok"] is True and report["first_broken"] is None and report["events"] > 10
    assert client.get("/api/v1/audit/checkpoints", headers=auditor).get_json() == {"items": []}


def test_the_start_page_says_who_looked_recently(app, shared_world) -> None:
    sanne = page_login(app, "sanne@example.nl")
    start = sanne.get("/start").get_data(as_text=True)
    assert "Who looked recently?" in start and "Anne" in start.split("Who looked recently?")[1]
    anne = page_login(app, "anne@example.nl")
    assert "Who looked recently?" not in anne.get("/start").get_data(as_text=True)


def test_the_dossier_lists_are_logged_and_shown_to_the_owner(
    app, client, shared_world, clock
) -> None:
    from sqlalchemy import func, select

    from dossier.models import AuditEvent

    w = shared_world

    def listed() -> int:
        with w["ctx"].unit_of_work() as db:
            return db.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "dossier.list", AuditEvent.dossier_id == w["dossier"])
            )

    clock.advance(hours=2)  # a new visit: Anne's read of the plan was earlier
    anne = api_login(client, "anne@example.nl")
    [item] = client.get("/api/v1/dossiers", headers=anne).get_json()["items"]
    assert item["subject_name"] == "Sanne" and listed() == 1
    assert "Sanne" in page_login(app, "anne@example.nl").get("/start").get_data(as_text=True)
    assert listed() == 2
    sanne = page_login(app, "sanne@example.nl")
    log = sanne.get(f"/dossiers/{w['dossier']}/log").get_data(as_text=True)
    assert "saw this dossier in their list of dossiers" in log
