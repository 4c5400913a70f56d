"""A parent and a care worker through the dossier pages and the API, over HTTP."""

from __future__ import annotations

import io
import re
import zipfile

from dossier.services import accounts
from tests.conftest import PASSWORD
from tests.support import api_login, api_register, csrf_token, grant_access, post_form

PDF = b"%PDF-1.4\n% letter\n%%EOF\n"


def login(app, email: str):
    client = app.test_client()
    client.get("/language/en")
    assert post_form(client, "/login", {"email": email, "password": PASSWORD}).status_code == 302
    return client


def ids_in(html: str, kind: str) -> list[str]:
    return re.findall(rf"/{kind}/([0-9a-f-]{{36}})", html)


def setup_people(client, ctx):
    api_register(client, "marieke@example.nl", role="parent")
    pro = api_register(client, "anne@example.nl", role="professional")
    accounts.create_staff(ctx, accounts.NewAccount("admin@example.nl", PASSWORD, "Admin", "admin"))
    admin = api_login(client, "admin@example.nl")
    client.post(f"/api/v1/admin/professionals/{pro['id']}/verification", headers=admin)


def actor_of(ctx, email: str):
    from dossier.models import SessionKind
    from dossier.services import sessions

    return sessions.authenticate(
        ctx, sessions.log_in(ctx, email, PASSWORD, SessionKind.WEB).token, SessionKind.WEB
    )


