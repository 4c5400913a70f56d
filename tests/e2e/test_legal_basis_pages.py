"""Access on a legal basis as the owners see it on "Who may look?": in plain words, with its
basis and reference, not in red, and without a button to stop it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from dossier.keys import load_keys
from dossier.services import emergency, legal_basis
from dossier.services.emergency import LOCAL
from tests.conftest import PASSWORD, login_actor
from tests.e2e.test_dossier_pages import login
from tests.support import ADMIN, AUDITOR, World, youth_world

LEAD = "lead@example.nl"
GEA = "gi@example.nl"
REFERENCE = "C/16/512345 / JE RK 26-101"


def test_owners_see_access_by_law_with_its_basis_and_reference(app, ctx, keys_dir) -> None:  # type: ignore[no-untyped-def]
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
    legal_row = access[access.index(f'id="legal-{recorded.id}"') :]
    assert "emergency-words" not in legal_row.split("</li>")[0]  # lawful: not in red
