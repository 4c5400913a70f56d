"""Who must approve, who may revoke, and what a grant is worth today: the Jeugdwet age rules.

Pure: only the standard library. Age is the subject's age on the day of the decision.
- under 12: one guardian decides;
- 12 to 15: the youth and one guardian both approve (a setting may let the youth decide alone);
- 16 and over: the youth alone. Guardians' ownership then turns into an ordinary grant.
Anyone whose approval is required today may revoke alone, at any time.

Every way into a dossier follows these rules: a share, a share link, a new co-owner, removing an
owner. A guardian may be asked to approve only: her yes counts as a guardian's, for a sharing that
waits, and she never reads the dossier, shares it or stops what runs (that stays with owners).
The family's plan counts as agreed by the same rules: the marks of the relations a sharing needs
today ("I stand behind this plan"), and nobody who marked it saying "I don't".
Destroying cannot be undone, so it asks more: from 12 the young person's own confirmation
(besides a guardian's while the rules want both), and under 12 every guardian who owns the dossier.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

SUBJECT = "subject"
GUARDIAN = "guardian"
CHILD_UNTIL = 12
ADULT_FROM = 16


class Band(StrEnum):
    CHILD = "under 12"
    YOUNG_TEEN = "12 to 15"
    SIXTEEN_PLUS = "16 and over"


class Agreement(StrEnum):
    AGREED = "agreed"
    WAITING = "waiting"
    NOT_AGREED = "not agreed"


class State(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def band(birth_date: date, day: date) -> Band:
    age = age_on(birth_date, day)
    if age < CHILD_UNTIL:
        return Band.CHILD
    if age < ADULT_FROM:
        return Band.YOUNG_TEEN
    return Band.SIXTEEN_PLUS


def sixteenth_birthday(birth_date: date) -> date:
    try:
        return birth_date.replace(year=birth_date.year + ADULT_FROM)
    except ValueError:  # born on 29 February: the birthday falls on 1 March
        return date(birth_date.year + ADULT_FROM, 3, 1)


@dataclass(frozen=True)
class Rules:
    """The one deployment choice the sources leave open: may a youth of 12-15 decide alone?"""

    youth_alone_12_15: bool = False

    def required(self, birth_date: date, day: date) -> frozenset[str]:
        """Whose approvals a grant needs today (one person of each relation listed)."""
        current = band(birth_date, day)
        if current is Band.CHILD:
            return frozenset({GUARDIAN})
        if current is Band.YOUNG_TEEN and not self.youth_alone_12_15:
            return frozenset({SUBJECT, GUARDIAN})
        return frozenset({SUBJECT})

    def may_decide(self, relation: str, birth_date: date, day: date) -> bool:
        """May someone of this relation start, approve or revoke a grant today?"""
        return relation in self.required(birth_date, day)

    def may_revoke(self, relation: str, birth_date: date, day: date) -> bool:
        return self.may_decide(relation, birth_date, day)

    def approved(self, approvals: Iterable[str], birth_date: date, day: date) -> bool:
        """Every required relation has approved (what is approved stays approved)."""
        return self.required(birth_date, day) <= frozenset(approvals)

    def may_ask_approver(self, relation: str, birth_date: date, day: date) -> bool:
        """The young person may ask a parent or guardian to approve only while the rules want a
        guardian's yes besides her own: so she can start without a guardian in the dossier.
        Under 12 a guardian decides as owner; when she decides alone she needs nobody."""
        return relation == SUBJECT and self.required(birth_date, day) == {SUBJECT, GUARDIAN}

    def approver_may_decide(self, grant: State, birth_date: date, day: date) -> bool:
        """An approve-only guardian says yes or no to a sharing that waits, while the rules still
        want a guardian's yes; her yes then counts as GUARDIAN in `approved`, exactly like a
        guardian owner's. Nothing else: no reading, no sharing, no stopping what runs."""
        return grant is State.PENDING and GUARDIAN in self.required(birth_date, day)

    def plan_agreement(
        self, marks: Iterable[tuple[str, bool]], birth_date: date, day: date
    ) -> tuple[Agreement, frozenset[str]]:
        """Whether a version of the plan is agreed, and whose relation's mark it still waits for.

        `marks` holds (relation, agrees) for everyone who marked it: owners by their relation,
        professionals and others as whatever else. From 12 the young person's own yes is required
        (with a guardian's while a sharing would want both); under 12 a guardian's. Anyone's "I
        don't" stops it counting as agreed until they change their mark or the plan changes."""
        given = list(marks)
        if any(not agrees for _relation, agrees in given):
            return Agreement.NOT_AGREED, frozenset()
        waiting = self.required(birth_date, day) - {relation for relation, _agrees in given}
        return (Agreement.WAITING if waiting else Agreement.AGREED), frozenset(waiting)

    def guardians_own(self, birth_date: date, day: date) -> bool:
        """Guardians are owners while the subject is under 16."""
        return band(birth_date, day) is not Band.SIXTEEN_PLUS

    def to_add_owner(self, relation: str, birth_date: date, day: date) -> frozenset[str]:
        """A co-owner reads everything, so whoever decides on sharing decides on them too. The
        young person joining her own dossier needs nobody's leave: it is about her."""
        return frozenset() if relation == SUBJECT else self.required(birth_date, day)

    def to_remove_owner(self, birth_date: date, day: date) -> frozenset[str]:
        return self.required(birth_date, day)

    def removal_needs_the_removed(self, birth_date: date, day: date) -> bool:
        """Under 12 one guardian decides, so one guardian could otherwise push the other out and
        then destroy alone what needs every guardian's yes: there a guardian only steps down."""
        return band(birth_date, day) is Band.CHILD

    def destruction_waits_for(
        self,
        owners: Mapping[str, str],
        confirmed: Iterable[str],
        birth_date: date,
        day: date,
    ) -> frozenset[str]:
        """Who must still confirm a destruction: person ids of owners, or SUBJECT while the young
        person (12 or older) has not joined. `owners` maps each owner to their relation. From 12
        the guardians listed wait as one: any one of them confirming is enough.

        Under 12 every guardian owner confirms, since nobody can take it back. From 12 the young
        person confirms herself, and, while the rules want both, one guardian if there is one."""
        done = frozenset(confirmed)
        guardians = {person for person, relation in owners.items() if relation == GUARDIAN}
        if band(birth_date, day) is Band.CHILD:
            return frozenset(guardians - done)
        subjects = {person for person, relation in owners.items() if relation == SUBJECT}
        waiting: set[str] = set()
        if not subjects:
            waiting.add(SUBJECT)
        elif not subjects & done:
            waiting |= subjects
        if GUARDIAN in self.required(birth_date, day) and guardians and not guardians & done:
            waiting |= guardians
        return frozenset(waiting)


def state(
    *,
    approved: bool,
    revoked_at: datetime | None,
    expires_at: datetime | None,
    now: datetime,
) -> State:
    """A grant's standing at `now`: revoked wins, then the end (to the second), then approval."""
    if revoked_at is not None and revoked_at <= now:
        return State.REVOKED
    if expires_at is not None and expires_at <= now:
        return State.EXPIRED
    return State.ACTIVE if approved else State.PENDING
