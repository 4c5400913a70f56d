"""`GET /api/v1/openapi.json`, generated from the marshmallow schemas and the route registry."""

from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Response, jsonify

from dossier.api.blueprint import OPERATIONS, Operation, Query, bp
from dossier.schemas import NUMBER_MAX, ChangeSchema, Problem

_PATH_PARAMETER = re.compile(r"{(\w+)}")
# A path parameter is an id unless named here.
_PATH_SCHEMAS: dict[str, dict[str, object]] = {
    "number": {"type": "integer", "minimum": 1, "maximum": NUMBER_MAX},
}
_ID = {"type": "string", "format": "uuid"}


def _edge_errors(op: Operation) -> set[int]:
    """What the edge answers before any view runs (`edge.inputs`): unusable text in the query
    (422), and for a body, JSON that cannot be read or nests too deep (400) or is too big (413).
    """
    return {422} | ({400, 413} if op.body is not None else set())


def _operation(op: Operation) -> dict[str, object]:
    responses: dict[str, object] = {}
    for status, schema in op.responses.items():
        content: dict[str, object] | None
        if schema is not None:
            content = {"application/json": {"schema": schema}}
        elif op.download and status == 200:
            binary = {"schema": {"type": "string", "format": "binary"}}
            content = {media_type: binary for media_type in op.download}
        else:
            content = None
        responses[str(status)] = {"description": "Done."} | (
            {"content": content} if content else {}
        )
    for status in sorted(set(op.errors) | _edge_errors(op)):
        responses[str(status)] = {
            "description": "Problem.",
            "content": {"application/problem+json": {"schema": "Problem"}},
        }
    path_parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": _PATH_SCHEMAS.get(name, _ID),
        }
        for name in _PATH_PARAMETER.findall(op.path)
    ]
    query_parameters = [_query(query) for query in op.query]
    body: dict[str, object] = {
        "summary": op.summary,
        "tags": [op.tag],
        "responses": responses,
        "parameters": path_parameters + query_parameters,
    }
    if op.body is not None:
        body["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": op.body}},
        }
    if op.files:
        form = {
            "type": "object",
            "required": list(op.files),
            "properties": {name: {"type": "string", "format": "binary"} for name in op.files},
        }
        body["requestBody"] = {
            "required": True,
            "content": {"multipart/form-data": {"schema": form}},
        }
    body["security"] = [{"bearer": []}] if op.authenticated else []
    return body


def _query(query: Query) -> dict[str, object]:
    schema = query.schema
    takes_empty = schema.keys() <= {"type", "pattern"} and schema["type"] == "string"
    if query.empty_is_absent and not takes_empty:
        schema = {"anyOf": [schema, {"const": ""}]}
    parameter = {"name": query.name, "in": "query", "required": query.required, "schema": schema}
    return parameter | ({"description": query.description} if query.description else {})


def _at_least_one_field(spec: dict[str, Any]) -> None:
    """A PATCH body with no field changes nothing; the views refuse it, the document says so."""
    schemas = spec["components"]["schemas"]
    for op in OPERATIONS:
        if op.body is not None and issubclass(op.body, ChangeSchema):
            schemas[op.body.__name__]["minProperties"] = 1


def build_spec() -> dict[str, Any]:
    spec = APISpec(
        title="Eigen Dossier API",
        version="1",
        openapi_version="3.1.0",
        plugins=[MarshmallowPlugin()],
        info={"description": "The same services as the pages, as JSON. Errors are problem+json."},
        servers=[{"url": "/api/v1"}],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Problem", schema=Problem)
    paths: dict[str, dict[str, object]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op)
    for path, operations in sorted(paths.items()):
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    _at_least_one_field(document)
    return document


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(build_spec())
