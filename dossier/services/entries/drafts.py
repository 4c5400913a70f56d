"""A trusted helper's drafts (issue 17): a cliëntondersteuner or mentor, given the permission
"help" on some sections until a date, writes a view or a correction request FOR the young person.
A draft is the helper's words, sealed under the section's key and signed by the helper; nothing
happens with it until an owner sends it. Then it becomes her own view or her own request, signed
by her, in the same unit of work that marks the draft sent: never half of it. The helper never
shares and never sees the access log (both are the owners' only), and cannot write views or
entries himself (`Access.can_add_views` is for contributors).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from dossier import crypto
from dossier.actions import Action
from dossier.errors import N_, AccessDenied, Conflict, InvalidInput, NotFound
from dossier.models import Draft, DraftKind, DraftStatus, Entry
from dossier.services import sealed, validation
from dossier.services.content import Place, Untrusted, open_text, seal_text
from dossier.services.content import sign as sign_content
from dossier.services.content import verify as verify_content
from dossier.services.context import Actor, Context
from dossier.services.entries.cards import REASON_MAX, VIEW_MAX
from dossier.services.entries.corrections import correction_in
from dossier.services.entries.lookup import entry_in, log_untrusted
from dossier.services.entries.writing import view_in
from dossier.services.keychain import signing_public_key
from dossier.services.notices import NoticeKind, name_of, notify, owner_ids, section_refs
from dossier.services.work import DossierWork, dossier_work

# What a helper drafts about an entry; a plan change is drafted on the plan page (`plans`).
KINDS = (str(DraftKind.VIEW), str(DraftKind.CORRECTION))
LIMITS = {DraftKind.VIEW: VIEW_MAX, DraftKind.CORRECTION: REASON_MAX}


def signed_parts(body: str, kind: str, entry_id: uuid.UUID | None) -> dict[str, bytes]:
    """The helper signs the kind and the entry with the words: a draft moved elsewhere breaks."""
    return {
        "body": body.encode(),
        "kind": kind.encode(),
        "entry": str(entry_id or "").encode(),
    }


def _place(draft: Draft) -> Place:
    return sealed.DRAFT.place(draft, draft.section_id)


@dataclass(frozen=True)
class DraftCard:
    """A draft as the entry page shows it to the owners and to the helper who wrote it."""

    id: uuid.UUID
    kind: str
    author_name: str
    created_at: datetime
    status: str
    body: str | None  # None: it does not match what its author wrote
    mine: bool  # written by the person reading


def write_draft(
    ctx: Context, actor: Actor, dossier_id: uuid.UUID, entry_id: uuid.UUID, kind: str, body: str
) -> uuid.UUID:
    """The helper writes a view or a correction request for the young person; the owners are
    told that a suggestion waits for them."""
    errors = validation.Errors()
    if kind not in KINDS:
        errors.add("kind", N_("Choose what you write: a view or a request to correct."))
    limit = LIMITS.get(DraftKind(kind), VIEW_MAX) if kind in KINDS else VIEW_MAX
    text = validation.text(
        body, errors, "body", maximum=limit, required_message=N_("Write your suggestion first.")
    )
    action = Action.DRAFT_WRITE
    with dossier_work(ctx, actor, dossier_id, action) as work:
        db, access = work.db, work.access
        entry = entry_in(work, entry_id, action)
        if not access.can_draft(entry.section_id):
            raise work.refuse(
                action, "not a helper here", object_type="entry", object_id=str(entry_id)
            )
        if entry.archived_at is not None:
            raise Conflict(N_("This entry is taken away. Nothing can be added to it."))
        errors.raise_if_any()
        key_version, key = work.keys.current(entry.section_id)
        now = ctx.now()
        draft = Draft(
            id=uuid.uuid4(),
            dossier_id=dossier_id,
            entry_id=entry.id,
            section_id=entry.section_id,
            kind=kind,
            author_id=actor.user_id,
            created_at=now,
            key_version=key_version,
            body_sealed=b"",
            signature=b"",
            status=DraftStatus.WAITING,
        )
        place = _place(draft)
        draft.body_sealed = seal_text(key, text, place, "body")
        draft.signature = sign_content(
            work.keys.keyring.signing,
            place,
            actor.user_id,
            signed_parts(text, kind, entry.id),
        )
        db.add(draft)
        for owner in owner_ids(db, dossier_id):
            notify(
                db,
                ctx,
                owner,
                dossier_id,
                NoticeKind.DRAFT_WAITING,
                key=f"draft:{draft.id}:{owner}",
                entry=str(entry.id),
                person=name_of(db, actor.user_id),
                sections=section_refs(db, [entry.section_id]),
            )
        work.log(action, at=now, object_type="draft", object_id=str(draft.id), reason=kind)
        return draft.id


def open_draft(work: DossierWork, draft: Draft) -> str | None:
    """The draft's words, checked against the helper's signature; None (logged) otherwise."""
    return _open(work, draft)


def _open(work: DossierWork, draft: Draft) -> str | None:
    try:
        key = work.keys.key(draft.section_id, draft.key_version)
        place = _place(draft)
        text = open_text(key, draft.body_sealed, place, "body")
        verify_content(
            signing_public_key(work.db, draft.author_id),
            draft.signature,
            place,
            draft.author_id or uuid.UUID(int=0),
            signed_parts(text, draft.kind, draft.entry_id),
        )
    except (Untrusted, AccessDenied, crypto.CryptoError):
        log_untrusted(work, "draft", draft.id)
        return None
    return text


def drafts_of(work: DossierWork, entry: Entry) -> list[DraftCard]:
    """Inside the entry page's unit of work (see `cards_of`)."""
    statement = select(Draft).where(Draft.entry_id == entry.id).order_by(Draft.created_at)
    return cards_of(work, statement, entry.section_id)


