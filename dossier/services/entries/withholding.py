"""Passages kept from named readers to protect someone else (Jeugdwet: another person's privacy).

The author of an entry writes a passage beside it and names the readers it is kept from (one
parent, say), with a reason. The passage has a key of its own: its words are sealed under it, and
the key is sealed to every reader of the section but those named, to the author and to the
emergency key, each copy masked with the dossier's secret like a section key. Nobody named ever
gets a copy, so their keys open nothing of it, even with a copy of the database.

Those it is kept from are told that it exists: their page shows a placeholder saying who kept
something from them and why in general words (to protect someone else), a notice says so, and
they can object; an objection goes to the auditor, who answers it in writing. Their export leaves
the passage out and says that it did.

A reader who joins the section later gets the passage's key from an owner's keys at that owner's
next change in the dossier (`hand_over`, called from `settling.settle`), or from the emergency key
when officers open access (`from_emergency`); never if it is kept from them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dossier import crypto
from dossier.actions import Action
from dossier.audit import append
from dossier.errors import N_, AccessDenied, Conflict, InvalidInput, NotFound
from dossier.models import (
    Dossier,
    Entry,
    PassageObjection,
    Role,
    User,
    WithheldFrom,
    WithheldPassage,
)
from dossier.services import passage_keys, validation
from dossier.services.content import Untrusted, seal_text
from dossier.services.content import sign as sign_content
from dossier.services.context import Actor, Context, actor_event, actor_refusal, require_auditor
from dossier.services.entries.cards import PassageCard
from dossier.services.entries.lookup import current_version, entry_in, log_untrusted
from dossier.services.entries.sealing import open_version
from dossier.services.notices import NoticeKind, name_of, notify, section_refs
from dossier.services.rotation import keepers_of_scope
from dossier.services.work import DossierWork, dossier_work

TEXT_MAX = 20_000
REASON_MAX = 1_000
OBJECTION_MAX = 2_000
VERDICT_MAX = 4_000


# --- writing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reader:
    id: uuid.UUID
    name: str
    role: str


@dataclass(frozen=True)
class WithholdChoice:
    """What the author's form shows: the entry's title and who reads its section today."""

    entry_id: uuid.UUID
    title: str
    readers: list[Reader]


def _author_entry(work: DossierWork, entry_id: uuid.UUID, action: Action) -> Entry:
    entry = entry_in(work, entry_id, action)
    access = work.access
    # The law lets a care provider keep something back; owners choose whom they share with.
    if (
        entry.author_id != access.actor.user_id
        or access.actor.role != Role.PROFESSIONAL
        or not access.can_write_entries(entry.section_id)
    ):
        raise work.refuse(
            action, "not the author", AccessDenied(), object_type="entry", object_id=str(entry.id)
        )
    if entry.archived_at is not None:
        raise Conflict(N_("This entry is taken away. Nothing can be added to it."))
    return entry


def _readers(work: DossierWork, entry: Entry) -> dict[uuid.UUID, User]:
    """Everyone who reads the entry's section today, except its author."""
    return {
        user.id: user
        for user in keepers_of_scope(
            work.db, entry.dossier_id, str(entry.section_id), work.ctx.now()
        )
        if user.id != entry.author_id
    }


def withhold_choice(
    ctx: Context, actor: Actor, dossier_id: uuid.UUID, entry_id: uuid.UUID
) -> WithholdChoice:
    """The author's form: it shows the entry's title, so it is logged as a read of the entry."""
    with dossier_work(ctx, actor, dossier_id, Action.PASSAGE_WITHHOLD) as work:
        entry = _author_entry(work, entry_id, Action.PASSAGE_WITHHOLD)
        title = open_version(work.db, work.keys, entry, current_version(work.db, entry))[0]
        readers = sorted(
            (
                Reader(user.id, user.display_name, str(user.role))
                for user in _readers(work, entry).values()
            ),
            key=lambda reader: reader.name.casefold(),
        )
        work.log(
            Action.ENTRY_READ, object_type="entry", object_id=str(entry.id), reason="withhold form"
        )
        return WithholdChoice(entry.id, title, readers)


