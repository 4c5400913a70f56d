"""Every PATCH is one transaction: when its second half is refused, its first half is not kept."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from dossier.errors import InvalidInput
from dossier.models import AuditEvent, Entry, GrantSection, Section
from dossier.services import accounts
from tests.conftest import PASSWORD
from tests.support import api_login, grant_access

PAST = "2000-01-01T00:00:00+00:00"


def _refuse(monkeypatch: pytest.MonkeyPatch, module: Any, actions: set[str]) -> None:
    """The named half is refused where it would be logged, after the other half did its work."""
    real = module.append

    def append(db, event, *args, **kwargs):
        if event.action in actions:
            raise InvalidInput({"_": ["refused for the test"]})
        return real(db, event, *args, **kwargs)

    monkeypatch.setattr(module, "append", append)


def _events(ctx: Any, *actions: str) -> int:
    with ctx.unit_of_work() as db:
        return db.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action.in_(actions), AuditEvent.outcome == "success")
        )


def test_an_entry_is_not_edited_when_marking_it_outdated_fails(
    client, shared_world, monkeypatch
) -> None:
    import dossier.services.work as module

    w = shared_world
    sanne = api_login(client, "sanne@example.nl")
    _refuse(monkeypatch, module, {"entry.outdated"})
    response = client.patch(
        f"/api/v1/dossiers/{w['dossier']}/entries/{w['plan']}",
        headers=sanne,
        json={"title": "Nieuw plan", "body": "Andere stappen", "outdated": True},
    )
    assert response.status_code == 422
    with w["ctx"].unit_of_work() as db:
        entry = db.get(Entry, w["plan"])
        assert entry.current_version == 1 and entry.outdated_at is None
    assert _events(w["ctx"], "entry.edit", "entry.outdated") == 0
    monkeypatch.undo()
    read = client.get(f"/api/v1/dossiers/{w['dossier']}/entries/{w['plan']}", headers=sanne)
    assert read.get_json()["body"] == "Stappen"


def test_both_halves_of_an_entry_patch_happen_together(client, shared_world) -> None:
    w = shared_world
    sanne = api_login(client, "sanne@example.nl")
    response = client.patch(
        f"/api/v1/dossiers/{w['dossier']}/entries/{w['plan']}",
        headers=sanne,
        json={"title": "Nieuw plan", "outdated": True},
    )
    assert response.status_code == 200 and response.get_json()["version"] == 2
    with w["ctx"].unit_of_work() as db:
        entry = db.get(Entry, w["plan"])
        assert entry.current_version == 2 and entry.outdated_at is not None
    bad_title = client.patch(
        f"/api/v1/dossiers/{w['dossier']}/entries/{w['plan']}",
        headers=sanne,
        json={"title": " ", "outdated": False},
    )
    assert bad_title.status_code == 422 and "title" in bad_title.get_json()["errors"]
    with w["ctx"].unit_of_work() as db:
        assert db.get(Entry, w["plan"]).outdated_at is not None


def test_a_section_is_not_renamed_when_archiving_it_fails(
    client, shared_world, monkeypatch
) -> None:
    import dossier.services.dossiers as module

    w = shared_world
    sanne = api_login(client, "sanne@example.nl")
    care = w["dossier_sections"][1]
    _refuse(monkeypatch, module, {"section.archive"})
    response = client.patch(
        f"/api/v1/dossiers/{w['dossier']}/sections/{care}",
        headers=sanne,
        json={"name": "Zorg en hulp", "archived": True},
    )
    assert response.status_code == 422
    with w["ctx"].unit_of_work() as db:
        section = db.get(Section, care)
        assert section.name_sealed is None and section.archived_at is None
    assert _events(w["ctx"], "section.rename", "section.archive") == 0
    monkeypatch.undo()
    both = client.patch(
        f"/api/v1/dossiers/{w['dossier']}/sections/{care}",
        headers=sanne,
        json={"name": "Zorg en hulp", "archived": True},
    )
    assert both.status_code == 204
    sections = client.get(f"/api/v1/dossiers/{w['dossier']}/sections", headers=sanne).get_json()
    assert {"id": str(care), "name": "Zorg en hulp", "archived": True} in [
        {k: s[k] for k in ("id", "name", "archived")} for s in sections["items"]
    ]


def test_a_grant_is_not_narrowed_when_its_new_end_date_is_refused(client, shared_world) -> None:
    w = shared_world
    ctx = w["ctx"]
    accounts.register(ctx, accounts.NewAccount("oma@example.nl", PASSWORD, "Oma", "parent"))
    care, school = w["dossier_sections"][1], w["dossier_sections"][3]
    grant_id = grant_access(ctx, w["sanne"], w["dossier"], "oma@example.nl", [care, school], "read")
    sanne = api_login(client, "sanne@example.nl")
    response = client.patch(
        f"/api/v1/dossiers/{w['dossier']}/grants/{grant_id}",
        headers=sanne,
        json={"section_ids": [str(care)], "expires_at": PAST},
    )
    assert response.status_code == 422 and "expires_at" in response.get_json()["errors"]
    with ctx.unit_of_work() as db:
        kept = set(
            db.scalars(select(GrantSection.section_id).where(GrantSection.grant_id == grant_id))
        )
    assert kept == {care, school}


COVERED = {
    "/api/v1/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>",
    "/api/v1/dossiers/<uuid:dossier_id>/sections/<uuid:section_id>",
    "/api/v1/dossiers/<uuid:dossier_id>/grants/<uuid:grant_id>",
}


def test_every_patch_route_is_held_to_one_transaction_here(app) -> None:
    patches = {rule.rule for rule in app.url_map.iter_rules() if "PATCH" in (rule.methods or ())}
    assert patches == COVERED, "a new PATCH route needs its all-or-nothing test in this file"


def test_an_unknown_entry_is_a_404_whatever_the_patch_holds(client, shared_world) -> None:
    w = shared_world
    sanne = api_login(client, "sanne@example.nl")
    response = client.patch(
        f"/api/v1/dossiers/{w['dossier']}/entries/{uuid.uuid4()}",
        headers=sanne,
        json={"title": "X", "outdated": True},
    )
    assert response.status_code == 404
