"""The family's plan in the API: the page, one version, proposing, marking, ticking off an action
and evaluating. Who may do what is the service's to say (`services.plans.people`)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response

from dossier.api.blueprint import Operation, bp, documented, dump, load, no_content
from dossier.edge.auth import actor, login_required
from dossier.edge.context import service_context
from dossier.edge.downloads import attachment_response
from dossier.edge.export import render_plan
from dossier.schemas import (
    PlanAgreement,
    PlanDraftIn,
    PlanEvaluationIn,
    PlanMarkIn,
    PlanNumber,
    PlanPageOut,
    PlanTickIn,
    PlanVersionOut,
)
from dossier.services import plans

PLAN = "/dossiers/{id}/plan"
VERSION = PLAN + "/versions/{number}"
# The service names a draft's fields `goals-0-text`; marshmallow's errors are named alike.
DASH = "-"


def draft_of(data: dict[str, Any]) -> plans.PlanDocument:
    """A loaded body as the service's draft; refs left out were given fresh ones on loading."""
    return plans.PlanDocument(
        strengths=data["strengths"],
        network=tuple(plans.Helper(h["name"], h["how"]) for h in data["network"]),
        goals=tuple(
            plans.Goal(
                goal["ref"],
                goal["text"],
                goal["proposed_by"],
                tuple(plans.Step(**action) for action in goal["actions"]),
            )
            for goal in data["goals"]
        ),
        next_evaluation=data["next_evaluation"],
    )


def outcomes_of(data: dict[str, Any]) -> dict[uuid.UUID, tuple[str, str]]:
    return {goal["ref"]: (goal["outcome"], goal["words"]) for goal in data["goals"]}


@bp.get("/dossiers/<uuid:dossier_id>/plan")
@login_required
@documented(
    Operation(
        PLAN,
        "get",
        "The plan everyone agreed to, the proposals beside it, its history and its people",
        "plan",
        responses={200: PlanPageOut},
        errors=(401, 404),
    )
)
def read_plan(dossier_id: uuid.UUID) -> Response:
    return dump(PlanPageOut, plans.read_plan(service_context(), actor(), dossier_id))


@bp.get("/dossiers/<uuid:dossier_id>/plan/versions/<number:number>")
@login_required
@documented(
    Operation(
        VERSION,
        "get",
        "One version of the plan, also one from its history",
        "plan",
        responses={200: PlanVersionOut},
        errors=(401, 404),
    )
)
def read_version(dossier_id: uuid.UUID, number: int) -> Response:
    page = plans.read_plan(service_context(), actor(), dossier_id, number)
    return dump(PlanVersionOut, page.shown)


@bp.post("/dossiers/<uuid:dossier_id>/plan/versions")
@login_required
@documented(
    Operation(
        PLAN + "/versions",
        "post",
        "Propose a new version, whole; an error names a field by its place, `goals-0-text`",
        "plan",
        body=PlanDraftIn,
        responses={201: PlanNumber},
        errors=(400, 401, 403, 404, 422),
    )
)
def propose(dossier_id: uuid.UUID) -> Response:
    data = load(PlanDraftIn, DASH)
    number = plans.propose_plan(
        service_context(), actor(), dossier_id, draft_of(data), based_on=data["based_on"]
    )
    return dump(PlanNumber, {"number": number}, 201)


@bp.post("/dossiers/<uuid:dossier_id>/plan/versions/<number:number>/marks")
@login_required
@documented(
    Operation(
        VERSION + "/marks",
        "post",
        "I stand behind this version, or not and why; replaces my earlier mark on it",
        "plan",
        body=PlanMarkIn,
        responses={200: PlanAgreement},
        errors=(400, 401, 403, 404, 422),
    )
)
def mark(dossier_id: uuid.UUID, number: int) -> Response:
    data = load(PlanMarkIn)
    agreement = plans.mark_plan(
        service_context(), actor(), dossier_id, number, data["agrees"], data["reason"]
    )
    return dump(PlanAgreement, {"agreement": agreement})


@bp.put("/dossiers/<uuid:dossier_id>/plan/actions/<uuid:ref>")
@login_required
@documented(
    Operation(
        PLAN + "/actions/{ref}",
        "put",
        "An action done or not done, with a short note; the plan keeps its version",
        "plan",
        body=PlanTickIn,
        responses={204: None},
        errors=(400, 401, 403, 404, 422),
    )
)
def tick(dossier_id: uuid.UUID, ref: uuid.UUID) -> Response:
    data = load(PlanTickIn)
    plans.tick_action(service_context(), actor(), dossier_id, ref, data["done"], data["note"])
    return no_content()


@bp.post("/dossiers/<uuid:dossier_id>/plan/versions/<number:number>/evaluations")
@login_required
@documented(
    Operation(
        VERSION + "/evaluations",
        "post",
        "What the plan everyone agreed to reached, per goal",
        "plan",
        body=PlanEvaluationIn,
        responses={201: PlanNumber},
        errors=(400, 401, 403, 404, 422),
    )
)
def evaluate(dossier_id: uuid.UUID, number: int) -> Response:
    data = load(PlanEvaluationIn, DASH)
    plans.evaluate_plan(service_context(), actor(), dossier_id, number, outcomes_of(data))
    return dump(PlanNumber, {"number": number}, 201)


@bp.get("/dossiers/<uuid:dossier_id>/plan/pdf")
@login_required
@documented(
    Operation(
        PLAN + "/pdf",
        "get",
        "The plan to print: the one everyone stands behind, else the newest proposal",
        "plan",
        responses={200: None},
        errors=(401, 404),
        download=("application/pdf",),
    )
)
def plan_pdf(dossier_id: uuid.UUID) -> Response:
    file = plans.download_plan(
        service_context(), actor(), dossier_id, plans.PlanFormat.PDF, render_plan
    )
    return attachment_response(file)


@bp.get("/dossiers/<uuid:dossier_id>/plan/fhir")
@login_required
@documented(
    Operation(
        PLAN + "/fhir",
        "get",
        "The same plan as a FHIR R4 Bundle: one CarePlan and a Goal per goal",
        "plan",
        responses={200: None},
        errors=(401, 404),
        download=("application/fhir+json",),
    )
)
def plan_fhir(dossier_id: uuid.UUID) -> Response:
    file = plans.download_plan(
        service_context(), actor(), dossier_id, plans.PlanFormat.FHIR, render_plan
    )
    return attachment_response(file)
