"""The consent rules, from a table: ages 11, 12, 15, 16 and the birthday itself."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dossier.consent import (
    GUARDIAN,
    SUBJECT,
    Agreement,
    Band,
    Rules,
    State,
    band,
    sixteenth_birthday,
    state,
)

TODAY = date(2026, 11, 22)


def born_years_ago(years: int, days_extra: int = 0) -> date:
    return TODAY.replace(year=TODAY.year - years) - timedelta(days=days_extra)


@pytest.mark.parametrize(
    ("birth_date", "expected_band", "required", "required_youth_alone"),
    [
        (born_years_ago(11, 100), Band.CHILD, {GUARDIAN}, {GUARDIAN}),
        (born_years_ago(12) + timedelta(days=1), Band.CHILD, {GUARDIAN}, {GUARDIAN}),  # 12 tomorrow
        (born_years_ago(12), Band.YOUNG_TEEN, {SUBJECT, GUARDIAN}, {SUBJECT}),  # 12 today
        (born_years_ago(15, 200), Band.YOUNG_TEEN, {SUBJECT, GUARDIAN}, {SUBJECT}),
        (born_years_ago(16) + timedelta(days=1), Band.YOUNG_TEEN, {SUBJECT, GUARDIAN}, {SUBJECT}),
        (born_years_ago(16), Band.SIXTEEN_PLUS, {SUBJECT}, {SUBJECT}),  # the birthday itself
        (born_years_ago(17), Band.SIXTEEN_PLUS, {SUBJECT}, {SUBJECT}),
    ],
)
def test_who_must_approve_by_age(birth_date, expected_band, required, required_youth_alone) -> None:
    assert band(birth_date, TODAY) is expected_band
    assert Rules().required(birth_date, TODAY) == required
    assert Rules(youth_alone_12_15=True).required(birth_date, TODAY) == required_youth_alone
    for relation in (SUBJECT, GUARDIAN):
        assert Rules().may_revoke(relation, birth_date, TODAY) is (relation in required)
    assert Rules().guardians_own(birth_date, TODAY) is (expected_band is not Band.SIXTEEN_PLUS)


@pytest.mark.parametrize(
    ("age", "approvals", "approved"),
    [
        (11, [], False),
        (11, [GUARDIAN], True),
        (11, [SUBJECT], False),
        (14, [GUARDIAN], False),
        (14, [SUBJECT], False),
        (14, [SUBJECT, GUARDIAN], True),
        (14, [GUARDIAN, GUARDIAN], False),  # two guardians do not replace the youth
        (16, [GUARDIAN], False),
        (16, [SUBJECT], True),
    ],
)
def test_when_a_grant_is_approved(age: int, approvals: list[str], approved: bool) -> None:
    assert Rules().approved(approvals, born_years_ago(age, 10), TODAY) is approved


PROFESSIONAL = "grantee"


@pytest.mark.parametrize(
    ("age", "marks", "expected", "waiting"),
    [
        (11, [], Agreement.WAITING, {GUARDIAN}),
        (11, [(GUARDIAN, True)], Agreement.AGREED, set()),
        (11, [(SUBJECT, True)], Agreement.WAITING, {GUARDIAN}),  # heard, but not required yet
        (11, [(GUARDIAN, True), (SUBJECT, False)], Agreement.NOT_AGREED, set()),
        (12, [(GUARDIAN, True)], Agreement.WAITING, {SUBJECT}),  # from 12 her yes is required
        (14, [(SUBJECT, True), (GUARDIAN, True)], Agreement.AGREED, set()),
        (14, [(SUBJECT, True), (GUARDIAN, True), (PROFESSIONAL, True)], Agreement.AGREED, set()),
        (14, [(SUBJECT, False), (GUARDIAN, True)], Agreement.NOT_AGREED, set()),
        (
            14,
            [(SUBJECT, True), (GUARDIAN, True), (PROFESSIONAL, False)],
            Agreement.NOT_AGREED,
            set(),
        ),
        (14, [(PROFESSIONAL, True)], Agreement.WAITING, {SUBJECT, GUARDIAN}),
        (16, [(SUBJECT, True)], Agreement.AGREED, set()),
        (16, [(GUARDIAN, True)], Agreement.WAITING, {SUBJECT}),
    ],
)
def test_when_a_plan_counts_as_agreed(
    age: int, marks: list[tuple[str, bool]], expected: Agreement, waiting: set[str]
) -> None:
    assert Rules().plan_agreement(marks, born_years_ago(age, 10), TODAY) == (expected, waiting)


def test_a_plan_follows_the_youth_alone_setting() -> None:
    fourteen = born_years_ago(14, 10)
    assert Rules(youth_alone_12_15=True).plan_agreement([(SUBJECT, True)], fourteen, TODAY) == (
        Agreement.AGREED,
        set(),
    )


def test_youth_alone_setting_only_changes_the_12_to_15_band() -> None:
    rules = Rules(youth_alone_12_15=True)
    assert rules.approved([SUBJECT], born_years_ago(13), TODAY)
    assert not rules.approved([SUBJECT], born_years_ago(11), TODAY)
    assert rules.approved([GUARDIAN], born_years_ago(11), TODAY)
    assert not rules.may_revoke(GUARDIAN, born_years_ago(13), TODAY)


NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("approved", "revoked_at", "expires_at", "expected"),
    [
        (False, None, None, State.PENDING),
        (True, None, None, State.ACTIVE),
        (True, None, NOW + timedelta(seconds=1), State.ACTIVE),
        (True, None, NOW, State.EXPIRED),  # to the second
        (True, None, NOW - timedelta(days=1), State.EXPIRED),
        (False, None, NOW - timedelta(days=1), State.EXPIRED),
        (True, NOW - timedelta(seconds=1), None, State.REVOKED),
        (True, NOW - timedelta(seconds=1), NOW - timedelta(days=1), State.REVOKED),
        (True, NOW + timedelta(days=1), None, State.ACTIVE),
    ],
)
def test_grant_state(approved, revoked_at, expires_at, expected) -> None:
    assert (
        state(approved=approved, revoked_at=revoked_at, expires_at=expires_at, now=NOW) is expected
    )


def test_sixteenth_birthday_including_leap_day() -> None:
    assert sixteenth_birthday(date(2010, 6, 3)) == date(2026, 6, 3)
    assert sixteenth_birthday(date(2008, 2, 29)) == date(2024, 2, 29)
    assert sixteenth_birthday(date(2012, 2, 29)) == date(2028, 2, 29)
    assert sixteenth_birthday(date(2011, 2, 28)) == date(2027, 2, 28)
    assert sixteenth_birthday(date(2012, 2, 29)).year == 2028
    assert band(date(2008, 2, 29), date(2024, 2, 28)) is Band.YOUNG_TEEN


@pytest.mark.parametrize(
    ("age", "relation", "needed", "needed_youth_alone"),
    [
        (9, GUARDIAN, {GUARDIAN}, {GUARDIAN}),
        (14, GUARDIAN, {SUBJECT, GUARDIAN}, {SUBJECT}),
        (14, SUBJECT, set(), set()),  # the young person joining her own dossier
        (17, SUBJECT, set(), set()),
    ],
)
def test_a_new_owner_needs_the_same_yes_as_a_share(
    age, relation, needed, needed_youth_alone
) -> None:
    birth = born_years_ago(age, 30)
    assert Rules().to_add_owner(relation, birth, TODAY) == needed
    assert Rules(youth_alone_12_15=True).to_add_owner(relation, birth, TODAY) == needed_youth_alone
    assert Rules().to_remove_owner(birth, TODAY) == Rules().required(birth, TODAY)


MOTHER, FATHER, YOUTH = "mother", "father", "youth"
PARENTS = {MOTHER: GUARDIAN, FATHER: GUARDIAN}
FAMILY = {**PARENTS, YOUTH: SUBJECT}


@pytest.mark.parametrize(
    ("age", "owners", "confirmed", "waiting", "waiting_youth_alone"),
    [
        (9, PARENTS, [MOTHER], {FATHER}, {FATHER}),  # under 12: every guardian
        (9, PARENTS, [MOTHER, FATHER], set(), set()),
        (9, {MOTHER: GUARDIAN}, [MOTHER], set(), set()),
        (13, PARENTS, [MOTHER, FATHER], {SUBJECT}, {SUBJECT}),  # she has not joined
        (14, FAMILY, [MOTHER], {YOUTH}, {YOUTH}),
        (14, FAMILY, [YOUTH], {MOTHER, FATHER}, set()),  # one of the guardians
        (14, FAMILY, [YOUTH, FATHER], set(), set()),
        (14, {YOUTH: SUBJECT}, [YOUTH], set(), set()),  # nobody else to ask
        (16, FAMILY, [MOTHER, FATHER], {YOUTH}, {YOUTH}),
        (16, FAMILY, [YOUTH], set(), set()),
    ],
)
def test_who_must_confirm_a_destruction(
    age, owners, confirmed, waiting, waiting_youth_alone
) -> None:
    birth = born_years_ago(age, 30)
    assert Rules().destruction_waits_for(owners, confirmed, birth, TODAY) == waiting
    alone = Rules(youth_alone_12_15=True)
    assert alone.destruction_waits_for(owners, confirmed, birth, TODAY) == waiting_youth_alone


@pytest.mark.parametrize(
    ("age", "youth_alone", "subject_may_ask", "guardian_may_ask"),
    [
        (11, False, False, False),  # a guardian decides as owner
        (12, False, True, False),
        (14, False, True, False),
        (15, False, True, False),
        (14, True, False, False),  # the setting lets her decide alone: nobody to ask
        (16, False, False, False),
    ],
)
def test_who_may_ask_a_guardian_to_approve_only(
    age: int, youth_alone: bool, subject_may_ask: bool, guardian_may_ask: bool
) -> None:
    rules, born = Rules(youth_alone_12_15=youth_alone), born_years_ago(age, 30)
    assert rules.may_ask_approver(SUBJECT, born, TODAY) is subject_may_ask
    assert rules.may_ask_approver(GUARDIAN, born, TODAY) is guardian_may_ask


@pytest.mark.parametrize(
    ("age", "grant", "may"),
    [
        (14, State.PENDING, True),
        (14, State.ACTIVE, False),  # stopping what runs stays with owners
        (14, State.REVOKED, False),
        (14, State.EXPIRED, False),
        (11, State.PENDING, True),  # a guardian's yes is what an 11-year-old's sharing needs
        (16, State.PENDING, False),  # from 16 a guardian has no say
    ],
)
def test_what_an_approve_only_guardian_may_decide(age: int, grant: State, may: bool) -> None:
    assert Rules().approver_may_decide(grant, born_years_ago(age, 30), TODAY) is may


@pytest.mark.parametrize("age", [11, 14, 16])
def test_an_approvers_yes_counts_as_a_guardians(age: int) -> None:
    """Her yes is recorded as GUARDIAN, so `approved` cannot tell it from a guardian owner's."""
    born = born_years_ago(age, 30)
    rules = Rules()
    assert rules.approved([SUBJECT, GUARDIAN], born, TODAY) is True
    assert rules.approved([SUBJECT], born, TODAY) is (age >= 16)
    needs_guardian = GUARDIAN in rules.required(born, TODAY)
    assert rules.approver_may_decide(State.PENDING, born, TODAY) is needs_guardian
