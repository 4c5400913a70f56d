"""Sharing through the pages and the API: pending until both agree, revoke with a confirmation,
a share link for someone new, and the notices on the start page."""

from __future__ import annotations

import re
from datetime import date, timedelta

from tests.conftest import PASSWORD
from tests.support import GUARDIAN, YOUTH, api_login, api_register, post_form, youth_world


def login(app, email: str):
    client = app.test_client()
    client.get("/language/en")
    assert post_form(client, "/login", {"email": email, "password": PASSWORD}).status_code == 302
    return client


def setup(app, ctx):
    """Sanne (14) and her mother Marieke own Sanne's dossier; Anne is a checked care worker.
    Sanne and Marieke are logged in, in English."""
    world = youth_world(ctx)
    world.staff()
    world.care_worker()
    sanne, marieke = login(app, YOUTH), login(app, GUARDIAN)
    return sanne, marieke, f"/dossiers/{world.dossier.id}"


def test_share_wait_for_the_parent_then_revoke(app, client, ctx) -> None:
    sanne, marieke, dossier_url = setup(app, ctx)
    share_page = sanne.get(dossier_url + "/share").get_data(as_text=True)
    care = re.search(
        r'value="([0-9a-f-]{36})" id="section-[^"]+" ?> <label[^>]*>Care<', share_page
    ).group(1)
    shared = post_form(
        sanne,
        dossier_url + "/share",
        {
            "grantee_email": "anne@example.nl",
            "section_ids": care,
            "permission": "contribute",
            "message": "Welcome",
        },
    )
    assert shared.headers["Location"].endswith("/access")
    access_page = sanne.get(dossier_url + "/access").get_data(as_text=True)
    assert "Waiting for approval of:" in access_page and "a parent or guardian" in access_page

    anne = login(app, "anne@example.nl")
    assert "Dossier of Sanne" not in anne.get("/start").get_data(as_text=True)
    start = marieke.get("/start").get_data(as_text=True)
    assert (
        "may look in a dossier if you agree" in start
        and "Sanne wants to share Care with Anne. That waits for your yes." in start
    )
    grant_id = re.search(
        r"/grants/([0-9a-f-]{36})/approve",
        marieke.get(dossier_url + "/access").get_data(as_text=True),
    ).group(1)
    approved = post_form(
        marieke, f"{dossier_url}/grants/{grant_id}/approve", {}, form_page=dossier_url + "/access"
    )
    assert approved.status_code == 302
    assert "Approved. The sharing has started." in marieke.get(dossier_url + "/access").get_data(
        as_text=True
    )

    anne_start = anne.get("/start").get_data(as_text=True)
    assert "Dossier of Sanne" in anne_start and "Sanne shared Care with you." in anne_start
    shared_page = anne.get(dossier_url).get_data(as_text=True)
    assert "A message with this sharing:" in shared_page and "<p>Welcome</p>" in shared_page
    # seen on the start page: the header counts it no longer, and it is no longer new
    assert 'class="count"' not in anne.get("/start").get_data(as_text=True)
    assert 'class="new-label"' not in anne.get("/start").get_data(as_text=True)
    read = post_form(anne, "/notices/read", {}, form_page="/start")
    assert read.headers["Location"] == "/start"

    confirm_page = marieke.get(f"{dossier_url}/grants/{grant_id}/revoke").get_data(as_text=True)
    assert "Stop sharing with" in confirm_page and "Yes, stop sharing" in confirm_page
    revoked = post_form(
        marieke,
        f"{dossier_url}/grants/{grant_id}/revoke",
        {},
        form_page=f"{dossier_url}/grants/{grant_id}/revoke",
    )
    assert revoked.status_code == 302
    assert "has no access any more" in marieke.get(dossier_url + "/access").get_data(as_text=True)
    assert anne.get(dossier_url).status_code == 404
    assert "Marieke stopped sharing Care with you." in anne.get("/start").get_data(as_text=True)


