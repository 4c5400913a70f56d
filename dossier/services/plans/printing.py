"""The plan on paper: what a family takes to a meeting, made from an HTML page by WeasyPrint.

Which version is printed and what the page needs is decided here; the page itself is rendered at
the edge, in the reader's language, and handed back to be turned into a PDF.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from dossier.services.plans.reading import PlanPage, VersionView
from dossier.services.printing import pdf_of as pdf_of


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
