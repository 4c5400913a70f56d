"""The family's plan leaves the service: in the dossier's ZIP, as a PDF to take to a meeting and
as FHIR R4 for a care organisation's own system. Sanne (14), her mother Marieke and Anne, the
care worker on Care, made it together; on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader
from sqlalchemy import func, select

from dossier.actions import Action
from dossier.models import AuditEvent, Section
from dossier.services import accounts, plans
from dossier.services.export import exported_plan
from dossier.services.plans import Goal, PlanDocument, Step
from dossier.services.work import dossier_work
from tests.conftest import PASSWORD, login_actor
from tests.support import api_login, grant_access, person, post_form

FIRST = "Naar school zonder buikpijn"
STEP = "Elke ochtend samen ontbijten"
SWIM = "Zwemdiploma A halen"
OUTSIDE = "Vaker buiten spelen"
NOT_YET = "Liever eerst de zomer afwachten"
PDF_TYPE = "application/pdf"
FHIR_TYPE = "application/fhir+json"


def _events(ctx: Any, action: Action) -> int:
    with ctx.unit_of_work() as db:
        return db.scalar(select(func.count()).where(AuditEvent.action == action)) or 0


@pytest.fixture
def made(shared_world: dict[str, Any], client: Any) -> dict[str, Any]:
    """Version 1 agreed, its action done, then replaced by version 2 with three goals, which is
    evaluated (reached, partly, not); version 3 waits, and Sanne says why she does not agree."""
    w = shared_world
    ctx, sanne, marieke, anne, dossier = w["ctx"], w["sanne"], w["marieke"], w["anne"], w["dossier"]
    soon = ctx.now().date() + timedelta(days=3)
    step = Step(uuid.uuid4(), STEP, "Sanne", sanne.user_id, soon)
    first = Goal(uuid.uuid4(), FIRST, "Sanne", (step,))
    plans.propose_plan(ctx, sanne, dossier, PlanDocument(strengths="Oma helpt.", goals=(first,)))
    for owner in (marieke, sanne):
        plans.mark_plan(ctx, owner, dossier, 1, True)
    plans.tick_action(ctx, sanne, dossier, step.ref, True, "Lukt al twee weken")
    swim = Goal(uuid.uuid4(), SWIM, "Marieke", (Step(uuid.uuid4(), "Les op zaterdag", "Oma"),))
    outside = Goal(uuid.uuid4(), OUTSIDE, "Anne")
    second = PlanDocument(strengths="Sanne tekent goed.", goals=(first, swim, outside))
    plans.propose_plan(ctx, anne, dossier, second, based_on=1)
    for owner in (marieke, sanne):
        plans.mark_plan(ctx, owner, dossier, 2, True)
    plans.evaluate_plan(
        ctx,
        marieke,
        dossier,
        2,
        {first.ref: ("reached", "Gaat goed"), swim.ref: ("partly", ""), outside.ref: ("not", "")},
    )
    plans.propose_plan(ctx, marieke, dossier, second, based_on=2)
    plans.mark_plan(ctx, sanne, dossier, 3, False, NOT_YET)
    return {
        **w,
        "as_sanne": api_login(client, "sanne@example.nl"),
        "as_anne": api_login(client, "anne@example.nl"),
        "api": f"/api/v1/dossiers/{dossier}/plan",
        "page": f"/dossiers/{dossier}/plan",
    }


def test_the_zip_holds_the_whole_plan_in_html_and_json(made: dict[str, Any], client: Any) -> None:
    exports = _events(made["ctx"], Action.DOSSIER_EXPORT)
    reads = _events(made["ctx"], Action.PLAN_READ)
    response = client.get(f"/api/v1/dossiers/{made['dossier']}/export", headers=made["as_sanne"])
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.data))

    page = archive.read("index.html").decode()
    assert "Ons plan" in page  # Dutch by default
    for words in (FIRST, STEP, SWIM, OUTSIDE, NOT_YET, "Lukt al twee weken", "Oma helpt."):
        assert words in page, words

    plan = json.loads(archive.read("dossier.json"))["plan"]
    assert plan["current"]["number"] == 2 and plan["current"]["status"] == "current"
    assert [g["text"] for g in plan["current"]["goals"]] == [FIRST, SWIM, OUTSIDE]
    assert [g["outcome"] for g in plan["current"]["goals"]] == ["reached", "partly", "not"]
    assert plan["current"]["goals"][0]["actions"][0]["done"] is True
    [proposal] = plan["proposals"]
    assert proposal["number"] == 3
    assert [(m["person"]["name"], m["agrees"], m["reason"]) for m in proposal["marks"]] == [
        ("Sanne", False, NOT_YET)
    ]
    [older] = plan["history"]
    assert older["number"] == 1 and older["status"] == "replaced"
    assert older["goals"][0]["text"] == FIRST and older["strengths"] == "Oma helpt."
    # the export's own event covers the plan: no read of its own
    assert _events(made["ctx"], Action.DOSSIER_EXPORT) == exports + 1
    assert _events(made["ctx"], Action.PLAN_READ) == reads


def test_a_zip_without_a_plan_has_no_plan(shared_world: dict[str, Any], client: Any) -> None:
    w = shared_world
    response = client.get(
        f"/api/v1/dossiers/{w['dossier']}/export", headers=api_login(client, "sanne@example.nl")
    )
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert "Ons plan" not in archive.read("index.html").decode()
    assert json.loads(archive.read("dossier.json"))["plan"] is None


def _oma_reads_school(made: dict[str, Any]) -> None:
    """Oma Els may read School, not Care, where the plan lives."""
    ctx, dossier = made["ctx"], made["dossier"]
    with ctx.unit_of_work() as db:
        school = db.scalar(
            select(Section.id).where(
                Section.dossier_id == dossier, Section.default_name == "school"
            )
        )
    person(ctx, "oma@example.nl", "parent", "Oma Els")
    grant_access(ctx, made["marieke"], dossier, "oma@example.nl", [school], "read")


def test_whoever_may_not_read_care_gets_no_plan_in_a_copy(made: dict[str, Any]) -> None:
    """The copy takes the plan only where the reader may read its section."""
    ctx, dossier = made["ctx"], made["dossier"]
    _oma_reads_school(made)
    oma = login_actor(ctx, "oma@example.nl")
    with dossier_work(ctx, oma, dossier, Action.DOSSIER_EXPORT) as work:
        assert exported_plan(work) is None
    with dossier_work(ctx, made["anne"], dossier, Action.DOSSIER_EXPORT) as work:
        seen = exported_plan(work)
        assert seen is not None and seen.current is not None
        assert [g.text for g in seen.current.goals] == [FIRST, SWIM, OUTSIDE]


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_plan_prints_as_a_pdf_with_one_event(made: dict[str, Any], client: Any) -> None:
    downloads = _events(made["ctx"], Action.PLAN_DOWNLOAD)
    reads = _events(made["ctx"], Action.PLAN_READ)
    response = client.get(made["api"] + "/pdf", headers=made["as_anne"])
    assert response.status_code == 200
    assert response.mimetype == PDF_TYPE
    assert response.data.startswith(b"%PDF")
    assert "attachment" in response.headers["Content-Disposition"]
    text = " ".join(_pdf_text(response.data).split())
    for words in ("Ons plan", "Versie 2", FIRST, SWIM, OUTSIDE, STEP, "Sanne tekent goed."):
        assert words in text, words
    assert _events(made["ctx"], Action.PLAN_DOWNLOAD) == downloads + 1
    assert _events(made["ctx"], Action.PLAN_READ) == reads


def test_the_pdf_speaks_the_language_of_the_account(made: dict[str, Any], client: Any) -> None:
    accounts.set_language(made["ctx"], made["sanne"], "en")
    response = client.get(made["api"] + "/pdf", headers=made["as_sanne"])
    text = " ".join(_pdf_text(response.data).split())
    assert "Our plan" in text and "Who stands behind it?" in text
    assert "Ons plan" not in text


def test_the_newest_proposal_prints_while_nothing_is_agreed(
    shared_world: dict[str, Any], client: Any
) -> None:
    w = shared_world
    goal = Goal(uuid.uuid4(), FIRST, "Sanne")
    plans.propose_plan(w["ctx"], w["sanne"], w["dossier"], PlanDocument(goals=(goal,)))
    plans.mark_plan(w["ctx"], w["sanne"], w["dossier"], 1, False, NOT_YET)
    headers = api_login(client, "marieke@example.nl")
    url = f"/api/v1/dossiers/{w['dossier']}/plan"
    text = " ".join(_pdf_text(client.get(url + "/pdf", headers=headers).data).split())
    assert FIRST in text and NOT_YET in text
    bundle = Bundle.model_validate_json(client.get(url + "/fhir", headers=headers).data)
    [careplan] = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "CarePlan"]
    [goal_resource] = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "Goal"]
    assert careplan.status == "draft" and goal_resource.lifecycleStatus == "proposed"
    assert goal_resource.achievementStatus is None


def test_no_plan_yet_is_no_plan_to_download(shared_world: dict[str, Any], client: Any) -> None:
    headers = api_login(client, "sanne@example.nl")
    url = f"/api/v1/dossiers/{shared_world['dossier']}/plan"
    assert client.get(url + "/pdf", headers=headers).status_code == 404
    assert client.get(url + "/fhir", headers=headers).status_code == 404


def test_the_plan_as_fhir_validates_and_says_what_was_reached(
    made: dict[str, Any], client: Any
) -> None:
    downloads = _events(made["ctx"], Action.PLAN_DOWNLOAD)
    response = client.get(made["api"] + "/fhir", headers=made["as_anne"])
    assert response.status_code == 200
    assert response.mimetype == FHIR_TYPE
    assert _events(made["ctx"], Action.PLAN_DOWNLOAD) == downloads + 1

    bundle = Bundle.model_validate_json(response.data)  # raises unless it is valid R4(B)
    assert bundle.type == "collection"
    resources = [entry.resource for entry in bundle.entry]
    [careplan] = [r for r in resources if r.get_resource_type() == "CarePlan"]
    goals = [r for r in resources if r.get_resource_type() == "Goal"]
    assert careplan.status == "active" and careplan.intent == "plan"
    assert careplan.description == "Sanne tekent goed."
    assert careplan.subject.display == "Sanne"
    assert careplan.title and "2" in careplan.title
    by_url = {entry.fullUrl: entry.resource for entry in bundle.entry}
    assert [by_url[ref.reference].description.text for ref in careplan.goal] == [
        FIRST,
        SWIM,
        OUTSIDE,
    ]
    achieved = {
        goal.description.text: goal.achievementStatus.coding[0].code
        for goal in goals
        if goal.achievementStatus
    }
    assert achieved == {FIRST: "achieved", SWIM: "improving", OUTSIDE: "not-achieved"}
    assert {goal.lifecycleStatus for goal in goals} == {"active"}
    details = {a.detail.description: a.detail for a in careplan.activity}
    assert details[STEP].status == "completed"
    assert details[STEP].scheduledPeriod.end is not None
    assert details["Les op zaterdag"].status == "not-started"
    assert details["Les op zaterdag"].performer[0].display == "Oma"

    # nothing in it points back into the service: no ids of the dossier, its people or rows
    raw = response.get_data(as_text=True)
    for secret in (made["dossier"], made["sanne"].user_id, made["anne"].user_id):
        assert str(secret) not in raw
    assert '"identifier"' not in raw and careplan.subject.reference is None


@pytest.mark.parametrize("kind", ["pdf", "fhir"])
def test_a_stranger_or_a_reader_without_care_gets_404(
    made: dict[str, Any], client: Any, kind: str
) -> None:
    person(made["ctx"], "vreemd@example.nl", "parent", "Vreemd")
    _oma_reads_school(made)
    for email in ("vreemd@example.nl", "oma@example.nl"):
        response = client.get(made["api"] + f"/{kind}", headers=api_login(client, email))
        assert response.status_code == 404, email
        assert response.mimetype == "application/problem+json"


def test_the_plan_page_links_to_both_and_pages_answer_files(
    made: dict[str, Any], client: Any
) -> None:
    signed_in = post_form(client, "/login", {"email": "sanne@example.nl", "password": PASSWORD})
    assert signed_in.status_code == 302
    page = client.get(made["page"]).get_data(as_text=True)
    assert f"{made['page']}.pdf" in page and "Print als PDF" in page
    assert f"{made['page']}.fhir.json" in page
    pdf = client.get(made["page"] + ".pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    fhir = client.get(made["page"] + ".fhir.json")
    assert fhir.status_code == 200 and fhir.mimetype == FHIR_TYPE
    Bundle.model_validate_json(fhir.data)
