"""Query-string arguments, read the same way by pages and API: a bad one is a clear 422."""

from __future__ import annotations

import uuid

from flask import Flask, request
from werkzeug.routing import IntegerConverter, Map

from dossier.errors import N_, InvalidInput
from dossier.schemas import NUMBER_MAX
from dossier.services import paging


class NumberConverter(IntegerConverter):
    """`<number:...>`: a version number from 1 to what its column holds. A path beyond that
    names nothing (404) rather than reaching the database with a number it cannot compare."""

    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, min=1, max=NUMBER_MAX)


def init_app(app: Flask) -> None:
    app.url_map.converters["number"] = NumberConverter  # before the routes that use it


def number_field(raw: str | None) -> int | None:
    """A version number sent in a form, or None when it is not one (a form field may hold
    anything: "²" is a digit to `str.isdigit`, and 2**64 fits no column)."""
    text = (raw or "").strip()
    if not (text.isascii() and text.isdecimal()) or len(text) > 10:
        return None
    number = int(text)
    return number if 1 <= number <= NUMBER_MAX else None


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
