"""Random sequences of share, approve, revoke, time passing, a 16th birthday, writing and reading
entries, writing, marking and reading the family's plan, and the other ways into a dossier (asking
the owners for access, emergency access opened by officers, access on a legal basis), held against
a small reference model of who may read and write what and of where each version of the plan
stands. The service must never allow what the model forbids, nor forbid what it allows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from dossier.days import LOCAL
from dossier.errors import AccessDenied, Conflict, InvalidInput, NotFound
from dossier.keys import load_keys
from dossier.models import SessionKind
from dossier.services import (
    access_requests,
    accounts,
    dossiers,
    emergency,
    entries,
    legal_basis,
    ownership,
    plans,
    sessions,
    sharing,
)
from dossier.services.context import Context
from tests.conftest import PASSWORD, wipe

GRANTEES = ("pro", "aunt")
PEOPLE = ("youth", "guardian", "pro", "aunt")
OFFICERS = ("admin", "auditor", "lead")  # two of them open an emergency or a legal grant
THRESHOLD = 2
SECTIONS = ("care", "school")
REFUSED = (AccessDenied, NotFound)  # the model says which of the two is right (`Model.refusal`)
REQUEST_HOURS = 14 * 24  # a request no owner answered ends after 14 days
APPROVE_HOURS = 24  # officers have a day to say yes


@dataclass
class ModelGrant:
    sections: frozenset[str]
    permission: str
    approvals: set[str]
    status: str  # pending, active, revoked, expired
    ends_at_hour: int | None
    grant_id: object = None
    basis: str = "consent"  # consent, ownership, emergency, legal
    ends_at: datetime | None = None  # a legal grant ends with a day in the Netherlands


@dataclass
class ModelRequest:
    """Someone asked the owners for access; an owner it reached says yes (a share) or no."""

    asker: str
    sections: frozenset[str]
    permission: str
    months: int
    # The owners it reaches; None: every deciding owner (by code, or once answered).
    reaches: frozenset[str] | None
    asked_at_hour: int
    request_id: object
    status: str = "waiting"  # waiting, approved, refused

    def waiting(self, hour: int) -> bool:
        return self.status == "waiting" and hour < self.asked_at_hour + REQUEST_HOURS


@dataclass
class ModelOpening:
    """An emergency request or a legal record: it opens when `THRESHOLD` officers said yes."""

    kind: str  # emergency, legal
    grantee: str
    sections: frozenset[str]
    filed_at_hour: int
    officers: set[str]
    opening_id: object
    hours: int = 0  # an emergency lasts this long from its opening
    ends_at: datetime | None = None  # a legal grant ends with its day
    status: str = "waiting"  # waiting, opened

    def waiting(self, hour: int) -> bool:
        return self.status == "waiting" and hour < self.filed_at_hour + APPROVE_HOURS


@dataclass
class ModelVersion:
    status: str = "proposed"  # proposed, current, replaced, set_aside
    marks: dict[str, tuple[str, bool]] = field(default_factory=dict)  # who: (relation, yes)


PLAN_SECTION = "care"  # a dossier's first plan lives in Care


@dataclass
class Model:
    hour: int = 0
    hours_to_birthday: float = 24 * 10  # set from the real clock: the rules count calendar days
    grants: dict[str, ModelGrant] = field(default_factory=dict)
    plan: list[ModelVersion] = field(default_factory=list)
    requests: list[ModelRequest] = field(default_factory=list)
    openings: list[ModelOpening] = field(default_factory=list)

    @property
    def sixteen(self) -> bool:
        return self.hour >= self.hours_to_birthday

    def required(self) -> set[str]:
        return {"subject"} if self.sixteen else {"subject", "guardian"}

    def relation(self, who: str) -> str | None:
        if who == "youth":
            return "subject"
        if who == "guardian" and not self.sixteen:
            return "guardian"
        return None

    def decides(self, who: str) -> bool:
        return self.relation(who) in self.required()

    def reached(self, request: ModelRequest, who: str) -> bool:
        return request.reaches is None or who in request.reaches

    def officers_say(self, opening: ModelOpening, officer: str) -> type[Exception] | None:
        """What an officer's yes comes to: None when it counts, or the error it meets. The yes
        that would open it is refused, and not counted, while the grantee has access already."""
        if not opening.waiting(self.hour) or officer in opening.officers:
            return Conflict
        if len(opening.officers) + 1 >= THRESHOLD and self.live(opening.grantee) is not None:
            return Conflict
        return None

    def settle(self) -> None:
        """An owner's change to who may look starts the grants whose approvals suffice by today's
        rules (after the 16th birthday); a look never does."""
        for grant in self.grants.values():
            if grant.status == "pending" and self.required() <= grant.approvals:
                grant.status = "active"

    def live(self, who: str) -> ModelGrant | None:
        grant = self.grants.get(who)
        return grant if grant and grant.status in ("pending", "active") else None

    def can_read(self, who: str, section: str) -> bool:
        if self.relation(who):
            return True
        grant = self.grants.get(who)
        return bool(grant and grant.status == "active" and section in grant.sections)

    def without_consent(self) -> set[tuple[str, str]]:
        """What owners see on "Who may look?" of the access they did not give: basis, grantee."""
        return {
            (grant.basis, who)
            for who, grant in self.grants.items()
            if grant.status == "active" and grant.basis in ("emergency", "legal")
        }

    def known(self, who: str) -> bool:
        """An owner, or a grantee whose grant is in force: whoever may know the dossier exists."""
        grant = self.grants.get(who)
        return self.relation(who) is not None or bool(grant and grant.status == "active")

    def refusal(self, who: str) -> type[Exception]:
        """Someone who may know the dossier exists is refused (403); anyone else is told it is
        not there (404)."""
        return AccessDenied if self.known(who) else NotFound

    def writing(self, who: str, section: str) -> type[Exception] | None:
        """What writing an entry comes to: None when it is written, or the error it meets."""
        if not self.known(who):
            return NotFound
        if self.relation(who):
            return None
        grant = self.grants[who]
        if grant.permission != "contribute" or who != "pro":
            return AccessDenied
        if section not in grant.sections:
            return NotFound  # a section the grantee cannot see is absent to them, and logged
        return None

    def plan_refusal(self, who: str) -> type[Exception] | None:
        """Whoever cannot read Care is told there is no plan; whoever can may read it."""
        if not self.known(who) or not self.can_read(who, PLAN_SECTION):
            return NotFound
        return None

    def plan_writing(self, who: str) -> type[Exception] | None:
        refused = self.plan_refusal(who)
        if refused or self.relation(who):
            return refused
        return None if self.grants[who].permission == "contribute" else AccessDenied

    def plan_marking(self, who: str) -> type[Exception] | None:
        refused = self.plan_refusal(who)
        if refused or self.relation(who):
            return refused
        grant = self.grants.get(who)
        # Those who look in an emergency or by law read the plan but do not mark it.
        without_consent = grant is not None and grant.basis in ("emergency", "legal")
        if who == "pro" and not without_consent:
            return None
        return AccessDenied

    def mark(self, who: str, yes: bool) -> None:
        """A mark on the newest version; it becomes the plan when agreed by today's rules."""
        number = len(self.plan)
        version = self.plan[-1]
        version.marks[who] = (self.relation(who) or "other", yes)
        # Only the marks of people on the plan today count: a sharing that ended ends its say.
        given = [m for person, m in version.marks.items() if self.can_read(person, PLAN_SECTION)]
        agreed = all(ok for _relation, ok in given) and self.required() <= {
            relation for relation, ok in given if ok
        }
        if agreed and version.status == "proposed":
            for index, other in enumerate(self.plan[:-1], start=1):
                if other.status == "current":
                    other.status = "replaced"
                elif other.status == "proposed" and index < number:
                    other.status = "set_aside"
            version.status = "current"


