"""Security headers on every response, and CSRF on every form."""

from __future__ import annotations

from flask import Flask, Response
from flask_wtf.csrf import CSRFProtect

from dossier.edge.context import settings

csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# For files from a dossier: nothing loads, nothing runs, the document has a unique origin.
ATTACHMENT_POLICY = "default-src 'none'; sandbox"


def _headers(response: Response) -> Response:
    # A response that brings its own policy keeps it: only downloads do, with a stricter one.
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if settings().production:
        response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    if response.mimetype == "text/html" or (response.mimetype or "").endswith("json"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    production = app.extensions["dossier"]["settings"].production
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=production,
        SESSION_COOKIE_NAME="dossier_csrf",
        WTF_CSRF_TIME_LIMIT=None,
    )
    csrf.init_app(app)
    app.after_request(_headers)
