"""Random sequences of share, approve, revoke, time passing, a 16th birthday, writing and reading
entries, and writing, marking and reading the family's plan, held against a small reference model
of who may read and write what and of where each version of the plan stands. The service must
never allow what the model forbids, nor forbid what it allows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from dossier.errors import AccessDenied, Conflict, InvalidInput, NotFound
from dossier.models import SessionKind
from dossier.services import accounts, dossiers, entries, ownership, plans, sessions, sharing
from dossier.services.context import Context
from tests.conftest import PASSWORD, wipe

GRANTEES = ("pro", "aunt")
PEOPLE = ("youth", "guardian", "pro", "aunt")
SECTIONS = ("care", "school")
REFUSED = (AccessDenied, NotFound)  # the model says which of the two is right (`Model.refusal`)


@dataclass
class ModelGrant:
    sections: frozenset[str]
    permission: str
    approvals: set[str]
    status: str  # pending, active, revoked, expired
    ends_at_hour: int | None
    grant_id: object = None


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
        if refused or self.relation(who) or who == "pro":
            return refused
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

    @initialize()
    def set_up(self) -> None:
        wipe(self.engine)  # type: ignore[arg-type]
        self.clock.offset = timedelta()  # type: ignore[attr-defined]
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
        accounts.create_staff(ctx, accounts.NewAccount("admin@m.nl", PASSWORD, "Admin", "admin"))
        self.actors = {name: self._login(name) for name in [*PEOPLE, "admin"]}
        accounts.verify_professional(ctx, self.actors["admin"], self.actors["pro"].user_id)
        self.actors["pro"] = self._login("pro")
        youth = self.actors["youth"]
        dossier = dossiers.create_dossier(ctx, youth, "Youth", None, for_self=True)
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

    def _login(self, name: str):  # type: ignore[no-untyped-def]
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
            assert grant.status in ("revoked", "expired")
            return
        assert model.decides(by) and grant.status in ("pending", "active")
        grant.status = "revoked"
        model.settle()

    @rule(hours=st.integers(min_value=1, max_value=100))
    def time_passes(self, hours: int) -> None:
        model = self.model
        was_sixteen = model.sixteen
        model.hour += hours
        self.clock.advance(hours=hours)  # type: ignore[attr-defined]
        for grant in model.grants.values():
            if (
                grant.status in ("pending", "active")
                and grant.ends_at_hour is not None
                and grant.ends_at_hour <= model.hour
            ):
                grant.status = "expired"
        if model.sixteen and not was_sixteen:
            # The guardian's ownership turns into a grant on all sections. Pending grants the
            # youth approved now have approval enough; they start at her next change to who may
            # look (`Model.settle`), not at this look.
            model.grants["guardian"] = ModelGrant(
                frozenset(SECTIONS), "contribute", set(), "active", None
            )
            overview = sharing.overview(self.ctx, self.actors["youth"], self.dossier_id)
            converted = next(g for g in overview.grants if g.basis == "ownership")
            model.grants["guardian"].grant_id = converted.id

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


def test_the_service_agrees_with_the_model(ctx, engine, clock, app) -> None:  # type: ignore[no-untyped-def]
    SharingMachine.ctx = ctx
    SharingMachine.engine = engine
    SharingMachine.clock = clock
    run_state_machine_as_test(
        SharingMachine,
        settings=settings(
            max_examples=20,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