def cards_of(work: DossierWork, statement: Select[Any], section_id: uuid.UUID) -> list[DraftCard]:
    """The owners see every draft of `statement` that waits; the helper sees his own, with what
    became of them. Nobody else sees any."""
    access = work.access
    me = access.actor.user_id
    if access.is_owner:
        statement = statement.where(Draft.status == DraftStatus.WAITING)
    elif access.can_draft(section_id):
        statement = statement.where(Draft.author_id == me)
    else:
        return []
    return [
        DraftCard(
            draft.id,
            draft.kind,
            name_of(work.db, draft.author_id),
            draft.created_at,
            draft.status,
            _open(work, draft),
            draft.author_id == me,
        )
        for draft in work.db.scalars(statement)
    ]


def waiting_draft(work: DossierWork, draft_id: uuid.UUID, action: Action) -> Draft:
    """A draft that waits, in a part of the dossier the actor reads; 404 (logged) otherwise."""
    draft = work.db.get(Draft, draft_id, with_for_update=True)
    fields = {"object_type": "draft", "object_id": str(draft_id)}
    if (
        draft is None
        or draft.dossier_id != work.access.dossier.id
        or not work.access.can_read(draft.section_id)
    ):
        raise work.refuse(action, "no such draft", NotFound(), **fields)
    if draft.entry_id is not None:
        entry_in(work, draft.entry_id, action)
    if draft.status != DraftStatus.WAITING:
        raise Conflict(N_("This suggestion was sent or thrown away already."))
    return draft


def send_draft(
    ctx: Context, actor: Actor, dossier_id: uuid.UUID, draft_id: uuid.UUID, body: str | None = None
) -> uuid.UUID:
    """An owner sends a helper's draft as her own (changed first, if she likes): it becomes her
    view or her correction request, signed by her. Returns the new view's or request's id."""
    action = Action.DRAFT_SEND
    with dossier_work(ctx, actor, dossier_id, action) as work:
        work.require_owner(action)
        draft = waiting_draft(work, draft_id, action)
        text = body if body is not None and body.strip() else _open(work, draft)
        if text is None:
            raise InvalidInput(
                {"body": [N_("This suggestion cannot be trusted. Write it in your own words.")]}
            )
        if draft.entry_id is None:  # a plan change is sent on the plan page
            raise Conflict(N_("Send a suggestion for the plan on the plan page."))
        if draft.kind == DraftKind.VIEW:
            made = view_in(work, draft.entry_id, text)
        else:
            made = correction_in(work, draft.entry_id, text).id
        draft.status, draft.decided_at, draft.decided_by = (
            DraftStatus.SENT,
            ctx.now(),
            actor.user_id,
        )
        work.log(action, object_type="draft", object_id=str(draft.id), reason=draft.kind)
        return made


def discard_draft(ctx: Context, actor: Actor, dossier_id: uuid.UUID, draft_id: uuid.UUID) -> None:
    """An owner throws a draft away, or the helper takes his own back."""
    action = Action.DRAFT_DISCARD
    with dossier_work(ctx, actor, dossier_id, action) as work:
        draft = waiting_draft(work, draft_id, action)
        if not work.access.is_owner and draft.author_id != actor.user_id:
            raise work.refuse(
                action, "not an owner or its writer", object_type="draft", object_id=str(draft.id)
            )
        draft.status, draft.decided_at, draft.decided_by = (
            DraftStatus.DISCARDED,
            ctx.now(),
            actor.user_id,
        )
        work.log(action, object_type="draft", object_id=str(draft.id), reason=draft.kind)
