"""What comes in, checked before any view reads it, for pages and API alike.

- JSON bodies have a size and a depth limit, enforced before parsing: a body nested a thousand
  deep is refused by counting brackets, never by recursing into it (400), and a body over the size
  limit is not even read (413). Every string in a parsed body, keys included, obeys the one text
  rule (`validation.usable`), or the answer is 422 naming each bad field.
- Query strings obey the same rule on every request, and so do form fields and file names sent
  to the API. Page forms apply it field by field (`web.forms.Form`), so a person sees the message
  next to the field they typed in.

The limits are stated here, once; the README repeats them for people.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from itertools import accumulate
from typing import Any

import flask
from flask import Flask, request
from flask.json.provider import DefaultJSONProvider

from dossier.edge.auth import is_api_request
from dossier.errors import N_, InvalidInput, MalformedRequest
from dossier.services.validation import UNUSABLE_TEXT, usable

# Our largest body is a corrected entry: 55,000 characters of text and a title, at most 12 bytes
# each once escaped (an emoji is two `\u` escapes), so about 670 kB. Nothing we take nests deeper
# than 2.
JSON_MAX_BYTES = 1024 * 1024
JSON_MAX_DEPTH = 20

# A JSON string, read as JSON reads it: an escape takes the next character, and a string that is
# never closed runs to the end (so the pattern cannot fail and rescan: linear on any input).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def nesting(text: str) -> int:
    """How deep JSON text nests, from its brackets outside strings: no parser, no recursion."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def unusable_fields(value: Any) -> Iterator[str]:
    """The path of every string in a parsed body that breaks the text rule ("_" for the body
    itself, or a bad key's parent); iterative, though the depth is bounded already."""
    pending: deque[tuple[str, Any]] = deque([("", value)])
    while pending:
        path, item = pending.popleft()
        if isinstance(item, str):
            if not usable(item):
                yield path or "_"
        elif isinstance(item, dict):
            for key, inner in item.items():
                if not usable(key):
                    yield path or "_"
                else:
                    pending.append((f"{path}.{key}" if path else key, inner))
        elif isinstance(item, list):
            pending.extend(
                (f"{path}.{index}" if path else str(index), inner)
                for index, inner in enumerate(item)
            )


def _refuse(paths: Iterator[str]) -> None:
    faults = {path: [UNUSABLE_TEXT] for path in paths}
    if faults:
        raise InvalidInput(faults)


class LimitedJson(DefaultJSONProvider):
    """The app's JSON: what Flask's does, with the limits above on everything it reads."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        # JSON travels as UTF-8 (RFC 8259). Bytes that are not UTF-8, encoded surrogates
        # included, raise a ValueError, which `get_json` answers as "not JSON".
        text = s.decode("utf-8") if isinstance(s, bytes) else s
        if nesting(text) > JSON_MAX_DEPTH:
            raise MalformedRequest(N_("The JSON in this request is nested too deeply."))
        value = super().loads(text, **kwargs)
        _refuse(unusable_fields(value))
        return value


class Request(flask.Request):
    @property
    def max_content_length(self) -> int | None:
        """A JSON body over its limit is refused (413) before it is read."""
        limit = super().max_content_length
        if self.is_json:
            return JSON_MAX_BYTES if limit is None else min(limit, JSON_MAX_BYTES)
        return limit

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        # Flask lets a view set its own limit per request; that stays possible, capped as above.
        self._max_content_length = value


def _fields() -> Iterator[tuple[str, str]]:
    yield from request.args.items(multi=True)
    if is_api_request():
        yield from request.form.items(multi=True)
        for name, upload in request.files.items(multi=True):
            yield name, upload.filename or ""


def _check_fields() -> None:
    _refuse(
        name if usable(name) else "_"
        for name, value in _fields()
        if not (usable(name) and usable(value))
    )


def init_app(app: Flask) -> None:
    app.request_class = Request
    app.json = LimitedJson(app)
    app.before_request(_check_fields)
