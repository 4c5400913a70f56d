"""A person's looking in one go, told as one line of "Who looked?".

The log writes one event per read: opening the dossier, then each entry. A young person asks "who
looked, and at what", so a person's reads in one dossier that follow each other within `GAP` make
one visit ("Anne looked at 3 entries in Care"). Anything that is not a successful read (a change,
a refusal) stays a line of its own: it is something that happened, not part of looking.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from dossier.actions import Action
from dossier.audit import Outcome as Outcome  # named again for the pages, which say it in words
from dossier.models import GrantBasis

# Long enough to read a few entries and come back from a cup of tea; short enough that this
# morning and this afternoon are two visits.
GAP = timedelta(minutes=30)

# Reads that open content of one entry, and reads that show the dossier itself.
ENTRY_READS = (Action.ENTRY_READ, Action.ENTRY_HISTORY)
OPENS = (Action.DOSSIER_OPEN, Action.ENTRY_LIST)


@dataclass(frozen=True)
class TimelineItem:
    """One event of a dossier's log as its owner reads it (titles opened with her keys)."""

    at: datetime
    actor_id: uuid.UUID | None
    actor_name: str
    actor_role: str | None
    organisation: str | None
    action: str
    object_type: str | None
    object_id: str | None
    title: str | None
    outcome: str
    section_id: uuid.UUID | None = None  # the entry's section, for an event about an entry
    basis: str | None = None  # the GrantBasis of the grant it was done under, if any

    @property
    def emergency(self) -> bool:
        """Done under a grant that emergency officers opened: shown in red words."""
        return self.basis == GrantBasis.EMERGENCY

    @property
    def by_law(self) -> bool:
        """Done under a grant on a legal basis: shown with those words, not in red."""
        return self.basis == GrantBasis.LEGAL

    @property
    def looking(self) -> bool:
        action = Action.of(self.action)
        return action is not None and action.counts_as_read and self.outcome == Outcome.SUCCESS


@dataclass(frozen=True)
class SeenEntry:
    id: str
    title: str | None  # None: the entry is gone, or its text could not be opened
    section_id: uuid.UUID | None


@dataclass(frozen=True)
class Visit:
    """One line of "Who looked?": a person's reads in one go, or one other event alone."""

    items: tuple[TimelineItem, ...]  # newest first, never empty
    mine: bool = False  # done by the person reading the log

    @property
    def looking(self) -> bool:
        return self.items[0].looking

    @property
    def emergency(self) -> bool:
        """Some of it was done under emergency access: the page says so in red words."""
        return any(item.emergency for item in self.items)

    @property
    def by_law(self) -> bool:
        """Some of it was done under access on a legal basis: the page says so."""
        return any(item.by_law for item in self.items)

    @property
    def person(self) -> TimelineItem:
        """Who, with their name and role as the newest event of the visit has them."""
        return self.items[0]

    @property
    def started(self) -> datetime:
        return self.items[-1].at

    @property
    def ended(self) -> datetime:
        return self.items[0].at

    @property
    def entries(self) -> tuple[SeenEntry, ...]:
        """Each entry read, once, in the order they were first read; none for a refusal."""
        if not self.looking:
            return ()
        seen: dict[str, SeenEntry] = {}
        for item in reversed(self.items):
            if item.action in ENTRY_READS and item.object_id and item.object_id not in seen:
                seen[item.object_id] = SeenEntry(item.object_id, item.title, item.section_id)
        return tuple(seen.values())

    @property
    def section_ids(self) -> tuple[uuid.UUID, ...]:
        return tuple(dict.fromkeys(e.section_id for e in self.entries if e.section_id))

    @property
    def files(self) -> int:
        return len({item.object_id for item in self.items if item.action == Action.ATTACHMENT_READ})

    @property
    def exported(self) -> bool:
        return any(item.action == Action.DOSSIER_EXPORT for item in self.items)

    @property
    def opened(self) -> bool:
        """The dossier's page or list of entries was open (not only its name in a list)."""
        return any(item.action in OPENS for item in self.items)


def visits(
    items: Sequence[TimelineItem], me: uuid.UUID | None = None, gap: timedelta = GAP
) -> list[Visit]:
    """`items` of one dossier, newest first as the log is read, told as visits, newest first.

    A person's successful reads belong to one visit while each follows her previous read within
    `gap`, whatever others did in between; every other event is a visit of its own."""
    done: list[Visit] = []
    going: dict[uuid.UUID | None, list[TimelineItem]] = {}

    def close(reads: Iterable[TimelineItem]) -> None:
        newest_first = tuple(reversed(list(reads)))
        done.append(Visit(newest_first, mine=me is not None and newest_first[0].actor_id == me))

    for item in reversed(items):  # oldest first
        if not item.looking:
            done.append(Visit((item,), mine=me is not None and item.actor_id == me))
            continue
        reads = going.get(item.actor_id)
        if reads and item.at - reads[-1].at <= gap:
            reads.append(item)
            continue
        if reads:
            close(reads)
        going[item.actor_id] = [item]
    for reads in going.values():
        close(reads)
    # Newest first; a stable sort keeps the log's own order for visits that end together.
    return sorted(done, key=lambda visit: visit.ended, reverse=True)
