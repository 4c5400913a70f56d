"""A passage kept from one reader to protect someone else (issue 16, part 4): the father sees
that something is kept from him and can object; his keys open nothing of it, even with the
database; every other reader, a reader who joins later and an emergency grantee read it."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from dossier import crypto
from dossier.actions import Action
from dossier.errors import AccessDenied, Conflict, InvalidInput, NotFound
from dossier.keys import load_keys
from dossier.models import (
    AuditEvent,
    Grant,
    Notice,
    PassageKey,
    User,
    WithheldFrom,
    WithheldPassage,
)
from dossier.services import emergency, entries, passage_keys, sessions, sharing
from dossier.services.content import Untrusted, open_text
from dossier.services.context import Context
from dossier.services.entries import withholding
from dossier.services.keychain import KeyChain, keychain
from tests.conftest import PASSWORD, login_actor
from tests.support import ADMIN, AUDITOR, CARE_WORKER, GUARDIAN, YOUTH, World, person, youth_world

FATHER = "marco@example.nl"
NEWCOMER = "bram@example.nl"
LEAD = "lead@example.nl"
CRISIS = "crisis@example.nl"
PASSAGE = "Moeder vertelde dat zij bang is voor Marco. Zij woont nu op een geheim adres."
REASON = "Dit beschermt de moeder: Marco mag haar adres niet weten."


@pytest.fixture
def jobs(ctx: Context, keys_dir: Path) -> Context:
    return Context(ctx.sessions, ctx.settings, clock=ctx.clock, job_key=load_keys(keys_dir).job_key)


@pytest.fixture
def world(jobs: Context) -> World:
    """Officers (for the emergency key), Sanne (14) and her mother; Anne writes in Care, and
    Sanne's father Marco reads Care."""
    made = World(jobs, None, None, None)
    made.staff()
    made.care_worker(LEAD, "Lead", "Crisisdienst")
    emergency.create_key(jobs, [ADMIN, AUDITOR, LEAD], threshold=2)
    world = youth_world(jobs)
    world.care_worker()
    world.share(CARE_WORKER, "contribute", ("care",))
    person(jobs, FATHER, "parent", "Marco")
    world.share(FATHER, "read", ("care",))
    return world


def _withhold(world: World, entry_id: uuid.UUID, *kept_from: str) -> uuid.UUID:
    ctx = world.ctx
    return withholding.withhold(
        ctx,
        login_actor(ctx, CARE_WORKER),
        world.dossier.id,
        entry_id,
        PASSAGE,
        REASON,
        [login_actor(ctx, email).user_id for email in kept_from],
    )


def _entry(world: World) -> uuid.UUID:
    return world.write(
        login_actor(world.ctx, CARE_WORKER), "care", "Gesprek thuis", "We spraken over school."
    )


def _read(world: World, email: str, entry_id: uuid.UUID) -> Any:
    return entries.read_entry(world.ctx, login_actor(world.ctx, email), world.dossier.id, entry_id)


def test_every_reader_but_the_father_reads_it_and_he_sees_that_it_exists(world: World) -> None:
    entry_id = _entry(world)
    passage_id = _withhold(world, entry_id, FATHER)

    for email in (YOUTH, GUARDIAN, CARE_WORKER):
        [card] = _read(world, email, entry_id).passages
        assert card.text == PASSAGE and card.reason == REASON and card.trusted
        assert card.kept_from == ["Marco"] and not card.kept_from_me

    seen = _read(world, FATHER, entry_id)
    assert seen.body == "We spraken over school."  # the rest of the entry stays his to read
    [placeholder] = seen.passages
    assert placeholder.kept_from_me and placeholder.author_name == "Anne"
    assert placeholder.text is None and placeholder.reason is None and placeholder.kept_from == []

    with world.ctx.reading() as db:
        marco = db.scalar(select(User.id).where(User.email == FATHER))
        notices = list(db.scalars(select(Notice).where(Notice.user_id == marco)))
        assert [n.kind for n in notices if n.kind == "passage.withheld"] == ["passage.withheld"]
        events = list(
            db.scalars(select(AuditEvent.action).where(AuditEvent.dossier_id == world.dossier.id))
        )
        assert Action.PASSAGE_WITHHOLD in events
        stored = db.get(WithheldPassage, passage_id)
        assert stored is not None
        assert PASSAGE.encode() not in stored.text_sealed and b"geheim" not in stored.text_sealed


