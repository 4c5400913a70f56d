"""Figures for the client council: how the organisation treats dossiers, never who is in them."""

from dossier.services.council.report import (
    CouncilPage,
    Figure,
    Unit,
    figures_page,
    quarterly_report,
)

__all__ = ["CouncilPage", "Figure", "Unit", "figures_page", "quarterly_report"]
