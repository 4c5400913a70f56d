"""Query-string arguments, read the same way by pages and API: a bad one is a clear 422."""

from __future__ import annotations

import uuid

from flask import request

from dossier.errors import N_, InvalidInput
from dossier.services import paging


def uuid_arg(name: str) -> uuid.UUID | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise InvalidInput({name: [N_("This is not a valid id.")]}) from None


def limit_arg(default: int) -> int:
    raw = request.args.get("limit", str(default))
    if not raw.isdigit():
        raise InvalidInput({"limit": [N_("Use a number from 1 to 200.")]})
    return paging.checked_limit(int(raw))


def flag_arg(name: str) -> bool | None:
    """`true` or `false`; None when absent or empty. Anything else is a clear 422, not silently
    "no"."""
    raw = request.args.get(name)
    if not raw:
        return None
    if raw not in _FLAGS:
        raise InvalidInput({name: [N_("Use true or false.")]})
    return _FLAGS[raw]


_FLAGS = {"true": True, "false": False}
