"""The one blueprint every page module attaches to, plus the helpers they share."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext
from flask_wtf import FlaskForm

from dossier.errors import InvalidInput

bp = Blueprint("web", __name__)


def show_errors(form: FlaskForm, error: InvalidInput) -> None:
    """Put each service message next to its field; messages for unknown fields go on top."""
    for name, messages in error.errors.items():
        field = getattr(form, name, None)
        translated = [gettext(message) for message in messages]
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, *translated]
        else:
            form.form_errors.extend(translated)