def test_parent_journey_through_the_pages(app, client, ctx) -> None:
    setup_people(client, ctx)
    parent = login(app, "marieke@example.nl")
    start = parent.get("/start").get_data(as_text=True)
    assert "You do not have a dossier yet" in start
    created = post_form(
        parent, "/dossiers/new", {"subject_name": "Lotte", "subject_birth_date": "2016-05-01"}
    )
    dossier_url = created.headers["Location"]
    dossier_id = dossier_url.rsplit("/", 1)[1]
    page = parent.get(dossier_url).get_data(as_text=True)
    assert "Dossier of Lotte" in page and "Nothing here yet" in page

    new_page = parent.get(dossier_url + "/entries/new").get_data(as_text=True)
    sections = re.findall(
        r'<option(?: selected)? value="([0-9a-f-]{36})"[^>]*>([^<]+)</option>', new_page
    )
    assert [name for _id, name in sections] == ["My story", "Care", "Family", "School", "Health"]
    # Her own story is the child's: a parent's entry starts in the first section after it.
    assert re.search(r'<option selected value="[0-9a-f-]{36}">Care</option>', new_page)
    my_story, care = sections[0][0], sections[1][0]
    written = []
    for title in ["Lotte draws", "The old divorce story"]:
        response = post_form(
            parent,
            dossier_url + "/entries/new",
            {
                "section_id": my_story,
                "kind": "note",
                "title": title,
                "body": f"{title}, in *my* words.\n\n<script>alert(1)</script>",
            },
            form_page=dossier_url + "/entries/new",
        )
        written.append(response.headers["Location"])
    entry_page = parent.get(written[0]).get_data(as_text=True)
    assert "<em>my</em>" in entry_page and "<script>alert(1)</script>" not in entry_page
    assert "&lt;script&gt;" in entry_page

    ctx_owner = actor_of(ctx, "marieke@example.nl")
    grant_access(ctx, ctx_owner, dossier_id, "anne@example.nl")
    pro = login(app, "anne@example.nl")
    assert "Dossier of Lotte" in pro.get("/start").get_data(as_text=True)
    report_url = post_form(
        pro,
        dossier_url + "/entries/new",
        {
            "section_id": care,
            "kind": "report",
            "title": "Intake report",
            "body": "Mother is worried.",
        },
        form_page=dossier_url + "/entries/new",
    ).headers["Location"]
    upload = pro.post(
        report_url + "/attachments",
        data={"csrf_token": csrf_token(pro, report_url), "file": (io.BytesIO(PDF), "letter.pdf")},
    )
    assert upload.status_code == 302
    refused = pro.post(
        report_url + "/attachments",
        data={
            "csrf_token": csrf_token(pro, report_url),
            "file": (io.BytesIO(b"MZ\x90\x00binary"), "tool.pdf"),
        },
    )
    assert refused.status_code == 422
    assert "Only PDF, PNG, JPEG and plain text files" in refused.get_data(as_text=True)

    post_form(
        parent,
        report_url + "/views",
        {"body": "I am not worried, I want help."},
        form_page=report_url,
    )
    post_form(
        parent,
        report_url + "/corrections",
        {"reason": "I never said worried."},
        form_page=report_url,
    )
    report_page = parent.get(report_url).get_data(as_text=True)
    assert (
        "I am not worried, I want help." in report_page and "side-by-side has-views" in report_page
    )
    assert "Waiting for the author" in report_page

    pro_start = pro.get("/start").get_data(as_text=True)
    assert "Request to correct an entry" in pro_start
    correction_id = ids_in(pro.get(report_url).get_data(as_text=True), "corrections")[0]
    answer = post_form(
        pro,
        f"{report_url}/corrections/{correction_id}/answer",
        {"outcome": "corrected", "message": "Fixed.", "body": "Mother wants help."},
        form_page=report_url,
    )
    assert answer.status_code == 302
    report_page = parent.get(report_url).get_data(as_text=True)
    assert "Mother wants help." in report_page and "corrected (version 2)" in report_page
    history = parent.get(report_url + "/history").get_data(as_text=True)
    assert "Mother is worried." in history and "Mother wants help." in history

    post_form(parent, written[1] + "/outdated", {"outdated": "1"}, form_page=written[1])
    current = parent.get(dossier_url).get_data(as_text=True)
    assert "The old divorce story" not in current and "Intake report" in current
    older = parent.get(dossier_url + "?older=1").get_data(as_text=True)
    assert "The old divorce story" in older
    found = parent.get(dossier_url + "?q=draws").get_data(as_text=True)
    assert "Lotte draws" in found and "Intake report" not in found

    export = parent.get(dossier_url + "/export")
    assert export.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(export.data))
    index = archive.read("index.html").decode()
    for text in [
        "Dossier of Lotte",
        "Intake report",
        "Mother wants help.",
        "I am not worried",
        "I never said worried.",
        "Fixed.",
        "The old divorce story",
        "View of marieke</strong>, parent or guardian",
        "asks to correct · corrected (version 2)</p>",  # the request in words, not its code
    ]:
        assert text in index, text
    pdf_path = next(n for n in archive.namelist() if n.endswith("letter.pdf"))
    assert archive.read(pdf_path) == PDF and f'href="{pdf_path}"' in index

    destroy_page = parent.get(dossier_url + "/destroy").get_data(as_text=True)
    assert "3 entries" in destroy_page and "1 file" in destroy_page
    wrong = post_form(parent, dossier_url + "/destroy", {"confirm": "Lot"})
    assert wrong.status_code == 200 and "Type the name exactly" in wrong.get_data(as_text=True)
    done = post_form(parent, dossier_url + "/destroy", {"confirm": "lotte"})
    assert done.headers["Location"] == "/start"
    assert parent.get(dossier_url).status_code == 404
    assert pro.get(report_url).status_code == 404


def test_youth_makes_her_own_dossier_and_invites_her_parent(app, client, ctx) -> None:
    api_register(client, "sanne@example.nl", birth_date="2012-01-05")
    api_register(client, "marieke@example.nl", role="parent")
    sanne = login(app, "sanne@example.nl")
    form = sanne.get("/dossiers/new").get_data(as_text=True)
    assert 'value="sanne"' in form  # her own name, ready to use
    dossier_url = post_form(sanne, "/dossiers/new", {"subject_name": "Sanne"}).headers["Location"]
    invitation = post_form(sanne, dossier_url + "/invite", {"relation": "guardian"})
    code = re.search(r"<code>([A-Z2-7-]+)</code>", invitation.get_data(as_text=True)).group(1)
    assert f"/join?code={code}" in invitation.get_data(as_text=True)
    parent = login(app, "marieke@example.nl")
    prefilled = parent.get(f"/join?code={code}").get_data(as_text=True)
    assert f'value="{code}"' in prefilled
    joined = post_form(parent, "/join", {"code": code})
    assert joined.headers["Location"] == dossier_url
    again = post_form(parent, "/join", {"code": code})
    assert "This invitation code is not valid" in again.get_data(as_text=True)


