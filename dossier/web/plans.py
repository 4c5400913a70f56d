"""The plan pages: the plan as it stands, with the proposals beside it; writing a version;
marking it; ticking off an action in one tap; recording an evaluation."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from flask import Response, flash, redirect, render_template, request, url_for
from wtforms import Field

from dossier.edge.auth import actor, login_required
from dossier.edge.context import service_context
from dossier.edge.downloads import attachment_response
from dossier.edge.export import render_plan
from dossier.edge.i18n import gettext as _
from dossier.edge.params import number_field
from dossier.errors import Conflict, InvalidInput
from dossier.services import plans
from dossier.services.entries import drafts
from dossier.services.plans import Goal, Helper, PlanDocument, Step
from dossier.web.blueprint import Page, bp
from dossier.web.forms import (
    ConfirmForm,
    EvaluationForm,
    Form,
    PlanForm,
    PlanMarkForm,
    PlanTickForm,
    SelectChoice,
)

SPARE = 1  # empty rows a form offers, so a phone needs no script to add one


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _back(dossier_id: uuid.UUID, anchor: str = "") -> Page:
    return redirect(url_for("web.plan", dossier_id=dossier_id) + anchor)


@bp.get("/dossiers/<uuid:dossier_id>/plan")
@login_required
def plan(dossier_id: uuid.UUID) -> Page:
    ctx = service_context()
    page = plans.read_plan(ctx, actor(), dossier_id)
    summary = page.dossier
    return render_template(
        "plans/plan.html",
        dossier=summary,
        page=page,
        mark_form=PlanMarkForm(formdata=None),
        tick_form=PlanTickForm(formdata=None),
    )


@bp.get("/dossiers/<uuid:dossier_id>/plan/versions/<number:number>")
@login_required
def plan_version(dossier_id: uuid.UUID, number: int) -> Page:
    ctx = service_context()
    page = plans.read_plan(ctx, actor(), dossier_id, number)
    summary = page.dossier
    return render_template("plans/version.html", dossier=summary, page=page, version=page.shown)


@bp.get("/dossiers/<uuid:dossier_id>/plan.pdf")
@login_required
def plan_pdf(dossier_id: uuid.UUID) -> Response:
    """The plan to take to a meeting: the one everyone stands behind, else the newest proposal."""
    return _download(dossier_id, plans.PlanFormat.PDF)


@bp.get("/dossiers/<uuid:dossier_id>/plan.fhir.json")
@login_required
def plan_fhir(dossier_id: uuid.UUID) -> Response:
    """The same plan for a care organisation's own system, as FHIR R4."""
    return _download(dossier_id, plans.PlanFormat.FHIR)


def _download(dossier_id: uuid.UUID, kind: plans.PlanFormat) -> Response:
    file = plans.download_plan(service_context(), actor(), dossier_id, kind, render_plan, _)
    return attachment_response(file)


def _draft(form: PlanForm) -> PlanDocument:
    goals = []
    for goal in form.goals:
        steps = tuple(
            Step(
                _uuid(step.form.ref.data) or uuid.uuid4(),
                step.form.what.data or "",
                step.form.who.data or "",
                _uuid(step.form.who_id.data),
                step.form.by.data,
            )
            for step in goal.form.actions
        )
        goals.append(
            Goal(
                _uuid(goal.form.ref.data) or uuid.uuid4(),
                goal.form.text.data or "",
                goal.form.proposed_by.data or "",
                steps,
            )
        )
    return PlanDocument(
        strengths=form.strengths.data or "",
        network=tuple(Helper(h.form.name.data or "", h.form.how.data or "") for h in form.network),
        goals=tuple(goals),
        next_evaluation=form.next_evaluation.data,
    )


