"""The JSON API, /api/v1: load -> service -> dump, with problem+json errors and OpenAPI."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from dossier.api import (  # noqa: F401  (they attach their routes)
        accounts,
        admin,
        audit,
        dossiers,
        entries,
        openapi,
        plans,
        requests,
        sessions,
        sharing,
    )
    from dossier.api.blueprint import bp
    from dossier.edge.security import csrf

    csrf.exempt(bp)  # bearer tokens only: no cookie ever authenticates an API call
    app.register_blueprint(bp)
