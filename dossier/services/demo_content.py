"""Demo dossiers that read like real ones: years of a 14-year-old's file, with the plan her
family made with their care worker, and a 17-year-old's."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta

from dossier.models import GrantStatus, PlanOutcome
from dossier.services import (
    access_requests,
    dossiers,
    emergency,
    entries,
    legal_basis,
    ownership,
    plans,
    sharing,
)
from dossier.services.context import Actor, Context
from dossier.services.dossiers import DossierSummary
from dossier.services.entries import withholding
from dossier.services.plans import Goal, Helper, PlanDocument, Step


def letter_pdf(lines: list[str]) -> bytes:
    """A small, valid one-page PDF, so the demo letter opens in any viewer."""
    text = (
        "BT /F1 12 Tf 72 760 Td 16 TL "
        + " ".join(
            "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '"
            for line in lines
        )
        + " ET"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length "
        + str(len(text)).encode()
        + b" >>\nstream\n"
        + text.encode("latin-1")
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out


def _at(ctx: Context, moment: datetime) -> Context:
    """The same context with its clock set back, so the demo has a past."""
    return replace(ctx, clock=lambda: moment)


def _share(
    ctx: Context,
    owner: Actor,
    approver: Actor | None,
    dossier_id: uuid.UUID,
    grantee_email: str,
    section_names: list[str],
    permission: str,
    expires_at: datetime | None = None,
) -> None:
    """Shared the way a family would: one owner shares, the other approves when the rules ask."""
    summary = dossiers.get_dossier(ctx, owner, dossier_id)
    shared = sharing.share(
        ctx,
        owner,
        dossier_id,
        grantee_email=grantee_email,
        section_ids=[s.id for s in summary.sections if s.default_name in section_names],
        permission=permission,
        expires_at=expires_at,
        message="Fijn dat je meekijkt. Lees vooral ook mijn eigen verhaal.",
    )
    if shared.status == GrantStatus.PENDING and approver is not None:
        sharing.approve(ctx, approver, dossier_id, shared.grant_id)


def fill(ctx: Context, sanne: Actor, marieke: Actor, daan: Actor, anne: Actor) -> DossierSummary:
    """Sanne's and Daan's dossiers; Sanne's, as it was made."""
    now = ctx.now()

    def ago(days: int) -> Context:
        return _at(ctx, now - timedelta(days=days))

    own = dossiers.create_dossier(ago(1200), sanne, "Sanne de Vries", None, for_self=True)
    sections = {s.default_name: s.id for s in own.sections}
    ticket = ownership.invite_owner(ago(1199), sanne, own.id, "guardian")
    ownership.join(ago(1198), marieke, ticket.code)
    # Sanne was 10 then: her mother decided alone, as the rules say for under 12.
    _share(ago(1190), marieke, None, own.id, anne.email, ["care", "school", "family"], "contribute")

    intake, _ = entries.write_entry(
        ago(1180),
        anne,
        own.id,
        sections["care"],
        "Verslag intakegesprek",
        "Gesprek met Sanne (11) en moeder.\n\n"
        "Ouders zijn twee jaar geleden gescheiden. Moeder vertelt uitgebreid over de scheiding "
        "en de ruzies daarvoor. Sanne zegt weinig.\n\n"
        "**Aandachtspunten:** slaapt slecht, verzuimt soms op school.",
        "report",
    )
    entries.write_entry(
        ago(900),
        sanne,
        own.id,
        sections["my_story"],
        "Over mij",
        "Ik ben Sanne. Ik hou van tekenen en van zwemmen.\n\n"
        "Ik wil niet dat iedereen steeds over de scheiding begint. "
        "Dat is lang geleden. Het gaat nu over mij.",
        "note",
    )
    plan, _ = entries.write_entry(
        ago(400),
        anne,
        own.id,
        sections["care"],
        "Plan van aanpak",
        "Doelen voor het komende jaar:\n\n"
        "- Sanne gaat weer elke dag naar school.\n"
        "- Eén keer per twee weken een gesprek met Anne.\n"
        "- Moeder en Sanne maken samen afspraken over bedtijd.",
        "plan",
    )
    entries.add_view(
        ago(398),
        sanne,
        own.id,
        plan,
        "Ik vind het goed dat ik weer naar school ga. Maar ik wil zelf kiezen wanneer we praten. "
        "Na school ben ik moe, dus liever op woensdag.",
    )
    entries.write_entry(
        ago(300),
        marieke,
        own.id,
        sections["health"],
        "Medicijnen",
        "Sanne slikt melatonine om beter in slaap te komen: 1 mg, een half uur voor het slapen.\n\n"
        "**Allergie:** penicilline. Daar krijgt ze uitslag van.",
        "note",
    )
    entries.write_entry(
        ago(180),
        marieke,
        own.id,
        sections["family"],
        "Afspraken thuis",
        "We hebben samen afgesproken: doordeweeks om half tien naar bed, "
        "in het weekend mag het later. Sanne houdt het goed vol.",
        "agreement",
    )
    letter, _ = entries.write_entry(
        ago(60),
        anne,
        own.id,
        sections["school"],
        "Brief aan school",
        "Brief aan de mentor over extra begeleiding bij wiskunde. "
        "De brief zit als PDF bij dit bericht.",
        "letter",
    )
    entries.attach(
        ago(60),
        anne,
        own.id,
        letter,
        "brief-aan-school.pdf",
        letter_pdf(
            [
                "Jeugdteam Zuid",
                "",
                "Aan: de mentor van Sanne de Vries",
                "",
                "Geachte mentor,",
                "",
                "Sanne wil graag extra hulp bij wiskunde. Kunnen we samen kijken",
                "naar een vast moment in de week?",
                "",
                "Met vriendelijke groet,",
                "Anne Jansen",
            ]
        ),
    )
    entries.write_entry(
        ago(20),
        sanne,
        own.id,
        sections["school"],
        "Wiskunde gaat beter",
        "Sinds de extra uren snap ik breuken eindelijk. Mijn laatste toets was een 7!",
        "note",
    )
    entries.mark_outdated(ago(19), sanne, own.id, intake)
    _plan(ctx, sanne, marieke, anne, own.id)

    daans = dossiers.create_dossier(ago(500), daan, "Daan Bakker", None, for_self=True)
    daan_sections = {s.default_name: s.id for s in daans.sections}
    entries.write_entry(
        ago(480),
        daan,
        daans.id,
        daan_sections["my_story"],
        "Waarom ik hier ben",
        "Ik woon sinds vorig jaar bij mijn oom. Ik wil zelf bepalen wie mijn dossier leest.",
        "note",
    )
    entries.write_entry(
        ago(120),
        daan,
        daans.id,
        daan_sections["school"],
        "Stage",
        "Ik loop stage bij een garage. Na de zomer wil ik de opleiding tot monteur doen.",
        "plan",
    )
    # At 17 Daan decides alone: his school plans, for Anne to read for a while.
    _share(
        ago(10),
        daan,
        None,
        daans.id,
        anne.email,
        ["school"],
        "read",
        expires_at=now + timedelta(days=20),
    )
    return own


