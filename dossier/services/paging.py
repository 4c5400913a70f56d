"""Page cursors: one format and one decoder for every list, on pages and in the API.

A cursor is opaque to its reader but not to an attacker, who can send anything: whatever does not
decode to the position we handed out is a clear 422 on the `cursor` field, never a 500.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from dossier import crypto
from dossier.errors import N_, InvalidInput

PAGE_DEFAULT = 50  # rows a list shows when its reader does not say
PAGE_MAX = 200  # the most any list hands out at once, on pages and in the API


def checked_limit(limit: int) -> int:
    """A limit someone asked for: refused clearly outside 1 to PAGE_MAX, never silently cut."""
    if not 1 <= limit <= PAGE_MAX:
        raise InvalidInput({"limit": [N_("Use a number from 1 to 200.")]})
    return limit


def page_size(limit: int | None) -> int:
    """The rows to read for a requested limit: the default for none, never more than PAGE_MAX."""
    return max(1, min(limit or PAGE_DEFAULT, PAGE_MAX))


# Ours are about 90 characters; a longer one was not made here and is not decoded at all.
CURSOR_MAX = 200


def encode(at: datetime, row_id: uuid.UUID) -> str:
    """The position after the last row shown: keyset paging on (time, id)."""
    return crypto.b64url(json.dumps([at.isoformat(), str(row_id)]).encode())


def decode(cursor: str) -> tuple[datetime, uuid.UUID]:
    """The position in a cursor; a time without its zone cannot be compared, so it is refused."""
    try:
        if len(cursor) > CURSOR_MAX:
            raise ValueError("too long")
        position = json.loads(crypto.from_b64url(cursor))
        if not isinstance(position, list) or len(position) != 2:
            raise ValueError("not a position")
        at, row_id = datetime.fromisoformat(position[0]), uuid.UUID(position[1])
        if at.utcoffset() is None:
            raise ValueError("no time zone")
    except (ValueError, TypeError, AttributeError, crypto.CryptoError):
        raise InvalidInput(
            {"cursor": [N_("This page link is not valid. Start from the first page.")]}
        ) from None
    return at, row_id
