"""Every text a person writes is signed by its author: dossier and section names, correction
requests and their answers, grant messages, and the files an export carries. Each is tampered
with here as someone holding the database (and, worse, a key) would, on SQLite and PostgreSQL.

The world is a parent's (`tests.support.child_world`), not Sanne's (`youth_world`): Marieke made
the dossier for Lotte, 9, who has no account, so every owner's text here (the dossier's and the
sections' names, the grant's message, the correction request) has one honest signer, Marieke,
and Anne, the care worker, is the one whose name a forger borrows."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select, update

from dossier import crypto
from dossier.audit import chain_for, verify_chain
from dossier.models import (
    Attachment,
    AuditEvent,
    CorrectionRequest,
    Dossier,
    Entry,
    Grant,
    Section,
    User,
)
from dossier.services import dossiers, entries, pages, sharing
from dossier.services.content import (
    Place,
    SignedText,
    Trust,
    open_bytes,
    seal_bytes,
    seal_text,
    signed_text,
)
from dossier.services.context import Context
from dossier.services.entries import UNTRUSTED_TEXT
from dossier.services.export import export_zip
from dossier.services.keychain import keychain
from dossier.services.sessions import unlock_keyring
from tests.integration.test_dossiers import PDF, PNG, render
from tests.support import CARE_WORKER, child_world, years_ago

REASON = "Dat heb ik zo niet gezegd."
ANSWER = "Klopt, ik heb het aangepast."
MESSAGE = "Fijn dat je meekijkt"


@dataclass
class World:
    """Lotte (9), her mother Marieke as owner, Anne the care worker with a grant on Care, a
    section Marieke named, and a correction request on Anne's report, answered."""

    ctx: Context
    parent: object
    pro: object
    dossier: uuid.UUID
    other_dossier: uuid.UUID
    therapy: uuid.UUID
    school_plan: uuid.UUID
    report: uuid.UUID
    second_report: uuid.UUID
    correction: uuid.UUID
    grant: uuid.UUID


@pytest.fixture
def world(ctx: Context) -> World:
    return make_world(ctx)


def make_world(ctx: Context) -> World:
    """Built by `tests.support.child_world`: Marieke's dossier for Lotte, with sections she
    named, another dossier of hers, and Anne's grant carrying a message."""
    lotte = child_world(ctx, "Lotte", age=9)
    parent, dossier = lotte.guardian, lotte.dossier
    other = dossiers.create_dossier(ctx, parent, "Broer", years_ago(ctx, 12), for_self=False)
    therapy = dossiers.add_section(ctx, parent, dossier.id, "Therapie").id
    school_plan = dossiers.add_section(ctx, parent, dossier.id, "Schoolplan").id
    lotte.staff()
    pro = lotte.care_worker()
    grant = sharing.share(
        ctx,
        parent,
        dossier.id,
        grantee_email=CARE_WORKER,
        section_ids=[lotte.section("care"), therapy],
        permission="contribute",
        message=MESSAGE,
    )
    assert grant.status == "active"
    report = lotte.write(pro, "care", "Verslag", "Moeder is bezorgd.", "report")
    second = lotte.write(pro, "care", "Plan", "Stappen.", "plan")
    correction = entries.request_correction(ctx, parent, dossier.id, report, REASON)
    entries.answer_correction(ctx, pro, dossier.id, report, correction.id, "declined", ANSWER)
    return World(
        ctx,
        parent,
        pro,
        dossier.id,
        other.id,
        therapy,
        school_plan,
        report,
        second,
        correction.id,
        grant.grant_id,
    )


def set_columns(ctx: Context, model: type, row_id: uuid.UUID, **values: object) -> None:
    """What anyone with write access to the database can do."""
    with ctx.unit_of_work() as db:
        db.execute(update(model).where(model.id == row_id).values(**values))


def _flipped(blob: bytes) -> bytes:
    return blob[:-1] + bytes([blob[-1] ^ 1])


def user_id_of(ctx: Context, email: str) -> uuid.UUID:
    with ctx.unit_of_work() as db:
        return db.scalar(select(User.id).where(User.email == email))


