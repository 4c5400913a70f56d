"""One request's handle on one dossier: access resolved once, keys opened once, one place to log.

A page is one use case: it opens a `DossierWork`, reads what it shows through it, and writes the
one event that says what was read. The handle is why a page no longer strings several units of
work together (each resolving access, sweeping and unlocking keys again, each logging its part).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from dossier.actions import Action
from dossier.audit import append
from dossier.errors import DomainError
from dossier.services.access import Access, resolve, resolve_owner
from dossier.services.context import Actor, Context, Refused
from dossier.services.keychain import KeyChain, keychain
from dossier.services.notices import know_name


@dataclass
class DossierWork:
    db: Session
    ctx: Context
    access: Access
    _keys: KeyChain | None = field(default=None, repr=False)

    @property
    def keys(self) -> KeyChain:
        """The actor's keys in this dossier, unlocked on first use and then kept."""
        if self._keys is None:
            self._keys = keychain(self.db, self.access.actor, self.access.dossier.id)
        return self._keys

    def log(self, action: Action, at: datetime | None = None, **fields: object) -> None:
        """`at`: the time a write stamped on what it made, so its event carries the same."""
        event = self.access.event(action, **fields)
        append(self.db, event, self.ctx.origin, at or self.ctx.now())

    def refuse(
        self, action: Action, reason: str, error: DomainError | None = None, **fields: object
    ) -> Refused:
        return self.access.refuse(action, reason, error, **fields)

    def require_owner(self, action: Action) -> None:
        if not self.access.is_owner:
            raise self.refuse(action, "not an owner")


@contextmanager
def dossier_work(
    ctx: Context, actor: Actor, dossier_id: uuid.UUID, action: Action
) -> Iterator[DossierWork]:
    """One transaction on one dossier; a stranger is refused as if it did not exist."""
    with ctx.unit_of_work() as db:
        know_name(db, actor.user_id, actor.display_name)
        yield DossierWork(db, ctx, resolve(db, ctx, actor, dossier_id, action))


@contextmanager
def owner_work(
    ctx: Context, actor: Actor, dossier_id: uuid.UUID, action: Action
) -> Iterator[DossierWork]:
    """As `dossier_work`, for what only an owner may do; anyone else is refused and logged."""
    with ctx.unit_of_work() as db:
        know_name(db, actor.user_id, actor.display_name)
        yield DossierWork(db, ctx, resolve_owner(db, ctx, actor, dossier_id, action))
