"""Sharing by e-mail tells the owner nothing about the address: whether it has an account, and of
which role, is learned only by whoever reads the mail."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from dossier.services import accounts, dossiers
from dossier.services.mail import Mail
from tests.conftest import PASSWORD, login_actor
from tests.support import api_login


@pytest.fixture
def outbox(monkeypatch: pytest.MonkeyPatch) -> list[Mail]:
    """The mails that leave after a commit, caught where they would go to the mail server."""
    sent: list[Mail] = []
    monkeypatch.setattr("dossier.services.context.send", lambda _url, mail: sent.append(mail))
    return sent


def owner_with_a_dossier(ctx):
    today = ctx.now().date()
    born = today.replace(year=today.year - 17) - timedelta(days=3)
    accounts.register(
        ctx, accounts.NewAccount("daan@example.nl", PASSWORD, "Daan", "youth", birth_date=born)
    )
    daan = login_actor(ctx, "daan@example.nl")
    dossier = dossiers.create_dossier(ctx, daan, "Daan", None, for_self=True)
    return dossier


def people(ctx) -> None:
    accounts.register(ctx, accounts.NewAccount("mentor@example.nl", PASSWORD, "Mentor", "parent"))
    accounts.register(
        ctx,
        accounts.NewAccount(
            "new-pro@example.nl",
            PASSWORD,
            "Nieuw",
            "professional",
            organisation="Wijkteam",
            registration_number="SKJ 100088888",
        ),
    )
    accounts.create_staff(
        ctx, accounts.NewAccount("auditor@example.nl", PASSWORD, "Pieter", "auditor")
    )


ADDRESSES = ["mentor@example.nl", "nobody@example.nl", "auditor@example.nl", "new-pro@example.nl"]


def test_the_owner_gets_the_same_answer_for_every_address(
    app, client, ctx, outbox: list[Mail]
) -> None:
    dossier = owner_with_a_dossier(ctx)
    people(ctx)
    headers = api_login(client, "daan@example.nl")
    care = str(dossier.sections[1].id)
    answers = {}
    for address in ADDRESSES:
        response = client.post(
            f"/api/v1/dossiers/{dossier.id}/grants",
            json={"grantee_email": address, "section_ids": [care], "permission": "read"},
            headers=headers,
        )
        body = response.get_json()
        answers[address] = (
            response.status_code,
            tuple(sorted((key, str(value)) for key, value in body.items() if key != "id")),
        )
    assert len(set(answers.values())) == 1, answers
    assert answers["nobody@example.nl"][0] == 201

    mailed = {mail.to: mail for mail in outbox}
    assert set(ADDRESSES) <= set(mailed)
    codes = {
        address: re.search(r"([A-Z2-7]{4}(?:-[A-Z2-7]{2,4}){6})", mailed[address].body)
        for address in ADDRESSES
    }
    assert codes["mentor@example.nl"] is None  # an account that may receive it gets it at once
    for address in ("nobody@example.nl", "auditor@example.nl", "new-pro@example.nl"):
        assert codes[address] is not None, address
        # The mail names who shares, and its link opens the page that keeps the code through
        # making an account or logging in, as every invitation does.
        code = codes[address].group(1)
        assert mailed[address].body.startswith("Daan wil een deel van een dossier met je delen")
        assert f"/join?code={code}" in mailed[address].body
        invited = client.get(f"/join?code={code}").get_data(as_text=True)
        assert "Daan nodigt je uit" in invited and "Je mag lezen in: Hulp." in invited

    auditor = api_login(client, "auditor@example.nl")
    refused = client.post(
        "/api/v1/invitations/acceptance",
        json={"code": codes["auditor@example.nl"].group(1)},
        headers=auditor,
    )
    assert refused.status_code == 422
    assert "controleurs" in refused.get_json()["errors"]["code"][0]

    accounts.register(ctx, accounts.NewAccount("nobody@example.nl", PASSWORD, "Nina", "parent"))
    nina = api_login(client, "nobody@example.nl")
    joined = client.post(
        "/api/v1/invitations/acceptance",
        json={"code": codes["nobody@example.nl"].group(1)},
        headers=nina,
    )
    assert joined.status_code == 200 and joined.get_json()["status"] == "done"
    assert client.get(f"/api/v1/dossiers/{dossier.id}", headers=nina).status_code == 200


def test_the_share_page_answers_alike_for_an_account_and_a_stranger(
    app, client, ctx, outbox: list[Mail]
) -> None:
    from tests.e2e.test_sharing_pages import login
    from tests.support import post_form

    dossier = owner_with_a_dossier(ctx)
    people(ctx)
    daan = login(app, "daan@example.nl")
    care = str(dossier.sections[1].id)
    pages = []
    for address in ("mentor@example.nl", "nobody@example.nl"):
        sent = post_form(
            daan,
            f"/dossiers/{dossier.id}/share",
            {"grantee_email": address, "section_ids": care, "permission": "read"},
        )
        assert sent.status_code == 302 and sent.headers["Location"].endswith("/access")
        pages.append(daan.get(sent.headers["Location"]).get_data(as_text=True))
    assert all("Shared." in page for page in pages)
    assert "Nobody has an account" not in pages[1]