def _untrusted_events(ctx: Context, object_type: str) -> list[str | None]:
    with ctx.unit_of_work() as db:
        return list(
            db.scalars(
                select(AuditEvent.object_id).where(
                    AuditEvent.action == "content.untrusted",
                    AuditEvent.outcome == "error",
                    AuditEvent.object_type == object_type,
                )
            )
        )


def _chain_intact(ctx: Context, dossier_id: uuid.UUID) -> bool:
    with ctx.unit_of_work() as db:
        return verify_chain(db, chain_for(dossier_id)) is None


def _correction(ctx: Context, actor: object, w: World, entry_id: uuid.UUID | None = None):
    detail = entries.read_entry(ctx, actor, w.dossier, entry_id or w.report)
    return next(c for c in detail.corrections if c.id == w.correction)


def _name_place(dossier_id: uuid.UUID, version: int) -> Place:
    return Place(dossier_id, None, "dossier", dossier_id, 1, version)


def _section_place(row: Section) -> Place:
    return Place(row.dossier_id, None, "section", row.id, 1, row.name_key_version or 0)


def correction_place_of(entry: Entry, row: CorrectionRequest, answer: bool) -> Place:
    kind, version = (
        ("correction-answer", row.answer_key_version or 0)
        if answer
        else ("correction", row.key_version)
    )
    return Place(entry.dossier_id, entry.section_id, kind, row.id, 1, version)


# --- honest texts -------------------------------------------------------------------------------


def test_honest_texts_verify_and_keep_their_signature_through_a_rotation(world: World) -> None:
    w, ctx = world, world.ctx
    parent_id, pro_id = user_id_of(ctx, "marieke@example.nl"), user_id_of(ctx, "anne@example.nl")

    def everything_verifies() -> None:
        summary = dossiers.get_dossier(ctx, w.parent, w.dossier)
        assert summary.subject_name == "Lotte"
        assert summary.section(w.therapy).name == "Therapie"
        correction = _correction(ctx, w.parent, w)
        assert (correction.reason, correction.answer) == (REASON, ANSWER)
        assert correction.trusted and correction.signed
        assert _untrusted_events(ctx, "correction") == []

    everything_verifies()
    assert sharing.message_for_me(ctx, w.pro, w.grant) == SignedText(MESSAGE, Trust.TRUSTED)
    with ctx.unit_of_work() as db:
        correction = db.get(CorrectionRequest, w.correction)
        assert (correction.reason_signed_by, correction.answer_signed_by) == (parent_id, pro_id)
        assert db.get(Dossier, w.dossier).name_signed_by == parent_id
        assert db.get(Section, w.therapy).name_signed_by == parent_id
        assert db.get(Grant, w.grant).message_signed_by == parent_id

    # Stopping the sharing rotates the dossier key and the Care key: names and the correction
    # are re-encrypted by Marieke's request, and their signatures move along unchanged.
    assert sharing.revoke(ctx, w.parent, w.dossier, w.grant).remaining == 0
    with ctx.unit_of_work() as db:
        assert db.get(Dossier, w.dossier).name_key_version == 2
        assert db.get(Section, w.therapy).name_key_version == 2
        correction = db.get(CorrectionRequest, w.correction)
        assert (correction.key_version, correction.answer_key_version) == (2, 2)
    everything_verifies()


# --- correction requests and answers ------------------------------------------------------------


def _reseal_correction(
    w: World,
    answer: bool,
    frame: Callable[[crypto.Keyring, Place, Entry, CorrectionRequest], bytes],
    correction_id: uuid.UUID | None = None,
) -> None:
    """Someone holding the section key (Anne does) writes new plaintext into a request."""
    with w.ctx.unit_of_work() as db:
        keys = keychain(db, w.pro, w.dossier)
        row = db.get(CorrectionRequest, correction_id or w.correction)
        entry = db.get(Entry, row.entry_id)
        place = correction_place_of(entry, row, answer)
        key = keys.key(entry.section_id, place.key_version)
        field = "answer" if answer else "reason"
        sealed = seal_bytes(key, frame(keys.keyring, place, entry, row), place, field)
        setattr(row, f"{field}_sealed", sealed)


