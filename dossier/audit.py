"""The access log: every use case appends its event to a hash chain inside its own transaction.

One chain for account events and one per dossier, so writers on different dossiers never wait for
each other. Each event is stored as the canonical JSON that was hashed, so verifying never
re-serialises: `hash = SHA-256(previous hash || event bytes)`.
"""

from __future__ import annotations

import hashlib
import json
import operator
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    String,
    Text,
    bindparam,
    cast,
    func,
    insert,
    select,
    type_coerce,
    update,
)
from sqlalchemy.orm import Session

from dossier.actions import Action
from dossier.crypto import canonical
from dossier.models import AuditChainHead, AuditCheckpoint, AuditEvent

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

    action: Action
    outcome: Outcome = Outcome.SUCCESS
    actor_id: uuid.UUID | None = None
    actor_role: str | None = None
    on_behalf_of: uuid.UUID | None = None
    dossier_id: uuid.UUID | None = None
    object_type: str | None = None
    object_id: str | None = None
    reason: str | None = None
    basis: str | None = None

    def __post_init__(self) -> None:
        # Only the vocabulary is written, so every line of the log can be said in plain words.
        if not isinstance(self.action, Action):
            raise TypeError(f"not an action of the vocabulary: {self.action!r}")


def chain_for(dossier_id: uuid.UUID | None) -> str:
    return ACCOUNT_CHAIN if dossier_id is None else f"dossier:{dossier_id}"


def event_bytes(fields: dict[str, object]) -> bytes:
    """The bytes an event is hashed and stored as: the one canonical JSON of `crypto`."""
    return canonical(fields)


def link_hash(prev_hash: str, body: bytes) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + body).hexdigest()


# Heads and events are written and read as plain rows, never as ORM objects: an object kept in a
# session would go stale the moment the next event moves its head.
_HEADS = AuditChainHead.metadata.tables[AuditChainHead.__tablename__]
_EVENTS = AuditEvent.metadata.tables[AuditEvent.__tablename__]
_HEAD = (
    select(_HEADS.c.seq, _HEADS.c.hash)
    .where(_HEADS.c.chain == bindparam("head_chain"))
    .with_for_update()
)
_MOVE_HEAD = (
    update(_HEADS)
    .where(_HEADS.c.chain == bindparam("head_chain"))
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)


def start_chain(db: Session, dossier_id: uuid.UUID | None) -> None:
    """Create the head row of a new chain, in the transaction that creates its dossier."""
    db.execute(
        insert(_HEADS).values(
            chain=chain_for(dossier_id), dossier_id=dossier_id, seq=0, hash=GENESIS_HASH
        )
    )


def append(db: Session, event: Event, origin: Origin, at: datetime) -> None:
    """Append `event` to its chain in the caller's transaction; failing here fails the use case."""
    chain = chain_for(event.dossier_id)
    head = db.execute(_HEAD, {"head_chain": chain}).first()
    if head is None:
        raise LookupError(f"audit chain {chain} has no head")
    values = linked_values(event, origin, at, chain, head.seq + 1, head.hash)
    db.execute(insert(_EVENTS), values)
    db.execute(
        _MOVE_HEAD, {"head_chain": chain, "new_seq": values["seq"], "new_hash": values["hash"]}
    )


def linked_values(
    event: Event, origin: Origin, at: datetime, chain: str, seq: int, prev_hash: str
) -> dict[str, Any]:
    """The stored columns of one event hashed onto `prev_hash`: `append` without the database,
    so that bulk tools write exactly the bytes the verifier expects."""
    columns: dict[str, Any] = {
        "id": uuid.uuid4(),
        "chain": chain,
        "seq": seq,
        "at": at,
        "actor_id": event.actor_id,
        "actor_role": event.actor_role,
        "on_behalf_of": event.on_behalf_of,
        "action": event.action.value,
        "dossier_id": event.dossier_id,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "outcome": str(event.outcome),
        "reason": event.reason,
        "basis": event.basis,
        "client_address": origin.client_address,
        "request_id": origin.request_id,
        "prev_hash": prev_hash,
    }
    fields = {name: _hashed(value) for name, value in columns.items()}
    body = event_bytes({"v": EVENT_FORMAT, **fields})
    return {**columns, "hash": link_hash(prev_hash, body), "body": body.decode("ascii")}


