"""Keeping a part from someone, through the pages: Anne keeps a part of her entry from Sanne's
father, who sees that it exists and objects; the auditor answers; Sanne reads it; a mother it is
kept from gets a copy of the dossier that leaves it out and says so."""

from __future__ import annotations

import io
import re
import uuid
import zipfile

from dossier.services.entries import withholding
from tests.conftest import login_actor
from tests.e2e.test_dossier_pages import login
from tests.support import (
    AUDITOR,
    CARE_WORKER,
    GUARDIAN,
    World,
    api_login,
    person,
    post_form,
    youth_world,
)

FATHER = "marco@example.nl"
PASSAGE = "Moeder woont nu op een geheim adres in Zeist."
REASON = "Dit beschermt de moeder."


def _world(ctx) -> tuple[World, str]:
    world = youth_world(ctx)
    world.staff()
    world.care_worker()
    world.share(CARE_WORKER, "contribute", ("care",))
    person(ctx, FATHER, "parent", "Marco")
    world.share(FATHER, "read", ("care",))
    entry = world.write(
        login_actor(ctx, CARE_WORKER), "care", "Gesprek thuis", "We spraken over school."
    )
    return world, f"/dossiers/{world.dossier.id}/entries/{entry}"


def test_a_part_kept_from_the_father_from_the_form_to_the_answer(app, ctx) -> None:
    _, entry = _world(ctx)
    anne = login(app, CARE_WORKER)
    assert "Keep a part from someone" in anne.get(entry).get_data(as_text=True)
    form = anne.get(entry + "/withhold").get_data(as_text=True)
    assert "Marco" in form and "Sanne" in form and "Gesprek thuis" in form
    marco_id = re.search(
        r'value="([0-9a-f-]{36})" id="kept_from-\d+"[^>]*> <label[^>]*>Marco', form
    )
    assert marco_id is not None

    nobody = post_form(anne, entry + "/withhold", {"text": PASSAGE, "reason": REASON})
    html = nobody.get_data(as_text=True)
    assert nobody.status_code == 422 and "Choose at least one person." in html
    assert "geheim adres in Zeist" in html  # what she wrote stays
    empty = post_form(
        anne, entry + "/withhold", {"text": " ", "reason": "", "kept_from": marco_id.group(1)}
    )
    assert empty.status_code == 422 and "Write the part you keep back." in empty.get_data(
        as_text=True
    )
    done = post_form(
        anne,
        entry + "/withhold",
        {"text": PASSAGE, "reason": REASON, "kept_from": marco_id.group(1)},
    )
    assert done.status_code == 302 and done.headers["Location"].endswith(entry)

    sanne = login(app, "sanne@example.nl").get(entry).get_data(as_text=True)
    assert "Kept from Marco" in sanne and "geheim adres in Zeist" in sanne
    assert "Dit beschermt de moeder." in sanne

    marco = login(app, FATHER)
    page = marco.get(entry).get_data(as_text=True)
    assert "We spraken over school." in page  # the rest stays his to read
    assert "geheim adres" not in page and "Dit beschermt" not in page
    assert "A part is kept from you" in page and "Anne kept a part of this entry" in page
    assert "Kept from Marco" not in page
    start = marco.get("/start").get_data(as_text=True)
    assert "Anne kept part of an entry in" in start  # told, not only when he opens it

    objection = re.search(r"/dossiers/[^\"]+/passages/[0-9a-f-]{36}/objection", page)
    assert objection is not None
    empty = post_form(marco, objection.group(0), {"text": ""}, entry)
    assert empty.status_code == 422 and "Write why you object." in empty.get_data(as_text=True)
    sent = post_form(marco, objection.group(0), {"text": "Ik ben haar vader."}, entry)
    assert sent.status_code == 302
    assert "You objected. An auditor answers you." in marco.get(entry).get_data(as_text=True)

    pieter = login(app, AUDITOR)
    assert "/audit/passages" in pieter.get("/audit").get_data(as_text=True)
    queue = pieter.get("/audit/passages").get_data(as_text=True)
    assert "Marco" in queue and "Ik ben haar vader." in queue and "kept back by Anne" in queue
    assert "geheim adres" not in queue  # the auditor judges the objection, not the passage
    answer = re.search(r"/audit/passages/[0-9a-f-]{36}/answer", queue)
    assert answer is not None
    refused = post_form(pieter, answer.group(0), {"verdict": " "}, "/audit/passages")
    assert refused.status_code == 422
    saved = post_form(pieter, answer.group(0), {"verdict": "Terecht."}, "/audit/passages")
    assert saved.status_code == 302
    assert "Terecht." in pieter.get("/audit/passages").get_data(as_text=True)
    answered = marco.get(entry).get_data(as_text=True)
    assert "The auditor's answer to your objection:" in answered and "Terecht." in answered
    assert "Pieter answered your objection" in marco.get("/start").get_data(as_text=True)


def test_only_the_author_who_is_a_care_worker_sees_the_form(app, ctx) -> None:
    _, entry = _world(ctx)
    for email, status in (
        ("sanne@example.nl", 403),
        (GUARDIAN, 403),
        (FATHER, 403),
        (AUDITOR, 404),  # staff see no dossier at all
        (CARE_WORKER, 200),
    ):
        client = login(app, email)
        assert client.get(entry + "/withhold").status_code == status, email
        if email != CARE_WORKER:
            assert "Keep a part from someone" not in client.get(entry).get_data(as_text=True)


def test_the_copy_of_a_mother_it_is_kept_from_leaves_it_out_and_says_so(app, ctx) -> None:
    world, entry = _world(ctx)
    entry_id = entry.rsplit("/", 1)[1]
    withholding.withhold(
        ctx,
        login_actor(ctx, CARE_WORKER),
        world.dossier.id,
        uuid.UUID(entry_id),
        PASSAGE,
        REASON,
        [login_actor(ctx, GUARDIAN).user_id],
    )

    def copy_of(email: str) -> str:
        export = login(app, email).get(f"/dossiers/{world.dossier.id}/export")
        archive = zipfile.ZipFile(io.BytesIO(export.data))
        return archive.read("index.html").decode() + archive.read("dossier.json").decode()

    mother = copy_of(GUARDIAN)
    assert "geheim adres" not in mother and "Dit beschermt" not in mother
    assert "Anne kept a part of this entry from you" in mother and "not in this copy" in mother
    assert '"kept_from_me": true' in mother
    sanne = copy_of("sanne@example.nl")
    assert "geheim adres in Zeist" in sanne and "Kept from Marieke" in sanne


def test_the_api_shows_the_part_to_its_readers_and_the_placeholder_to_the_father(app, ctx) -> None:
    world, entry = _world(ctx)
    entry_id = uuid.UUID(entry.rsplit("/", 1)[1])
    withholding.withhold(
        ctx,
        login_actor(ctx, CARE_WORKER),
        world.dossier.id,
        entry_id,
        PASSAGE,
        REASON,
        [login_actor(ctx, FATHER).user_id],
    )
    client = app.test_client()
    path = f"/api/v1/dossiers/{world.dossier.id}/entries/{entry_id}"
    [father] = client.get(path, headers=api_login(client, FATHER)).get_json()["withheld"]
    assert father["kept_from_me"] is True and father["author_name"] == "Anne"
    assert father["text"] is None and father["reason"] is None and father["kept_from"] == []
    [sanne] = client.get(path, headers=api_login(client, "sanne@example.nl")).get_json()["withheld"]
    assert sanne["text"] == PASSAGE and sanne["kept_from"] == ["Marco"]
    assert sanne["kept_from_me"] is False and sanne["trusted"] is True
