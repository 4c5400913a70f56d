"""The readable page inside an export ZIP, rendered in the reader's language."""

from __future__ import annotations

from flask import render_template

from dossier.services.export import ExportData


def render_export(data: ExportData) -> str:
    return render_template("export/index.html", data=data)