class SharingMachine(RuleBasedStateMachine):
    ctx: Context
    engine: object
    clock: object

    @initialize(
        door=st.sampled_from(("nobody", "asks", "emergency", "legal")),
        asker=st.sampled_from(GRANTEES),
        sections=st.sets(st.sampled_from(SECTIONS), min_size=1),
        answered=st.lists(st.sampled_from(OFFICERS), max_size=THRESHOLD, unique=True),
        owner=st.sampled_from((None, "youth", "guardian")),
    )
    def set_up(
        self,
        door: str,
        asker: str,
        sections: set[str],
        answered: list[str],
        owner: str | None,
    ) -> None:
        wipe(self.engine)
        self.clock.offset = timedelta()
        ctx = self.ctx
        self.model = Model()
        today = ctx.now().date()
        birth = today.replace(year=today.year - 16) + timedelta(days=10)
        birthday_starts = datetime.combine(today + timedelta(days=10), time(0), tzinfo=UTC)
        self.model.hours_to_birthday = (birthday_starts - ctx.now()).total_seconds() / 3600
        accounts.register(
            ctx, accounts.NewAccount("youth@m.nl", PASSWORD, "Youth", "youth", birth_date=birth)
        )
        accounts.register(ctx, accounts.NewAccount("guardian@m.nl", PASSWORD, "Guardian", "parent"))
        accounts.register(ctx, accounts.NewAccount("aunt@m.nl", PASSWORD, "Aunt", "parent"))
        accounts.register(
            ctx,
            accounts.NewAccount(
                "pro@m.nl",
                PASSWORD,
                "Pro",
                "professional",
                organisation="JT",
                registration_number="123456",
            ),
        )
        accounts.register(
            ctx,
            accounts.NewAccount(
                "lead@m.nl",
                PASSWORD,
                "Lead",
                "professional",
                organisation="Crisisdienst",
                registration_number="654321",
            ),
        )
        accounts.create_staff(ctx, accounts.NewAccount("admin@m.nl", PASSWORD, "Admin", "admin"))
        accounts.create_staff(
            ctx, accounts.NewAccount("auditor@m.nl", PASSWORD, "Auditor", "auditor")
        )
        self.actors = {name: self._login(name) for name in [*PEOPLE, *OFFICERS]}
        for checked in ("pro", "lead"):
            accounts.verify_professional(ctx, self.actors["admin"], self.actors[checked].user_id)
            self.actors[checked] = self._login(checked)
        # Before the dossier, so that each of its keys is sealed to the emergency key at birth.
        emergency.create_key(ctx, [f"{name}@m.nl" for name in OFFICERS], threshold=THRESHOLD)
        youth = self.actors["youth"]
        dossier = dossiers.create_dossier(ctx, youth, "Youth", None, for_self=True)
        self.code = access_requests.new_request_code(ctx, youth, dossier.id)
        ownership.join(
            ctx,
            self.actors["guardian"],
            ownership.invite_owner(ctx, youth, dossier.id, "guardian").code,
        )
        self.dossier_id = dossier.id
        self.sections = {
            name: next(s.id for s in dossier.sections if s.default_name == name)
            for name in SECTIONS
        }
        for name, section_id in self.sections.items():
            entries.write_entry(ctx, youth, dossier.id, section_id, f"About {name}", "Text", "note")
        # A first proposal, so that marks have something to land on from the first step.
        first = plans.Goal(uuid.uuid4(), "Goal of youth")
        plans.propose_plan(ctx, youth, dossier.id, plans.PlanDocument(goals=(first,)))
        self.model.plan.append(ModelVersion())
        # Someone may be at the door from the start, and be answered: each way in takes a few
        # steps to open, and what follows an opening is what the model is for.
        if door == "asks":
            self.ask(asker, "code", sections, "read", 1)
            if owner:
                self.decide(0, owner, True)
        elif door in ("emergency", "legal"):
            if door == "emergency":
                self.file_emergency("pro", sections, 12)
            else:
                self.record_legal("pro", "lead", sections, 1)
            if answered:
                self.officers_say_yes(0, answered)

    def _login(self, name: str):
        ticket = sessions.log_in(self.ctx, f"{name}@m.nl", PASSWORD, SessionKind.API)
        return sessions.authenticate(self.ctx, ticket.token, SessionKind.API)

    @rule(
        grantee=st.sampled_from(GRANTEES),
        by=st.sampled_from(("youth", "guardian")),
        sections=st.sets(st.sampled_from(SECTIONS), min_size=1),
        permission=st.sampled_from(("read", "contribute")),
        hours=st.one_of(st.none(), st.integers(min_value=1, max_value=72)),
    )
    def share(
        self, grantee: str, by: str, sections: set[str], permission: str, hours: int | None
    ) -> None:
        model = self.model
        expires = self.ctx.now() + timedelta(hours=hours) - timedelta(seconds=1) if hours else None
        try:
            shared = sharing.share(
                self.ctx,
                self.actors[by],
                self.dossier_id,
                grantee_email=f"{grantee}@m.nl",
                section_ids=[self.sections[s] for s in sections],
                permission=permission,
                expires_at=expires,
            )
        except REFUSED as refused:
            assert not model.decides(by) and type(refused) is model.refusal(by)
            return
        except InvalidInput:
            assert model.decides(by) and model.live(grantee) is not None
            return
        assert model.decides(by) and model.live(grantee) is None
        approvals = {model.relation(by)}
        status = "active" if model.required() <= approvals else "pending"
        model.grants[grantee] = ModelGrant(
            frozenset(sections),
            permission,
            approvals,
            status,
            model.hour + hours if hours else None,
            shared.grant_id,
        )
        assert shared.status == status
        model.settle()

    @rule(grantee=st.sampled_from(GRANTEES), by=st.sampled_from(("youth", "guardian")))
    def approve(self, grantee: str, by: str) -> None:
        model = self.model
        grant = model.grants.get(grantee)
        if grant is None:
            return
        try:
            status = sharing.approve(self.ctx, self.actors[by], self.dossier_id, grant.grant_id)
        except REFUSED as refused:
            assert not model.decides(by) and type(refused) is model.refusal(by)
            return
        except Conflict:
            assert grant.status != "pending"
            return
        assert model.decides(by) and grant.status == "pending"
        grant.approvals.add(model.relation(by))
        if model.required() <= grant.approvals:
            grant.status = "active"
        assert status == grant.status
        model.settle()

    @rule(
        grantee=st.sampled_from((*GRANTEES, "guardian")), by=st.sampled_from(("youth", "guardian"))
    )
    def revoke(self, grantee: str, by: str) -> None:
        model = self.model
        grant = model.grants.get(grantee)
        if grant is None:
            return
        try:
            sharing.revoke(self.ctx, self.actors[by], self.dossier_id, grant.grant_id)
        except REFUSED as refused:
            assert not model.decides(by) and type(refused) is model.refusal(by)
            return
        except Conflict:
            assert grant.status in ("revoked", "expired") or grant.basis == "legal"
            return
        assert model.decides(by) and grant.status in ("pending", "active")
        assert grant.basis != "legal"  # the law gives it, not the owners' consent
        grant.status = "revoked"
        model.settle()

    @rule(hours=st.integers(min_value=1, max_value=100))
    def time_passes(self, hours: int) -> None:
        model = self.model
        was_sixteen = model.sixteen
        model.hour += hours
        self.clock.advance(hours=hours)
        now = self.ctx.now()
        for grant in model.grants.values():
            if grant.status in ("pending", "active") and (
                (grant.ends_at_hour is not None and grant.ends_at_hour <= model.hour)
                or (grant.ends_at is not None and grant.ends_at <= now)
            ):
                grant.status = "expired"
        if model.sixteen and not was_sixteen:
            # The guardian's ownership turns into a grant on all sections. Pending grants the
            # youth approved now have approval enough; they start at her next change to who may
            # look (`Model.settle`), not at this look.
            model.grants["guardian"] = ModelGrant(
                frozenset(SECTIONS), "contribute", set(), "active", None, basis="ownership"
            )
            overview = sharing.overview(self.ctx, self.actors["youth"], self.dossier_id)
            converted = next(g for g in overview.grants if g.basis == "ownership")
            model.grants["guardian"].grant_id = converted.id

    # --- asking the owners for access ---------------------------------------------------------

    @rule(
        asker=st.sampled_from(GRANTEES),
        via=st.sampled_from(("code", "youth", "guardian")),
        sections=st.sets(st.sampled_from(SECTIONS), min_size=1),
        permission=st.sampled_from(("read", "contribute")),
        months=st.sampled_from(access_requests.MONTHS),
    )
    def ask(self, asker: str, via: str, sections: set[str], permission: str, months: int) -> None:
        model = self.model
        request_id = access_requests.ask(
            self.ctx,
            self.actors[asker],
            code=self.code if via == "code" else None,
            owner_email=None if via == "code" else f"{via}@m.nl",
            sections=sorted(sections),
            permission=permission,
            months=months,
            purpose="Ik wil meekijken.",
        )
        # By code it reaches the dossier; by address, that owner only while she owns a dossier.
        reaches = None if via == "code" else frozenset({via} if model.relation(via) else ())
        model.requests.append(
            ModelRequest(
                asker, frozenset(sections), permission, months, reaches, model.hour, request_id
            )
        )

    @precondition(lambda self: self.model.requests)
    @rule(
        pick=st.integers(min_value=0, max_value=7),
        by=st.sampled_from(("youth", "guardian")),
        yes=st.booleans(),
    )
    def decide(self, pick: int, by: str, yes: bool) -> None:
        model = self.model
        request = model.requests[pick % len(model.requests)]
        try:
            shared = access_requests.decide(
                self.ctx, self.actors[by], self.dossier_id, request.request_id, approve=yes
            )
        except REFUSED as refused:
            if model.decides(by):
                assert type(refused) is NotFound and not model.reached(request, by), request
            else:
                assert type(refused) is model.refusal(by)
            return
        except Conflict:
            assert model.decides(by) and model.reached(request, by)
            assert not request.waiting(model.hour), request
            return
        except InvalidInput:
            assert yes and model.decides(by) and model.live(request.asker) is not None
            return
        assert model.decides(by) and model.reached(request, by) and request.waiting(model.hour)
        # Answered, it is this dossier's: every deciding owner meets it from now on, as answered.
        request.reaches = None
        if not yes:
            request.status = "refused"
            assert shared is None
            return
        # A yes is a share by this owner: the same consent rules, the same approvals.
        assert shared is not None and model.live(request.asker) is None
        request.status = "approved"
        approvals = {model.relation(by)}
        status = "active" if model.required() <= approvals else "pending"
        model.grants[request.asker] = ModelGrant(
            request.sections,
            request.permission,
            approvals,
            status,
            model.hour + 30 * 24 * request.months,
            shared.grant_id,
        )
        assert shared.status == status
        model.settle()

    # --- emergency access and access on a legal basis -----------------------------------------

    @rule(
        who=st.sampled_from(GRANTEES),
        sections=st.sets(st.sampled_from(SECTIONS), min_size=1),
        hours=st.integers(min_value=1, max_value=emergency.MAX_HOURS),
    )
    def file_emergency(self, who: str, sections: set[str], hours: int) -> None:
        model = self.model
        try:
            filed = emergency.file_request(
                self.ctx,
                self.actors[who],
                self.dossier_id,
                [self.sections[s] for s in sorted(sections)],
                "Crisis vannacht",
                hours,
            )
        except AccessDenied:
            assert who != "pro"  # only a checked professional
            return
        except Conflict:
            assert who == "pro" and model.live(who) is not None
            return
        assert who == "pro" and model.live(who) is None and filed.status == "waiting"
        model.openings.append(
            ModelOpening("emergency", who, frozenset(sections), model.hour, set(), filed.id, hours)
        )

    @rule(
        grantee=st.sampled_from(GRANTEES),
        officer=st.sampled_from(OFFICERS),
        sections=st.sets(st.sampled_from(SECTIONS), min_size=1),
        days=st.integers(min_value=0, max_value=3),
    )
    def record_legal(self, grantee: str, officer: str, sections: set[str], days: int) -> None:
        model = self.model
        until = self.ctx.now().astimezone(LOCAL).date() + timedelta(days=days)
        try:
            recorded = legal_basis.record(
                self.ctx,
                self.actors[officer],
                self.dossier_id,
                f"{grantee}@m.nl",
                [self.sections[s] for s in sorted(sections)],
                until,
                "child_protection",
                "Rb. Utrecht C/16/512345",
                password=PASSWORD,
            )
        except InvalidInput:
            assert grantee != "pro"  # only a checked professional
            return
        except Conflict:
            assert grantee == "pro" and model.live(grantee) is not None
            return
        assert grantee == "pro" and model.live(grantee) is None and recorded.status == "waiting"
        ends_at = datetime.combine(until + timedelta(days=1), time(), tzinfo=LOCAL)
        model.openings.append(
            ModelOpening(
                "legal",
                grantee,
                frozenset(sections),
                model.hour,
                {officer},  # her record is her yes
                recorded.id,
                ends_at=ends_at,
            )
        )

    @precondition(lambda self: self.model.openings)
    @rule(
        pick=st.integers(min_value=0, max_value=7),
        officers=st.lists(st.sampled_from(OFFICERS), min_size=1, max_size=THRESHOLD),
    )
    def officers_say_yes(self, pick: int, officers: list[str]) -> None:
        """One officer's yes, or two in a row (the same one twice, too)."""
        model = self.model
        opening = model.openings[pick % len(model.openings)]
        for officer in officers:
            self._officer_says_yes(opening, officer)

    def _officer_says_yes(self, opening: ModelOpening, officer: str) -> None:
        model = self.model
        actor = self.actors[officer]
        try:
            if opening.kind == "emergency":
                said = emergency.approve_request(
                    self.ctx, actor, opening.opening_id, password=PASSWORD
                )
            else:
                said = legal_basis.approve(self.ctx, actor, opening.opening_id, password=PASSWORD)
        except Conflict:
            assert model.officers_say(opening, officer) is Conflict, (officer, opening, model)
            return
        assert model.officers_say(opening, officer) is None, (officer, opening, model)
        opening.officers.add(officer)
        if len(opening.officers) < THRESHOLD:
            assert said.status == "waiting" and said.grant_id is None
            return
        assert said.status == "opened" and said.grant_id is not None
        opening.status = "opened"
        # Read only, exactly the sections asked for, without the owners: they cannot hold it
        # back (it starts at once) and see it on "Who may look?".
        # Opened after its last day, legal access has already ended: nobody sees it.
        ended = opening.ends_at is not None and opening.ends_at <= self.ctx.now()
        model.grants[opening.grantee] = ModelGrant(
            opening.sections,
            "read",
            set(),
            "expired" if ended else "active",
            model.hour + opening.hours if opening.kind == "emergency" else None,
            said.grant_id,
            basis=opening.kind,
            ends_at=opening.ends_at,
        )
        # An officer reads nothing by being one (the checked professional among them, too).
        for section in SECTIONS:
            with pytest.raises(REFUSED):
                entries.list_entries(
                    self.ctx,
                    self.actors["lead"],
                    self.dossier_id,
                    entries.Filters(section_id=self.sections[section]),
                )

    # --- entries and the plan -----------------------------------------------------------------

    @rule(who=st.sampled_from(PEOPLE), section=st.sampled_from(SECTIONS))
    def write(self, who: str, section: str) -> None:
        try:
            entries.write_entry(
                self.ctx,
                self.actors[who],
                self.dossier_id,
                self.sections[section],
                "Written",
                "Words",
                "note",
            )
            met = None
        except (*REFUSED, InvalidInput) as error:
            met = type(error)
        assert met is self.model.writing(who, section), (who, section, self.model)

    @rule(who=st.sampled_from(PEOPLE))
    def propose_plan(self, who: str) -> None:
        goal = plans.Goal(uuid.uuid4(), f"Goal of {who}")
        try:
            number = plans.propose_plan(
                self.ctx, self.actors[who], self.dossier_id, plans.PlanDocument(goals=(goal,))
            )
            met = None
        except REFUSED as error:
            met = type(error)
        assert met is self.model.plan_writing(who), (who, self.model)
        if met is None:
            self.model.plan.append(ModelVersion())
            assert number == len(self.model.plan)

    @rule(who=st.sampled_from(PEOPLE), yes=st.booleans())
    def mark_plan(self, who: str, yes: bool) -> None:
        model = self.model
        if not model.plan:
            return
        try:
            plans.mark_plan(
                self.ctx, self.actors[who], self.dossier_id, len(model.plan), yes, "Omdat"
            )
            met = None
        except (*REFUSED, InvalidInput) as error:
            met = type(error)
        expected = model.plan_marking(who)
        if expected is None and model.plan[-1].status not in ("proposed", "current"):
            expected = InvalidInput  # marks stay with versions that are no longer open
        assert met is expected, (who, model)
        if met is None:
            model.mark(who, yes)

    @invariant()
    def the_plan_matches_the_model(self) -> None:
        if not hasattr(self, "model"):
            return
        for who in PEOPLE:
            try:
                page = plans.read_plan(self.ctx, self.actors[who], self.dossier_id)
            except NotFound:
                assert self.model.plan_refusal(who) is NotFound, (who, self.model)
                continue
            assert self.model.plan_refusal(who) is None, (who, self.model)
            statuses = [line.status for line in reversed(page.history)]
            assert statuses == [v.status for v in self.model.plan], (who, self.model)

    @invariant()
    def reading_matches_the_model(self) -> None:
        if not hasattr(self, "model"):
            return
        for who in PEOPLE:
            for section in SECTIONS:
                try:
                    page = entries.list_entries(
                        self.ctx,
                        self.actors[who],
                        self.dossier_id,
                        entries.Filters(section_id=self.sections[section]),
                    )
                    readable = bool(page.items)
                except NotFound:
                    readable = False
                assert readable is self.model.can_read(who, section), (who, section, self.model)

    @invariant()
    def access_without_consent_shows(self) -> None:
        """Owners see emergency and legal access on "Who may look?"; only the first they may
        stop."""
        if not hasattr(self, "model") or all(o.status != "opened" for o in self.model.openings):
            return  # nothing opened without consent yet: nothing of it to show
        overview = sharing.overview(self.ctx, self.actors["youth"], self.dossier_id)
        shown = {
            (grant.basis, (grant.grantee.email or "").split("@")[0]): grant.can_revoke
            for grant in overview.grants
            if grant.basis in ("emergency", "legal") and grant.status == "active"
        }
        assert set(shown) == self.model.without_consent(), (shown, self.model)
        assert all(can is (basis == "emergency") for (basis, _), can in shown.items()), shown


def test_the_service_agrees_with_the_model(ctx, engine, clock, app, keys_dir: Path) -> None:
    # The server's job key: an officer's share waits under it for the next officer's yes.
    SharingMachine.ctx = replace(ctx, job_key=load_keys(keys_dir).job_key)
    SharingMachine.engine = engine
    SharingMachine.clock = clock
    run_state_machine_as_test(
        SharingMachine,
        settings=settings(
            max_examples=17,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