def _hashed(value: object) -> object:
    """How a column appears in the hashed event: ids as text, times to the microsecond."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    return value


@dataclass(frozen=True)
class BrokenLink:
    chain: str
    sequence: int
    reason: str


@dataclass(frozen=True)
class Report:
    ok: bool
    chains: int
    events: int
    checkpoints: int
    last_checkpoint: int | None
    first_broken: BrokenLink | None


# --- checkpoints ----------------------------------------------------------------------------------

CHECKPOINT_LABEL = b"eigen-dossier/v1/audit-checkpoint\x00"


def merkle_root(heads: list[tuple[str, int, str]]) -> str:
    """Root over every chain head, sorted by chain; leaves and nodes are domain-separated."""
    level = [
        hashlib.sha256(b"\x00" + event_bytes({"chain": c, "seq": n, "hash": h})).digest()
        for c, n, h in sorted(heads)
    ]
    if not level:
        return hashlib.sha256(b"\x00").hexdigest()
    while len(level) > 1:
        if len(level) % 2:
            level.append(level[-1])
        level = [
            hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest()
            for i in range(0, len(level), 2)
        ]
    return level[0].hex()


def make_checkpoint(db: Session, signing_key: Ed25519PrivateKey, at: datetime) -> AuditCheckpoint:
    """Sign the current head of every chain, linked to the previous checkpoint."""
    last = db.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.number.desc()).limit(1))
    heads = [
        (h.chain, h.seq, h.hash)
        for h in db.execute(
            select(_HEADS.c.chain, _HEADS.c.seq, _HEADS.c.hash).order_by(_HEADS.c.chain)
        )
    ]
    number = (last.number + 1) if last else 1
    prev = last.hash if last else GENESIS_HASH
    root = merkle_root(heads)
    fields: dict[str, object] = {
        "v": EVENT_FORMAT,
        "number": number,
        "at": at.isoformat(timespec="microseconds"),
        "merkle_root": root,
        "prev_hash": prev,
        "heads": [[c, n, h] for c, n, h in heads],
    }
    body = event_bytes(fields)
    public = signing_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    row = AuditCheckpoint(
        number=number,
        created_at=at,
        merkle_root=root,
        prev_hash=prev,
        hash=link_hash(prev, body),
        body=body.decode("ascii"),
        public_key=public,
        signature=signing_key.sign(CHECKPOINT_LABEL + body).hex(),
    )
    db.add(row)
    db.flush()
    return row


def events_since_checkpoint(db: Session) -> int:
    last = db.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.number.desc()).limit(1))
    heads_total = db.scalar(select(func.coalesce(func.sum(AuditChainHead.seq), 0))) or 0
    if last is None:
        return int(heads_total)
    recorded: int = sum(n for _c, n, _h in json.loads(last.body)["heads"])
    return int(heads_total) - recorded


# --- verification ---------------------------------------------------------------------------------

_COLUMNS = (
    "id",
    "chain",
    "seq",
    "actor_id",
    "actor_role",
    "on_behalf_of",
    "action",
    "dossier_id",
    "object_type",
    "object_id",
    "outcome",
    "reason",
    "basis",
    "client_address",
    "request_id",
    "prev_hash",
)


# Ids and times are compared as the hashed event spells them (ids as lower-case text with dashes,
# times as ISO 8601 to the microsecond), and the database writes them out so where it can: then a
# row's columns and its event's fields compare as two lists, with no Python object made per id or
# time (making those was half of verifying a million events). SQLite keeps a UUID as 32 hex digits,
# which are compared with the event's ids without their dashes.
_ID_COLUMNS = frozenset({"id", "actor_id", "on_behalf_of", "dossier_id"})
_NAMES = (*_COLUMNS, "at")
_IDS_AT = tuple(index for index, name in enumerate(_NAMES) if name in _ID_COLUMNS)


def _spelled_id(column: ColumnElement[Any], dialect: str) -> ColumnElement[Any]:
    return type_coerce(column, String) if dialect == "sqlite" else cast(column, Text)


def _spelled_at(column: ColumnElement[Any], dialect: str) -> ColumnElement[Any]:
    """Times are stored in UTC and hashed as `isoformat` spells an aware UTC time."""
    if dialect == "sqlite":  # kept as the text "YYYY-MM-DD HH:MM:SS.ffffff"
        return func.replace(type_coerce(column, String), " ", "T").concat("+00:00")
    if dialect == "postgresql":
        utc = func.timezone("UTC", column)
        return func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS.US').concat("+00:00")
    return column


@cache
def _stored_events(dialect: str) -> Select[Any]:
    """Plain rows, not ORM objects: verification reads every event ever written."""
    table = AuditEvent.__table__
    columns = [
        _spelled_id(table.c[name], dialect).label(name) if name in _ID_COLUMNS else table.c[name]
        for name in _COLUMNS
    ]
    at = _spelled_at(table.c.at, dialect).label("at")
    return select(*columns, at, table.c.body, table.c.hash).order_by(table.c.chain, table.c.seq)


def _same(value: object, expected: object) -> bool:
    if value is None or expected is None:
        return value is None and expected is None
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds") == expected
    return value == expected or str(value) == expected


_CHAIN_AT, _SEQ_AT, _PREV_AT = (_COLUMNS.index(name) for name in ("chain", "seq", "prev_hash"))
_FIELDS = len(_NAMES)


_FIELDS_OF = operator.itemgetter(*_NAMES)
_DECODE = json.JSONDecoder().raw_decode


def _fields(body: str) -> dict[str, object] | None:
    """The hashed event's fields; None for bytes that are not one JSON object. What `append`
    hashes has no white space around it, so none is skipped (`json.loads` would look for some
    on both sides of every event)."""
    try:
        fields, end = _DECODE(body)
    except ValueError:
        return None
    return fields if end == len(body) and isinstance(fields, dict) else None


def _columns_match(row: Row[Any], fields: dict[str, object], undashed: bool) -> bool:
    try:
        expected = list(_FIELDS_OF(fields))
    except KeyError:  # an event from before a field was added to the log
        expected = [fields.get(name) for name in _NAMES]
    if undashed:
        for index in _IDS_AT:
            value = expected[index]
            if value.__class__ is str:
                expected[index] = value.replace("-", "")
    # One comparison of all columns at once, and a column by column look only when that fails.
    if row[:_FIELDS] == tuple(expected):
        return True
    return all(_same(row[index], value) for index, value in enumerate(expected))


def verify(db: Session, public_key: bytes | None = None) -> Report:
    """Recompute every chain and checkpoint; name the first broken link."""
    events = 0
    chain_ends: dict[str, tuple[int, str]] = {}
    first: BrokenLink | None = None
    current: str | None = None
    expected_prev = GENESIS_HASH
    expected_seq = 0
    dialect = db.get_bind().dialect.name
    undashed = dialect == "sqlite"
    for row in db.execute(_stored_events(dialect).execution_options(yield_per=5000)):
        events += 1
        chain, seq = row[_CHAIN_AT], row[_SEQ_AT]
        if chain != current:
            if current is not None:
                chain_ends[current] = (expected_seq, expected_prev)
            current, expected_prev, expected_seq = chain, GENESIS_HASH, 0
        if first is not None:
            continue
        expected_seq += 1
        body: str = row.body
        fields = _fields(body)
        if fields is None:
            first = BrokenLink(chain, seq, "event bytes are not the stored event")
            continue
        if seq != expected_seq:
            reason = "event missing before this one" if seq > expected_seq else "event out of order"
            first = BrokenLink(chain, expected_seq, reason)
        elif fields.get("chain") != chain or fields.get("seq") != seq:
            first = BrokenLink(chain, seq, "event moved from another place in the chain")
        elif row[_PREV_AT] != expected_prev or fields.get("prev_hash") != expected_prev:
            first = BrokenLink(
                chain, seq, "previous hash does not match: inserted, removed or reordered"
            )
        elif link_hash(expected_prev, body.encode("ascii")) != row.hash:
            first = BrokenLink(chain, seq, "hash does not match the event: edited or forged")
        elif not _columns_match(row, fields, undashed):
            first = BrokenLink(chain, seq, "a field differs from the hashed event: edited")
        expected_prev = row.hash
    if current is not None:
        chain_ends[current] = (expected_seq, expected_prev)
    heads = {
        h.chain: (h.seq, h.hash)
        for h in db.execute(select(_HEADS.c.chain, _HEADS.c.seq, _HEADS.c.hash))
    }
    if first is None:
        for chain, (seq, digest) in sorted(heads.items()):
            if seq and chain_ends.get(chain, (0, GENESIS_HASH)) != (seq, digest):
                end = chain_ends.get(chain, (0, GENESIS_HASH))[0]
                first = BrokenLink(
                    chain, end + 1, "chain ends before its head: events removed at the end"
                )
                break
    checkpoints = list(db.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.number)))
    if first is None:
        first = _verify_checkpoints(checkpoints, chain_ends, public_key)
    return Report(
        ok=first is None,
        chains=len(set(heads) | set(chain_ends)),
        events=events,
        checkpoints=len(checkpoints),
        last_checkpoint=checkpoints[-1].number if checkpoints else None,
        first_broken=first,
    )


def _verify_checkpoints(
    checkpoints: list[AuditCheckpoint],
    chain_ends: dict[str, tuple[int, str]],
    public_key: bytes | None,
) -> BrokenLink | None:
    prev = GENESIS_HASH
    for number, checkpoint in enumerate(checkpoints, start=1):
        where = f"checkpoint:{checkpoint.number}"
        body = checkpoint.body.encode("ascii")
        fields = json.loads(checkpoint.body)
        if checkpoint.number != number or fields.get("number") != number:
            return BrokenLink(where, number, "checkpoint missing or renumbered")
        if fields.get("prev_hash") != prev or checkpoint.prev_hash != prev:
            return BrokenLink(where, number, "checkpoint does not follow the one before")
        if link_hash(prev, body) != checkpoint.hash:
            return BrokenLink(where, number, "checkpoint edited")
        key = public_key or bytes.fromhex(checkpoint.public_key)
        try:
            Ed25519PublicKey.from_public_bytes(key).verify(
                bytes.fromhex(checkpoint.signature), CHECKPOINT_LABEL + body
            )
        except (InvalidSignature, ValueError):
            return BrokenLink(where, number, "checkpoint signature is not valid")
        heads = [(c, n, h) for c, n, h in fields["heads"]]
        if merkle_root(heads) != checkpoint.merkle_root:
            return BrokenLink(where, number, "checkpoint root does not match its heads")
        prev = checkpoint.hash
    if checkpoints:
        for chain, seq, _digest in json.loads(checkpoints[-1].body)["heads"]:
            end_seq, _end_hash = chain_ends.get(chain, (0, GENESIS_HASH))
            if end_seq < seq:
                return BrokenLink(chain, end_seq + 1, "chain cut short before the last checkpoint")
    return None


def verify_chain(db: Session, chain: str) -> BrokenLink | None:
    """One chain on its own: its links, and that it reaches its head."""
    expected_prev, expected_seq = GENESIS_HASH, 0
    dialect = db.get_bind().dialect.name
    stored = _stored_events(dialect)
    for row in db.execute(stored.where(AuditEvent.chain == chain)):
        expected_seq += 1
        if row.seq != expected_seq:
            return BrokenLink(chain, expected_seq, "event missing before this one")
        if (
            row.prev_hash != expected_prev
            or link_hash(expected_prev, row.body.encode("ascii")) != row.hash
        ):
            return BrokenLink(chain, row.seq, "hash does not match the event: edited")
        if not _columns_match(row, json.loads(row.body), dialect == "sqlite"):
            return BrokenLink(chain, row.seq, "a field differs from the hashed event: edited")
        expected_prev = row.hash
    head = db.execute(select(_HEADS.c.seq, _HEADS.c.hash).where(_HEADS.c.chain == chain)).first()
    if head is not None and (head.seq, head.hash) != (expected_seq, expected_prev):
        return BrokenLink(
            chain, expected_seq + 1, "chain ends before its head: events removed at the end"
        )
    return None
