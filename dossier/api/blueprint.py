"""The API blueprint, how bodies are loaded, and the operation registry that feeds OpenAPI."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Blueprint, Response, jsonify, request
from marshmallow import Schema, ValidationError

from dossier.api.serialize import dumper
from dossier.edge.errors import problem, translate_errors
from dossier.edge.i18n import gettext
from dossier.errors import N_, InvalidInput, MalformedRequest
from dossier.schemas import USABLE
from dossier.services.paging import PAGE_MAX

bp = Blueprint("api", __name__, url_prefix="/api/v1")


F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Query:
    """A query-string argument the view reads, with the JSON Schema of what it accepts."""

    name: str
    schema: dict[str, object]
    description: str = ""
    required: bool = False
    # Most views read an empty argument (`?section=`) as one not given, as a form sends it.
    empty_is_absent: bool = True


def paged(default: int) -> tuple[Query, ...]:
    """`limit` and `cursor`, as `limit_arg` and the services' cursors read them."""
    return (
        Query(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": PAGE_MAX, "default": default},
            "How many items on this page.",
            empty_is_absent=False,
        ),
        Query("cursor", text(), "The `next_cursor` of the page before."),
    )


def text() -> dict[str, object]:
    """A free text argument: any text, under the one rule every text obeys."""
    return {"type": "string", "pattern": USABLE}


def flag(name: str, description: str) -> Query:
    """A yes/no argument, as `flag_arg` reads it."""
    return Query(name, {"type": "boolean"}, description)


def uuid_query(name: str, description: str) -> Query:
    return Query(name, {"type": "string", "format": "uuid"}, description)


@dataclass(frozen=True)
class Operation:
    path: str
    method: str
    summary: str
    tag: str
    body: type[Schema] | None = None
    responses: dict[int, type[Schema] | None] = field(default_factory=dict)
    authenticated: bool = True
    errors: tuple[int, ...] = ()
    query: tuple[Query, ...] = ()
    # Instead of a JSON body: a multipart form with these file fields.
    files: tuple[str, ...] = ()
    # The media types of a 200 answer that is a file rather than JSON.
    download: tuple[str, ...] = ()


OPERATIONS: list[Operation] = []


def documented(operation: Operation) -> Callable[[F], F]:
    """Record a route's contract next to it; `GET /openapi.json` is built from these."""

    def decorate(view: F) -> F:
        OPERATIONS.append(operation)
        return view

    return decorate


class BadBody(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__("bad body")
        self.response = response


def field_errors(messages: Any, path: str = "", separator: str = ".") -> dict[str, list[str]]:
    """marshmallow's messages as the problem schema has them, `{field: [message]}`: a nested
    field or a list item is named by its path, `section_ids.0`, rather than nested itself."""
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            name = f"{path}{separator}{key}" if path else str(key)
            flat.update(field_errors(value, name, separator))
        return flat
    if isinstance(messages, list) and all(isinstance(message, str) for message in messages):
        return {path or "_": list(messages)}
    if isinstance(messages, list):
        return field_errors(dict(enumerate(messages)), path, separator)
    return {path or "_": [str(messages)]}


def load(schema: type[Schema], separator: str = ".") -> dict[str, Any]:
    """Parse and validate a JSON body: 400 when it is not JSON at all, 422 per field otherwise.
    `separator` joins a nested field's path, for a body whose service names fields its own way."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise MalformedRequest(N_("The request body must be a JSON object."))
    try:
        return schema().load(body)
    except ValidationError as error:
        errors = translate_errors(field_errors(error.messages, separator=separator))
        raise BadBody(problem(422, gettext(InvalidInput.title), errors=errors)) from None


@bp.errorhandler(BadBody)
def _bad_body(error: BadBody) -> Response:
    return error.response


def dump(schema: type[Schema], obj: Any, status: int = 200) -> Response:
    response = jsonify(dumper(schema)(obj))
    response.status_code = status
    return response


def no_content() -> Response:
    return Response(status=204)
