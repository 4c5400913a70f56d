"""`GET /api/v1/openapi.json`, generated from the marshmallow schemas and the route registry."""

from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Response, jsonify

from dossier.api.blueprint import OPERATIONS, Operation, bp
from dossier.schemas import Problem

_PATH_PARAMETER = re.compile(r"{(\w+)}")


def _edge_errors(op: Operation) -> set[int]:
    """What the edge answers before any view runs (`edge.inputs`): unusable text in the query
    (422), and for a body, JSON that cannot be read or nests too deep (400) or is too big (413).
    """
    return {422} | ({400, 413} if op.body is not None else set())


def _operation(op: Operation) -> dict[str, object]:
    responses: dict[str, object] = {}
    for status, schema in op.responses.items():
        if schema is None:
            responses[str(status)] = {"description": "Done."}
        else:
            responses[str(status)] = {
                "description": "Done.",
                "content": {"application/json": {"schema": schema}},
            }
    for status in sorted(set(op.errors) | _edge_errors(op)):
        responses[str(status)] = {
            "description": "Problem.",
            "content": {"application/problem+json": {"schema": "Problem"}},
        }
    body: dict[str, object] = {
        "summary": op.summary,
        "tags": [op.tag],
        "responses": responses,
        "parameters": [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "string", "format": "uuid"},
            }
            for name in _PATH_PARAMETER.findall(op.path)
        ],
    }
    if op.body is not None:
        body["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": op.body}},
        }
    body["security"] = [{"bearer": []}] if op.authenticated else []
    return body


def build_spec() -> dict[str, object]:
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
    return spec.to_dict()


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(build_spec())
