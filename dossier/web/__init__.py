"""The browser pages: form -> service -> template."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from dossier.web import account, admin, audit, dossiers, entries, pages, sharing  # noqa: F401
    from dossier.web.blueprint import bp

    app.register_blueprint(bp)
