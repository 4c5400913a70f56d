"""Builds the service context for the current request: database, settings, origin."""

from __future__ import annotations

import uuid

from flask import Flask, Response, current_app, g, request

from dossier.audit import Origin
from dossier.config import Settings
from dossier.services.context import Context

EXTENSION = "dossier"


def settings() -> Settings:
    return current_app.extensions[EXTENSION]["settings"]


def request_id() -> str:
    if "request_id" not in g:
        g.request_id = uuid.uuid4().hex
    return g.request_id


def service_context() -> Context:
    """One per call: services see plain values, never `request` or `current_user`."""
    state = current_app.extensions[EXTENSION]
    return Context(
        sessions=state["sessions"],
        settings=state["settings"],
        origin=Origin(client_address=request.remote_addr, request_id=request_id()),
        clock=state["clock"],
        audit_key=state["server_keys"].audit_signing_key,
        job_key=state["server_keys"].job_key,
    )


def init_app(app: Flask) -> None:
    @app.after_request
    def _tag_request(response: Response) -> Response:
        response.headers["X-Request-Id"] = request_id()
        return response
