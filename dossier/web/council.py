"""The client council's pages: figures per month or quarter, and the report for the meeting."""

from __future__ import annotations

from flask import Response, render_template, request
from flask_babel import format_date, format_decimal
from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from dossier.edge.auth import actor, login_required
from dossier.edge.context import service_context
from dossier.edge.downloads import attachment_response
from dossier.edge.i18n import gettext as _
from dossier.edge.i18n import speaking
from dossier.services import council
from dossier.services.council.disclosure import Shown
from dossier.services.council.periods import Month, Period, PeriodKind
from dossier.services.entries import Download
from dossier.services.printing import pdf_of
from dossier.web.blueprint import Page, bp
from dossier.web.charts import Drawing, bar_chart
from dossier.web.forms import Form, SelectChoice


class FiguresForm(Form):
    """A GET form: nothing changes, so no CSRF token."""

    class Meta:
        csrf = False

    period = SelectField(_l("Period"), validate_choice=False)
    organisation = SelectField(_l("Organisation"), validate_choice=False)


def period_name(period: Period) -> str:
    first = period.months[0]
    if period.kind == PeriodKind.QUARTER:
        return _("Quarter %(number)s of %(year)s", number=first.quarter, year=first.year)
    return format_date(first.first_day, "MMMM y")


def month_label(month: Month) -> str:
    return format_date(month.first_day, "MMM yy")


def month_name(month: Month) -> str:
    return format_date(month.first_day, "MMMM y")


def count_text(value: Shown) -> str:
    if value.withheld:
        return _("not shown")
    return _("fewer than 10") if value.value is None else str(value.value)


def _drawings(page: council.CouncilPage) -> dict[str, Drawing]:
    return {
        block.topic: bar_chart(block.chart, month_label, _, count_text)
        for block in page.topics
        if block.chart is not None
    }


def _helpers(page: council.CouncilPage) -> dict[str, object]:
    return {
        "page": page,
        "drawings": _drawings(page),
        "period_name": period_name,
        "month_name": month_name,
        "count_text": count_text,
        "decimal": format_decimal,
        "Unit": council.Unit,
    }


@bp.get("/council")
@login_required
def council_figures() -> Page:
    page = council.figures_page(
        service_context(),
        actor(),
        request.args.get("period") or None,
        request.args.get("organisation") or None,
    )
    form = FiguresForm(request.args)
    form.period.choices = [SelectChoice(p.code, period_name(p)) for p in page.choices]
    form.period.data = page.period.code
    form.organisation.choices = [
        SelectChoice("", _("Everyone")),
        *(SelectChoice(name, name) for name in page.organisations),
    ]
    form.organisation.data = page.organisation or ""
    return render_template("council/figures.html", form=form, **_helpers(page))


@bp.get("/council/report.pdf")
@login_required
def council_report() -> Response:
    """The figures on paper, for the council meeting: the chosen period (by default the quarter
    that ended last), with every organisation beside the total."""
    page = council.quarterly_report(service_context(), actor(), request.args.get("period") or None)
    # For the meeting, in Dutch: the language the council speaks, whatever the reader chose.
    with speaking("nl"):
        html = render_template("council/report.html", printed_on=page.today, **_helpers(page))
    name = f"cijfers-clientenraad-{page.period.code}.pdf"
    return attachment_response(Download(name, "application/pdf", pdf_of(html)))
