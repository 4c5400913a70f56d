"""The access log: every use case appends its event to a hash chain inside its own transaction.

One chain for account events and one per dossier, so writers on different dossiers never wait for
each other. Each event is stored as the canonical JSON that was hashed, so verifying never
re-serialises: `hash = SHA-256(previous hash || event bytes)`.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from dossier.models import AuditChainHead, AuditEvent

ACCOUNT_CHAIN = "account"
GENESIS_HASH = "0" * 64
EVENT_FORMAT = 1


class Outcome(StrEnum):
    SUCCESS = "success"
    DENIED = "denied"
    ERROR = "error"


@dataclass(frozen=True)
class Origin:
    """Where a request came from; recorded with every event, never used to decide anything."""

    client_address: str | None = None
    request_id: str | None = None


@dataclass(frozen=True)
class Event:
    """What happened, to whose data, by whom and on what basis. Never content."""

    action: str
    outcome: Outcome = Outcome.SUCCESS
    actor_id: uuid.UUID | None = None
    actor_role: str | None = None
    on_behalf_of: uuid.UUID | None = None
    dossier_id: uuid.UUID | None = None
    object_type: str | None = None
    object_id: str | None = None
    reason: str | None = None
    basis: str | None = None


def chain_for(dossier_id: uuid.UUID | None) -> str:
    return ACCOUNT_CHAIN if dossier_id is None else f"dossier:{dossier_id}"


def event_bytes(fields: dict[str, object]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode(
        "ascii"
    )


def link_hash(prev_hash: str, body: bytes) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + body).hexdigest()


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def start_chain(db: Session, dossier_id: uuid.UUID | None) -> None:
    """Create the head row of a new chain, in the transaction that creates its dossier."""
    db.add(
        AuditChainHead(chain=chain_for(dossier_id), dossier_id=dossier_id, seq=0, hash=GENESIS_HASH)
    )
    db.flush()


def append(db: Session, event: Event, origin: Origin, at: datetime) -> AuditEvent:
    """Append `event` to its chain in the caller's transaction; failing here fails the use case."""
    chain = chain_for(event.dossier_id)
    head = db.scalar(select(AuditChainHead).where(AuditChainHead.chain == chain).with_for_update())
    if head is None:
        raise LookupError(f"audit chain {chain} has no head")
    event_id = uuid.uuid4()
    seq = head.seq + 1
    fields: dict[str, object] = {
        "v": EVENT_FORMAT,
        "id": str(event_id),
        "chain": chain,
        "seq": seq,
        "at": at.isoformat(timespec="microseconds"),
        "actor_id": _text(event.actor_id),
        "actor_role": event.actor_role,
        "on_behalf_of": _text(event.on_behalf_of),
        "action": event.action,
        "dossier_id": _text(event.dossier_id),
        "object_type": event.object_type,
        "object_id": event.object_id,
        "outcome": str(event.outcome),
        "reason": event.reason,
        "basis": event.basis,
        "client_address": origin.client_address,
        "request_id": origin.request_id,
        "prev_hash": head.hash,
    }
    body = event_bytes(fields)
    digest = link_hash(head.hash, body)
    row = AuditEvent(
        id=event_id,
        chain=chain,
        seq=seq,
        at=at,
        actor_id=event.actor_id,
        actor_role=event.actor_role,
        on_behalf_of=event.on_behalf_of,
        action=event.action,
        dossier_id=event.dossier_id,
        object_type=event.object_type,
        object_id=event.object_id,
        outcome=str(event.outcome),
        reason=event.reason,
        basis=event.basis,
        client_address=origin.client_address,
        request_id=origin.request_id,
        prev_hash=head.hash,
        hash=digest,
        body=body.decode("ascii"),
    )
    db.add(row)
    head.seq = seq
    head.hash = digest
    db.flush()
    return row


@dataclass(frozen=True)
class BrokenLink:
    chain: str
    sequence: int
    reason: str


def verify_chain(db: Session, chain: str) -> BrokenLink | None:
    """Recompute one chain from its stored bytes; the full verifier comes with checkpoints."""
    expected_prev = GENESIS_HASH
    expected_seq = 0
    rows = db.execute(
        select(AuditEvent.seq, AuditEvent.prev_hash, AuditEvent.hash, AuditEvent.body)
        .where(AuditEvent.chain == chain)
        .order_by(AuditEvent.seq)
    )
    for seq, prev_hash, digest, body in rows:
        expected_seq += 1
        if seq != expected_seq:
            return BrokenLink(chain, expected_seq, "missing event")
        if prev_hash != expected_prev or json.loads(body).get("prev_hash") != expected_prev:
            return BrokenLink(chain, seq, "previous hash does not match")
        if link_hash(expected_prev, body.encode("ascii")) != digest:
            return BrokenLink(chain, seq, "hash does not match the event")
        expected_prev = digest
    head = db.get(AuditChainHead, chain)
    if head is not None and (head.seq != expected_seq or head.hash != expected_prev):
        return BrokenLink(chain, expected_seq + 1, "chain ends before its head")
    return None