def _flip_the_reason(w: World) -> None:
    with w.ctx.unit_of_work() as db:
        blob = db.get(CorrectionRequest, w.correction).reason_sealed
    set_columns(w.ctx, CorrectionRequest, w.correction, reason_sealed=_flipped(blob))


def _flip_the_answer(w: World) -> None:
    with w.ctx.unit_of_work() as db:
        blob = db.get(CorrectionRequest, w.correction).answer_sealed
    set_columns(w.ctx, CorrectionRequest, w.correction, answer_sealed=_flipped(blob))


def _reason_forged_by_the_author(w: World) -> None:
    """Anne rewrites what Marieke asked, signing with her own key but naming Marieke."""
    _reseal_correction(
        w,
        False,
        lambda keyring, place, entry, row: signed_text(
            keyring.signing,
            place,
            row.requested_by,
            "reason",
            "Alles klopt, verander niets.",
            {"entry": str(entry.id)},
        ),
    )


def _answer_forged_by_the_owner(w: World) -> None:
    """Marieke rewrites Anne's answer into a promise, naming Anne as its writer."""
    with w.ctx.unit_of_work() as db:
        keys = keychain(db, w.parent, w.dossier)
        row = db.get(CorrectionRequest, w.correction)
        entry = db.get(Entry, row.entry_id)
        place = correction_place_of(entry, row, True)
        forged = signed_text(
            keys.keyring.signing,
            place,
            row.author_id,
            "answer",
            "Ik haal het verslag weg.",
            {"entry": str(entry.id)},
        )
        row.answer_sealed = seal_bytes(
            keys.key(entry.section_id, place.key_version), forged, place, "answer"
        )


def _reason_of_another_request(w: World) -> None:
    """Marieke's signed words from another request, moved here under the right key and place."""
    other = entries.request_correction(
        w.ctx, w.parent, w.dossier, w.report, "Haal dit verslag weg.", removal=True
    ).id
    with w.ctx.unit_of_work() as db:
        keys = keychain(db, w.pro, w.dossier)
        row = db.get(CorrectionRequest, other)
        entry = db.get(Entry, row.entry_id)
        place = correction_place_of(entry, row, False)
        words = open_bytes(
            keys.key(entry.section_id, place.key_version), row.reason_sealed, place, "reason"
        )
    _reseal_correction(w, False, lambda *_: words)


def _request_moved_to_another_entry(w: World) -> None:
    set_columns(w.ctx, CorrectionRequest, w.correction, entry_id=w.second_report)


def _signer_changed(w: World) -> None:
    set_columns(
        w.ctx,
        CorrectionRequest,
        w.correction,
        reason_signed_by=user_id_of(w.ctx, "anne@example.nl"),
    )


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(_flip_the_reason, id="flipped-byte-in-reason"),
        pytest.param(_flip_the_answer, id="flipped-byte-in-answer"),
        pytest.param(_reason_forged_by_the_author, id="reason-forged-with-the-key"),
        pytest.param(_answer_forged_by_the_owner, id="answer-forged-with-the-key"),
        pytest.param(_reason_of_another_request, id="reason-swapped-from-another-request"),
        pytest.param(_request_moved_to_another_entry, id="request-moved-to-another-entry"),
        pytest.param(_signer_changed, id="signer-changed"),
    ],
)
def test_a_tampered_correction_request_shows_as_untrusted(
    world: World, tamper: Callable[[World], None]
) -> None:
    w, ctx = world, world.ctx
    tamper(w)
    entry_id = w.second_report if tamper is _request_moved_to_another_entry else w.report
    for reader in (w.parent, w.pro):
        correction = _correction(ctx, reader, w, entry_id)
        assert not correction.trusted and not correction.signed
        assert correction.reason == UNTRUSTED_TEXT and correction.answer is None
    assert str(w.correction) in _untrusted_events(ctx, "correction")
    assert _chain_intact(ctx, w.dossier)


# --- dossier and section names ------------------------------------------------------------------


