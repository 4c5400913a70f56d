"""Password stretching with a cap: at most N Argon2id runs at once per process, so a burst of
logins queues briefly instead of letting memory grow without bound (each run holds its cost in
memory, 64 MiB by default)."""

from __future__ import annotations

import threading

from dossier import crypto
from dossier.errors import Unavailable

_slots: dict[int, threading.BoundedSemaphore] = {}
_guard = threading.Lock()


class Busy(Unavailable):
    """Every key-derivation slot stayed taken: the person may simply try again."""


def _semaphore(limit: int) -> threading.BoundedSemaphore:
    with _guard:
        if limit not in _slots:
            _slots[limit] = threading.BoundedSemaphore(limit)
        return _slots[limit]


def derive(
    password: str, salt: bytes, cost: crypto.KdfCost, limit: int, wait_seconds: float
) -> crypto.PasswordKeys:
    slot = _semaphore(max(1, limit))
    if not slot.acquire(timeout=wait_seconds):
        raise Busy()
    try:
        return crypto.derive_password_keys(password, salt, cost)
    finally:
        slot.release()