def _fill(form: PlanForm, document: PlanDocument) -> None:
    """A form that starts from a version, with a spare row in each list."""
    form.strengths.data = document.strengths
    while len(form.network):
        form.network.pop_entry()
    for helper in document.network:
        form.network.append_entry({"name": helper.name, "how": helper.how})
    while len(form.goals):
        form.goals.pop_entry()
    for goal in document.goals:
        form.goals.append_entry(
            {
                "ref": str(goal.ref),
                "text": goal.text,
                "proposed_by": goal.proposed_by,
                "actions": [
                    {
                        "ref": str(step.ref),
                        "what": step.what,
                        "who": "" if step.who_id else step.who,
                        "who_id": str(step.who_id) if step.who_id else "",
                        "by": step.by,
                    }
                    for step in goal.actions
                ],
            }
        )
    form.next_evaluation.data = document.next_evaluation


def _spares(form: PlanForm) -> None:
    form.network.append_entry()
    for goal in form.goals:
        goal.form.actions.append_entry()
    form.goals.append_entry()


def _place_errors(form: Form, error: InvalidInput) -> None:
    """Service fields are named as the form's fields are (`goals-0-actions-1-what`)."""
    fields = {field.id: field for field in _all_fields(form)}
    for name, messages in error.errors.items():
        translated = [_(message) for message in messages]
        target = fields.get(name)
        if target is not None:
            target.errors = [*target.errors, *translated]
        else:
            form.form_errors.extend(translated)


def _all_fields(form: Form) -> Iterator[Field]:
    for field in form:
        if field.type == "FieldList":
            for entry in field:
                yield from _all_fields(entry.form)
        else:
            yield field


def _choose_people(form: PlanForm, page: plans.PlanPage) -> None:
    choices = [SelectChoice("", _("Someone else"))] + [
        SelectChoice(str(person.id), person.name) for person in page.people
    ]
    for goal in form.goals:
        for step in goal.form.actions:
            step.form.who_id.choices = choices


@bp.route("/dossiers/<uuid:dossier_id>/plan/new", methods=["GET", "POST"])
@login_required
def write_plan(dossier_id: uuid.UUID) -> Page:
    """Saving is one use case; the form is read only to show it (again, with what was typed)."""
    ctx = service_context()
    form = PlanForm()
    more = "more" in request.form  # one more empty row everywhere, nothing saved yet
    if not more and form.validate_on_submit():
        try:
            written = plans.propose_or_suggest(
                ctx, actor(), dossier_id, _draft(form), number_field(form.based_on.data)
            )
        except InvalidInput as error:
            _place_errors(form, error)
        else:
            number = written.number
            if number is None:
                flash(
                    _("Your suggestion waits for the owners. It counts once they send it."),
                    "success",
                )
                return _back(dossier_id, "#drafts")
            flash(
                _(
                    "Version %(n)s of the plan is saved. "
                    "Now everyone can say if they stand behind it.",
                    n=number,
                ),
                "success",
            )
            return _back(dossier_id, f"#version-{number}")
    page = plans.read_plan(ctx, actor(), dossier_id, for_writing=True, or_suggesting=True)
    if request.method == "GET":
        start_from = request.args.get("from", type=int)
        source = (
            next((v for v in [page.current, *page.proposals] if v and v.number == start_from), None)
            or page.current
        )
        if source is not None:
            _fill(form, source.document)
            form.based_on.data = str(source.number)
            _spares(form)
        else:  # one empty row of each to start with
            form.goals[0].form.proposed_by.data = actor().display_name
    elif more:
        _spares(form)
    _choose_people(form, page)
    return render_template("plans/write.html", dossier=page.dossier, page=page, form=form)


@dataclass(frozen=True)
class MarkRefused:
    """A mark the service refused, shown again in its version's form with what she typed."""

    number: int
    agrees: str
    reason: str
    messages: list[str]


