"""A file from a dossier as the reader's browser gets it: always saved, never shown or run.

Pages and API both answer a download with `attachment_response`.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Response

from dossier.edge.security import ATTACHMENT_POLICY
from dossier.services.entries import Download

# RFC 5987 attr-char: what may stand unescaped in `filename*`.
_ATTR_CHARS = "!#$&+-.^_`|~"
_NOT_PLAIN = re.compile(r"[^A-Za-z0-9 ._()-]+")


def content_disposition(filename: str) -> str:
    """RFC 6266: the name itself in `filename*` (UTF-8, RFC 5987), and a plain ASCII version in
    `filename` for clients that know no better. The header is ASCII whatever the name is, so it
    can always be sent."""
    letters = "".join(
        char for char in unicodedata.normalize("NFKD", filename) if not unicodedata.combining(char)
    )
    fallback = _NOT_PLAIN.sub("_", letters).strip() or "file"
    encoded = quote(filename, safe=_ATTR_CHARS)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


def attachment_response(file: Download) -> Response:
    response = Response(file.content, mimetype=file.media_type)
    response.headers["Content-Disposition"] = content_disposition(file.filename)
    # Its own policy, stricter than the pages' (which `security` leaves alone): should a browser
    # ever render the file, it runs nothing and reaches nothing.
    response.headers["Content-Security-Policy"] = ATTACHMENT_POLICY
    response.headers["Cache-Control"] = "no-store"
    return response
