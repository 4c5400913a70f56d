"""The plan as HL7 FHIR R4: one `CarePlan` and a `Goal` per goal in a collection `Bundle`, for a
care organisation's own system. The young person is named, never identified: every reference is
a display name or a fresh `urn:uuid`, so nothing in the file points back into this service.

The models are fhir.resources' R4B, the R4 revision whose CarePlan and Goal are R4's; the bundle
is checked against them before it leaves.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from dossier.errors import N_
from dossier.models import PlanOutcome, PlanStatus
from dossier.services.plans.reading import ActionView, GoalView, VersionView

MEDIA_TYPE = "application/fhir+json"
GOAL_ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"

CAREPLAN_STATUS = {
    PlanStatus.CURRENT: "active",
    PlanStatus.PROPOSED: "draft",
    PlanStatus.REPLACED: "completed",
    PlanStatus.SET_ASIDE: "revoked",
}
GOAL_LIFECYCLE = {
    PlanStatus.CURRENT: "active",
    PlanStatus.PROPOSED: "proposed",
    PlanStatus.REPLACED: "completed",
    PlanStatus.SET_ASIDE: "cancelled",
}
ACHIEVEMENT = {
    PlanOutcome.REACHED: ("achieved", "Achieved"),
    PlanOutcome.PARTLY: ("improving", "Improving"),
    PlanOutcome.NOT_REACHED: ("not-achieved", "Not Achieved"),
}


def bundle_of(
    subject_name: str,
    version: VersionView,
    now: datetime,
    say: Callable[[str], str] = str,
) -> bytes:
    """The version as a validated FHIR R4 JSON document. `say`: the reader's words for its
    title (English without it)."""
    subject = {"display": subject_name}
    urls = {goal.ref: _urn() for goal in version.goals}
    careplan: dict[str, Any] = {
        "resourceType": "CarePlan",
        "status": CAREPLAN_STATUS[PlanStatus(version.status)],
        "intent": "plan",
        "title": say(N_("Our plan, version %(n)s")) % {"n": version.number},
        "subject": subject,
        "created": version.created_at.isoformat(),
        "goal": [{"reference": urls[goal.ref]} for goal in version.goals],
        "activity": [
            {"detail": _detail(action, urls[goal.ref])}
            for goal in version.goals
            for action in goal.actions
        ],
    }
    if version.strengths:
        careplan["description"] = version.strengths
    if version.author_name:
        careplan["author"] = {"display": version.author_name}
    lifecycle = GOAL_LIFECYCLE[PlanStatus(version.status)]
    entries = [{"fullUrl": _urn(), "resource": careplan}] + [
        {"fullUrl": urls[goal.ref], "resource": _goal(goal, subject, lifecycle)}
        for goal in version.goals
    ]
    bundle = Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "timestamp": now.isoformat(),
            "entry": _without_empty(entries),
        }
    )
    return bundle.model_dump_json(exclude_none=True).encode("utf-8")


def _urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def _detail(action: ActionView, goal_url: str) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "status": "completed" if action.done else "not-started",
        "description": action.what,
        "goal": [{"reference": goal_url}],
    }
    if action.by is not None:
        detail["scheduledPeriod"] = {"end": action.by.isoformat()}
    if action.who:
        detail["performer"] = [{"display": action.who}]
    return detail


def _goal(goal: GoalView, subject: dict[str, str], lifecycle: str) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Goal",
        "lifecycleStatus": lifecycle,
        "description": {"text": goal.text},
        "subject": subject,
    }
    if goal.outcome in ACHIEVEMENT:
        code, display = ACHIEVEMENT[PlanOutcome(goal.outcome)]
        resource["achievementStatus"] = {
            "coding": [{"system": GOAL_ACHIEVEMENT, "code": code, "display": display}]
        }
    if goal.proposed_by:
        resource["expressedBy"] = {"display": goal.proposed_by}
    if goal.outcome_words:
        resource["note"] = [{"text": goal.outcome_words}]
    return resource


def _without_empty(value: Any) -> Any:
    """FHIR allows no empty lists or strings: an element without a value is left out."""
    if isinstance(value, dict):
        kept = {key: _without_empty(item) for key, item in value.items()}
        return {key: item for key, item in kept.items() if item not in ("", [], {}, None)}
    if isinstance(value, list):
        kept_items = [_without_empty(item) for item in value]
        return [item for item in kept_items if item not in ("", [], {})]
    return value