def test_dossier_api_round_trip(client, ctx) -> None:
    setup_people(client, ctx)
    parent = api_login(client, "marieke@example.nl")
    created = client.post(
        "/api/v1/dossiers",
        headers=parent,
        json={"subject_name": "Lotte", "subject_birth_date": "2016-05-01", "for_self": False},
    )
    assert created.status_code == 201
    dossier = created.get_json()
    assert [s["name"] for s in dossier["sections"]] == [
        "My story",
        "Care",
        "Family",
        "School",
        "Health",
    ]
    base = f"/api/v1/dossiers/{dossier['id']}"
    listed = client.get("/api/v1/dossiers", headers=parent).get_json()
    assert listed["items"][0]["my_relation"] == "guardian" and listed["next_cursor"] is None
    care = dossier["sections"][1]["id"]
    entry = client.post(
        base + "/entries",
        headers=parent,
        json={"section_id": care, "title": "Plan", "body": "Step one", "kind": "plan"},
    )
    assert entry.status_code == 201 and entry.get_json()["version"] == 1
    entry_id = entry.get_json()["id"]
    edited = client.patch(f"{base}/entries/{entry_id}", headers=parent, json={"body": "Step two"})
    assert edited.get_json()["version"] == 2
    history = client.get(f"{base}/entries/{entry_id}/history", headers=parent).get_json()
    assert [v["body"] for v in history["items"]] == ["Step one", "Step two"]
    upload = client.post(
        f"{base}/entries/{entry_id}/attachments",
        headers=parent,
        data={"file": (io.BytesIO(PDF), "plan.pdf")},
    )
    assert upload.status_code == 201 and upload.get_json()["media_type"] == "application/pdf"
    download = client.get(
        f"{base}/entries/{entry_id}/attachments/{upload.get_json()['id']}", headers=parent
    )
    assert download.data == PDF and download.mimetype == "application/pdf"
    read = client.get(f"{base}/entries/{entry_id}", headers=parent).get_json()
    assert read["body"] == "Step two" and read["entry"]["trusted"] is True
    assert read["attachments"][0]["filename"] == "plan.pdf"
    page = client.get(base + "/entries?limit=1&q=step", headers=parent).get_json()
    assert [e["id"] for e in page["items"]] == [entry_id] and page["next_cursor"] is None
    bad = client.get(base + "/entries?limit=500", headers=parent)
    assert bad.status_code == 422 and "limit" in bad.get_json()["errors"]
    client.patch(f"{base}/entries/{entry_id}", headers=parent, json={"outdated": True})
    assert client.get(base + "/entries", headers=parent).get_json()["items"] == []
    assert len(client.get(base + "/entries?older=true", headers=parent).get_json()["items"]) == 1
    section = client.post(base + "/sections", headers=parent, json={"name": "Sport"})
    assert section.status_code == 201 and section.get_json()["name"] == "Sport"
    invitation = client.post(base + "/invitations", headers=parent, json={"relation": "guardian"})
    assert invitation.status_code == 201
    api_register(client, "jan@example.nl", role="parent")
    jan = api_login(client, "jan@example.nl")
    joined = client.post(
        "/api/v1/invitations/acceptance", headers=jan, json={"code": invitation.get_json()["code"]}
    )
    assert joined.get_json() == {"dossier_id": dossier["id"], "status": "done"}
    export = client.get(base + "/export", headers=jan)
    assert export.mimetype == "application/zip"
    assert "dossier.json" in zipfile.ZipFile(io.BytesIO(export.data)).namelist()
    wrong = client.delete(base + "?confirm=Lot", headers=parent)
    assert wrong.status_code == 422 and "confirm" in wrong.get_json()["errors"]
    # under 12 every guardian who owns the dossier confirms: Jan too
    asked = client.delete(base + "?confirm=Lotte", headers=parent)
    assert asked.status_code == 202 and asked.get_json()["kind"] == "destroy"
    assert client.get(base, headers=jan).status_code == 200
    assert client.delete(base + "?confirm=Lotte", headers=jan).status_code == 204
    assert client.get(base, headers=jan).status_code == 404
