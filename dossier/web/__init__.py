"""The browser pages: form -> service -> template."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from dossier.web import (  # noqa: F401
        account,
        admin,
        approvals,
        audit,
        check_ins,
        council,
        dossiers,
        drafts,
        emergency,
        entries,
        legal,
        log_words,
        news,
        pages,
        plans,
        requests,
        second_factors,
        sharing,
        withholding,
    )
    from dossier.web.blueprint import bp

    app.register_blueprint(bp)
