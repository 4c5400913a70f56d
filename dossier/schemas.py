"""marshmallow schemas, one per audience and direction. None ever carries ciphertext or keys.

A request field states in the OpenAPI document the rules the server applies to it: the services'
own limits, and the one text rule as `validation` applies it, so document and server cannot drift.
The edge (`edge.inputs`) and the services enforce those rules and report every field at once;
loading a body adds only the length before a service trims spaces, which it never sees.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from marshmallow import RAISE, Schema, fields, validate

from dossier.actions import ACTION_CODES
from dossier.consent import Agreement
from dossier.models import (
    ChangeKind,
    ChangeStatus,
    EntryKind,
    Permission,
    PlanOutcome,
    PlanStatus,
    Relation,
    RequestStatus,
)
from dossier.services import access_requests, accounts, dossiers, entries, sharing, validation
from dossier.services.plans import document as plan_document
from dossier.services.plans import writing as plan_writing


def one_of(vocabulary: Iterable[str]) -> validate.OneOf:
    """A field that takes one word of a vocabulary defined elsewhere, so the two cannot drift."""
    return validate.OneOf([str(word) for word in vocabulary])


def _either(vocabulary: Iterable[str]) -> str:
    words = [str(word) for word in vocabulary]
    return ", ".join(words[:-1]) + " or " + words[-1]


# The characters below are found by asking `validation` itself about each one, so the document
# says exactly what the server refuses. Each rule is about characters of the Basic Multilingual
# Plane. Lone surrogates are refused too, but a pattern cannot name them, and JSON sent as UTF-8
# cannot carry them.
_PLANE = range(0x10000)
_SURROGATES = range(0xD800, 0xE000)


def _disguises(code: int) -> bool:
    errors = validation.Errors()
    validation.name(f"a{chr(code)}a", errors, "name", maximum=3, required_message="")
    return validation.DISGUISED_NAME in errors.fields.get("name", [])


_UNUSABLE = frozenset(
    code for code in _PLANE if code not in _SURROGATES and not validation.usable(chr(code))
)
_DISGUISING = frozenset(code for code in _PLANE if _disguises(code))
# What `str.strip()` and `str.split()` take away, so a text of only these is blank to a service.
_WHITESPACE = frozenset(code for code in _PLANE if chr(code).isspace())


def _class(codes: Iterable[int]) -> str:
    """The inside of a character class, as `\\uXXXX` ranges, which Python, ECMAScript (how JSON
    Schema reads a pattern) and the Rust engine schemathesis validates with all read alike."""
    runs: list[list[int]] = []
    for code in sorted(set(codes)):
        if runs and code == runs[-1][1] + 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return "".join(
        f"\\u{start:04x}" if start == end else f"\\u{start:04x}-\\u{end:04x}" for start, end in runs
    )


def _without(refused: frozenset[int]) -> str:
    return f"^[^{_class(refused)}]*$"


USABLE = _without(_UNUSABLE)
"""The pattern of any text the server takes, in a body or a query string."""


def Plain(**options: Any) -> fields.String:
    """A string with no rule but the one every text obeys (a password, a code)."""
    metadata = {**options.pop("metadata", {}), "pattern": USABLE}
    return fields.String(metadata=metadata, **options)


_NOT_BLANK = {"minLength": 1, "not": {"pattern": f"^[{_class(_WHITESPACE)}]*$"}}


def Text(
    maximum: int | None,
    *,
    name: bool = False,
    blank_allowed: bool = False,
    **options: Any,
) -> fields.String:
    """A text a person writes: at most `maximum` characters, only usable characters, in a `name`
    nothing that disguises it, and more than spaces unless `blank_allowed`."""
    stated: dict[str, Any] = {"pattern": _without(_UNUSABLE | (_DISGUISING if name else set()))}
    if not blank_allowed:
        stated |= _NOT_BLANK
    metadata = {**options.pop("metadata", {}), **stated}
    return fields.String(validate=validate.Length(max=maximum), metadata=metadata, **options)


EMAIL_MAX = 254  # as `validation.email` counts
REQUEST_CODE_MAX = 64  # room for a code of 12 as people retype it, with spaces and dashes


def Email(**options: Any) -> fields.String:
    """An e-mail address as `validation.email` reads it: something@domain.tld, spaces around it
    ignored, none inside, and nothing unusable or disguising anywhere."""
    refused = _UNUSABLE | _DISGUISING
    around = f"[{_class(_WHITESPACE - refused)}]*"
    inside = refused | _WHITESPACE | {ord("@")}
    part, last = f"[^{_class(inside)}]+", f"[^{_class(inside | {ord('.')})}]+"
    metadata = {
        **options.pop("metadata", {}),
        "pattern": f"^{around}{part}@{part}\\.{last}{around}$",
    }
    return fields.String(validate=validate.Length(max=EMAIL_MAX), metadata=metadata, **options)


def NewPassword(**options: Any) -> fields.String:
    return fields.String(
        load_only=True,
        validate=validate.Length(max=validation.PASSWORD_MAX),
        metadata={"minLength": validation.PASSWORD_MIN, "pattern": USABLE},
        **options,
    )


class Flag(fields.Boolean):
    """JSON `true` or `false`, as the document says; not marshmallow's 0, 1, "yes" or "off"."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class ChangeSchema(StrictSchema):
    """A PATCH body: every field optional, at least one of them given."""


