"""What the pages and the API say about a text that is not signed, or does not verify, in the
world of `tests.integration.test_signed_texts` (Marieke's dossier for Lotte, 9)."""

from __future__ import annotations

import pytest

from dossier.models import CorrectionRequest, Entry
from dossier.services.content import seal_text
from dossier.services.context import Context
from dossier.services.keychain import keychain
from tests.conftest import PASSWORD
from tests.integration.test_signed_texts import (
    REASON,
    World,
    correction_place_of,
    flip_the_message,
    make_world,
    set_columns,
    user_id_of,
)
from tests.support import api_login, post_form


@pytest.fixture
def world(ctx: Context) -> World:
    return make_world(ctx)


def _logged_in(app, email: str):
    client = app.test_client()
    assert post_form(client, "/login", {"email": email, "password": PASSWORD}).status_code == 302
    return client


def test_a_correction_request_page_says_not_signed_or_cannot_be_trusted(app, world: World) -> None:
    w = world
    entry_page = f"/dossiers/{w.dossier}/entries/{w.report}"
    api_entry = f"/api/v1/dossiers/{w.dossier}/entries/{w.report}"
    client = _logged_in(app, "marieke@example.nl")
    page = client.get(entry_page).get_data(as_text=True)
    assert REASON in page and "Niet ondertekend" not in page
    token = api_login(app.test_client(), "marieke@example.nl")
    asked = client.get(api_entry, headers=token).get_json()["correction_requests"][0]
    assert (asked["reason"], asked["trusted"], asked["signed"]) == (REASON, True, True)

    # As the service wrote it before requests were signed: the words, marked as not signed.
    with w.ctx.unit_of_work() as db:
        keys = keychain(db, w.parent, w.dossier)
        row = db.get(CorrectionRequest, w.correction)
        entry = db.get(Entry, row.entry_id)
        place = correction_place_of(entry, row, False)
        row.reason_sealed = seal_text(
            keys.key(entry.section_id, place.key_version), "Oude vraag", place, "reason"
        )
        row.reason_signed_by = None
    page = client.get(entry_page).get_data(as_text=True)
    assert "Oude vraag" in page and "Niet ondertekend" in page
    asked = client.get(api_entry, headers=token).get_json()["correction_requests"][0]
    assert (asked["reason"], asked["trusted"], asked["signed"]) == ("Oude vraag", True, False)

    # Claimed by someone whose key did not sign it: not shown, and said so.
    set_columns(
        w.ctx,
        CorrectionRequest,
        w.correction,
        reason_signed_by=user_id_of(w.ctx, "anne@example.nl"),
    )
    page = client.get(entry_page).get_data(as_text=True)
    assert "Oude vraag" not in page and "Deze tekst is niet te vertrouwen" in page
    asked = client.get(api_entry, headers=token).get_json()["correction_requests"][0]
    assert (asked["trusted"], asked["signed"]) == (False, False)
    assert "Oude vraag" not in str(asked)


def test_a_grant_message_that_does_not_verify_is_not_shown(app, world: World) -> None:
    w = world
    client = _logged_in(app, "anne@example.nl")
    assert "Fijn dat je meekijkt" in client.get(f"/dossiers/{w.dossier}").get_data(as_text=True)
    flip_the_message(w)
    page = client.get(f"/dossiers/{w.dossier}").get_data(as_text=True)
    assert "Fijn dat je meekijkt" not in page and "Deze tekst is niet te vertrouwen" in page