def test_the_fathers_keys_open_nothing_of_it_even_with_the_database(world: World) -> None:
    entry_id = _entry(world)
    passage_id = _withhold(world, entry_id, FATHER)
    ctx = world.ctx
    with ctx.unit_of_work() as db:
        father = db.scalar(select(User).where(User.email == FATHER))
        assert father is not None
        keyring = sessions.check_password(ctx, father, PASSWORD)
        assert keyring is not None
        copies = list(db.scalars(select(PassageKey).where(PassageKey.passage_id == passage_id)))
        holders = {copy.holder_id for copy in copies}
        assert father.id not in holders
        assert sum(copy.emergency_key_id is not None for copy in copies) == 1
        # Every sealed copy in the database, tried with his private key under every recipient
        # name it could carry: none opens.
        passage = db.get(WithheldPassage, passage_id)
        assert passage is not None
        opened = 0
        for copy in copies:
            for recipient in [str(father.id), *(str(h) for h in holders if h)]:
                try:
                    crypto.open_from_public_key(
                        copy.sealed,
                        keyring.exchange,
                        passage_keys.seal_info(passage, recipient),
                    )
                    opened += 1
                except crypto.CryptoError:
                    pass
        assert opened == 0
        # His section key, which he holds, does not open the passage either.
        keys = KeyChain(db, world.dossier.id, father.id, keyring)
        assert passage_keys.open_key(db, passage, keys) is None
        section_key = keys.current(passage.section_id)[1]
        with pytest.raises(Untrusted):
            open_text(section_key, passage.text_sealed, passage_keys.place_of(passage), "text")


def test_a_reader_who_joins_later_gets_it_and_the_father_never_does(world: World) -> None:
    entry_id = _entry(world)
    _withhold(world, entry_id, FATHER)
    world.care_worker(NEWCOMER, "Bram")
    bram_grant = world.share(NEWCOMER, "read", ("care",))
    [card] = _read(world, NEWCOMER, entry_id).passages
    assert card.text == PASSAGE  # handed over in the owners' own change

    # Marco's sharing ends and starts again: still kept from him.
    ctx = world.ctx
    with ctx.reading() as db:
        marco_grant = db.scalar(
            select(Grant.id)
            .join(User, User.id == Grant.grantee_id)
            .where(User.email == FATHER, Grant.status == "active")
        )
    assert marco_grant is not None
    sharing.revoke(ctx, world.youth, world.dossier.id, marco_grant)
    world.share(FATHER, "read", ("care",))
    [placeholder] = _read(world, FATHER, entry_id).passages
    assert placeholder.kept_from_me and placeholder.text is None

    # A revoked reader's copy goes at once.
    sharing.revoke(ctx, world.youth, world.dossier.id, bram_grant)
    with ctx.reading() as db:
        bram = db.scalar(select(User.id).where(User.email == NEWCOMER))
        assert db.scalar(select(PassageKey.id).where(PassageKey.holder_id == bram)) is None


def test_an_emergency_grantee_reads_it_from_the_emergency_key(world: World) -> None:
    entry_id = _entry(world)
    _withhold(world, entry_id, FATHER)
    ctx = world.ctx
    world.care_worker(CRISIS, "Cris", "Crisisdienst")
    filed = emergency.file_request(
        ctx,
        login_actor(ctx, CRISIS),
        world.dossier.id,
        [world.section("care")],
        "Sanne is vannacht weggelopen; ik moet weten wie haar thuis kan opvangen.",
        12,
    )
    emergency.approve_request(ctx, login_actor(ctx, ADMIN), filed.id, password=PASSWORD)
    emergency.approve_request(ctx, login_actor(ctx, LEAD), filed.id, password=PASSWORD)
    [card] = _read(world, CRISIS, entry_id).passages
    assert card.text == PASSAGE and not card.kept_from_me


@pytest.mark.parametrize(
    ("who", "kept_from", "error"),
    [
        (YOUTH, (FATHER,), AccessDenied),  # an owner, but not the author
        (FATHER, (GUARDIAN,), AccessDenied),  # a reader, not the author
        (CARE_WORKER, (), InvalidInput),  # nobody named
        (CARE_WORKER, ("stranger@example.nl",), InvalidInput),  # not a reader of Care
        (CARE_WORKER, (CARE_WORKER,), InvalidInput),  # the author herself
    ],
)
def test_who_may_keep_what_from_whom(
    world: World, who: str, kept_from: tuple[str, ...], error: type[Exception]
) -> None:
    ctx = world.ctx
    person(ctx, "stranger@example.nl", "parent", "Iemand")
    entry_id = _entry(world)
    with pytest.raises(error):
        withholding.withhold(
            ctx,
            login_actor(ctx, who),
            world.dossier.id,
            entry_id,
            PASSAGE,
            REASON,
            [login_actor(ctx, email).user_id for email in kept_from],
        )
    with ctx.reading() as db:
        assert db.scalar(select(WithheldPassage.id)) is None  # nothing half made


