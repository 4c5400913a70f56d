"""A new owner waits for the young person's yes, in a real browser on a phone, and in the API."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.test_journeys import VIEWPORTS, check, log_in
from tests.support import api_login, person, youth_world


def family_of_14(ctx):
    """Sanne (14) and her mother as owners, Sanne's own story, and Vreemde, whom nobody knows."""
    world = youth_world(ctx)
    person(ctx, "vreemde@example.nl", "parent")
    return world.dossier, world.write(world.youth, "my_story", "Mijn verhaal", "Alleen van mij")


@pytest.mark.browser
def test_a_parents_invitation_waits_for_the_youth_before_it_opens_anything(
    browser: Browser, base_url: str, ctx
) -> None:
    dossier, story = family_of_14(ctx)
    phone = VIEWPORTS["phone"]
    dossier_url = f"{base_url}/dossiers/{dossier.id}"

    mother = log_in(browser, base_url, phone, "marieke@example.nl")
    mother.goto(dossier_url + "/invite")
    mother.get_by_label("Een ouder of voogd").check()
    mother.get_by_role("button", name="Uitnodiging maken").click()
    expect(mother.get_by_text("De code opent nog niets.")).to_be_visible()
    check(mother, "phone-owner-invitation-waits")
    code = mother.locator("#invitation-code code").inner_text()

    stranger = log_in(browser, base_url, phone, "vreemde@example.nl")
    stranger.goto(base_url + "/join")
    stranger.get_by_label("Uitnodigingscode").fill(code)
    stranger.get_by_role("button", name="Meedoen").click()
    expect(
        stranger.get_by_text("De eigenaren van het dossier moeten eerst ja zeggen.")
    ).to_be_visible()
    stranger.goto(f"{dossier_url}/entries/{story}")
    expect(stranger.get_by_text("Alleen van mij")).to_have_count(0)

    youth = log_in(browser, base_url, phone, "sanne@example.nl")
    expect(
        youth.get_by_text("Vreemde wordt eigenaar van een dossier als jij ja zegt.")
    ).to_be_visible()
    check(youth, "phone-start-owner-waits")
    youth.goto(dossier_url + "/access")
    change = youth.locator("li.change-add_owner")
    expect(change).to_contain_text("Nieuwe eigenaar: Vreemde")
    expect(change).to_contain_text("Wacht op: de jongere")
    check(youth, "phone-owner-waits-for-youth")
    change.get_by_role("button", name="Ja zeggen").click()
    expect(youth.get_by_text("Je zei ja. Het is gebeurd.")).to_be_visible()
    owner_row = youth.locator("li.owner", has_text="Vreemde")
    expect(owner_row).to_contain_text("Ja gezegd door")
    expect(owner_row).to_contain_text("Sanne")
    check(youth, "phone-owner-approved")

    stranger.goto(f"{dossier_url}/entries/{story}")
    expect(stranger.get_by_text("Alleen van mij")).to_be_visible()


def test_the_api_removes_an_owner_only_with_the_youths_yes(app, client, ctx) -> None:
    dossier, story = family_of_14(ctx)
    sanne = api_login(client, "sanne@example.nl")
    marieke = api_login(client, "marieke@example.nl")
    base = f"/api/v1/dossiers/{dossier.id}"
    invited = client.post(base + "/invitations", json={"relation": "guardian"}, headers=marieke)
    assert invited.status_code == 201 and invited.get_json()["status"] == "pending"
    joined = client.post(
        "/api/v1/invitations/acceptance",
        json={"code": invited.get_json()["code"]},
        headers=api_login(client, "vreemde@example.nl"),
    )
    assert joined.status_code == 200 and joined.get_json()["status"] == "pending"
    access = client.get(base + "/grants", headers=sanne).get_json()
    [change] = access["changes"]
    assert change["waiting_for"] == ["subject"] and change["can_approve"]
    refused = client.post(f"{base}/ownership-changes/{change['id']}/approval", headers=marieke)
    assert refused.status_code == 403
    approved = client.post(f"{base}/ownership-changes/{change['id']}/approval", headers=sanne)
    assert approved.status_code == 200 and approved.get_json()["status"] == "done"

    vreemde = next(
        o
        for o in client.get(base + "/grants", headers=sanne).get_json()["owners"]
        if o["person"]["name"] == "Vreemde"
    )
    assert {a["relation"] for a in vreemde["approved_by"]} == {"subject", "guardian"}
    asked = client.delete(f"{base}/owners/{vreemde['person']['id']}", headers=marieke)
    assert asked.status_code == 202 and asked.get_json()["waiting_for"] == ["subject"]
    again = client.post(
        f"{base}/ownership-changes/{asked.get_json()['change_id']}/approval", headers=sanne
    )
    assert again.get_json()["status"] == "done"
    stranger = api_login(client, "vreemde@example.nl")
    assert client.get(f"{base}/entries/{story}", headers=stranger).status_code == 404

    waiting = client.delete(base + "?confirm=Sanne", headers=marieke)
    assert waiting.status_code == 202 and waiting.get_json()["kind"] == "destroy"
    assert client.get(base, headers=sanne).status_code == 200
    assert client.delete(base + "?confirm=Sanne", headers=sanne).status_code == 204
    assert client.get(base, headers=sanne).status_code == 404


def test_who_may_look_lists_the_owners_when_nothing_waits(app, client, ctx) -> None:
    from tests.e2e.test_sharing_pages import login

    dossier, _story = family_of_14(ctx)
    page = login(app, "sanne@example.nl").get(f"/dossiers/{dossier.id}/access")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Waiting for a yes" not in html
    assert html.count('class="row owner"') == 2
    assert "Marieke" in html and "Take away as owner" in html