def ways_in(
    ctx: Context,
    dossier: DossierSummary,
    *,
    marieke: Actor,
    asker: Actor,
    crisis_worker: Actor,
    officers: list[tuple[Actor, str]],
    guardian_email: str,
) -> None:
    """The three ways into Sanne's dossier besides the family's own sharing, one of each, as a
    newcomer finds them: a family guardian was given Care and Family by law three days ago; a
    school social worker asked yesterday to read School and waits for an answer; last night a
    crisis worker got Health in an emergency, which the auditor has yet to judge. Officers say
    yes with their passwords, as on their pages."""
    now = ctx.now()

    def ago(days: int = 0, hours: int = 0, minutes: int = 0) -> Context:
        return _at(ctx, now - timedelta(days=days, hours=hours, minutes=minutes))

    dossier_id = dossier.id
    sections = {s.default_name: s.id for s in dossier.sections}
    (first, first_password), (second, second_password) = officers
    recorded = legal_basis.record(
        ago(3, 2),
        first,
        dossier_id,
        guardian_email,
        [sections["care"], sections["family"]],
        (now - timedelta(days=3)).date() + timedelta(days=182),
        "child_protection",
        "C/16/512345 / JE RK 26-101",
        password=first_password,
    )
    legal_basis.approve(ago(3), second, recorded.id, password=second_password)

    code = access_requests.new_request_code(ago(2), marieke, dossier_id)
    access_requests.ask(
        ago(1),
        asker,
        code=code,
        owner_email=None,
        sections=["school"],
        permission="read",
        months=6,
        purpose=(
            "Ik ben schoolmaatschappelijk werker op de school van Sanne. "
            "Haar mentor vertelt dat Sanne vaak moe is in de klas. "
            "Ik wil lezen wat er over school in het dossier staat. "
            "Dan kan ik Sanne op school beter helpen."
        ),
    )

    asked = emergency.file_request(
        ago(hours=6),
        crisis_worker,
        dossier_id,
        [],
        "Sanne is vannacht opgenomen op de spoedeisende hulp; ik moet haar medicatie weten.",
        72,
        names=["health"],
    )
    emergency.approve_request(ago(hours=5, minutes=40), first, asked.id, password=first_password)
    emergency.approve_request(ago(hours=5, minutes=25), second, asked.id, password=second_password)
    medicines = entries.list_entries(
        ago(hours=5, minutes=20), crisis_worker, dossier_id, entries.Filters()
    ).items
    for entry in medicines:
        entries.read_entry(ago(hours=5, minutes=18), crisis_worker, dossier_id, entry.id)