def _names(w: World) -> tuple[str, str, str]:
    summary = dossiers.get_dossier(w.ctx, w.parent, w.dossier)
    return (
        summary.subject_name,
        summary.section(w.therapy).name,
        summary.section(w.school_plan).name,
    )


def _flip_the_subject_name(w: World) -> None:
    with w.ctx.unit_of_work() as db:
        blob = db.get(Dossier, w.dossier).subject_name_sealed
    set_columns(w.ctx, Dossier, w.dossier, subject_name_sealed=_flipped(blob))


def _subject_name_copied_from_another_dossier(w: World) -> None:
    """Marieke's own signed name of her other child, moved into this dossier's place."""
    with w.ctx.unit_of_work() as db:
        other = db.get(Dossier, w.other_dossier)
        place = _name_place(other.id, other.name_key_version)
        words = open_bytes(
            keychain(db, w.parent, other.id).key(None, other.name_key_version),
            other.subject_name_sealed,
            place,
            "subject_name",
        )
        row = db.get(Dossier, w.dossier)
        here = _name_place(row.id, row.name_key_version)
        key = keychain(db, w.parent, row.id).key(None, row.name_key_version)
        row.subject_name_sealed = seal_bytes(key, words, here, "subject_name")
        row.name_signed_by = other.name_signed_by


def _subject_name_forged_by_a_grantee(w: World) -> None:
    """Anne holds the dossier key through her grant; she renames Lotte in Marieke's name."""
    with w.ctx.unit_of_work() as db:
        keys = keychain(db, w.pro, w.dossier)
        row = db.get(Dossier, w.dossier)
        place = _name_place(row.id, row.name_key_version)
        forged = signed_text(
            keys.keyring.signing, place, row.name_signed_by, "subject_name", "Valse naam"
        )
        row.subject_name_sealed = seal_bytes(
            keys.key(None, row.name_key_version), forged, place, "subject_name"
        )


def _section_names_swapped(w: World) -> None:
    """The signed name of one section, put in the other's place under the right key."""
    with w.ctx.unit_of_work() as db:
        keys = keychain(db, w.parent, w.dossier)
        source, target = db.get(Section, w.school_plan), db.get(Section, w.therapy)
        words = open_bytes(
            keys.key(None, source.name_key_version or 0),
            source.name_sealed,
            _section_place(source),
            "section_name",
        )
        target.name_sealed = seal_bytes(
            keys.key(None, target.name_key_version or 0),
            words,
            _section_place(target),
            "section_name",
        )


def _section_signer_changed(w: World) -> None:
    set_columns(w.ctx, Section, w.therapy, name_signed_by=user_id_of(w.ctx, "anne@example.nl"))


@pytest.mark.parametrize(
    ("tamper", "broken"),
    [
        pytest.param(_flip_the_subject_name, 0, id="flipped-byte-in-subject-name"),
        pytest.param(_subject_name_copied_from_another_dossier, 0, id="name-of-another-dossier"),
        pytest.param(_subject_name_forged_by_a_grantee, 0, id="subject-name-forged-with-the-key"),
        pytest.param(_section_names_swapped, 1, id="section-names-swapped"),
        pytest.param(_section_signer_changed, 1, id="section-name-signer-changed"),
    ],
)
def test_a_tampered_name_is_never_shown_as_the_name(
    world: World, tamper: Callable[[World], None], broken: int
) -> None:
    w = world
    honest = ("Lotte", "Therapie", "Schoolplan")
    assert _names(w) == honest
    tamper(w)
    shown = _names(w)
    assert shown[broken] == dossiers.UNTRUSTED_NAME
    assert [name for i, name in enumerate(shown) if i != broken] == [
        name for i, name in enumerate(honest) if i != broken
    ]
    assert not {"Broer", "Valse naam"} & set(shown)
    # The copy a person takes home says so too.
    archive = zipfile.ZipFile(io.BytesIO(export_zip(w.ctx, w.parent, w.dossier, render)))
    exported = json.loads(archive.read("dossier.json"))["dossier"]
    names = [exported["subject_name"]] + [
        s["name"] for s in exported["sections"] if s["id"] in (str(w.therapy), str(w.school_plan))
    ]
    assert names == list(shown)


