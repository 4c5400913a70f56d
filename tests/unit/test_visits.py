"""The page "Who looked?" tells a person's reads in one go as one visit: every event lands in
exactly one line, a visit never mixes people or swallows a change, and a pause longer than the
gap starts a new visit, whatever anyone else did in between."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from dossier.actions import Action
from dossier.audit import Outcome
from dossier.services.visits import GAP, TimelineItem, visits

START = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)
ANNE, MARIEKE, SANNE = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
CARE, SCHOOL = uuid.uuid4(), uuid.uuid4()


def event(
    minute: float,
    who: uuid.UUID = ANNE,
    action: Action = Action.ENTRY_READ,
    entry: str | None = None,
    outcome: Outcome = Outcome.SUCCESS,
    section: uuid.UUID | None = CARE,
) -> TimelineItem:
    about_entry = action in (Action.ENTRY_READ, Action.ENTRY_HISTORY, Action.ENTRY_CREATE)
    return TimelineItem(
        at=START + timedelta(minutes=minute),
        actor_id=who,
        actor_name={ANNE: "Anne", MARIEKE: "Marieke", SANNE: "Sanne"}[who],
        actor_role="professional",
        organisation=None,
        action=action,
        object_type="entry" if about_entry else "dossier",
        object_id=entry if about_entry else "d",
        title=f"Title of {entry}" if about_entry else None,
        outcome=outcome,
        section_id=section if about_entry else None,
    )


def newest_first(items: list[TimelineItem]) -> list[TimelineItem]:
    return sorted(items, key=lambda item: item.at, reverse=True)


# --- examples --------------------------------------------------------------------------------


def test_opening_the_dossier_and_reading_three_entries_is_one_visit() -> None:
    log = newest_first(
        [
            event(0, action=Action.DOSSIER_OPEN),
            event(1, entry="plan"),
            event(2, entry="report"),
            event(4, entry="plan"),  # read again: still three entries
            event(5, entry="talk", action=Action.ENTRY_HISTORY),
        ]
    )
    [visit] = visits(log)
    assert visit.looking and visit.opened and visit.person.actor_name == "Anne"
    assert [e.id for e in visit.entries] == ["plan", "report", "talk"]
    assert visit.section_ids == (CARE,)
    assert (visit.started, visit.ended) == (START, START + timedelta(minutes=5))
    assert visit.files == 0 and not visit.exported


def test_a_pause_longer_than_the_gap_starts_a_new_visit() -> None:
    minutes = GAP.total_seconds() / 60
    log = newest_first(
        [event(0, entry="a"), event(minutes, entry="b"), event(2 * minutes + 1, entry="c")]
    )
    later, earlier = visits(log)
    assert [e.id for e in earlier.entries] == ["a", "b"]  # exactly the gap: the same visit
    assert [e.id for e in later.entries] == ["c"]


def test_two_people_reading_at_the_same_time_are_two_visits() -> None:
    log = newest_first(
        [
            event(0, ANNE, entry="plan"),
            event(1, MARIEKE, entry="story", section=SCHOOL),
            event(2, ANNE, entry="report"),
            event(3, MARIEKE, action=Action.ATTACHMENT_READ),
        ]
    )
    marieke, anne = visits(log)
    assert [e.id for e in anne.entries] == ["plan", "report"]
    assert marieke.person.actor_name == "Marieke" and marieke.section_ids == (SCHOOL,)
    assert marieke.files == 1


def test_a_change_or_a_refusal_is_a_line_of_its_own() -> None:
    log = newest_first(
        [
            event(0, entry="plan"),
            event(1, action=Action.ENTRY_CREATE, entry="new"),
            event(2, entry="secret", outcome=Outcome.DENIED),
            event(3, entry="report"),
        ]
    )
    lines = visits(log)
    assert [len(line.items) for line in lines] == [2, 1, 1]  # the reads, around the others
    assert [line.looking for line in lines] == [True, False, False]
    assert lines[1].person.outcome == Outcome.DENIED


def test_the_readers_own_visits_are_marked_as_hers() -> None:
    log = newest_first([event(0, SANNE, entry="plan"), event(1, ANNE, entry="plan")])
    anne, sanne = visits(log, me=SANNE)
    assert sanne.mine and not anne.mine
    assert not any(visit.mine for visit in visits(log))


def test_a_name_in_a_list_alone_is_not_opening_the_dossier() -> None:
    [visit] = visits([event(0, action=Action.DOSSIER_LIST)])
    assert visit.looking and not visit.opened and visit.entries == ()


# --- properties ------------------------------------------------------------------------------

people = st.sampled_from([ANNE, MARIEKE, SANNE])
actions = st.sampled_from(list(Action))
outcomes = st.sampled_from(list(Outcome))
logs = st.lists(
    st.builds(
        event,
        minute=st.integers(min_value=0, max_value=240),
        who=people,
        action=actions,
        entry=st.sampled_from(["a", "b", "c"]),
        outcome=outcomes,
        section=st.sampled_from([CARE, SCHOOL, None]),
    ),
    max_size=40,
).map(newest_first)


@given(logs, st.sampled_from([ANNE, SANNE, None]))
def test_every_event_is_in_exactly_one_line(log: list[TimelineItem], me: uuid.UUID | None) -> None:
    lines = visits(log, me=me)
    told = [id(item) for line in lines for item in line.items]
    assert sorted(told) == sorted(id(item) for item in log)
    for line in lines:
        assert line.items, "a line without an event"
        assert line.mine == (me is not None and line.person.actor_id == me)


@given(logs)
def test_a_visit_is_one_persons_reads_without_a_long_pause(log: list[TimelineItem]) -> None:
    for line in visits(log):
        if not line.looking:
            assert len(line.items) == 1 and not line.items[0].looking
            continue
        assert all(item.looking for item in line.items)
        assert len({item.actor_id for item in line.items}) == 1
        times = [item.at for item in line.items]
        assert times == sorted(times, reverse=True)
        assert all(newer - older <= GAP for newer, older in pairwise(times))


@given(logs)
def test_reads_close_together_are_never_split(log: list[TimelineItem]) -> None:
    lines = visits(log)
    line_of = {id(item): n for n, line in enumerate(lines) for item in line.items}
    for person in (ANNE, MARIEKE, SANNE):
        reads = sorted(
            (item for item in log if item.looking and item.actor_id == person),
            key=lambda item: item.at,
        )
        for older, newer in pairwise(reads):
            together = line_of[id(older)] == line_of[id(newer)]
            assert together == (newer.at - older.at <= GAP)


@given(logs)
def test_the_newest_visit_comes_first(log: list[TimelineItem]) -> None:
    ends = [line.ended for line in visits(log)]
    assert ends == sorted(ends, reverse=True)


@given(logs)
def test_a_visit_counts_each_entry_once(log: list[TimelineItem]) -> None:
    for line in visits(log):
        ids = [entry.id for entry in line.entries]
        assert len(ids) == len(set(ids))
        read = {
            item.object_id
            for item in line.items
            if item.action in (Action.ENTRY_READ, Action.ENTRY_HISTORY)
        }
        assert set(ids) == (read if line.looking else set())
        assert set(line.section_ids) <= {e.section_id for e in line.entries} - {None}