def kept_back(
    ctx: Context,
    dossier: DossierSummary,
    *,
    sanne: Actor,
    marieke: Actor,
    anne: Actor,
    father: Actor,
) -> None:
    """A part kept from Sanne's father, and his objection: a month ago Sanne let her father
    read Care (her mother said yes too); two weeks ago Anne wrote about a home visit and kept
    the mother's new address from him; last week he objected, and the auditor has yet to
    answer."""
    now = ctx.now()

    def ago(days: int) -> Context:
        return _at(ctx, now - timedelta(days=days))

    sections = {s.default_name: s.id for s in dossier.sections}
    _share(ago(30), sanne, marieke, dossier.id, father.email, ["care"], "read")
    visit, _ = entries.write_entry(
        ago(14),
        anne,
        dossier.id,
        sections["care"],
        "Huisbezoek",
        "Ik was op bezoek bij Sanne en haar moeder. Sanne heeft een eigen kamer en slaapt "
        "beter. Ze wil haar vader vaker zien, maar op een plek die ze zelf kiest.",
        "report",
    )
    kept = withholding.withhold(
        ago(14),
        anne,
        dossier.id,
        visit,
        "Moeder en Sanne wonen sinds de zomer op een nieuw adres in Zeist. "
        "Moeder wil niet dat vader dat adres weet.",
        "Dit beschermt de moeder. De rechter beslist nog over de omgang.",
        [father.user_id],
    )
    withholding.object_to(
        ago(7),
        father,
        dossier.id,
        kept,
        "Ik ben de vader van Sanne. Ik wil weten wat er over onze familie wordt geschreven.",
    )


# Sanne's "no" to the first version: what she can do now, and how it can grow.
SANNES_NO = (
    "Ik wil wel weer naar school. Maar elke dag is nu nog te veel voor mij. "
    "Ik begin liever met drie dagen per week. Gaat dat goed? Dan doen we er een dag bij."
)


