"""What a version of the plan says, in the writer's own words: one document, sealed as a whole.

The same shape comes in from a page's form or the API (as a draft: raw text, dates as typed)
and goes out to pages, the API and exports. `clean` is the one place its rules live, so a
page and the API refuse alike and name the field: `goals-0-actions-1-what`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date

from dossier.errors import N_
from dossier.models import PlanOutcome
from dossier.services import validation

STRENGTHS_MAX = 4_000
GOAL_MAX = 500
WHAT_MAX = 500
NAME_MAX = validation.NAME_MAX
HOW_MAX = 300
WORDS_MAX = 2_000
NETWORK_MAX = 30
GOALS_MAX = 30
ACTIONS_MAX = 20
FORMAT = 1


@dataclass(frozen=True)
class Helper:
    """Someone in the family's network, who needs no account: a name and how they help."""

    name: str
    how: str = ""


@dataclass(frozen=True)
class Step:
    """One thing to do for a goal: what, who, by when."""

    ref: uuid.UUID
    what: str
    who: str = ""  # in words: a person in the dossier or in the network
    who_id: uuid.UUID | None = None  # when it is a person in the dossier, who is then reminded
    by: date | None = None


@dataclass(frozen=True)
class Goal:
    ref: uuid.UUID
    text: str
    proposed_by: str = ""
    actions: tuple[Step, ...] = ()


@dataclass(frozen=True)
class PlanDocument:
    strengths: str = ""
    network: tuple[Helper, ...] = ()
    goals: tuple[Goal, ...] = ()
    next_evaluation: date | None = None

    def actions(self) -> Iterable[Step]:
        for goal in self.goals:
            yield from goal.actions

    def to_bytes(self) -> bytes:
        return json.dumps(_plain(self), ensure_ascii=False, sort_keys=True).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> PlanDocument:
        raw = json.loads(data.decode("utf-8"))
        return cls(
            strengths=raw.get("strengths", ""),
            network=tuple(Helper(h["name"], h.get("how", "")) for h in raw.get("network", ())),
            goals=tuple(
                Goal(
                    uuid.UUID(g["ref"]),
                    g["text"],
                    g.get("proposed_by", ""),
                    tuple(
                        Step(
                            uuid.UUID(a["ref"]),
                            a["what"],
                            a.get("who", ""),
                            uuid.UUID(a["who_id"]) if a.get("who_id") else None,
                            date.fromisoformat(a["by"]) if a.get("by") else None,
                        )
                        for a in g.get("actions", ())
                    ),
                )
                for g in raw.get("goals", ())
            ),
            next_evaluation=(
                date.fromisoformat(raw["next_evaluation"]) if raw.get("next_evaluation") else None
            ),
        )


def _plain(document: PlanDocument) -> dict[str, object]:
    return {
        "format": FORMAT,
        "strengths": document.strengths,
        "network": [{"name": h.name, "how": h.how} for h in document.network],
        "goals": [
            {
                "ref": str(g.ref),
                "text": g.text,
                "proposed_by": g.proposed_by,
                "actions": [
                    {
                        "ref": str(a.ref),
                        "what": a.what,
                        "who": a.who,
                        "who_id": str(a.who_id) if a.who_id else None,
                        "by": a.by.isoformat() if a.by else None,
                    }
                    for a in g.actions
                ],
            }
            for g in document.goals
        ],
        "next_evaluation": document.next_evaluation.isoformat()
        if document.next_evaluation
        else None,
    }