class AccountCreate(StrictSchema):
    email = Email(required=True, metadata={"example": "sanne@example.nl"})
    password = NewPassword(required=True)
    display_name = Text(validation.NAME_MAX, name=True, required=True)
    role = fields.String(required=True, validate=one_of(accounts.SELF_REGISTERED_ROLES))
    birth_date = fields.Date(load_default=None, metadata={"description": "Required for youth."})
    organisation = Text(
        validation.ORGANISATION_MAX,
        name=True,
        load_default=None,
        metadata={"description": "Professionals."},
    )
    registration_number = Plain(
        load_default=None, metadata={"description": "Professionals: SKJ or BIG number."}
    )


class AccountCreated(Schema):
    id = fields.UUID()
    role = fields.String()
    recovery_code = fields.String(
        metadata={"description": "Shown once. Needed to reset a forgotten password."}
    )


class SessionCreate(StrictSchema):
    email = Plain(required=True)
    password = Plain(required=True, load_only=True)


class SessionCreated(Schema):
    token = fields.String(metadata={"description": "Shown once; send as `Authorization: Bearer`."})
    expires_at = fields.AwareDateTime()


class SecondFactorCreate(StrictSchema):
    second_factor_token = Plain(
        required=True,
        load_only=True,
        metadata={"description": "From the 401 answer of `POST /sessions`; lives 5 minutes."},
    )
    code = Plain(
        required=True,
        load_only=True,
        metadata={"description": "The six digits an authenticator app shows now."},
    )


class PasswordResetCreate(StrictSchema):
    email = Email(required=True)
    recovery_code = Text(None, required=True, load_only=True)
    new_password = NewPassword(required=True)


class PasswordResetDone(Schema):
    recovery_code = fields.String(metadata={"description": "A fresh code; the old one is void."})


class PasswordChange(StrictSchema):
    current_password = Plain(required=True, load_only=True)
    new_password = NewPassword(required=True)


class Me(Schema):
    """The owner's own view of their account."""

    id = fields.UUID()
    email = fields.String()
    display_name = fields.String()
    role = fields.String()
    verified = fields.Boolean()


class ProfessionalForAdmin(Schema):
    """What an admin sees of a professional: enough to check the register, nothing else."""

    id = fields.UUID()
    email = fields.String()
    display_name = fields.String()
    organisation = fields.String(allow_none=True)
    registration_number = fields.String(allow_none=True)
    verified = fields.Boolean()
    verified_at = fields.AwareDateTime(allow_none=True)