@bp.post("/dossiers/<uuid:dossier_id>/plan/versions/<number:number>/mark")
@login_required
def mark_plan(dossier_id: uuid.UUID, number: int) -> Page:
    form = PlanMarkForm()
    if form.validate_on_submit():
        if form.agrees.data not in ("yes", "no"):
            flash(_("Choose yes or no."), "error")
            return _back(dossier_id, f"#version-{number}")
        ctx = service_context()
        try:
            plans.mark_plan(
                ctx, actor(), dossier_id, number, form.agrees.data == "yes", form.reason.data or ""
            )
        except InvalidInput as error:
            page = plans.read_plan(ctx, actor(), dossier_id)
            refused = MarkRefused(
                number,
                form.agrees.data,
                form.reason.data or "",
                [_(message) for messages in error.errors.values() for message in messages],
            )
            return render_template(
                "plans/plan.html",
                dossier=page.dossier,
                page=page,
                mark_form=form,
                tick_form=PlanTickForm(formdata=None),
                refused=refused,
            )
        flash(_("Thank you. Everyone on the plan can see your answer."), "success")
    return _back(dossier_id, f"#version-{number}")


@bp.post("/dossiers/<uuid:dossier_id>/plan/actions/<uuid:ref>")
@login_required
def tick_plan_action(dossier_id: uuid.UUID, ref: uuid.UUID) -> Page:
    form = PlanTickForm()
    if form.validate_on_submit():
        try:
            plans.tick_action(
                service_context(),
                actor(),
                dossier_id,
                ref,
                form.done.data == "yes",
                form.note.data or "",
            )
        except InvalidInput as error:
            for messages in error.errors.values():
                for message in messages:
                    flash(_(message), "error")
    return _back(dossier_id, f"#action-{ref}")


@bp.route(
    "/dossiers/<uuid:dossier_id>/plan/versions/<number:number>/evaluate", methods=["GET", "POST"]
)
@login_required
def evaluate_plan(dossier_id: uuid.UUID, number: int) -> Page:
    ctx = service_context()
    form = EvaluationForm()
    if form.validate_on_submit():
        outcomes = {}
        for entry in form.goals:
            ref = _uuid(entry.form.ref.data)
            if ref is not None:
                outcomes[ref] = (entry.form.outcome.data or "", entry.form.words.data or "")
        try:
            plans.evaluate_plan(ctx, actor(), dossier_id, number, outcomes)
        except InvalidInput as error:
            _place_errors(form, error)
        else:
            flash(_("The evaluation is saved."), "success")
            return _back(dossier_id)
    page = plans.read_plan(ctx, actor(), dossier_id, number, for_writing=True)
    version = page.shown
    if request.method == "GET" and version is not None:
        for goal in version.goals:
            form.goals.append_entry(
                {"ref": str(goal.ref), "outcome": goal.outcome or "", "words": goal.outcome_words}
            )
    return render_template(
        "plans/evaluate.html", dossier=page.dossier, page=page, version=version, form=form
    )


@bp.post("/dossiers/<uuid:dossier_id>/plan/drafts/<uuid:draft_id>/send")
@login_required
def send_plan_draft(dossier_id: uuid.UUID, draft_id: uuid.UUID) -> Page:
    if ConfirmForm().validate_on_submit():
        try:
            number = plans.send_plan_draft(service_context(), actor(), dossier_id, draft_id)
        except InvalidInput as error:
            flash(" ".join(_(m) for messages in error.errors.values() for m in messages), "error")
        except Conflict as error:
            flash(_(error.detail), "error")
        else:
            flash(_("Proposed as yours: version %(n)s.", n=number), "success")
            return _back(dossier_id, f"#version-{number}")
    return _back(dossier_id, "#drafts")


@bp.post("/dossiers/<uuid:dossier_id>/plan/drafts/<uuid:draft_id>/discard")
@login_required
def discard_plan_draft(dossier_id: uuid.UUID, draft_id: uuid.UUID) -> Page:
    if ConfirmForm().validate_on_submit():
        try:
            drafts.discard_draft(service_context(), actor(), dossier_id, draft_id)
        except Conflict as error:
            flash(_(error.detail), "error")
        else:
            flash(_("The suggestion is thrown away."), "success")
    return _back(dossier_id, "#drafts")