def withhold(
    ctx: Context,
    actor: Actor,
    dossier_id: uuid.UUID,
    entry_id: uuid.UUID,
    text: str,
    reason: str,
    kept_from: list[uuid.UUID],
) -> uuid.UUID:
    """The author keeps a passage from named readers of the entry's section; they are told."""
    errors = validation.Errors()
    cleaned = validation.text(
        text,
        errors,
        "text",
        maximum=TEXT_MAX,
        required_message=N_("Write the part you keep back."),
    )
    why = validation.text(
        reason,
        errors,
        "reason",
        maximum=REASON_MAX,
        required_message=N_("Write whom it protects, and why."),
    )
    if not kept_from:
        errors.add("kept_from", N_("Choose at least one person."))
    errors.raise_if_any()
    action = Action.PASSAGE_WITHHOLD
    with dossier_work(ctx, actor, dossier_id, action) as work:
        db = work.db
        entry = _author_entry(work, entry_id, action)
        readers = _readers(work, entry)
        named = set(kept_from)
        if not named <= set(readers):
            raise InvalidInput(
                {"kept_from": [N_("Choose people who read this part of the dossier.")]}
            )
        now = ctx.now()
        passage = WithheldPassage(
            id=uuid.uuid4(),
            dossier_id=dossier_id,
            entry_id=entry.id,
            section_id=entry.section_id,
            author_id=actor.user_id,
            created_at=now,
            text_sealed=b"",
            reason_sealed=b"",
            signature=b"",
        )
        key = crypto.new_key()
        place = passage_keys.place_of(passage)
        passage.text_sealed = seal_text(key, cleaned, place, "text")
        passage.reason_sealed = seal_text(key, why, place, "reason")
        passage.signature = sign_content(
            work.keys.keyring.signing,
            place,
            actor.user_id,
            passage_keys.signed_parts(cleaned, why, named, entry.id),
        )
        db.add(passage)
        db.flush()
        for user_id in sorted(named):
            db.add(WithheldFrom(passage_id=passage.id, user_id=user_id, dossier_id=dossier_id))
        author = db.get(User, actor.user_id)
        assert author is not None
        for user in [author, *(u for u in readers.values() if u.id not in named)]:
            passage_keys.seal_to_user(db, passage, key, user)
        passage_keys.seal_to_emergency(db, passage, key)
        del key
        for user_id in named:
            notify(
                db,
                ctx,
                user_id,
                dossier_id,
                NoticeKind.PASSAGE_WITHHELD,
                key=f"passage:{passage.id}",
                entry=str(entry.id),
                person=name_of(db, actor.user_id),
                sections=section_refs(db, [entry.section_id]),
            )
        work.log(
            action,
            at=now,
            object_type="entry",
            object_id=str(entry.id),
            reason=f"passage {passage.id}, kept from {len(named)}",
        )
        return passage.id


# --- reading -------------------------------------------------------------------------------------


def passages_of(work: DossierWork, entry: Entry) -> list[PassageCard]:
    """The entry's passages for this reader, inside the entry page's unit of work."""
    db = work.db
    rows = list(
        db.scalars(
            select(WithheldPassage)
            .where(WithheldPassage.entry_id == entry.id)
            .order_by(WithheldPassage.created_at)
        )
    )
    if not rows:
        return []
    me = work.access.actor.user_id
    kept = passage_keys.kept_from(db, (row.id for row in rows))
    mine: dict[uuid.UUID, str | None] = {
        passage_id: verdict
        for passage_id, verdict in db.execute(
            select(PassageObjection.passage_id, PassageObjection.verdict).where(
                PassageObjection.user_id == me,
                PassageObjection.passage_id.in_([row.id for row in rows]),
            )
        )
    }
    cards = []
    for row in rows:
        named = kept.get(row.id, set())
        author = name_of(db, row.author_id)
        if me in named:
            cards.append(
                PassageCard(
                    row.id,
                    author,
                    row.created_at,
                    True,
                    None,
                    None,
                    [],
                    True,
                    row.id in mine,
                    mine.get(row.id),
                )
            )
            continue
        text = reason = None
        trusted = True
        key = passage_keys.open_key(db, row, work.keys)
        if key is not None:
            try:
                text, reason = passage_keys.opened(db, row, key, named)
            except Untrusted:
                text = reason = None
                trusted = False
                log_untrusted(work, "withheld", row.id)
        cards.append(
            PassageCard(
                row.id,
                author,
                row.created_at,
                False,
                text,
                reason,
                sorted(name_of(db, user_id) for user_id in named),
                trusted,
                False,
            )
        )
    return cards


