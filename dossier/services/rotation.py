"""Key rotation (DESIGN.md Encryption 6): when someone loses access, every key they held is
replaced by a new version for the remaining holders, and older content is re-encrypted to it.

Re-encryption needs an owner's keys, so it starts inside owner actions, in batches: the revoking
request does what fits in its time budget. With a queue (Redis), the request hands the rest to
`dossier worker` with the keys sealed for it; without one, every later owner action continues
where the last one stopped. Until a scope is done, its old versions stay sealed to the remaining
holders only, so the person who lost access opens nothing, at once.
"""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Protocol

from sqlalchemy import Row, bindparam, delete, func, or_, select, update
from sqlalchemy.orm import Session

from dossier import crypto
from dossier.errors import AccessDenied
from dossier.models import (
    DossierOwner,
    Entry,
    Grant,
    GrantSection,
    GrantStatus,
    Invitation,
    KeyVersion,
    PassageKey,
    RotationDue,
    SealedKey,
    User,
    WithheldPassage,
)
from dossier.services import queue
from dossier.services.content import Untrusted, open_bytes, seal_bytes
from dossier.services.context import Context, after_commit
from dossier.services.keychain import (
    DOSSIER_SCOPE,
    KeyChain,
    new_key_version,
    scope_of,
    seal_to_invitation,
    seal_to_user,
)
from dossier.services.sealed import DOSSIER_CONTENT, SECTION_CONTENT, SealedObject

BATCH = 200
DEFAULT_BUDGET_SECONDS = 2.0


@dataclass(frozen=True)
class Progress:
    rewritten: int
    remaining: int


def _section_of(scope: str) -> uuid.UUID | None:
    return None if scope == DOSSIER_SCOPE else uuid.UUID(scope)


def current_version(db: Session, dossier_id: uuid.UUID, scope: str) -> int:
    return (
        db.scalar(
            select(func.max(KeyVersion.version)).where(
                KeyVersion.dossier_id == dossier_id, KeyVersion.scope == scope
            )
        )
        or 0
    )


def keepers_of_scope(db: Session, dossier_id: uuid.UUID, scope: str, now: datetime) -> list[User]:
    """Who keeps this scope: the owners, and grantees whose active grant covers it."""
    owners = db.scalars(
        select(User)
        .join(DossierOwner, DossierOwner.user_id == User.id)
        .where(DossierOwner.dossier_id == dossier_id)
    ).all()
    grants = select(Grant.grantee_id).where(
        Grant.dossier_id == dossier_id,
        Grant.grantee_id.is_not(None),
        Grant.counts_at(now),
    )
    if scope != DOSSIER_SCOPE:
        grants = grants.join(GrantSection, GrantSection.grant_id == Grant.id).where(
            GrantSection.section_id == uuid.UUID(scope)
        )
    grantees = db.scalars(select(User).where(User.id.in_(grants))).all()
    return list({user.id: user for user in [*owners, *grantees]}.values())


def _invitation_holders(
    db: Session, dossier_id: uuid.UUID, scope: str, now: datetime
) -> list[tuple[uuid.UUID, bytes, bool]]:
    """Keys waiting in invitation codes: co-owner invitations and accepted-not-yet share links."""
    holders = [
        (invitation.id, invitation.public_key, False)
        for invitation in db.scalars(
            select(Invitation).where(
                Invitation.dossier_id == dossier_id,
                Invitation.used_at.is_(None),
                Invitation.approved_at.is_not(None),
                Invitation.expires_at > now,
            )
        )
    ]
    links = select(Grant).where(
        Grant.dossier_id == dossier_id,
        Grant.status == GrantStatus.ACTIVE,
        Grant.grantee_id.is_(None),
        Grant.invitation_public_key.is_not(None),
    )
    if scope != DOSSIER_SCOPE:
        links = links.join(GrantSection, GrantSection.grant_id == Grant.id).where(
            GrantSection.section_id == uuid.UUID(scope)
        )
    holders += [
        (grant.id, grant.invitation_public_key, True)
        for grant in db.scalars(links)
        if grant.invitation_public_key is not None
    ]
    return holders


def rotate(db: Session, keys: KeyChain, scopes: list[str], now: datetime) -> None:
    """A new key version per scope, sealed to whoever keeps it; old ones lose everyone else."""
    dossier_id = keys.dossier_id
    for scope in sorted(set(scopes)):
        keepers = keepers_of_scope(db, dossier_id, scope, now)
        keeper_ids = {user.id for user in keepers}
        # Old versions: whoever no longer keeps this scope loses every sealed copy right now.
        old_versions = select(KeyVersion.id).where(
            KeyVersion.dossier_id == dossier_id, KeyVersion.scope == scope
        )
        for sealed in db.scalars(
            select(SealedKey).where(SealedKey.key_version_id.in_(old_versions))
        ):
            if sealed.holder_id is not None and sealed.holder_id not in keeper_ids:
                db.delete(sealed)
        row, key = new_key_version(
            db, dossier_id, _section_of(scope), current_version(db, dossier_id, scope) + 1, now
        )
        for user in keepers:
            seal_to_user(db, row, key, user)
        for holder_id, public_key, share_link in _invitation_holders(db, dossier_id, scope, now):
            seal_to_invitation(db, row, key, holder_id, public_key, share_link)
        keys.remember(_section_of(scope), row.version, key)
        db.merge(RotationDue(dossier_id=dossier_id, scope=scope, since=now))
    db.flush()