def test_share_link_for_someone_new(app, client, ctx) -> None:
    sanne, marieke, dossier_url = setup(app, ctx)
    share_page = sanne.get(dossier_url + "/share").get_data(as_text=True)
    family = re.search(
        r'value="([0-9a-f-]{36})" id="section-[^"]+" ?> <label[^>]*>Family<', share_page
    ).group(1)
    response = post_form(
        sanne,
        dossier_url + "/share",
        {
            "section_ids": family,
            "permission": "contribute",
            "expires_on": (date.today() + timedelta(days=30)).isoformat(),
        },
    )
    page = response.get_data(as_text=True)
    code = re.search(r"<code>([A-Z2-7-]+)</code>", page).group(1)
    assert f"/join?code={code}" in page and "starts when everyone who must agree has agreed" in page
    api_register(client, "tante@example.nl", role="parent")
    aunt = login(app, "tante@example.nl")
    joined = post_form(aunt, "/join", {"code": code})
    assert joined.headers["Location"] == "/start"
    assert "must agree first" in aunt.get("/start").get_data(as_text=True)
    assert aunt.get(dossier_url).status_code == 404  # still waiting for the parent
    grant_id = re.search(
        r"/grants/([0-9a-f-]{36})/approve",
        marieke.get(dossier_url + "/access").get_data(as_text=True),
    ).group(1)
    post_form(
        marieke, f"{dossier_url}/grants/{grant_id}/approve", {}, form_page=dossier_url + "/access"
    )
    assert aunt.get(dossier_url).status_code == 200
    access_page = sanne.get(dossier_url + "/access").get_data(as_text=True)
    assert "<strong>tante</strong>" in access_page


def test_sharing_api(app, client, ctx) -> None:
    _sanne_page, _marieke_page, dossier_url = setup(app, ctx)
    dossier_id = dossier_url.rsplit("/", 1)[1]
    sanne, marieke = api_login(client, "sanne@example.nl"), api_login(client, "marieke@example.nl")
    sections = client.get(f"/api/v1/dossiers/{dossier_id}/sections", headers=sanne).get_json()[
        "items"
    ]
    care = sections[1]["id"]
    created = client.post(
        f"/api/v1/dossiers/{dossier_id}/grants",
        headers=sanne,
        json={"grantee_email": "anne@example.nl", "section_ids": [care], "permission": "read"},
    )
    assert created.status_code == 201 and created.get_json()["status"] == "pending"
    grant_id = created.get_json()["id"]
    approved = client.post(
        f"/api/v1/dossiers/{dossier_id}/grants/{grant_id}/approval", headers=marieke
    )
    assert approved.get_json() == {"status": "active"}
    listing = client.get(f"/api/v1/dossiers/{dossier_id}/grants", headers=sanne).get_json()
    [grant] = listing["items"]
    assert (
        grant["grantee"]["name"] == "Anne"
        and grant["section_ids"] == [care]
        and grant["status"] == "active"
    )
    assert {o["relation"] for o in listing["owners"]} == {"subject", "guardian"}
    anne = api_login(client, "anne@example.nl")
    mine = client.get("/api/v1/dossiers", headers=anne).get_json()["items"]
    assert [
        (d["my_relation"], d["permission"], [s["id"] for s in d["sections"]]) for d in mine
    ] == [("grantee", "read", [care])]
    notices = client.get("/api/v1/notices", headers=anne).get_json()["items"]
    assert [n["kind"] for n in notices] == ["grant.active"]
    narrowed = client.patch(
        f"/api/v1/dossiers/{dossier_id}/grants/{grant_id}",
        headers=sanne,
        json={"expires_at": "2000-01-01T00:00:00+00:00"},
    )
    assert narrowed.status_code == 422 and "expires_at" in narrowed.get_json()["errors"]
    assert (
        client.delete(
            f"/api/v1/dossiers/{dossier_id}/grants/{grant_id}", headers=marieke
        ).status_code
        == 204
    )
    assert client.get(f"/api/v1/dossiers/{dossier_id}", headers=anne).status_code == 404
    again = client.delete(f"/api/v1/dossiers/{dossier_id}/grants/{grant_id}", headers=sanne)
    assert again.status_code == 409


def test_approving_a_sharing_that_no_longer_waits_says_so(app, shared_world) -> None:
    marieke = login(app, "marieke@example.nl")
    dossier_url = f"/dossiers/{shared_world['dossier']}"
    approved = post_form(
        marieke,
        f"{dossier_url}/grants/{shared_world['grant']}/approve",
        {},
        form_page=dossier_url + "/access",
    )
    assert approved.status_code == 302
    page = marieke.get(dossier_url + "/access").get_data(as_text=True)
    assert "This is not waiting for approval any more." in page
