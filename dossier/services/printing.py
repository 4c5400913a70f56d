"""Pages on paper: a plan for a family's meeting, figures for the client council."""

from __future__ import annotations

from weasyprint import HTML  # type: ignore[import-untyped]
from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]


def pdf_of(html: str) -> bytes:
    """The page as a PDF. It carries its own style, and nothing in it is fetched: an address in
    someone's words never makes the server reach out."""
    nothing = URLFetcher(allowed_protocols=(), allow_redirects=False, timeout=1)
    pdf: bytes = HTML(string=html, url_fetcher=nothing).write_pdf()
    return pdf