def _plan(ctx: Context, sanne: Actor, marieke: Actor, anne: Actor, dossier_id: uuid.UUID) -> None:
    """The family's plan in two versions. Anne writes the first; Sanne says no to one goal and
    why, her mother and Anne say yes. The second version takes Sanne's idea, all three agree and
    it becomes the plan. Since then an action was done, one is late, one is due in two days, and
    they looked back at each goal once."""
    now = ctx.now()
    today = now.date()

    def ago(days: int, hours: int = 0) -> Context:
        return _at(ctx, now - timedelta(days=days, hours=hours))

    refs = {name: uuid.uuid4() for name in ("school", "sleep", "maths", "swim")}
    steps = {name: uuid.uuid4() for name in ("mentor", "schedule", "grandma", "trial", "bed")}

    def version(school_goal: str, proposed_by: str) -> PlanDocument:
        return PlanDocument(
            strengths=(
                "Sanne tekent goed en zwemt graag. Ze zegt wat ze wil. "
                "Moeder en Sanne maken samen goede afspraken. Oma Els helpt graag mee."
            ),
            network=(
                Helper("Oma Els", "Haalt Sanne op woensdag op en eet met haar."),
                Helper("Meneer Visser", "Mentor op school. Helpt bij het rooster."),
            ),
            goals=(
                Goal(
                    refs["school"],
                    school_goal,
                    proposed_by,
                    (
                        Step(
                            steps["schedule"],
                            "Samen een weekrooster maken met de schooldagen erop.",
                            "Sanne",
                            sanne.user_id,
                            today + timedelta(days=2),
                        ),
                        Step(
                            steps["grandma"],
                            "Met oma Els de woensdagmiddagen afspreken.",
                            "Marieke",
                            marieke.user_id,
                            today - timedelta(days=3),
                        ),
                    ),
                ),
                Goal(
                    refs["maths"],
                    "Sanne haalt voldoendes voor wiskunde.",
                    "Sanne",
                    (
                        Step(
                            steps["mentor"],
                            "De mentor vragen om een vast uur extra wiskunde.",
                            "Anne",
                            anne.user_id,
                            today - timedelta(days=20),
                        ),
                    ),
                ),
                Goal(
                    refs["sleep"],
                    "Sanne slaapt goed en heeft energie voor de dag.",
                    "Marieke",
                    (
                        Step(
                            steps["bed"],
                            "Doordeweeks om half tien naar bed, ook na het zwemmen.",
                            "Sanne",
                            sanne.user_id,
                        ),
                    ),
                ),
                Goal(
                    refs["swim"],
                    "Sanne zwemt weer bij een club.",
                    "Sanne",
                    (
                        Step(
                            steps["trial"],
                            "Een proefles afspreken bij de zwemclub.",
                            "Oma Els",
                            None,
                            today + timedelta(days=21),
                        ),
                    ),
                ),
            ),
            next_evaluation=today + timedelta(days=40),
        )

    first = plans.propose_plan(
        ago(45), anne, dossier_id, version("Sanne gaat weer elke dag naar school.", "Anne")
    )
    plans.mark_plan(ago(44, 6), marieke, dossier_id, first, True)
    plans.mark_plan(ago(44, 3), anne, dossier_id, first, True)
    plans.mark_plan(ago(43), sanne, dossier_id, first, False, SANNES_NO)
    second = plans.propose_plan(
        ago(41),
        anne,
        dossier_id,
        version(
            "Sanne gaat drie dagen per week naar school. Gaat dat goed, dan komt er een dag bij.",
            "Sanne",
        ),
        based_on=first,
    )
    plans.mark_plan(ago(41), anne, dossier_id, second, True)
    plans.mark_plan(ago(40, 5), sanne, dossier_id, second, True)
    plans.mark_plan(ago(40, 2), marieke, dossier_id, second, True)  # now it is the plan
    plans.tick_action(
        ago(22),
        anne,
        dossier_id,
        steps["mentor"],
        True,
        "Geregeld: elke dinsdag het vijfde uur extra wiskunde.",
    )
    plans.evaluate_plan(
        ago(5),
        anne,
        dossier_id,
        second,
        {
            refs["school"]: (
                PlanOutcome.PARTLY,
                "Drie dagen lukt goed. Na de vakantie proberen we vier dagen.",
            ),
            refs["maths"]: (PlanOutcome.REACHED, "De laatste toets was een 7. Mooi gedaan!"),
            refs["sleep"]: (PlanOutcome.REACHED, "Sanne slaapt beter sinds de vaste bedtijd."),
            refs["swim"]: (PlanOutcome.PARTLY, "Oma Els zoekt nog een club dichtbij."),
        },
    )