# --- grant messages -----------------------------------------------------------------------------


def _reseal_message(w: World, grant_id: uuid.UUID, words: bytes) -> None:
    """A message sealed to Anne's public key: anyone with the database can make one."""
    with w.ctx.unit_of_work() as db:
        recipient = db.scalar(
            select(User.exchange_public_key).where(User.email == "anne@example.nl")
        )
        db.get(Grant, grant_id).message_sealed = crypto.seal_to_public_key(
            words, recipient, {"purpose": "grant-message", "grant": str(grant_id)}
        )


def _message_place(grant: Grant) -> Place:
    return Place(grant.dossier_id, None, "grant-message", grant.id, 1, 0)


def flip_the_message(w: World) -> None:
    with w.ctx.unit_of_work() as db:
        blob = db.get(Grant, w.grant).message_sealed
    set_columns(w.ctx, Grant, w.grant, message_sealed=_flipped(blob))


def _message_forged_in_the_owners_name(w: World) -> None:
    with w.ctx.unit_of_work() as db:
        grant = db.get(Grant, w.grant)
        forged = signed_text(
            crypto.Keyring.generate().signing,
            _message_place(grant),
            grant.message_signed_by,
            "message",
            "Bel mij op 06-12345678.",
        )
    _reseal_message(w, w.grant, forged)


def _message_of_another_grant(w: World) -> None:
    """Anne moves Marieke's signed message of another sharing onto this one."""
    other = sharing.share(
        w.ctx,
        w.parent,
        w.other_dossier,
        grantee_email="anne@example.nl",
        section_ids=[dossiers.get_dossier(w.ctx, w.parent, w.other_dossier).sections[0].id],
        permission="read",
        message="Alleen voor Broer",
    ).grant_id
    with w.ctx.unit_of_work() as db:
        words = crypto.open_from_public_key(
            db.get(Grant, other).message_sealed,
            unlock_keyring(db, w.pro).exchange,
            {"purpose": "grant-message", "grant": str(other)},
        )
    _reseal_message(w, w.grant, words)


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(flip_the_message, id="flipped-byte"),
        pytest.param(_message_forged_in_the_owners_name, id="forged-in-the-owners-name"),
        pytest.param(_message_of_another_grant, id="message-of-another-grant"),
    ],
)
def test_a_tampered_grant_message_shows_as_untrusted(
    world: World, tamper: Callable[[World], None]
) -> None:
    w = world
    tamper(w)
    assert sharing.message_for_me(w.ctx, w.pro, w.grant) == SignedText("", Trust.UNTRUSTED)
    visit = pages.dossier_page(w.ctx, w.pro, w.dossier, entries.Filters())
    assert visit.message == SignedText("", Trust.UNTRUSTED)
    assert str(w.grant) in _untrusted_events(w.ctx, "grant")
    assert _chain_intact(w.ctx, w.dossier)


# --- texts written before they were signed ------------------------------------------------------


def test_texts_written_before_signing_show_as_not_signed_not_as_forged(world: World) -> None:
    """Rows as the service wrote them before revision 0007: sealed words, no signer. Names and
    correction texts still open only in their own place, so their words are shown, marked as not
    signed where the page has room for it. A grant message without a signature could have been
    sealed by anyone with the database, so it is not shown at all."""
    w, ctx = world, world.ctx
    with ctx.unit_of_work() as db:
        keys = keychain(db, w.parent, w.dossier)
        correction = db.get(CorrectionRequest, w.correction)
        entry = db.get(Entry, correction.entry_id)
        for answer, text in ((False, "Oude vraag"), (True, "Oud antwoord")):
            place = correction_place_of(entry, correction, answer)
            field = "answer" if answer else "reason"
            sealed = seal_text(keys.key(entry.section_id, place.key_version), text, place, field)
            setattr(correction, f"{field}_sealed", sealed)
            setattr(correction, f"{field}_signed_by", None)
        therapy = db.get(Section, w.therapy)
        therapy.name_sealed = seal_text(
            keys.key(None, therapy.name_key_version or 0),
            "Oude naam",
            _section_place(therapy),
            "section_name",
        )
        therapy.name_signed_by = None
        dossier = db.get(Dossier, w.dossier)
        dossier.subject_name_sealed = seal_text(
            keys.key(None, dossier.name_key_version),
            "Lotje",
            _name_place(dossier.id, dossier.name_key_version),
            "subject_name",
        )
        dossier.name_signed_by = None
    set_columns(ctx, Grant, w.grant, message_signed_by=None)
    _reseal_message(w, w.grant, MESSAGE.encode())

    correction = _correction(ctx, w.parent, w)
    assert (correction.reason, correction.answer) == ("Oude vraag", "Oud antwoord")
    assert correction.trusted and not correction.signed
    summary = dossiers.get_dossier(ctx, w.parent, w.dossier)
    assert (summary.subject_name, summary.section(w.therapy).name) == ("Lotje", "Oude naam")
    assert sharing.message_for_me(ctx, w.pro, w.grant) is None
    assert _untrusted_events(ctx, "correction") == _untrusted_events(ctx, "grant") == []


