"""The family's plan: one plan per dossier, made together, in versions that each person stands
behind or not, with actions to tick off and an evaluation of what it reached."""

from dossier.services.plans.document import (
    Evaluation,
    Goal,
    Helper,
    PlanDocument,
    Step,
)
from dossier.services.plans.download import PlanFormat, download_plan
from dossier.services.plans.drafting import (
    Written,
    propose_or_suggest,
    send_plan_draft,
    write_plan_draft,
)
from dossier.services.plans.printing import PrintedPlan
from dossier.services.plans.reading import PlanPage, VersionView, read_plan
from dossier.services.plans.writing import evaluate_plan, mark_plan, propose_plan, tick_action

__all__ = [
    "Evaluation",
    "Goal",
    "Helper",
    "PlanDocument",
    "PlanFormat",
    "PlanPage",
    "PrintedPlan",
    "Step",
    "VersionView",
    "Written",
    "download_plan",
    "evaluate_plan",
    "mark_plan",
    "propose_or_suggest",
    "propose_plan",
    "read_plan",
    "send_plan_draft",
    "tick_action",
    "write_plan_draft",
]
