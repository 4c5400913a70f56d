"""/healthz and /readyz: unauthenticated, unlimited, cheap, and saying nothing sensitive."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, jsonify

from dossier.edge.context import EXTENSION
from dossier.edge.limits import limiter
from dossier.services.health import readiness

health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz() -> Response:
    """The process lives and answers; nothing else is checked."""
    return jsonify(status="ok")


@health.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Ready to take traffic: database reachable, migrations current, keys loaded, the dossier
    secrets' store taking writes, Redis if set."""
    state = current_app.extensions[EXTENSION]
    result = readiness(state["engine"], state["settings"], state.get("server_keys") is not None)
    checks = {name: "ok" if passed else "failing" for name, passed in result.checks.items()}
    status = "ok" if result.ready else "unavailable"
    response = jsonify(status=status, checks=checks)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if result.ready else 503


def init_app(app: Flask) -> None:
    limiter.exempt(health)
    app.register_blueprint(health)