def test_only_a_care_worker_keeps_a_part_of_her_own_entry_back(world: World) -> None:
    ctx = world.ctx
    own = world.write(world.youth, "care", "Mijn week", "Het ging goed.")
    with pytest.raises(AccessDenied):  # Sanne chooses whom she shares with instead
        withholding.withhold(
            ctx,
            world.youth,
            world.dossier.id,
            own,
            PASSAGE,
            REASON,
            [login_actor(ctx, FATHER).user_id],
        )


def test_empty_words_are_refused_with_their_field(world: World) -> None:
    entry_id = _entry(world)
    ctx = world.ctx
    with pytest.raises(InvalidInput) as refused:
        withholding.withhold(
            ctx,
            login_actor(ctx, CARE_WORKER),
            world.dossier.id,
            entry_id,
            "  ",
            "",
            [login_actor(ctx, FATHER).user_id],
        )
    assert set(refused.value.errors) == {"text", "reason"}


def test_the_father_objects_once_and_the_auditor_answers(world: World) -> None:
    entry_id = _entry(world)
    passage_id = _withhold(world, entry_id, FATHER)
    ctx = world.ctx
    marco = login_actor(ctx, FATHER)
    with pytest.raises(InvalidInput):
        withholding.object_to(ctx, marco, world.dossier.id, passage_id, " ")
    withholding.object_to(ctx, marco, world.dossier.id, passage_id, "Ik ben haar vader.")
    with pytest.raises(Conflict):
        withholding.object_to(ctx, marco, world.dossier.id, passage_id, "Nog een keer.")
    with pytest.raises(AccessDenied):  # it is not kept from Sanne: nothing to object to
        withholding.object_to(ctx, world.youth, world.dossier.id, passage_id, "Waarom?")
    with pytest.raises(NotFound):
        withholding.object_to(ctx, marco, world.dossier.id, uuid.uuid4(), "Waarom?")
    assert _read(world, FATHER, entry_id).passages[0].objected

    with pytest.raises(AccessDenied):
        withholding.objection_queue(ctx, login_actor(ctx, ADMIN))
    pieter = login_actor(ctx, AUDITOR)
    [waiting] = withholding.objection_queue(ctx, pieter)
    assert waiting.objector == "Marco" and waiting.author == "Anne"
    assert waiting.kept_from == ["Marco"] and waiting.text == "Ik ben haar vader."
    assert waiting.verdict is None
    with pytest.raises(InvalidInput):
        withholding.review(ctx, pieter, waiting.id, "")
    done = withholding.review(ctx, pieter, waiting.id, "Terecht achtergehouden: het adres.")
    assert done.verdict == "Terecht achtergehouden: het adres." and done.reviewer == "Pieter"
    with pytest.raises(Conflict):
        withholding.review(ctx, pieter, waiting.id, "Nog eens.")
    with ctx.reading() as db:
        actions = list(
            db.scalars(select(AuditEvent.action).where(AuditEvent.dossier_id == world.dossier.id))
        )
    assert Action.PASSAGE_OBJECT in actions and Action.PASSAGE_REVIEW in actions


def test_a_name_taken_off_the_list_in_the_database_opens_nothing_to_him(world: World) -> None:
    """The list of whom a part is kept from is signed with it: deleting the father's row does not
    make the next owner's change hand him the key, nor an emergency grant."""
    ctx = world.ctx
    entry_id = _entry(world)
    passage_id = _withhold(world, entry_id, FATHER)
    father = login_actor(ctx, FATHER)
    with ctx.unit_of_work() as db:
        db.execute(delete(WithheldFrom).where(WithheldFrom.user_id == father.user_id))
    world.care_worker(NEWCOMER, "Bram")
    world.share(NEWCOMER, "read", ("care",))  # an owner's change: keys are handed over
    with ctx.unit_of_work() as db:
        passage = db.get(WithheldPassage, passage_id)
        assert passage is not None
        assert passage_keys.open_key(db, passage, keychain(db, father, world.dossier.id)) is None
        assert (
            db.scalar(select(PassageKey.id).where(PassageKey.holder_id == father.user_id)) is None
        )
    [card] = _read(world, FATHER, entry_id).passages
    assert card.text is None  # nothing to read for him
    [sannes] = _read(world, YOUTH, entry_id).passages
    assert sannes.text is None and not sannes.trusted  # her page says it was tampered with


def test_a_part_moved_to_another_entry_does_not_open_there(world: World) -> None:
    ctx = world.ctx
    entry_id = _entry(world)
    other = _entry(world)
    passage_id = _withhold(world, entry_id, FATHER)
    with ctx.unit_of_work() as db:
        db.execute(
            update(WithheldPassage).where(WithheldPassage.id == passage_id).values(entry_id=other)
        )
    [card] = _read(world, YOUTH, other).passages
    assert card.text is None and not card.trusted