@dataclass(frozen=True)
class Evaluation:
    """At evaluation, per goal (by its ref): reached, partly or not, and in words."""

    outcomes: dict[uuid.UUID, tuple[str, str]] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        plain = {
            str(ref): {"outcome": outcome, "words": words}
            for ref, (outcome, words) in self.outcomes.items()
        }
        return json.dumps({"format": FORMAT, "goals": plain}, ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> Evaluation:
        raw = json.loads(data.decode("utf-8"))["goals"]
        return cls({uuid.UUID(ref): (v["outcome"], v.get("words", "")) for ref, v in raw.items()})


OUTCOMES = tuple(str(outcome) for outcome in PlanOutcome)


def free_text(
    errors: validation.Errors, value: str, name: str, maximum: int, required: str | None = None
) -> str:
    """Free text that may run over lines; `required`: the message when it is empty."""
    text = (value or "").replace("\r\n", "\n").strip()
    if not validation.usable(text):
        errors.add(name, validation.UNUSABLE_TEXT)
    elif required and not text:
        errors.add(name, required)
    elif len(text) > maximum:
        errors.add(name, N_("This text is too long."))
    return text


def _name(errors: validation.Errors, value: str, name: str) -> str:
    if not (value or "").strip():
        return ""
    return validation.name(value, errors, name, maximum=NAME_MAX, required_message="")


def clean(
    draft: PlanDocument, errors: validation.Errors, people: Iterable[uuid.UUID], today: date
) -> PlanDocument:
    """The draft as it will be sealed, or every problem in `errors`. Empty rows are dropped (a
    form offers a few spare ones); an action's person must be someone in the dossier."""
    known = set(people)
    network = []
    for index, helper in enumerate(draft.network):
        if not (helper.name or "").strip() and not (helper.how or "").strip():
            continue
        network.append(
            Helper(
                validation.name(
                    helper.name,
                    errors,
                    f"network-{index}-name",
                    maximum=NAME_MAX,
                    required_message=N_("Fill in a name."),
                ),
                free_text(errors, helper.how, f"network-{index}-how", HOW_MAX),
            )
        )
    goals = []
    for g_index, goal in enumerate(draft.goals):
        where = f"goals-{g_index}"
        actions = []
        for a_index, action in enumerate(goal.actions):
            if not (action.what or "").strip() and not (action.who or "").strip():
                continue
            at = f"{where}-actions-{a_index}"
            if action.who_id is not None and action.who_id not in known:
                errors.add(f"{at}-who_id", N_("Choose someone from the list."))
            actions.append(
                replace(
                    action,
                    what=free_text(
                        errors, action.what, f"{at}-what", WHAT_MAX, N_("Say what to do.")
                    ),
                    who=_name(errors, action.who, f"{at}-who"),
                )
            )
        if not (goal.text or "").strip() and not actions:
            continue
        if len(actions) > ACTIONS_MAX:
            errors.add(f"{where}-actions", N_("A goal can have at most 20 actions."))
        goals.append(
            replace(
                goal,
                text=free_text(
                    errors, goal.text, f"{where}-text", GOAL_MAX, N_("Say what the goal is.")
                ),
                proposed_by=_name(errors, goal.proposed_by, f"{where}-proposed_by"),
                actions=tuple(actions),
            )
        )
    if not goals:
        errors.add("goals", N_("Write at least one goal."))
    elif len(goals) > GOALS_MAX:
        errors.add("goals", N_("A plan can have at most 30 goals."))
    if len(network) > NETWORK_MAX:
        errors.add("network", N_("Name at most 30 people here."))
    if draft.next_evaluation is not None and draft.next_evaluation < today:
        errors.add("next_evaluation", N_("Choose a date from today on."))
    refs = [goal.ref for goal in goals] + [action.ref for goal in goals for action in goal.actions]
    if len(set(refs)) != len(refs):
        errors.add("goals", N_("Two goals or actions have the same number. Start again."))
    return PlanDocument(
        strengths=free_text(errors, draft.strengths, "strengths", STRENGTHS_MAX),
        network=tuple(network),
        goals=tuple(goals),
        next_evaluation=draft.next_evaluation,
    )


def clean_evaluation(
    outcomes: dict[uuid.UUID, tuple[str, str]],
    goals: Iterable[uuid.UUID],
    errors: validation.Errors,
) -> Evaluation:
    """An outcome for every goal of the plan, and words if someone has them."""
    cleaned = {}
    for index, ref in enumerate(goals):
        outcome, words = outcomes.get(ref, ("", ""))
        if outcome not in OUTCOMES:
            errors.add(f"goals-{index}-outcome", N_("Choose reached, partly or not reached."))
        cleaned[ref] = (outcome, free_text(errors, words, f"goals-{index}-words", WORDS_MAX))
    return Evaluation(cleaned)


def draft_body(document: PlanDocument, based_on: int | None) -> str:
    """A helper's plan change as its draft keeps it: the version and the one it starts from."""
    return json.dumps(
        {"based_on": based_on, "document": json.loads(document.to_bytes())}, sort_keys=True
    )


def parsed_draft(body: str) -> tuple[PlanDocument, int | None]:
    raw = json.loads(body)
    return PlanDocument.from_bytes(json.dumps(raw["document"]).encode()), raw.get("based_on")
