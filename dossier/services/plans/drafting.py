"""A trusted helper's change of the family's plan (issue 17): the helper writes a new version
FOR the young person; it stands nowhere until an owner sends it, which proposes it as her own
version in the same unit of work. Like the helper's views and correction requests
(`entries.drafts`): sealed under the plan section's key, signed by the helper, the owners told.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from dossier.actions import Action
from dossier.errors import N_, InvalidInput
from dossier.models import Draft, DraftKind, DraftStatus
from dossier.services import sealed, validation
from dossier.services.content import seal_text
from dossier.services.content import sign as sign_content
from dossier.services.context import Actor, Context
from dossier.services.entries.drafts import open_draft, signed_parts, waiting_draft
from dossier.services.notices import NoticeKind, name_of, notify, owner_ids, section_refs
from dossier.services.plans.document import PlanDocument, clean, draft_body, parsed_draft
from dossier.services.plans.people import people_on
from dossier.services.plans.reading import plan_section_for
from dossier.services.plans.writing import propose_in
from dossier.services.work import DossierWork, dossier_work


def write_plan_draft(
    ctx: Context,
    actor: Actor,
    dossier_id: uuid.UUID,
    draft: PlanDocument,
    based_on: int | None = None,
) -> uuid.UUID:
    """The helper's plan change, checked as a proposal would be; the owners are told."""
    with dossier_work(ctx, actor, dossier_id, Action.DRAFT_WRITE) as work:
        return _draft_in(work, draft, based_on)


@dataclass(frozen=True)
class Written:
    """What the plan form's save made: a version (who may write) or a suggestion (a helper)."""

    number: int | None
    draft_id: uuid.UUID | None


def propose_or_suggest(
    ctx: Context,
    actor: Actor,
    dossier_id: uuid.UUID,
    draft: PlanDocument,
    based_on: int | None = None,
) -> Written:
    """The plan form's one save: a new version from whoever may write the plan, a suggestion
    from a trusted helper; anyone else is refused as `propose_plan` refuses."""
    with dossier_work(ctx, actor, dossier_id, Action.PLAN_PROPOSE) as work:
        section = plan_section_for(work, Action.PLAN_PROPOSE)
        if work.access.can_draft(section.id):
            return Written(None, _draft_in(work, draft, based_on))
        return Written(propose_in(work, draft, based_on), None)


def _draft_in(work: DossierWork, draft: PlanDocument, based_on: int | None) -> uuid.UUID:
    action = Action.DRAFT_WRITE
    errors = validation.Errors()
    ctx, actor = work.ctx, work.access.actor
    dossier_id = work.access.dossier.id
    db, access = work.db, work.access
    section = plan_section_for(work, action)
    if not access.can_draft(section.id):
        raise work.refuse(action, "not a helper here", object_type="plan")
    now = ctx.now()
    people = [person.id for person in people_on(db, dossier_id, section.id, now)]
    document = clean(draft, errors, people, now.date())
    errors.raise_if_any()
    text = draft_body(document, based_on)
    key_version, key = work.keys.current(section.id)
    row = Draft(
        id=uuid.uuid4(),
        dossier_id=dossier_id,
        entry_id=None,
        section_id=section.id,
        kind=DraftKind.PLAN,
        author_id=actor.user_id,
        created_at=now,
        key_version=key_version,
        body_sealed=b"",
        signature=b"",
        status=DraftStatus.WAITING,
    )
    place = sealed.DRAFT.place(row, section.id)
    row.body_sealed = seal_text(key, text, place, "body")
    row.signature = sign_content(
        work.keys.keyring.signing, place, actor.user_id, signed_parts(text, row.kind, None)
    )
    db.add(row)
    for owner in owner_ids(db, dossier_id):
        notify(
            db,
            ctx,
            owner,
            dossier_id,
            NoticeKind.DRAFT_WAITING,
            key=f"draft:{row.id}:{owner}",
            person=name_of(db, actor.user_id),
            sections=section_refs(db, [section.id]),
        )
    work.log(action, at=now, object_type="draft", object_id=str(row.id), reason=row.kind)
    return row.id


def send_plan_draft(ctx: Context, actor: Actor, dossier_id: uuid.UUID, draft_id: uuid.UUID) -> int:
    """An owner proposes the helper's plan change as her own version; its number."""
    action = Action.DRAFT_SEND
    with dossier_work(ctx, actor, dossier_id, action) as work:
        work.require_owner(action)
        draft = waiting_draft(work, draft_id, action)
        text = open_draft(work, draft) if draft.kind == DraftKind.PLAN else None
        if text is None:
            raise InvalidInput(
                {"draft": [N_("This suggestion cannot be trusted. Write it in your own words.")]}
            )
        document, based_on = parsed_draft(text)
        number = propose_in(work, document, based_on)
        draft.status, draft.decided_at, draft.decided_by = (
            DraftStatus.SENT,
            ctx.now(),
            actor.user_id,
        )
        work.log(action, object_type="draft", object_id=str(draft.id), reason=draft.kind)
        return number
