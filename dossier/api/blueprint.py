"""The API blueprint, how bodies are loaded, and the operation registry that feeds OpenAPI."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Blueprint, Response, jsonify, request
from marshmallow import Schema, ValidationError

from dossier.api.serialize import dumper
from dossier.edge.errors import problem
from dossier.errors import N_, MalformedRequest

bp = Blueprint("api", __name__, url_prefix="/api/v1")

F = TypeVar("F", bound=Callable[..., Any])


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


def load(schema: type[Schema]) -> dict[str, Any]:
    """Parse and validate a JSON body: 400 when it is not JSON at all, 422 per field otherwise."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise MalformedRequest(N_("The request body must be a JSON object."))
    try:
        return schema().load(body)
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {"_": error.messages}
        raise BadBody(problem(422, "Some fields need another look.", errors=messages)) from None


@bp.errorhandler(BadBody)
def _bad_body(error: BadBody) -> Response:
    return error.response


def dump(schema: type[Schema], obj: Any, status: int = 200) -> Response:
    response = jsonify(dumper(schema)(obj))
    response.status_code = status
    return response


def no_content() -> Response:
    return Response(status=204)
