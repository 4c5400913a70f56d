"""News about the plan on the start page, through the test client: one plain line, in English
and in Dutch, with a link to the version it is about or to the plan."""

from __future__ import annotations

import uuid
from datetime import timedelta

from dossier.services import plans
from dossier.services.context import Context
from dossier.services.plans import Goal, PlanDocument, Step
from tests.e2e.test_dossier_pages import login
from tests.support import CARE_WORKER, GUARDIAN, youth_world


def test_the_start_page_links_plan_news_to_the_plan(app, keyed: Context) -> None:
    world = youth_world(keyed)
    world.staff()
    anne = world.care_worker()
    world.share(CARE_WORKER, "contribute")
    dossier = world.dossier.id
    step = Step(uuid.uuid4(), "Samen ontbijten", "Anne", anne.user_id, None)
    document = PlanDocument(
        goals=(Goal(uuid.uuid4(), "Uitgerust naar school", "Anne", (step,)),),
        next_evaluation=keyed.now().date() + timedelta(days=30),
    )
    plans.propose_plan(keyed, anne, dossier, document)
    for person in (world.guardian, anne, world.youth):
        plans.mark_plan(keyed, person, dossier, 1, True)

    mother = login(app, GUARDIAN)
    start = mother.get("/start").get_data(as_text=True)
    assert "Anne wrote a new version of the plan." in start
    assert f'href="/dossiers/{dossier}/plan/versions/1"' in start
    assert "Version 1 is now the plan." in start
    assert f'href="/dossiers/{dossier}/plan"' in start
    assert "Uitgerust" not in start  # the line names who, never what the plan says
    mother.get("/language/nl")
    dutch = mother.get("/start").get_data(as_text=True)
    assert "Anne schreef een nieuwe versie van het plan." in dutch
    assert "Bekijk het plan" in dutch