# --- the export ---------------------------------------------------------------------------------


def test_the_export_checks_every_attachment_and_marks_what_does_not_verify(world: World) -> None:
    w, ctx = world, world.ctx
    honest = entries.attach(ctx, w.pro, w.dossier, w.report, "brief.pdf", PDF).id
    forged = entries.attach(ctx, w.pro, w.dossier, w.report, "foto.png", PNG).id
    flipped = entries.attach(ctx, w.pro, w.dossier, w.report, "scan.pdf", PDF).id
    other_bytes = PNG + b"words put in Anne's mouth"
    with ctx.unit_of_work() as db:
        # Marieke holds the Care key: new bytes under it, Anne's signature left as it was.
        keys = keychain(db, w.parent, w.dossier)
        row = db.get(Attachment, forged)
        entry = db.get(Entry, row.entry_id)
        place = Place(w.dossier, entry.section_id, "attachment", row.id, 1, row.key_version)
        row.content_sealed = seal_bytes(
            keys.key(entry.section_id, row.key_version), other_bytes, place, "content"
        )
        blob = db.get(Attachment, flipped).content_sealed
    set_columns(ctx, Attachment, flipped, content_sealed=_flipped(blob))
    _reason_forged_by_the_author(w)

    archive = zipfile.ZipFile(io.BytesIO(export_zip(ctx, w.parent, w.dossier, render)))
    exported = json.loads(archive.read("dossier.json"))
    report = next(e for e in exported["entries"] if e["card"]["id"] == str(w.report))
    trusted = {a["id"]: a["trusted"] for a in report["attachments"]}
    assert trusted == {str(honest): True, str(forged): False, str(flipped): False}
    assert report["files"] == {str(honest): f"attachments/{honest}-brief.pdf"}
    files = [name for name in archive.namelist() if name.startswith("attachments/")]
    assert files == [f"attachments/{honest}-brief.pdf"]
    assert archive.read(files[0]) == PDF
    assert not any(b"words put in" in archive.read(name) for name in archive.namelist())
    assert [(c["trusted"], c["reason"]) for c in report["corrections"]] == [(False, UNTRUSTED_TEXT)]
    assert {str(forged), str(flipped)} <= set(_untrusted_events(ctx, "attachment"))
    assert _chain_intact(ctx, w.dossier)


def test_an_entry_whose_current_version_is_gone_is_listed_as_untrusted(world: World) -> None:
    """The list reads each entry with its current version in one statement: a version deleted or
    renumbered in the database must not drop the entry from sight nor break the page."""
    w, ctx = world, world.ctx
    set_columns(ctx, Entry, w.report, current_version=99)
    page = entries.list_entries(ctx, w.parent, w.dossier, entries.Filters())
    shown = {card.id: card for card in page.items}
    assert not shown[w.report].trusted
    assert shown[w.report].title != "Verslag"
    assert shown[w.second_report].trusted and shown[w.second_report].title == "Plan"
    assert str(w.report) in _untrusted_events(ctx, "entry")