def kept_from_in(db: Session, dossier_id: uuid.UUID, user_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """Per entry, how many passages are kept from this person: what her export says it left
    out."""
    counts: dict[uuid.UUID, int] = {}
    for entry_id in db.scalars(
        select(WithheldPassage.entry_id)
        .join(WithheldFrom, WithheldFrom.passage_id == WithheldPassage.id)
        .where(WithheldPassage.dossier_id == dossier_id, WithheldFrom.user_id == user_id)
    ):
        counts[entry_id] = counts.get(entry_id, 0) + 1
    return counts


# --- objections ----------------------------------------------------------------------------------


def object_to(
    ctx: Context, actor: Actor, dossier_id: uuid.UUID, passage_id: uuid.UUID, text: str
) -> None:
    """Someone a passage is kept from objects, once; the auditor answers."""
    errors = validation.Errors()
    cleaned = validation.text(
        text,
        errors,
        "text",
        maximum=OBJECTION_MAX,
        required_message=N_("Write why you object."),
    )
    errors.raise_if_any()
    action = Action.PASSAGE_OBJECT
    with dossier_work(ctx, actor, dossier_id, action) as work:
        db = work.db
        passage = db.get(WithheldPassage, passage_id)
        fields = {"object_type": "passage", "object_id": str(passage_id)}
        if passage is None or passage.dossier_id != dossier_id:
            raise work.refuse(action, "no such passage", NotFound(), **fields)
        entry_in(work, passage.entry_id, action)
        if db.get(WithheldFrom, (passage.id, actor.user_id)) is None:
            raise work.refuse(action, "not kept from this person", AccessDenied(), **fields)
        if db.scalar(
            select(PassageObjection.id).where(
                PassageObjection.passage_id == passage.id,
                PassageObjection.user_id == actor.user_id,
            )
        ):
            raise Conflict(N_("You objected already. The auditor answers you."))
        now = ctx.now()
        db.add(
            PassageObjection(
                passage_id=passage.id,
                dossier_id=dossier_id,
                user_id=actor.user_id,
                text=cleaned,
                created_at=now,
            )
        )
        work.log(action, at=now, **fields)


@dataclass(frozen=True)
class ObjectionView:
    id: uuid.UUID
    dossier_id: uuid.UUID
    objector: str
    author: str
    kept_from: list[str]
    text: str
    created_at: datetime
    reviewed_at: datetime | None
    reviewer: str | None
    verdict: str | None


def _objection_view(db: Session, row: PassageObjection) -> ObjectionView:
    passage = db.get(WithheldPassage, row.passage_id)
    kept = passage_keys.kept_from(db, [row.passage_id]).get(row.passage_id, set())
    return ObjectionView(
        id=row.id,
        dossier_id=row.dossier_id,
        objector=name_of(db, row.user_id),
        author=name_of(db, passage.author_id) if passage else "",
        kept_from=sorted(name_of(db, user_id) for user_id in kept),
        text=row.text,
        created_at=row.created_at,
        reviewed_at=row.reviewed_at,
        reviewer=name_of(db, row.reviewed_by) if row.reviewed_by else None,
        verdict=row.verdict,
    )


def objection_queue(ctx: Context, actor: Actor) -> list[ObjectionView]:
    """Every objection, unanswered first, newest first within each. One event."""
    with ctx.unit_of_work() as db:
        require_auditor(actor, Action.PASSAGE_QUEUE)
        rows = list(
            db.scalars(
                select(PassageObjection).order_by(
                    PassageObjection.reviewed_at.is_not(None),
                    PassageObjection.created_at.desc(),
                )
            )
        )
        append(
            db,
            actor_event(
                Action.PASSAGE_QUEUE,
                actor,
                None,
                basis="auditor role",
                reason=f"{len(rows)} objections",
            ),
            ctx.origin,
            ctx.now(),
        )
        return [_objection_view(db, row) for row in rows]


def review(ctx: Context, actor: Actor, objection_id: uuid.UUID, verdict: str) -> ObjectionView:
    """The auditor answers an objection in writing, once; the event lands in the dossier's own
    log, and the objector is told."""
    errors = validation.Errors()
    cleaned = validation.text(
        verdict,
        errors,
        "verdict",
        maximum=VERDICT_MAX,
        required_message=N_("Write your answer to the objection."),
    )
    with ctx.unit_of_work() as db:
        require_auditor(actor, Action.PASSAGE_REVIEW)
        errors.raise_if_any()
        row = db.get(PassageObjection, objection_id, with_for_update=True)
        dossier = db.get(Dossier, row.dossier_id) if row is not None else None
        if row is None or dossier is None:
            raise actor_refusal(
                NotFound(),
                Action.PASSAGE_REVIEW,
                actor,
                None,
                reason="no such objection",
                object_type="objection",
                object_id=str(objection_id),
            )
        if row.reviewed_at is not None:
            raise Conflict(N_("This objection has an answer already."))
        now = ctx.now()
        row.reviewed_at, row.reviewed_by, row.verdict = now, actor.user_id, cleaned
        notify(
            db,
            ctx,
            row.user_id,
            row.dossier_id,
            NoticeKind.PASSAGE_ANSWERED,
            key=f"objection:{row.id}",
            person=name_of(db, actor.user_id),
        )
        append(
            db,
            actor_event(
                Action.PASSAGE_REVIEW,
                actor,
                dossier,
                basis="auditor role",
                object_type="objection",
                object_id=str(row.id),
            ),
            ctx.origin,
            now,
        )
        return _objection_view(db, row)
