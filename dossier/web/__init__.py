"""The browser pages: form -> service -> template."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from dossier.web import account, admin, pages  # noqa: F401  (they attach their routes)
    from dossier.web.blueprint import bp

    app.register_blueprint(bp)
