"""What leaves the service as a readable page, rendered in the reader's language: the page
inside an export ZIP, and the printable plan a PDF is made from."""

from __future__ import annotations

from flask import render_template

from dossier.edge.i18n import LANGUAGES, speaking
from dossier.services.export import ExportData
from dossier.services.plans import PrintedPlan


def render_export(data: ExportData) -> str:
    return render_template("export/index.html", data=data)


def render_plan(plan: PrintedPlan) -> str:
    """In the language the reader chose for their account; else the pages' (Dutch by default)."""
    if plan.language not in LANGUAGES:
        return render_template("plans/print.html", plan=plan)
    with speaking(plan.language):
        return render_template("plans/print.html", plan=plan)
