"""The plan leaves the service: as a PDF to take to a meeting, or as FHIR for a care
organisation's own system. One unit of work reads the plan once and logs one event."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from enum import StrEnum

from sqlalchemy import select

from dossier.actions import Action
from dossier.errors import NotFound
from dossier.models import User
from dossier.services.context import Actor, Context
from dossier.services.entries import Download
from dossier.services.plans.fhir import MEDIA_TYPE, bundle_of
from dossier.services.plans.printing import PlanRenderer, PrintedPlan, chosen_version, pdf_of
from dossier.services.plans.reading import plan_page, plan_section_for
from dossier.services.work import dossier_work


class PlanFormat(StrEnum):
    PDF = "pdf"
    FHIR = "fhir"


def download_plan(
    ctx: Context,
    actor: Actor,
    dossier_id: uuid.UUID,
    kind: PlanFormat,
    render: PlanRenderer,
    say: Callable[[str], str] = str,
) -> Download:
    """The plan everyone stands behind, else the newest proposal, for whoever may read the plan.
    `render`: the printable page for a PDF, in the reader's language; `say`: the reader's words
    where a FHIR file has any. No plan yet is answered as no plan at all."""
    with dossier_work(ctx, actor, dossier_id, Action.PLAN_DOWNLOAD) as work:
        plan_section_for(work, Action.PLAN_DOWNLOAD)
        page = plan_page(work)
        version = chosen_version(page)
        if version is None:
            raise work.refuse(Action.PLAN_DOWNLOAD, "no plan yet", NotFound(), object_type="plan")
        name = page.dossier.subject_name
        if kind is PlanFormat.PDF:
            language = work.db.scalar(select(User.language).where(User.id == actor.user_id))
            html = render(PrintedPlan(name, version, page.today, language))
            file = Download(f"plan-{version.number}.pdf", "application/pdf", pdf_of(html))
        else:
            content = bundle_of(name, version, ctx.now(), say)
            file = Download(f"plan-{version.number}.fhir.json", MEDIA_TYPE, content)
        work.log(
            Action.PLAN_DOWNLOAD,
            object_type="plan",
            object_id=str(dossier_id),
            reason=f"{kind} of version {version.number}",
        )
        return file