class ProfessionalPage(Schema):
    items = fields.List(fields.Nested(ProfessionalForAdmin))
    next_cursor = fields.String(allow_none=True)


class Problem(Schema):
    """RFC 9457 problem details; `errors` names each field (a nested one by its path, such as
    `section_ids.0`) with its messages."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class SectionOut(Schema):
    id = fields.UUID()
    name = fields.String()
    archived = fields.Boolean()


class DossierCreate(StrictSchema):
    subject_name = Text(
        validation.NAME_MAX,
        name=True,
        load_default=None,
        metadata={"description": "Leave out for your own dossier to use your own name."},
    )
    subject_birth_date = fields.Date(load_default=None)
    for_self = Flag(required=True)


class DossierOut(Schema):
    """A dossier as its reader may see it: owners see every section, grantees theirs."""

    id = fields.UUID()
    subject_name = fields.String()
    subject_birth_date = fields.Date()
    my_relation = fields.String()
    permission = fields.String()
    sections = fields.List(fields.Nested(SectionOut))


class DossierPage(Schema):
    items = fields.List(fields.Nested(DossierOut))
    next_cursor = fields.String(allow_none=True)


class SectionCreate(StrictSchema):
    name = Text(dossiers.SECTION_NAME_MAX, required=True)


class SectionChange(ChangeSchema):
    name = Text(dossiers.SECTION_NAME_MAX)
    archived = Flag()


class SectionList(Schema):
    items = fields.List(fields.Nested(SectionOut))


class InvitationCreate(StrictSchema):
    relation = fields.String(load_default=None, validate=one_of(Relation))


class InvitationOut(Schema):
    code = fields.String(metadata={"description": "Shown once; give it to the invitee."})
    relation = fields.String()
    expires_at = fields.AwareDateTime()
    status = fields.String(
        metadata={
            "description": "approved: the code works at once; pending: it opens nothing "
            "until everyone the consent rules name has approved"
        }
    )


class InvitationAccept(StrictSchema):
    code = Text(None, required=True)


class Joined(Schema):
    dossier_id = fields.UUID()
    status = fields.String(
        metadata={"description": "done: you have access now; pending: waiting for approval"}
    )


class Decision(Schema):
    """What came of asking for an ownership change: done, or waiting for others."""

    change_id = fields.UUID()
    kind = fields.String(metadata={"description": _either(ChangeKind)})
    status = fields.String(
        metadata={
            "description": _either((ChangeStatus.DONE, ChangeStatus.APPROVED, ChangeStatus.PENDING))
        }
    )
    waiting_for = fields.List(
        fields.String(),
        metadata={"description": "subject, guardian, or the names of owners still asked"},
    )


class AuthorOut(Schema):
    id = fields.UUID()
    name = fields.String()
    role = fields.String()
    organisation = fields.String(allow_none=True)


class EntryCardOut(Schema):
    id = fields.UUID()
    section_id = fields.UUID()
    kind = fields.String()
    perspective = fields.String()
    author = fields.Nested(AuthorOut)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    version = fields.Integer()
    title = fields.String()
    trusted = fields.Boolean(metadata={"description": "False: failed to open or to verify."})
    outdated = fields.Boolean()
    archived = fields.Boolean()
    view_count = fields.Integer()
    has_my_view = fields.Boolean()


class EntryPageOut(Schema):
    items = fields.List(fields.Nested(EntryCardOut))
    next_cursor = fields.String(allow_none=True)


class ViewOut(Schema):
    id = fields.UUID()
    author = fields.Nested(AuthorOut)
    perspective = fields.String()
    created_at = fields.AwareDateTime()
    body = fields.String()
    trusted = fields.Boolean()


class AttachmentOut(Schema):
    id = fields.UUID()
    filename = fields.String()
    media_type = fields.String()
    size = fields.Integer()


class CorrectionOut(Schema):
    id = fields.UUID()
    status = fields.String()
    removal = fields.Boolean()
    reason = fields.String()
    created_at = fields.AwareDateTime()
    answered_at = fields.AwareDateTime(allow_none=True)
    answer = fields.String(allow_none=True)
    resulting_version = fields.Integer(allow_none=True)
    trusted = fields.Boolean(
        metadata={"description": "False: the reason or the answer failed to open or to verify."}
    )
    signed = fields.Boolean(
        metadata={"description": "False: written before correction requests were signed."}
    )


class PassageOut(Schema):
    id = fields.UUID()
    author_name = fields.String()
    created_at = fields.AwareDateTime()
    kept_from_me = fields.Boolean(
        metadata={
            "description": "True: kept from you to protect someone else; text and reason "
            "are null, and you may object."
        }
    )
    text = fields.String(
        allow_none=True,
        metadata={"description": "Null when kept from you, not handed to you yet, or untrusted."},
    )
    reason = fields.String(allow_none=True)
    kept_from = fields.List(
        fields.String(), metadata={"description": "Whom it is kept from (not told to them)."}
    )
    trusted = fields.Boolean()
    objected = fields.Boolean()
    answer = fields.String(
        allow_none=True, metadata={"description": "The auditor's answer to your objection."}
    )


class EntryOut(Schema):
    id = fields.UUID(attribute="card.id")
    card = fields.Nested(EntryCardOut, data_key="entry")
    body = fields.String()
    perspectives = fields.List(fields.Nested(ViewOut), attribute="views")
    attachments = fields.List(fields.Nested(AttachmentOut))
    correction_requests = fields.List(fields.Nested(CorrectionOut), attribute="corrections")
    withheld = fields.List(
        fields.Nested(PassageOut),
        attribute="passages",
        metadata={"description": "Parts kept from named readers to protect someone else."},
    )


class EntryCreate(StrictSchema):
    section_id = fields.UUID(required=True)
    title = Text(entries.TITLE_MAX, required=True)
    body = Text(entries.BODY_MAX, required=True)
    kind = fields.String(required=True, validate=one_of(EntryKind))


class EntryCreated(Schema):
    id = fields.UUID()
    version = fields.Integer()


class EntryChanged(Schema):
    id = fields.UUID()
    version = fields.Integer(
        allow_none=True,
        metadata={"description": "The new version; null if only `outdated` changed."},
    )


class EntryChange(ChangeSchema):
    title = Text(entries.TITLE_MAX)
    body = Text(entries.BODY_MAX)
    outdated = Flag()


class VersionOut(Schema):
    version = fields.Integer()
    created_at = fields.AwareDateTime()
    author = fields.Nested(AuthorOut)
    title = fields.String()
    body = fields.String()
    trusted = fields.Boolean()
    note = fields.String(allow_none=True)


class VersionList(Schema):
    items = fields.List(fields.Nested(VersionOut))


class PerspectiveCreate(StrictSchema):
    body = Text(entries.VIEW_MAX, required=True)


class Created(Schema):
    id = fields.UUID()


class CorrectionCreate(StrictSchema):
    reason = Text(entries.REASON_MAX, required=True)
    removal = Flag(load_default=False)


class CorrectionAnswer(StrictSchema):
    outcome = fields.String(required=True, validate=one_of(entries.ANSWERS))
    message = Text(entries.REASON_MAX, required=True)
    title = Text(entries.TITLE_MAX, load_default=None)
    body = Text(entries.BODY_MAX, load_default=None)


class PersonOut(Schema):
    id = fields.UUID(allow_none=True)
    name = fields.String()
    role = fields.String(allow_none=True)
    organisation = fields.String(allow_none=True)


class GrantOut(Schema):
    """What an owner sees of a grant. No keys, no sealed message."""

    id = fields.UUID()
    grantee = fields.Nested(PersonOut)
    section_ids = fields.List(fields.UUID())
    permission = fields.String()
    status = fields.String()
    basis = fields.String()
    since = fields.AwareDateTime()
    until = fields.AwareDateTime(allow_none=True)
    last_access = fields.AwareDateTime(allow_none=True)
    approvals = fields.List(fields.String())
    waiting_for = fields.List(fields.String())


class ApproverOut(Schema):
    name = fields.String()
    relation = fields.String()
    at = fields.AwareDateTime()


class OwnerOut(Schema):
    person = fields.Nested(PersonOut)
    relation = fields.String()
    since = fields.AwareDateTime()
    last_access = fields.AwareDateTime(allow_none=True)
    approved_by = fields.List(
        fields.Nested(ApproverOut),
        metadata={"description": "who approved this owner; empty for whoever made the dossier"},
    )
    can_remove = fields.Boolean()
    made_the_dossier = fields.Boolean()


class ChangeOut(Schema):
    id = fields.UUID()
    kind = fields.String(metadata={"description": _either(ChangeKind)})
    status = fields.String()
    relation = fields.String(allow_none=True)
    person_name = fields.String(allow_none=True)
    proposed_by = fields.String()
    created_at = fields.AwareDateTime()
    approvals = fields.List(fields.Nested(ApproverOut))
    waiting_for = fields.List(fields.String())
    can_approve = fields.Boolean()
    can_cancel = fields.Boolean()


class AccessOut(Schema):
    owners = fields.List(fields.Nested(OwnerOut))
    changes = fields.List(
        fields.Nested(ChangeOut), metadata={"description": "ownership changes that wait"}
    )
    items = fields.List(fields.Nested(GrantOut), attribute="grants")
    next_cursor = fields.Constant(None, allow_none=True)


class GrantCreate(StrictSchema):
    grantee_email = Email(
        load_default=None, metadata={"description": "Leave out for an invitation code."}
    )
    section_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1))
    permission = fields.String(required=True, validate=one_of(Permission))
    expires_at = fields.AwareDateTime(load_default=None)
    message = Text(sharing.MESSAGE_MAX, blank_allowed=True, load_default=None)


class GrantCreated(Schema):
    id = fields.UUID(attribute="grant_id")
    status = fields.String()
    invitation_code = fields.String(allow_none=True)
    invitation_expires_at = fields.AwareDateTime(allow_none=True)


class GrantChange(ChangeSchema):
    section_ids = fields.List(fields.UUID(), validate=validate.Length(min=1))
    expires_at = fields.AwareDateTime()


class GrantStatus(Schema):
    status = fields.String()


# --- asking for access ---------------------------------------------------------------------------


class AccessRequestCreate(StrictSchema):
    """One of `code` and `owner_email`. The answer is the same whether either leads anywhere."""

    code = Plain(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=REQUEST_CODE_MAX),
        metadata={
            "description": "The dossier's request code, which an owner gave you: 12 letters and "
            "digits, any case, spaces and dashes as you like.",
            "example": "ABCD-EFGH-JKLM",
        },
    )
    owner_email = Email(
        load_default=None,
        allow_none=True,
        metadata={"description": "An owner's e-mail address, instead of a code."},
    )
    sections = fields.List(
        fields.String(validate=one_of(access_requests.ASKABLE)),
        required=True,
        validate=validate.Length(min=1),
    )
    permission = fields.String(required=True, validate=one_of(access_requests.PERMISSIONS))
    months = fields.Integer(
        strict=True,
        load_only=True,
        required=True,
        validate=validate.OneOf(access_requests.MONTHS),
        metadata={"description": "How long the sharing would last, from the owners' yes."},
    )
    purpose = Text(
        access_requests.PURPOSE_MAX,
        required=True,
        metadata={"description": "Why you ask in your own words; the owners and you read it."},
    )


class MyAccessRequestOut(Schema):
    """A request as its asker sees it: never whether it reached anyone, until it is answered."""

    id = fields.UUID()
    sections = fields.List(
        fields.String(metadata={"description": _either(access_requests.ASKABLE)})
    )
    permission = fields.String()
    months = fields.Integer()
    purpose = fields.String(attribute="purpose.text")
    purpose_trusted = fields.Boolean(
        attribute="purpose.trusted",
        metadata={"description": "False: failed to open or to verify."},
    )
    created_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime(
        metadata={"description": "Unanswered until then, it ends (status expired)."}
    )
    status = fields.String(metadata={"description": _either((*RequestStatus, "expired"))})


class MyAccessRequestList(Schema):
    items = fields.List(fields.Nested(MyAccessRequestOut))
    next_cursor = fields.Constant(None, allow_none=True)


class AccessRequestOut(MyAccessRequestOut):
    """A request as an owner who can answer it sees it: who asks, for what and why."""

    asker = fields.Nested(PersonOut)
    purpose_trusted = fields.Boolean(
        attribute="purpose.trusted",
        metadata={
            "description": "False: failed to open or to verify that the asker wrote it; "
            "then `purpose` is empty."
        },
    )
    by_code = fields.Boolean(
        metadata={"description": "Reached this dossier by its code; else by your address."}
    )


class AccessRequestList(Schema):
    items = fields.List(fields.Nested(AccessRequestOut))
    next_cursor = fields.Constant(None, allow_none=True)


class AccessRequestAnswer(StrictSchema):
    approve = Flag(
        required=True,
        metadata={
            "description": "Yes shares what was asked, as your own sharing would (it may wait "
            "for another owner's yes); no ends the request."
        },
    )


class AccessRequestDecided(Schema):
    status = fields.String(metadata={"description": "approved or refused"})
    grant_id = fields.UUID(allow_none=True, metadata={"description": "The sharing a yes made."})
    grant_status = fields.String(
        allow_none=True, metadata={"description": "active, or pending while it waits for a yes"}
    )


class RequestCodeOut(Schema):
    code = fields.String(
        allow_none=True, metadata={"description": "Null until an owner makes one."}
    )


class NoticeOut(Schema):
    id = fields.UUID()
    kind = fields.String()
    dossier_id = fields.UUID(allow_none=True)
    created_at = fields.AwareDateTime()
    read = fields.Boolean()


class NoticeList(Schema):
    items = fields.List(fields.Nested(NoticeOut))


class TimelineItemOut(Schema):
    at = fields.AwareDateTime()
    actor_name = fields.String()
    actor_role = fields.String(allow_none=True)
    organisation = fields.String(allow_none=True)
    action = fields.String(metadata={"enum": list(ACTION_CODES)})
    object_type = fields.String(allow_none=True)
    object_id = fields.String(allow_none=True)
    title = fields.String(
        allow_none=True, metadata={"description": "Owners only: the entry's title."}
    )
    outcome = fields.String()


class AccessLogPage(Schema):
    items = fields.List(fields.Nested(TimelineItemOut))
    next_cursor = fields.String(allow_none=True)


class AuditEventOut(Schema):
    """What an auditor sees of an event: never content, never titles."""

    id = fields.UUID()
    at = fields.AwareDateTime()
    chain = fields.String()
    seq = fields.Integer()
    actor_id = fields.UUID(allow_none=True)
    actor_name = fields.String(allow_none=True)
    actor_role = fields.String(allow_none=True)
    on_behalf_of = fields.UUID(allow_none=True)
    action = fields.String(metadata={"enum": list(ACTION_CODES)})
    dossier_id = fields.UUID(allow_none=True)
    object_type = fields.String(allow_none=True)
    object_id = fields.String(allow_none=True)
    outcome = fields.String()
    reason = fields.String(allow_none=True)
    basis = fields.String(allow_none=True)
    hash = fields.String()


class AuditEventPage(Schema):
    items = fields.List(fields.Nested(AuditEventOut))
    next_cursor = fields.String(allow_none=True)


class BrokenLinkOut(Schema):
    chain = fields.String()
    sequence = fields.Integer()
    reason = fields.String()


class VerificationOut(Schema):
    ok = fields.Boolean()
    chains = fields.Integer()
    events = fields.Integer()
    checkpoints = fields.Integer()
    last_checkpoint = fields.Integer(allow_none=True)
    first_broken = fields.Nested(BrokenLinkOut, allow_none=True)


class CheckpointOut(Schema):
    number = fields.Integer()
    created_at = fields.AwareDateTime()
    merkle_root = fields.String()
    hash = fields.String()
    public_key = fields.String()
    signature = fields.String()
    body = fields.String()


class CheckpointList(Schema):
    items = fields.List(fields.Nested(CheckpointOut))


# --- the family's plan --------------------------------------------------------------------------
# A draft is cleaned by the service (`plans.document.clean`), which names a field by its place,
# `goals-0-actions-1-what`; the API names marshmallow's errors the same way, so one field has one
# name. Empty rows are dropped there, which is why a text may be blank here.

NUMBER_MAX = 2**31 - 1  # the largest version number its INTEGER column holds on PostgreSQL
_REF = "Keeps a goal or action the same across versions; left out: a new one."


class PlanHelperIn(StrictSchema):
    name = Text(plan_document.NAME_MAX, name=True, blank_allowed=True, required=True)
    how = Text(plan_document.HOW_MAX, blank_allowed=True, load_default="")


class PlanActionIn(StrictSchema):
    ref = fields.UUID(load_default=uuid.uuid4, metadata={"description": _REF})
    what = Text(plan_document.WHAT_MAX, blank_allowed=True, required=True)
    who = Text(
        plan_document.NAME_MAX,
        name=True,
        blank_allowed=True,
        required=True,
        metadata={"description": "Who does it, in words."},
    )
    who_id = fields.UUID(
        load_default=None,
        allow_none=True,
        metadata={"description": "One of the plan's `people`, who is then reminded."},
    )
    by = fields.Date(load_default=None, allow_none=True)


class PlanGoalIn(StrictSchema):
    ref = fields.UUID(load_default=uuid.uuid4, metadata={"description": _REF})
    text = Text(plan_document.GOAL_MAX, blank_allowed=True, required=True)
    proposed_by = Text(plan_document.NAME_MAX, name=True, blank_allowed=True, required=True)
    actions = fields.List(
        fields.Nested(PlanActionIn),
        required=True,
        validate=validate.Length(max=plan_document.ACTIONS_MAX),
    )


class PlanDraftIn(StrictSchema):
    """A new version of the plan, whole: what stays the same is sent again with its `ref`."""

    strengths = Text(plan_document.STRENGTHS_MAX, blank_allowed=True, required=True)
    network = fields.List(
        fields.Nested(PlanHelperIn),
        required=True,
        validate=validate.Length(max=plan_document.NETWORK_MAX),
    )
    goals = fields.List(
        fields.Nested(PlanGoalIn),
        required=True,
        validate=validate.Length(max=plan_document.GOALS_MAX),
        metadata={"description": "At least one goal with words in it."},
    )
    next_evaluation = fields.Date(
        load_default=None, allow_none=True, metadata={"description": "Today or later."}
    )
    based_on = fields.Integer(
        strict=True,
        load_only=True,
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=NUMBER_MAX),
        metadata={"description": "The number of the version this one changes."},
    )


class PlanNumber(Schema):
    number = fields.Integer()


class PlanMarkIn(StrictSchema):
    agrees = Flag(required=True, metadata={"description": "I stand behind this version."})
    reason = Text(
        plan_writing.REASON_MAX,
        blank_allowed=True,
        load_default="",
        metadata={"description": "Required when `agrees` is false, so others can change it."},
    )


class PlanAgreement(Schema):
    agreement = fields.String(metadata={"description": _either(Agreement)})


class PlanTickIn(StrictSchema):
    done = Flag(required=True)
    note = Text(plan_writing.NOTE_MAX, blank_allowed=True, load_default="")


class PlanOutcomeIn(StrictSchema):
    ref = fields.UUID(required=True, metadata={"description": "The goal's `ref`."})
    outcome = fields.String(required=True, validate=one_of(PlanOutcome))
    words = Text(plan_document.WORDS_MAX, blank_allowed=True, load_default="")


class PlanEvaluationIn(StrictSchema):
    goals = fields.List(
        fields.Nested(PlanOutcomeIn),
        required=True,
        metadata={
            "description": "An outcome for every goal of the plan; an error names a goal by "
            "its place in the plan, `goals-0-outcome`."
        },
    )


class PlanPersonOut(Schema):
    id = fields.UUID()
    name = fields.String()
    role = fields.String()
    relation = fields.String(metadata={"description": "subject, guardian or other"})
    organisation = fields.String(allow_none=True)


class PlanHelperOut(Schema):
    name = fields.String()
    how = fields.String()


class PlanActionOut(Schema):
    ref = fields.UUID()
    what = fields.String()
    who = fields.String()
    who_id = fields.UUID(allow_none=True)
    by = fields.Date(allow_none=True)
    done = fields.Boolean()
    note = fields.String()
    done_by = fields.String(metadata={"description": "Who ticked it off, or undid it, last."})
    overdue = fields.Boolean()
    mine = fields.Boolean(metadata={"description": "Mine to do: I am its `who_id`."})


class PlanGoalOut(Schema):
    ref = fields.UUID()
    text = fields.String()
    proposed_by = fields.String()
    outcome = fields.String(
        allow_none=True,
        metadata={"description": "At the latest evaluation: " + _either(PlanOutcome)},
    )
    outcome_words = fields.String()
    actions = fields.List(fields.Nested(PlanActionOut))


class PlanMarkOut(Schema):
    person = fields.Nested(PlanPersonOut)
    agrees = fields.Boolean()
    reason = fields.String()
    at = fields.AwareDateTime()
    trusted = fields.Boolean(metadata={"description": "False: failed to open or to verify."})


class PlanVersionOut(Schema):
    id = fields.UUID()
    number = fields.Integer()
    based_on = fields.Integer(allow_none=True)
    status = fields.String(metadata={"description": _either(PlanStatus)})
    author = fields.Nested(
        PlanPersonOut,
        allow_none=True,
        metadata={"description": "Null once the writer is no longer on the plan."},
    )
    author_name = fields.String()
    perspective = fields.String()
    created_at = fields.AwareDateTime()
    settled_at = fields.AwareDateTime(allow_none=True)
    trusted = fields.Boolean(metadata={"description": "False: failed to open or to verify."})
    strengths = fields.String()
    network = fields.List(fields.Nested(PlanHelperOut))
    goals = fields.List(fields.Nested(PlanGoalOut))
    next_evaluation = fields.Date(allow_none=True)
    marks = fields.List(fields.Nested(PlanMarkOut))
    my_mark = fields.Nested(PlanMarkOut, allow_none=True)
    agreement = fields.String(metadata={"description": _either(Agreement)})
    waiting_for = fields.List(
        fields.String(), metadata={"description": "whose yes it still needs: subject, guardian"}
    )
    evaluated_at = fields.AwareDateTime(allow_none=True)
    evaluated_by = fields.String()


class PlanHistoryOut(Schema):
    number = fields.Integer()
    status = fields.String(metadata={"description": _either(PlanStatus)})
    author_name = fields.String()
    created_at = fields.AwareDateTime()
    settled_at = fields.AwareDateTime(allow_none=True)


class PlanPageOut(Schema):
    current = fields.Nested(
        PlanVersionOut, allow_none=True, metadata={"description": "The plan everyone agreed to."}
    )
    proposals = fields.List(fields.Nested(PlanVersionOut))
    history = fields.List(fields.Nested(PlanHistoryOut))
    people = fields.List(fields.Nested(PlanPersonOut))
    may_write = fields.Boolean()
    may_mark = fields.Boolean()
    my_relation = fields.String()