def _stale_rows(
    db: Session, target: SealedObject, dossier_id: uuid.UUID, scope: str, current: int, limit: int
) -> list[Row[Any]]:
    """Plain rows, not ORM objects: a rotation may touch every row of a large dossier."""
    table = target.table
    assert target.key_version_column is not None
    version = table.c[target.key_version_column]
    statement = select(table).where(
        table.c[target.dossier_column] == dossier_id,
        version.is_not(None),
        version < current,
        or_(*(table.c[column].is_not(None) for column, _ in target.fields)),
    )
    if scope != DOSSIER_SCOPE and target.section_column is not None:
        statement = statement.where(table.c[target.section_column] == uuid.UUID(scope))
    elif scope != DOSSIER_SCOPE:
        entries = select(Entry.id).where(Entry.section_id == uuid.UUID(scope))
        statement = statement.where(table.c.entry_id.in_(entries))
    return list(db.execute(statement.limit(limit)))


def _rewrite(
    db: Session,
    target: SealedObject,
    rows: list[Row[Any]],
    keys: OpensKeys,
    section_id: uuid.UUID | None,
    current: int,
    new_key: bytes,
) -> None:
    """One batch moved to the current key version, written with one executemany."""
    table = target.table
    changes = []
    for row in rows:
        old_version = target.key_version_of(row)
        old_key = keys.key(section_id, old_version)
        change: dict[str, object] = {"row_id": row.id, str(target.key_version_column): current}
        for column, field in target.fields:
            blob = getattr(row, column)
            change[column] = blob
            if blob is None:
                continue
            try:
                plain = open_bytes(old_key, blob, target.place(row, section_id, old_version), field)
            except Untrusted:
                # Tampered content cannot be re-sealed; it stays unreadable, and is reported as
                # untrusted wherever it is shown.
                continue
            change[column] = seal_bytes(
                new_key, plain, target.place(row, section_id, current), field
            )
        changes.append(change)
    db.execute(update(table).where(table.c.id == bindparam("row_id")), changes)
    db.expire_all()  # objects this unit of work loaded before must not show the old version


def continue_rotation(
    db: Session, keys: OpensKeys, budget_seconds: float | None = None
) -> Progress:
    """Re-encrypt what still uses an old key version, within the budget; retire finished scopes."""
    budget = DEFAULT_BUDGET_SECONDS if budget_seconds is None else budget_seconds
    deadline = time.monotonic() + budget
    dossier_id = keys.dossier_id
    rewritten = 0
    remaining = 0
    in_progress = select(RotationDue).where(
        RotationDue.dossier_id == dossier_id, ~RotationDue.scope.like("pending:%")
    )
    for due in list(db.scalars(in_progress)):
        scope = due.scope
        section_id = _section_of(scope)
        current = current_version(db, dossier_id, scope)
        new_key = keys.key(section_id, current)
        targets = DOSSIER_CONTENT if section_id is None else SECTION_CONTENT
        left = 0
        for target in targets:
            while True:
                if time.monotonic() > deadline:
                    left += 1
                    break
                rows = _stale_rows(db, target, dossier_id, scope, current, BATCH)
                if not rows:
                    break
                _rewrite(db, target, rows, keys, section_id, current, new_key)
                rewritten += len(rows)
        if left:
            remaining += left
            continue
        # Every row is on the current version: the older versions can go.
        for old in db.scalars(
            select(KeyVersion).where(
                KeyVersion.dossier_id == dossier_id,
                KeyVersion.scope == scope,
                KeyVersion.version < current,
            )
        ):
            db.execute(delete(SealedKey).where(SealedKey.key_version_id == old.id))
            db.delete(old)
        db.delete(due)
    db.flush()
    return Progress(rewritten, remaining)


class OpensKeys(Protocol):
    """What re-encryption needs: a dossier's key versions, by scope and version."""

    @property
    def dossier_id(self) -> uuid.UUID: ...

    def key(self, section_id: uuid.UUID | None, version: int) -> bytes: ...


JOB_PURPOSE = "continue-rotation"


@dataclass(frozen=True)
class CarriedKeys:
    """The key versions a queued re-encryption carries, opened in the worker."""

    dossier_id: uuid.UUID
    keys: dict[tuple[str, int], bytes] = dataclasses.field(repr=False)

    def key(self, section_id: uuid.UUID | None, version: int) -> bytes:
        try:
            return self.keys[(scope_of(section_id), version)]
        except KeyError:
            raise AccessDenied() from None


