"""The encrypted dossier on a real database: ownership, entries, views, files, corrections,
export and destruction, and what the ciphertexts hold against."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from datetime import date

import pytest
from sqlalchemy import func, select, update

from dossier import crypto
from dossier.audit import chain_for, verify_chain
from dossier.errors import AccessDenied, InvalidInput, NotFound
from dossier.models import (
    AuditEvent,
    CorrectionRequest,
    Entry,
    EntryPerspective,
    EntryVersion,
    SealedKey,
    SessionKind,
    User,
)
from dossier.services import accounts, dossiers, entries, ownership, sessions
from dossier.services.context import Context
from dossier.services.export import export_zip
from tests.conftest import PASSWORD
from tests.integration.test_secrets_at_rest import dump_database
from tests.support import grant_access, person

PDF = b"%PDF-1.4\n% a letter from school\n1 0 obj << >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)


def verified_professional(ctx: Context, email: str = "anne@example.nl"):
    pro = person(
        ctx,
        email,
        "professional",
        organisation="Jeugdteam Zuid",
        registration_number="SKJ 100012345",
    )
    accounts.create_staff(ctx, accounts.NewAccount(f"admin-{email}", PASSWORD, "Admin", "admin"))
    admin = sessions.authenticate(
        ctx,
        sessions.log_in(ctx, f"admin-{email}", PASSWORD, SessionKind.WEB).token,
        SessionKind.WEB,
    )
    accounts.verify_professional(ctx, admin, pro.user_id)
    return sessions.authenticate(
        ctx, sessions.log_in(ctx, email, PASSWORD, SessionKind.WEB).token, SessionKind.WEB
    )


def render(data) -> str:
    """A plain renderer, so the service can be tested without the page templates."""
    parts = [f"<h1>{data.dossier.subject_name}</h1>"]
    for item in data.entries:
        parts.append(f"<h2>{item.card.title}</h2><p>{item.body}</p>")
        parts.extend(f"<aside>{view.body}</aside>" for view in item.views)
    return "".join(parts)


@pytest.fixture
def family(ctx: Context):
    parent = person(ctx, "marieke@example.nl", "parent")
    dossier = dossiers.create_dossier(ctx, parent, "Lotte", date(2016, 5, 1), for_self=False)
    return parent, dossier


def section(dossier, default_name: str):
    return next(s.id for s in dossier.sections if s.default_name == default_name)


def test_parent_creates_a_dossier_for_a_child_of_ten(ctx: Context, family) -> None:
    parent, dossier = family
    assert dossier.subject_name == "Lotte"
    assert [s.default_name for s in dossier.sections] == [
        "my_story",
        "care",
        "family",
        "school",
        "health",
    ]
    assert dossier.my_relation == "guardian"
    assert [d.id for d in dossiers.list_dossiers(ctx, parent)] == [dossier.id]


def test_who_may_create_which_dossier(ctx: Context) -> None:
    youth = person(ctx, "sanne@example.nl", "youth", birth_date=date(2012, 1, 5))
    own = dossiers.create_dossier(ctx, youth, "Sanne", None, for_self=True)
    assert own.my_relation == "subject" and own.subject_birth_date == date(2012, 1, 5)
    with pytest.raises(InvalidInput):
        dossiers.create_dossier(ctx, youth, "Sanne", None, for_self=True)
    with pytest.raises(AccessDenied):
        dossiers.create_dossier(ctx, youth, "Broer", date(2015, 1, 1), for_self=False)
    parent = person(ctx, "p@example.nl", "parent")
    with pytest.raises(InvalidInput) as raised:
        dossiers.create_dossier(ctx, parent, "", date(2000, 1, 1), for_self=False)
    assert set(raised.value.errors) == {"subject_name", "subject_birth_date"}


def test_the_whole_story_of_the_issue(ctx: Context, family, clock) -> None:
    parent, dossier = family
    first, _ = entries.write_entry(
        ctx,
        parent,
        dossier.id,
        section(dossier, "my_story"),
        "Hoe het begon",
        "Lotte houdt van **tekenen**.",
        "note",
    )
    old, _ = entries.write_entry(
        ctx,
        parent,
        dossier.id,
        section(dossier, "family"),
        "De scheiding",
        "Een oud verhaal dat steeds terugkomt.",
        "note",
    )
    pro = verified_professional(ctx)
    grant_access(ctx, parent, dossier.id, "anne@example.nl")
    report, _ = entries.write_entry(
        ctx,
        pro,
        dossier.id,
        section(dossier, "care"),
        "Verslag intake",
        "Moeder is bezorgd over school.",
        "report",
    )
    entries.attach(ctx, pro, dossier.id, report, "brief-school.pdf", PDF)
    view = entries.add_view(ctx, parent, dossier.id, report, "Ik ben niet bezorgd, ik wil hulp.")
    correction = entries.request_correction(ctx, parent, dossier.id, report, "Ik zei niet bezorgd.")
    assert [w.correction_id for w in entries.waiting_for_me(ctx, pro)] == [correction.id]
    answered = entries.answer_correction(
        ctx,
        pro,
        dossier.id,
        report,
        correction.id,
        "corrected",
        "Aangepast.",
        body="Moeder wil hulp bij school.",
    )
    assert answered.status == "corrected" and answered.resulting_version == 2
    entries.mark_outdated(ctx, parent, dossier.id, old)

    current = entries.list_entries(ctx, parent, dossier.id, entries.Filters())
    assert [c.id for c in current.items] == [report, first]
    older = entries.list_entries(ctx, parent, dossier.id, entries.Filters(older=True))
    assert [c.id for c in older.items] == [old]

    detail = entries.read_entry(ctx, parent, dossier.id, report)
    assert detail.body == "Moeder wil hulp bij school."
    assert [v.id for v in detail.views] == [view] and detail.views[0].trusted
    assert detail.views[0].author.name == "Marieke"
    assert detail.corrections[0].answer == "Aangepast."
    assert [(v.version, v.body) for v in entries.history(ctx, parent, dossier.id, report)] == [
        (1, "Moeder is bezorgd over school."),
        (2, "Moeder wil hulp bij school."),
    ]

    archive = zipfile.ZipFile(io.BytesIO(export_zip(ctx, parent, dossier.id, render)))
    names = archive.namelist()
    assert "index.html" in names and "dossier.json" in names
    page = archive.read("index.html").decode()
    for text in ["Lotte", "Verslag intake", "Moeder wil hulp bij school.", "Ik ben niet bezorgd"]:
        assert text in page
    exported = json.loads(archive.read("dossier.json"))
    by_title = {e["card"]["title"]: e for e in exported["entries"]}
    assert set(by_title) == {"Hoe het begon", "De scheiding", "Verslag intake"}
    assert [v["body"] for v in by_title["Verslag intake"]["versions"]] == [
        "Moeder is bezorgd over school.",
        "Moeder wil hulp bij school.",
    ]
    assert by_title["Verslag intake"]["corrections"][0]["reason"] == "Ik zei niet bezorgd."
    assert by_title["De scheiding"]["card"]["outdated"] is True
    files = [n for n in names if n.startswith("attachments/")]
    assert (
        len(files) == 1 and files[0].endswith("brief-school.pdf") and archive.read(files[0]) == PDF
    )

    with ctx.unit_of_work() as db:
        assert verify_chain(db, chain_for(dossier.id)) is None
        actions = db.scalars(
            select(AuditEvent.action).where(AuditEvent.dossier_id == dossier.id)
        ).all()
    for action in [
        "dossier.create",
        "entry.create",
        "attachment.create",
        "perspective.create",
        "correction.create",
        "correction.answer",
        "entry.outdated",
        "entry.list",
        "entry.read",
        "entry.history",
        "dossier.export",
    ]:
        assert action in actions, action


def test_access_follows_ownership_and_grants(ctx: Context, family) -> None:
    parent, dossier = family
    care, school = section(dossier, "care"), section(dossier, "school")
    in_care, _ = entries.write_entry(ctx, parent, dossier.id, care, "Zorg", "Zorgtekst", "note")
    in_school, _ = entries.write_entry(
        ctx, parent, dossier.id, school, "School", "Schooltekst", "note"
    )
    stranger = person(ctx, "stranger@example.nl", "parent")
    with pytest.raises(NotFound):
        dossiers.get_dossier(ctx, stranger, dossier.id)
    with pytest.raises(NotFound):
        entries.read_entry(ctx, stranger, dossier.id, in_care)

    pro = verified_professional(ctx)
    grant_access(ctx, parent, dossier.id, "anne@example.nl", [care], permission="read")
    seen = dossiers.get_dossier(ctx, pro, dossier.id)
    assert [s.id for s in seen.sections] == [care]
    assert [c.id for c in entries.list_entries(ctx, pro, dossier.id, entries.Filters()).items] == [
        in_care
    ]
    with pytest.raises(NotFound):
        entries.read_entry(ctx, pro, dossier.id, in_school)
    with pytest.raises(AccessDenied):
        entries.write_entry(ctx, pro, dossier.id, care, "Mag niet", "Alleen lezen", "note")
    with pytest.raises(AccessDenied):
        entries.add_view(ctx, pro, dossier.id, in_care, "Alleen lezen")
    with pytest.raises(AccessDenied):
        export_zip(ctx, pro, dossier.id, render)
    with pytest.raises(AccessDenied):
        dossiers.add_section(ctx, pro, dossier.id, "Nieuw")

    aunt = person(ctx, "aunt@example.nl", "parent")
    grant_access(ctx, parent, dossier.id, "aunt@example.nl", [care], permission="contribute")
    entries.add_view(ctx, aunt, dossier.id, in_care, "Zo zie ik het")
    with pytest.raises(AccessDenied):
        entries.write_entry(ctx, aunt, dossier.id, care, "Familie", "Geen verslag", "note")

    unverified = person(
        ctx, "new@example.nl", "professional", organisation="X", registration_number="123456"
    )
    grant_access(ctx, parent, dossier.id, "new@example.nl", [care], permission="read")
    with pytest.raises(NotFound):
        dossiers.get_dossier(ctx, unverified, dossier.id)


def test_nobody_edits_another_persons_words(ctx: Context, family) -> None:
    parent, dossier = family
    pro = verified_professional(ctx)
    grant_access(ctx, parent, dossier.id, "anne@example.nl")
    report, _ = entries.write_entry(
        ctx, pro, dossier.id, section(dossier, "care"), "Rapport", "Tekst", "report"
    )
    with pytest.raises(AccessDenied):
        entries.edit_entry(ctx, parent, dossier.id, report, body="Anders")
    with pytest.raises(AccessDenied):
        entries.archive_entry(ctx, parent, dossier.id, report)
    with pytest.raises(AccessDenied):
        entries.attach(ctx, parent, dossier.id, report, "x.txt", b"hello")
    mine, _ = entries.write_entry(
        ctx, parent, dossier.id, section(dossier, "my_story"), "Van mij", "Tekst", "note"
    )
    with pytest.raises(AccessDenied):
        entries.edit_entry(ctx, pro, dossier.id, mine, body="Anders")
    with pytest.raises(InvalidInput):
        entries.add_view(ctx, parent, dossier.id, mine, "Mijn eigen entry")
    with pytest.raises(AccessDenied):
        entries.answer_correction(ctx, parent, dossier.id, report, report, "declined", "Nee")
    entries.add_view(ctx, pro, dossier.id, mine, "Een view van de hulpverlener")
    assert entries.read_entry(ctx, parent, dossier.id, mine).views[0].perspective == "professional"


def test_sections_add_rename_archive(ctx: Context, family) -> None:
    parent, dossier = family
    added = dossiers.add_section(ctx, parent, dossier.id, "  Sport   en spel ")
    assert added.name == "Sport en spel"
    dossiers.rename_section(ctx, parent, dossier.id, section(dossier, "school"), "Basisschool")
    dossiers.archive_section(ctx, parent, dossier.id, added.id)
    names = {
        s.id: (s.name, s.archived) for s in dossiers.get_dossier(ctx, parent, dossier.id).sections
    }
    assert names[added.id] == ("Sport en spel", True)
    assert names[section(dossier, "school")] == ("Basisschool", False)
    with pytest.raises(InvalidInput):
        entries.write_entry(ctx, parent, dossier.id, added.id, "Voetbal", "Tekst", "note")
    with pytest.raises(InvalidInput):
        dossiers.add_section(ctx, parent, dossier.id, "   ")
    with ctx.unit_of_work() as db:  # the chosen names are not stored in clear
        assert b"Basisschool" not in dump_database(db.get_bind())


def test_invitation_lets_the_child_join_once(ctx: Context, clock) -> None:
    parent = person(ctx, "marieke@example.nl", "parent")
    dossier = dossiers.create_dossier(ctx, parent, "Sanne", date(2012, 1, 5), for_self=False)
    entry, _ = entries.write_entry(
        ctx, parent, dossier.id, section(dossier, "my_story"), "Voor Sanne", "Hoi", "note"
    )
    ticket = ownership.invite_owner(ctx, parent, dossier.id)
    assert ticket.relation == "subject"
    wrong_age = person(ctx, "other@example.nl", "youth", birth_date=date(2011, 2, 2))
    with pytest.raises(InvalidInput):
        ownership.join(ctx, wrong_age, ticket.code)
    added_later = dossiers.add_section(ctx, parent, dossier.id, "Later")
    sanne = person(ctx, "sanne@example.nl", "youth", birth_date=date(2012, 1, 5))
    joined = ownership.join(ctx, sanne, ticket.code.lower().replace("-", " "))
    assert (joined.dossier_id, joined.status) == (dossier.id, "done")
    assert entries.read_entry(ctx, sanne, dossier.id, entry).body == "Hoi"
    assert added_later.id in [s.id for s in dossiers.get_dossier(ctx, sanne, dossier.id).sections]
    other_parent = person(ctx, "jan@example.nl", "parent")
    with pytest.raises(InvalidInput):
        ownership.join(ctx, other_parent, ticket.code)  # single use
    late = ownership.invite_owner(ctx, sanne, dossier.id)
    assert late.relation == "guardian"
    clock.advance(days=7, seconds=1)
    with pytest.raises(InvalidInput):
        ownership.join(ctx, other_parent, late.code)
    with pytest.raises(InvalidInput):
        ownership.join(ctx, other_parent, "not-a-code")


def test_no_invitation_for_a_child_under_12_or_a_guardian_from_16(ctx: Context) -> None:
    parent = person(ctx, "marieke@example.nl", "parent")
    young = dossiers.create_dossier(ctx, parent, "Kleintje", date(2018, 1, 1), for_self=False)
    with pytest.raises(InvalidInput):
        ownership.invite_owner(ctx, parent, young.id, "subject")
    assert ownership.invite_owner(ctx, parent, young.id).relation == "guardian"
    daan = person(ctx, "daan@example.nl", "youth", birth_date=date(2009, 3, 3))
    own = dossiers.create_dossier(ctx, daan, "Daan", None, for_self=True)
    with pytest.raises(InvalidInput):
        ownership.invite_owner(ctx, daan, own.id)


def test_filters_search_and_cursor_paging(ctx: Context, family, clock) -> None:
    parent, dossier = family
    written = []
    for number in range(7):
        clock.advance(seconds=1)
        kind = "plan" if number % 2 else "note"
        entry_id, _ = (
            entries.write_entry(
                ctx,
                parent,
                dossier.id,
                section(dossier, "school"),
                f"Titel {number}",
                f"Tekst nummer {number} over zwemmen" * (number == 3),
                kind,
            )
            if number == 3
            else entries.write_entry(
                ctx,
                parent,
                dossier.id,
                section(dossier, "school"),
                f"Titel {number}",
                f"Tekst {number}",
                kind,
            )
        )
        written.append(entry_id)
    seen, cursor = [], None
    while True:
        page = entries.list_entries(
            ctx, parent, dossier.id, entries.Filters(limit=3, cursor=cursor)
        )
        seen.extend(c.id for c in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == list(reversed(written))
    plans = entries.list_entries(ctx, parent, dossier.id, entries.Filters(kind="plan"))
    assert [c.id for c in plans.items] == [written[5], written[3], written[1]]
    found = entries.list_entries(ctx, parent, dossier.id, entries.Filters(query="ZWEMMEN"))
    assert [c.id for c in found.items] == [written[3]]
    by_title = entries.list_entries(ctx, parent, dossier.id, entries.Filters(query="titel 6"))
    assert [c.id for c in by_title.items] == [written[6]]
    pro = verified_professional(ctx)
    grant_access(ctx, parent, dossier.id, "anne@example.nl")
    entries.add_view(ctx, pro, dossier.id, written[2], "Mijn kijk")
    with_view = entries.list_entries(ctx, pro, dossier.id, entries.Filters(has_my_view=True))
    assert [c.id for c in with_view.items] == [written[2]]
    without = entries.list_entries(ctx, pro, dossier.id, entries.Filters(has_my_view=False))
    assert written[2] not in [c.id for c in without.items] and len(without.items) == 6
    by_author = entries.list_entries(ctx, pro, dossier.id, entries.Filters(author_id=pro.user_id))
    assert by_author.items == []
    with pytest.raises(InvalidInput):
        entries.list_entries(ctx, parent, dossier.id, entries.Filters(cursor="garbage!"))
    with pytest.raises(InvalidInput):
        entries.list_entries(ctx, parent, dossier.id, entries.Filters(kind="poem"))


def test_attachments_are_checked_by_content(ctx: Context, family) -> None:
    parent, dossier = family
    entry, _ = entries.write_entry(
        ctx, parent, dossier.id, section(dossier, "health"), "Foto", "Zie bijlage", "note"
    )
    image = entries.attach(ctx, parent, dossier.id, entry, "really-a-picture.txt", PNG)
    assert image.media_type == "image/png"
    text = entries.attach(
        ctx, parent, dossier.id, entry, "../../etc/notes.txt", "Gewoon tekst é".encode()
    )
    assert text.media_type == "text/plain" and text.filename == "notes.txt"
    for name, content in [
        ("virus.pdf", b"MZ\x90\x00\x03" + bytes(50)),
        ("empty.txt", b""),
        ("big.pdf", b"%PDF-" + bytes(entries.ATTACHMENT_MAX)),
    ]:
        with pytest.raises(InvalidInput):
            entries.attach(ctx, parent, dossier.id, entry, name, content)
    got = entries.download(ctx, parent, dossier.id, entry, image.id)
    assert got.content == PNG and got.filename == "really-a-picture.txt"


def test_nothing_readable_is_stored_in_clear(ctx: Context, engine, family) -> None:
    parent, dossier = family
    secrets = {
        "Geheime titel over thuis": "Geheime tekst over wat er thuis gebeurde",
        "Tweede verhaal zonder einde": "Nog een lang verhaal met details die niemand mag lezen",
    }
    ids = []
    for title, body in secrets.items():
        entry_id, _ = entries.write_entry(
            ctx, parent, dossier.id, section(dossier, "family"), title, body, "letter"
        )
        ids.append(entry_id)
    entries.edit_entry(ctx, parent, dossier.id, ids[0], body="Een nieuwe versie van het geheim")
    pro = verified_professional(ctx)
    grant_access(ctx, parent, dossier.id, "anne@example.nl")
    entries.add_view(ctx, pro, dossier.id, ids[1], "Mijn professionele blik op het geheim")
    file_bytes = PDF + b"% a unique secret marker 4f2a9c\n"
    entries.attach(ctx, parent, dossier.id, ids[0], "geheim-bestand.pdf", file_bytes)
    report, _ = entries.write_entry(
        ctx,
        pro,
        dossier.id,
        section(dossier, "care"),
        "Verslag met vertrouwelijke inhoud",
        "Observaties uit het gesprek",
        "report",
    )
    entries.request_correction(ctx, parent, dossier.id, report, "Reden die alleen wij kennen")
    dossiers.add_section(ctx, parent, dossier.id, "Privé-sectie")
    dump = dump_database(engine)
    assert str(ids[0]).encode() in dump  # the dump is complete enough to find the rows
    for text in [
        *secrets,
        *secrets.values(),
        "Een nieuwe versie van het geheim",
        "Mijn professionele blik op het geheim",
        "geheim-bestand.pdf",
        "Reden die alleen wij kennen",
        "Lotte",
        "Privé-sectie",
        "Verslag met vertrouwelijke inhoud",
        "Observaties uit het gesprek",
    ]:
        assert text.encode() not in dump, text
    assert b"a unique secret marker 4f2a9c" not in dump


def _first(db, model, **where):
    statement = select(model)
    for name, value in where.items():
        statement = statement.where(getattr(model, name) == value)
    return db.scalars(statement).first()


def test_a_ciphertext_moved_anywhere_else_fails_to_open(ctx: Context, family) -> None:
    parent, dossier = family
    a, _ = entries.write_entry(
        ctx, parent, dossier.id, section(dossier, "care"), "A", "Tekst A", "note"
    )
    b, _ = entries.write_entry(
        ctx, parent, dossier.id, section(dossier, "care"), "B", "Tekst B", "note"
    )
    other_section, _ = entries.write_entry(
        ctx, parent, dossier.id, section(dossier, "school"), "C", "Tekst C", "note"
    )
    entries.edit_entry(ctx, parent, dossier.id, a, body="Tekst A, versie 2")

    def body_of(entry_id, version):
        with ctx.unit_of_work() as db:
            return _first(db, EntryVersion, entry_id=entry_id, version=version).body_sealed

    def put(entry_id, version, blob):
        with ctx.unit_of_work() as db:
            db.execute(
                update(EntryVersion)
                .where(EntryVersion.entry_id == entry_id, EntryVersion.version == version)
                .values(body_sealed=blob)
            )

    original_b = body_of(b, 1)
    for source in [body_of(a, 2), body_of(other_section, 1)]:  # another entry; another section
        put(b, 1, source)
        detail = entries.read_entry(ctx, parent, dossier.id, b)
        assert not detail.card.trusted and "Tekst" not in detail.body
    put(b, 1, original_b)
    assert entries.read_entry(ctx, parent, dossier.id, b).card.trusted

    put(a, 2, body_of(a, 1))  # an older version of the same entry
    assert not entries.read_entry(ctx, parent, dossier.id, a).card.trusted
    history = entries.history(ctx, parent, dossier.id, a)
    assert [v.trusted for v in history] == [True, False]
    with ctx.unit_of_work() as db:
        untrusted = db.scalars(
            select(AuditEvent).where(AuditEvent.action == "content.untrusted")
        ).all()
        assert untrusted and all(e.outcome == "error" for e in untrusted)
        assert verify_chain(db, chain_for(dossier.id)) is None


def test_a_withdrawn_entry_cannot_be_asked_to_be_corrected(ctx: Context, family) -> None:
    """The entry page stops offering a correction once the author withdrew the entry; the request
    itself follows the same rule, so a form kept open or the API cannot ask anyway."""
    parent, dossier = family
    pro = verified_professional(ctx)
    grant_access(ctx, parent, dossier.id, "anne@example.nl")
    report, _ = entries.write_entry(
        ctx, pro, dossier.id, section(dossier, "care"), "Rapport", "Woorden", "report"
    )
    assert entries.read_entry(ctx, parent, dossier.id, report).can_request_correction
    entries.archive_entry(ctx, pro, dossier.id, report)
    assert not entries.read_entry(ctx, parent, dossier.id, report).can_request_correction
    with pytest.raises(InvalidInput) as refused:
        entries.request_correction(ctx, parent, dossier.id, report, "Klopt niet")
    assert "withdrawn" in str(refused.value.errors["reason"][0])
    with ctx.unit_of_work() as db:
        assert db.scalar(select(func.count()).select_from(CorrectionRequest)) == 0


def test_one_correction_request_at_a_time_for_an_entry(ctx: Context, family) -> None:
    """While a request waits for its answer, the page offers no second one and the request itself
    is refused with a reason (a form kept open or the API cannot ask anyway); once it is answered,
    asking again works."""
    parent, dossier = family
    pro = verified_professional(ctx)
    grant_access(ctx, parent, dossier.id, "anne@example.nl")
    report, _ = entries.write_entry(
        ctx, pro, dossier.id, section(dossier, "care"), "Rapport", "Woorden", "report"
    )
    first = entries.request_correction(ctx, parent, dossier.id, report, "Klopt niet")
    assert not entries.read_entry(ctx, parent, dossier.id, report).can_request_correction
    with pytest.raises(InvalidInput) as refused:
        entries.request_correction(ctx, parent, dossier.id, report, "Nog iets")
    assert "waiting for an answer" in str(refused.value.errors["reason"][0])
    with ctx.unit_of_work() as db:
        assert db.scalar(select(func.count()).select_from(CorrectionRequest)) == 1
    entries.answer_correction(ctx, pro, dossier.id, report, first.id, "declined", "Het klopt wel.")
    assert entries.read_entry(ctx, parent, dossier.id, report).can_request_correction
    entries.request_correction(ctx, parent, dossier.id, report, "Nog iets")
    with ctx.unit_of_work() as db:
        assert db.scalar(select(func.count()).select_from(CorrectionRequest)) == 2


def test_writing_an_entry_logs_it_at_the_time_the_entry_carries(ctx: Context, family) -> None:
    """The log and the entry tell the same time: an auditor matching an event to the entry or
    version it made finds them at the same instant."""
    parent, dossier = family
    entry_id, _ = entries.write_entry(
        ctx, parent, dossier.id, section(dossier, "family"), "Eerst", "Woorden", "note"
    )
    entries.edit_entry(ctx, parent, dossier.id, entry_id, body="Andere woorden")
    with ctx.unit_of_work() as db:
        entry = db.get(Entry, entry_id)
        second = _first(db, EntryVersion, entry_id=entry_id, version=2)
        logged = {
            event.action: event.at
            for event in db.scalars(select(AuditEvent).where(AuditEvent.object_id == str(entry_id)))
        }
        assert logged["entry.create"] == entry.created_at
        assert logged["entry.edit"] == second.created_at == entry.updated_at


def test_a_forged_signature_is_detected(ctx: Context, family) -> None:
    parent, dossier = family
    pro = verified_professional(ctx)
    grant_access(ctx, parent, dossier.id, "anne@example.nl")
    report, _ = entries.write_entry(
        ctx, pro, dossier.id, section(dossier, "care"), "Rapport", "Origineel", "report"
    )
    entries.add_view(ctx, parent, dossier.id, report, "Mijn view")
    # Read once: the signature is checked, and remembered.
    assert entries.read_entry(ctx, parent, dossier.id, report).card.trusted
    # Someone holding the section key writes new words and claims Anne wrote them.
    with ctx.unit_of_work() as db:
        from dossier.services.content import seal_text
        from dossier.services.entries.sealing import version_place
        from dossier.services.keychain import keychain

        keys = keychain(db, parent, dossier.id)
        entry = db.get(Entry, report)
        version = _first(db, EntryVersion, entry_id=report, version=1)
        version.body_sealed = seal_text(
            keys.key(entry.section_id, version.key_version),
            "Verzonnen woorden",
            version_place(entry, version),
            "body",
        )
        view = _first(db, EntryPerspective, entry_id=report)
        view.signature = bytes(64)
    detail = entries.read_entry(ctx, parent, dossier.id, report)
    assert (
        not detail.card.trusted
        and "Verzonnen" not in detail.body
        and "Verzonnen" not in detail.card.title
    )
    assert not detail.views[0].trusted and "Mijn view" not in detail.views[0].body


def test_a_list_of_titles_still_catches_a_forged_body_a_changed_kind_or_author(
    ctx: Context, family
) -> None:
    """A list opens titles only, trusting a version this process checked whole before; a body,
    kind or author changed since is a different version, checked whole again and untrusted."""
    parent, dossier = family
    pro = verified_professional(ctx)
    grant_access(ctx, parent, dossier.id, "anne@example.nl")
    care = section(dossier, "care")
    forged, _ = entries.write_entry(ctx, pro, dossier.id, care, "Rapport", "Origineel", "report")
    retyped, _ = entries.write_entry(ctx, pro, dossier.id, care, "Plan", "Stappen", "plan")
    moved, _ = entries.write_entry(ctx, pro, dossier.id, care, "Brief", "Woorden", "letter")

    def cards() -> dict[object, bool]:
        page = entries.list_entries(ctx, parent, dossier.id, entries.Filters())
        return {card.id: card.trusted for card in page.items}

    assert cards() == {forged: True, retyped: True, moved: True}  # checked whole, remembered
    with ctx.unit_of_work() as db:
        from dossier.services.content import seal_text
        from dossier.services.entries.sealing import version_place
        from dossier.services.keychain import keychain

        keys = keychain(db, parent, dossier.id)
        entry = db.get(Entry, forged)
        version = _first(db, EntryVersion, entry_id=forged, version=1)
        version.body_sealed = seal_text(
            keys.key(entry.section_id, version.key_version),
            "Verzonnen woorden",
            version_place(entry, version),
            "body",
        )
        db.get(Entry, retyped).kind = "report"
        db.get(Entry, moved).author_id = parent.user_id  # shown as written by someone else
    assert cards() == {forged: False, retyped: False, moved: False}
    assert not entries.read_entry(ctx, parent, dossier.id, moved).card.trusted


def test_destroy_shreds_keys_then_rows_and_keeps_the_log(ctx: Context, engine, family) -> None:
    parent, dossier = family
    entry, _ = entries.write_entry(
        ctx, parent, dossier.id, section(dossier, "care"), "Weg", "Straks weg", "note"
    )
    entries.attach(ctx, parent, dossier.id, entry, "weg.pdf", PDF)
    keep = dossiers.create_dossier(ctx, parent, "Broer", date(2014, 1, 1), for_self=False)
    entries.write_entry(
        ctx, parent, keep.id, section(keep, "care"), "Blijft", "Blijft staan", "note"
    )
    with ctx.unit_of_work() as db:
        from dossier.services.keychain import keychain

        keys = keychain(db, parent, dossier.id)
        opened = [keys.key(s.id, 1) for s in dossier.sections] + [keys.key(None, 1)]
        keyring = keys.keyring
    with pytest.raises(InvalidInput):
        ownership.destroy(ctx, parent, dossier.id, "Lot")
    preview = ownership.destruction_preview(ctx, parent, dossier.id)
    assert preview["entries"] == 1 and preview["attachments"] == 1
    ownership.destroy(ctx, parent, dossier.id, "  lotte ")
    with pytest.raises(NotFound):
        dossiers.get_dossier(ctx, parent, dossier.id)
    assert [d.id for d in dossiers.list_dossiers(ctx, parent)] == [keep.id]
    with ctx.unit_of_work() as db:
        assert db.scalars(select(SealedKey).where(SealedKey.dossier_id == dossier.id)).all() == []
        assert db.scalars(select(Entry).where(Entry.dossier_id == dossier.id)).all() == []
        events = db.scalars(
            select(AuditEvent.action).where(AuditEvent.dossier_id == dossier.id)
        ).all()
        assert "dossier.destroy" in events
        assert verify_chain(db, chain_for(dossier.id)) is None
        owner_public = db.get(User, parent.user_id).exchange_public_key
    assert owner_public == keyring.exchange_public
    # Every byte string left anywhere, tried with every key the owner had and her own keyring.
    blobs = []
    with engine.connect() as connection:
        for table in [
            "sealed_keys",
            "entry_versions",
            "entry_perspectives",
            "attachments",
            "correction_requests",
            "dossiers",
            "sections",
        ]:
            for row in connection.exec_driver_sql(f"SELECT * FROM {table}"):  # noqa: S608
                blobs.extend(bytes(v) for v in row if isinstance(v, bytes | memoryview))
    opened_any = 0
    for blob in blobs:
        for key in opened:
            for purpose in [
                "content/title",
                "content/body",
                "content/content",
                "content/filename",
                "content/subject_name",
                "content/section_name",
            ]:
                try:
                    crypto.open_sealed(
                        key, blob, kind=crypto.Kind.CONTENT, purpose=purpose, context={}
                    )
                    opened_any += 1
                except crypto.CryptoError:
                    pass
        try:
            crypto.open_from_public_key(blob, keyring.exchange, {})
            opened_any += 1
        except crypto.CryptoError:
            pass
    assert opened_any == 0
    # What is left belongs to the other dossier and still opens for its owner.
    assert entries.list_entries(ctx, parent, keep.id, entries.Filters()).items[0].title == "Blijft"


def test_only_owners_destroy(ctx: Context, family) -> None:
    parent, dossier = family
    pro = verified_professional(ctx)
    grant_access(ctx, parent, dossier.id, "anne@example.nl")
    with pytest.raises(AccessDenied):
        ownership.destroy(ctx, pro, dossier.id, "Lotte")
    assert dossiers.get_dossier(ctx, parent, dossier.id).subject_name == "Lotte"


@pytest.mark.parametrize("name", ["page.html", "logo.svg", "index.html", "Page.XHTML"])
def test_the_export_never_names_plain_text_as_a_page(ctx: Context, family, name: str) -> None:
    parent, dossier = family
    entry, _ = entries.write_entry(
        ctx, parent, dossier.id, section(dossier, "care"), "Brief", "Zie bijlage", "letter"
    )
    active = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"/>'
    attached = entries.attach(ctx, parent, dossier.id, entry, name, active)
    assert attached.media_type == "text/plain"
    archive = zipfile.ZipFile(io.BytesIO(export_zip(ctx, parent, dossier.id, render)))
    [path] = [n for n in archive.namelist() if n.startswith("attachments/")]
    assert path == f"attachments/{attached.id}-{name}.txt" and archive.read(path) == active
    exported = json.loads(archive.read("dossier.json"))
    assert exported["entries"][0]["files"] == {str(attached.id): path}
    assert [n for n in archive.namelist() if not n.startswith("attachments/")] == [
        "index.html",
        "dossier.json",
    ]


@pytest.mark.parametrize("first", ["version", "entry"])
def test_a_new_entry_and_its_first_version_go_in_one_flush_in_either_order(
    shared_world, session_factory, first: str
) -> None:
    """Writing flushes once: the entry's row must come before its version's, whatever order
    the rows were added in, or the version's foreign key is refused (both databases check)."""
    w = shared_world
    with session_factory() as db, db.begin():
        plan = db.get(Entry, w["plan"])
        written = db.scalars(select(EntryVersion).where(EntryVersion.entry_id == w["plan"])).one()
        assert plan is not None
        entry = Entry(
            id=uuid.uuid4(),
            **{c: getattr(plan, c) for c in ("dossier_id", "section_id", "author_id")},
            **{c: getattr(plan, c) for c in ("author_role", "perspective", "kind")},
            current_version=1,
            created_at=plan.created_at,
            updated_at=plan.created_at,
        )
        columns = ("dossier_id", "version", "author_id", "created_at", "key_version")
        sealed = ("title_sealed", "body_sealed", "body_size", "signature")
        version = EntryVersion(
            id=uuid.uuid4(),
            entry_id=entry.id,
            **{c: getattr(written, c) for c in (*columns, *sealed)},
        )
        db.add_all((version, entry) if first == "version" else (entry, version))
        db.flush()
        assert db.scalar(select(EntryVersion.entry_id).where(EntryVersion.id == version.id))
