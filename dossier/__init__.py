"""Eigen Dossier: a youth-care dossier that its client owns."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from flask import Flask

from dossier.config import Settings

PACKAGE_DIR = Path(__file__).resolve().parent


def template_folder() -> Path:
    """Installed, templates ship inside the package; in a checkout they live at the top level."""
    bundled = PACKAGE_DIR / "templates"
    return bundled if bundled.is_dir() else PACKAGE_DIR.parent / "templates"


def create_app(
    settings: Settings | None = None, clock: Callable[[], datetime] | None = None
) -> Flask:
    """Build the app; nothing is created at import time, so tests can make as many as they need."""
    from dossier import api, keys, web
    from dossier.db import make_engine, make_session_factory
    from dossier.edge import (
        auth,
        context,
        errors,
        health,
        i18n,
        inputs,
        limits,
        logs,
        params,
        security,
    )
    from dossier.services.context import utcnow

    settings = settings or Settings.from_env()
    settings.check_production()
    server_keys = keys.load_keys(settings.keys_dir)

    app = Flask(
        __name__,
        template_folder=str(template_folder()),
        static_folder=str(PACKAGE_DIR / "static"),
    )
    app.config.update(
        SECRET_KEY=server_keys.secret_key,
        DEBUG=False,
        MAX_CONTENT_LENGTH=25 * 1024 * 1024,
        BABEL_TRANSLATION_DIRECTORIES=str(PACKAGE_DIR / "translations"),
        JSON_SORT_KEYS=False,
    )
    if settings.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = settings.trusted_proxies
        # Flask's documented way to add WSGI middleware; its types declare wsgi_app a method.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    engine = make_engine(settings.database_url, settings.database_timeout_seconds)
    app.extensions["dossier"] = {
        "settings": settings,
        "server_keys": server_keys,
        "engine": engine,
        "sessions": make_session_factory(engine),
        "clock": clock or utcnow,
    }
    context.init_app(app)
    inputs.init_app(app)
    params.init_app(app)
    security.init_app(app)
    limits.init_app(app)
    auth.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    logs.init_app(app)
    health.init_app(app)
    web.init_app(app)
    api.init_app(app)
    return app
