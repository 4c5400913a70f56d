"""The plan on paper: what a family takes to a meeting, made from an HTML page by WeasyPrint.

Which version is printed and what the page needs is decided here; the page itself is rendered at
the edge, in the reader's language, and handed back to be turned into a PDF.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from weasyprint import HTML  # type: ignore[import-untyped]
from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

from dossier.services.plans.reading import PlanPage, VersionView


@dataclass(frozen=True)
class PrintedPlan:
    subject_name: str
    version: VersionView
    printed_on: date
    language: str | None  # the language the reader chose for their account, if they chose one


PlanRenderer = Callable[[PrintedPlan], str]


def chosen_version(page: PlanPage) -> VersionView | None:
    """The plan everyone stands behind; while there is none, the newest proposal."""
    return page.current or (page.proposals[0] if page.proposals else None)


def pdf_of(html: str) -> bytes:
    """The page as a PDF. It carries its own style, and nothing in it is fetched: an address in
    someone's words never makes the server reach out."""
    nothing = URLFetcher(allowed_protocols=(), allow_redirects=False, timeout=1)
    pdf: bytes = HTML(string=html, url_fetcher=nothing).write_pdf()
    return pdf