def carry_keys(db: Session, keys: KeyChain, job_key: bytes) -> bytes:
    """Every version of every scope still being re-encrypted, sealed with the server's job key:
    Redis only ever holds this ciphertext, and only until the job is done."""
    rotating = select(RotationDue.scope).where(
        RotationDue.dossier_id == keys.dossier_id, ~RotationDue.scope.like("pending:%")
    )
    carried = []
    for key_version in db.scalars(
        select(KeyVersion).where(
            KeyVersion.dossier_id == keys.dossier_id, KeyVersion.scope.in_(rotating)
        )
    ):
        try:
            opened = keys.key(key_version.section_id, key_version.version)
        except (AccessDenied, crypto.CryptoError):
            continue  # rows under a version this owner cannot open wait for one who can
        carried.append([key_version.scope, key_version.version, opened.hex()])
    return crypto.seal(
        job_key,
        json.dumps(carried).encode(),
        kind=crypto.Kind.JOB,
        purpose=JOB_PURPOSE,
        context={"dossier": str(keys.dossier_id)},
    )


def carried_keys(dossier_id: uuid.UUID, sealed: bytes, job_key: bytes) -> CarriedKeys:
    opened = crypto.open_sealed(
        job_key,
        sealed,
        kind=crypto.Kind.JOB,
        purpose=JOB_PURPOSE,
        context={"dossier": str(dossier_id)},
    )
    return CarriedKeys(
        dossier_id,
        {(scope, version): bytes.fromhex(key) for scope, version, key in json.loads(opened)},
    )


def hand_over(ctx: Context, db: Session, keys: KeyChain, progress: Progress) -> None:
    """With a queue, the worker finishes what the owner's request left, once it commits;
    without one, the owner's next action continues (see `settle_due`)."""
    if not progress.remaining or not ctx.settings.redis_url or ctx.job_key is None:
        return
    sealed = carry_keys(db, keys, ctx.job_key)
    after_commit(
        db,
        partial(
            queue.enqueue,
            ctx.settings.redis_url,
            queue.CONTINUE_ROTATION,
            str(keys.dossier_id),
            sealed,
        ),
    )


def scopes_of_grant(db: Session, grant: Grant) -> list[str]:
    sections = db.scalars(select(GrantSection.section_id).where(GrantSection.grant_id == grant.id))
    return [DOSSIER_SCOPE, *(scope_of(section_id) for section_id in sections)]


def forget_holder(
    db: Session,
    dossier_id: uuid.UUID,
    holder_id: uuid.UUID | None,
    invitation_id: uuid.UUID | None = None,
    scopes: list[str] | None = None,
) -> None:
    """Delete every sealed copy a person (or an unaccepted link) holds, at once."""
    if holder_id is None and invitation_id is None:
        raise ValueError("name a holder or an invitation: neither would match every holder")
    statement = select(SealedKey).where(SealedKey.dossier_id == dossier_id)
    if holder_id is not None:
        statement = statement.where(SealedKey.holder_id == holder_id)
    else:
        statement = statement.where(
            (SealedKey.invitation_id == invitation_id) | (SealedKey.grant_link_id == invitation_id)
        )
    if scopes is not None:
        versions = select(KeyVersion.id).where(
            KeyVersion.dossier_id == dossier_id, KeyVersion.scope.in_(scopes)
        )
        statement = statement.where(SealedKey.key_version_id.in_(versions))
    for sealed in db.scalars(statement):
        db.delete(sealed)
    if holder_id is not None:
        # The keys of passages kept from others go with the sections that hold them.
        passages = select(WithheldPassage.id).where(WithheldPassage.dossier_id == dossier_id)
        if scopes is not None:
            passages = passages.where(
                WithheldPassage.section_id.in_(
                    [uuid.UUID(scope) for scope in scopes if scope != DOSSIER_SCOPE]
                )
            )
        db.execute(
            delete(PassageKey).where(
                PassageKey.holder_id == holder_id, PassageKey.passage_id.in_(passages)
            )
        )
    db.flush()


def mark_due(db: Session, dossier_id: uuid.UUID, scopes: list[str], now: datetime) -> None:
    """Holders changed while no owner was present: rotate at the next owner action."""
    for scope in set(scopes):
        db.merge(RotationDue(dossier_id=dossier_id, scope=f"pending:{scope}", since=now))


def settle_due(
    db: Session, keys: KeyChain, now: datetime, budget_seconds: float | None = None
) -> Progress:
    """Run the rotations that waited for an owner, then continue re-encryption."""
    waiting = list(
        db.scalars(
            select(RotationDue).where(
                RotationDue.dossier_id == keys.dossier_id, RotationDue.scope.like("pending:%")
            )
        )
    )
    if waiting:
        scopes = [due.scope.removeprefix("pending:") for due in waiting]
        for due in waiting:
            db.delete(due)
        db.flush()
        rotate(db, keys, scopes, now)
    return continue_rotation(db, keys, budget_seconds)
