"""What the access log records, named once.

A code is stored in every event and hashed into its chain, so a code never changes once written;
a new meaning gets a new member. Whether an action counts as looking decides what "Who looked?"
shows by default, who the start page and the dossier name as lookers, and when someone "last
looked". The labels are English message ids, translated where they are shown; they finish a
sentence that begins with who did it ("Anne, care professional at Jeugdteam Zuid, read “Plan”").
Auditors never see titles, so every label reads well without one.
"""

from __future__ import annotations

from enum import StrEnum

from dossier.errors import N_

LOOKS = True  # shows content or names from the dossier: a read, in the owner's sense
DOES = False


class Action(StrEnum):
    counts_as_read: bool
    label: str
    titled: str | None  # the label naming the entry, for an owner who can open its title

    def __new__(
        cls, code: str, counts_as_read: bool = DOES, label: str = "", titled: str | None = None
    ) -> Action:
        member = str.__new__(cls, code)
        member._value_ = code
        member.counts_as_read = counts_as_read
        member.label = label
        member.titled = titled
        return member

    @classmethod
    def of(cls, code: str) -> Action | None:
        """The member for a stored code; None for a code this version does not know."""
        member = cls._value2member_map_.get(code)
        return member if isinstance(member, Action) else None

    # Looking: what an owner sees first on "Who looked?".
    DOSSIER_OPEN = "dossier.open", LOOKS, N_("opened the dossier")
    DOSSIER_LIST = "dossier.list", LOOKS, N_("saw this dossier in their list of dossiers")
    DOSSIER_EXPORT = "dossier.export", LOOKS, N_("downloaded the whole dossier")
    ENTRY_LIST = "entry.list", LOOKS, N_("looked at the list of entries")
    ENTRY_READ = "entry.read", LOOKS, N_("read an entry"), N_("read “%(title)s”")
    ENTRY_HISTORY = (
        "entry.history",
        LOOKS,
        N_("read the history of an entry"),
        N_("read the history of “%(title)s”"),
    )
    ATTACHMENT_READ = "attachment.read", LOOKS, N_("opened a file")
    PLAN_READ = "plan.read", LOOKS, N_("read the plan")
    PLAN_DOWNLOAD = "plan.download", LOOKS, N_("downloaded the plan")

    # The dossier and its sections.
    DOSSIER_CREATE = "dossier.create", DOES, N_("made the dossier")
    DOSSIER_MANAGE = "dossier.manage", DOES, N_("wanted to open a page that only owners may see")
    DOSSIER_DESTROY_PREVIEW = (
        "dossier.destroy_preview",
        DOES,
        N_("wanted to see what destroying the dossier would delete"),
    )
    DOSSIER_DESTROY_REQUEST = "dossier.destroy_request", DOES, N_("asked to destroy the dossier")
    DOSSIER_DESTROY = "dossier.destroy", DOES, N_("destroyed the dossier")
    SECTION_CREATE = "section.create", DOES, N_("added a section")
    SECTION_RENAME = "section.rename", DOES, N_("gave a section a new name")
    SECTION_ARCHIVE = "section.archive", DOES, N_("archived a section")
    SECTION_RESTORE = "section.restore", DOES, N_("brought back a section")

    # Writing.
    ENTRY_CREATE = "entry.create", DOES, N_("wrote an entry"), N_("wrote “%(title)s”")
    ENTRY_EDIT = "entry.edit", DOES, N_("changed an entry"), N_("changed “%(title)s”")
    ENTRY_OUTDATED = (
        "entry.outdated",
        DOES,
        N_("marked an entry as outdated"),
        N_("marked “%(title)s” as outdated"),
    )
    ENTRY_CURRENT = (
        "entry.current",
        DOES,
        N_("made an entry current again"),
        N_("made “%(title)s” current again"),
    )
    ENTRY_ARCHIVE = "entry.archive", DOES, N_("withdrew an entry"), N_("withdrew “%(title)s”")
    PERSPECTIVE_CREATE = "perspective.create", DOES, N_("added a view")
    ATTACHMENT_CREATE = "attachment.create", DOES, N_("added a file")
    CORRECTION_CREATE = "correction.create", DOES, N_("asked for a correction")
    CORRECTION_ANSWER = "correction.answer", DOES, N_("answered a request for a correction")
    PLAN_PROPOSE = "plan.propose", DOES, N_("wrote a new version of the plan")
    PLAN_MARK = "plan.mark", DOES, N_("said whether they stand behind the plan")
    PLAN_PROGRESS = "plan.progress", DOES, N_("ticked off an action in the plan, or undid it")
    PLAN_EVALUATE = "plan.evaluate", DOES, N_("wrote down what the plan reached")
    CONTENT_UNTRUSTED = (
        "content.untrusted",
        DOES,
        N_("came across a text that could not be opened or checked"),
    )

    # Sharing.
    GRANT_CREATE = "grant.create", DOES, N_("shared the dossier with someone")
    GRANT_APPROVE = "grant.approve", DOES, N_("agreed to a sharing")
    GRANT_ACTIVATE = "grant.activate", DOES, N_("let a sharing start")
    GRANT_CHANGE = "grant.change", DOES, N_("changed what someone may see, or until when")
    GRANT_REVOKE = "grant.revoke", DOES, N_("stopped a sharing")
    GRANT_ACCEPT = "grant.accept", DOES, N_("used a code to look in the dossier")
    GRANT_EXPIRE = "grant.expire", DOES, N_("a sharing stopped on its end date")
    GRANT_LIST = "grant.list", DOES, N_("looked at who may look in the dossier")
    GRANT_WAITING = "grant.waiting", DOES, N_("wanted to see the sharings that wait for a yes")
    GRANT_MESSAGE_READ = (
        "grant.message_read",
        DOES,
        N_("read the personal message that came with a sharing"),
    )

    GRANT_REFUSE = "grant.refuse", DOES, N_("said no to a sharing")

    # Asking for access.
    REQUEST_CREATE = "request.create", DOES, N_("asked to look in the dossier")
    REQUEST_DECIDE = "request.decide", DOES, N_("answered a request to look in the dossier")
    REQUEST_CODE = "request.code", DOES, N_("made a new code for asking to look in the dossier")
    REQUEST_LIST = "request.list", DOES, N_("looked at the requests to look in the dossier")
    REQUEST_CODE_READ = (
        "request.code_read",
        DOES,
        N_("looked at the code for asking to look in the dossier"),
    )

    # Parents or guardians who may only approve.
    APPROVER_ASK = "approver.ask", DOES, N_("asked a parent or guardian to approve a sharing")
    APPROVER_ACCEPT = (
        "approver.accept",
        DOES,
        N_("used a code to approve sharings, without reading the dossier"),
    )
    APPROVER_REQUESTS = (
        "approver.requests",
        DOES,
        N_("looked at a sharing they were asked to approve"),
    )
    APPROVER_END = "approver.end", DOES, N_("stopped a parent or guardian from approving sharings")

    # Emergency access: opened by officers together, never by one person alone.
    EMERGENCY_KEY_CREATE = (
        "emergency.key_create",
        DOES,
        N_("made the emergency key and gave each emergency officer a part of it"),
    )
    EMERGENCY_KEY_RESHARE = (
        "emergency.key_reshare",
        DOES,
        N_("gave the parts of the emergency key to a new group of emergency officers"),
    )
    EMERGENCY_REQUEST = "emergency.request", DOES, N_("asked for emergency access")
    EMERGENCY_APPROVE = (
        "emergency.approve",
        DOES,
        N_("approved a request for emergency access, as an emergency officer"),
    )
    EMERGENCY_OPEN = (
        "emergency.open",
        DOES,
        N_("opened emergency access: enough emergency officers approved it"),
    )
    EMERGENCY_EXPIRE = (
        "emergency.expire",
        DOES,
        N_("a request for emergency access ended: too few emergency officers approved it"),
    )
    EMERGENCY_WAITING = (
        "emergency.waiting",
        DOES,
        N_("looked at the requests for emergency access that wait for emergency officers"),
    )
    EMERGENCY_QUEUE = (
        "emergency.queue",
        DOES,
        N_("looked at the emergency accesses to review, as an auditor"),
    )
    EMERGENCY_REVIEW = (
        "emergency.review",
        DOES,
        N_("reviewed an emergency access and wrote a verdict, as an auditor"),
    )

    # Access on a legal basis: recorded by officers together, told to the owners at once.
    LEGAL_RECORD = (
        "legal.record",
        DOES,
        N_("recorded access on a legal basis, as an emergency officer"),
    )
    LEGAL_APPROVE = (
        "legal.approve",
        DOES,
        N_("said yes to access on a legal basis, as an emergency officer"),
    )
    LEGAL_OPEN = (
        "legal.open",
        DOES,
        N_("opened access on a legal basis: enough emergency officers said yes"),
    )
    LEGAL_WAITING = (
        "legal.waiting",
        DOES,
        N_("looked at the accesses on a legal basis that wait for emergency officers"),
    )
    LEGAL_AUDIT = (
        "legal.audit",
        DOES,
        N_("looked at every access on a legal basis, as an auditor"),
    )

    # The client council reads figures about the service, never about a person.
    COUNCIL_FIGURES = (
        "council.figures",
        DOES,
        N_("looked at the figures for the client council"),
    )
    COUNCIL_REPORT = (
        "council.report",
        DOES,
        N_("downloaded the quarterly report for the client council"),
    )

    # A trusted helper's suggestions, which count only once an owner sends them as her own.
    DRAFT_WRITE = "draft.write", DOES, N_("wrote a suggestion for the young person, as a helper")
    DRAFT_SEND = "draft.send", DOES, N_("sent a helper's suggestion as their own")
    DRAFT_DISCARD = "draft.discard", DOES, N_("threw away a helper's suggestion")

    # A passage kept from named readers, to protect someone else; objections to it.
    PASSAGE_WITHHOLD = (
        "passage.withhold",
        DOES,
        N_("kept part of an entry from someone, to protect someone else"),
    )
    PASSAGE_OBJECT = "passage.object", DOES, N_("objected to a part of an entry kept from them")
    PASSAGE_QUEUE = (
        "passage.queue",
        DOES,
        N_("looked at the objections to parts kept from someone, as an auditor"),
    )
    PASSAGE_REVIEW = (
        "passage.review",
        DOES,
        N_("answered an objection to a part kept from someone, as an auditor"),
    )

    # Owners.
    INVITATION_CREATE = "invitation.create", DOES, N_("made a code to invite an owner")
    INVITATION_ACCEPT = "invitation.accept", DOES, N_("used a code to become an owner")
    OWNER_ADDED = "owner.added", DOES, N_("let a new owner in")
    OWNER_REMOVE = "owner.remove", DOES, N_("asked to take away an owner")
    OWNER_REMOVED = "owner.removed", DOES, N_("took away an owner")
    OWNERSHIP_APPROVE = "ownership.approve", DOES, N_("said yes to a change of owners")
    OWNERSHIP_CANCEL = "ownership.cancel", DOES, N_("stopped a change of owners")
    OWNERSHIP_WAITING = (
        "ownership.waiting",
        DOES,
        N_("wanted to see the changes of owners that wait for a yes"),
    )
    OWNERSHIP_TO_GRANT = (
        "ownership.to_grant",
        DOES,
        N_("a parent became someone who may look: the young person turned 16"),
    )

    # Accounts.
    ACCOUNT_REGISTER = "account.register", DOES, N_("made an account")
    ACCOUNT_CREATE_STAFF = (
        "account.create_staff",
        DOES,
        N_("an account for an administrator or auditor was made on the server"),
    )
    ACCOUNT_LOGIN = "account.login", DOES, N_("logged in")
    ACCOUNT_LOGOUT = "account.logout", DOES, N_("logged out")
    ACCOUNT_LOGOUT_EVERYWHERE = "account.logout_everywhere", DOES, N_("logged out on all devices")
    ACCOUNT_PASSWORD_CHANGE = "account.password_change", DOES, N_("changed their password")
    ACCOUNT_PASSWORD_RESET = (
        "account.password_reset",
        DOES,
        N_("chose a new password with their recovery code"),
    )
    ACCOUNT_NAME_CHANGE = "account.name_change", DOES, N_("changed their name")
    ACCOUNT_LANGUAGE_CHANGE = (
        "account.language_change",
        DOES,
        N_("chose the language the app speaks to them"),
    )
    ACCOUNT_EMAIL_CHANGE_REQUEST = (
        "account.email_change_request",
        DOES,
        N_("asked to change their e-mail address"),
    )
    ACCOUNT_EMAIL_CHANGE = (
        "account.email_change",
        DOES,
        N_("changed their e-mail address with the link sent to the new address"),
    )
    ACCOUNT_SESSION_END = "account.session_end", DOES, N_("logged out one of their devices")
    ACCOUNT_LOGOUT_OTHERS = (
        "account.logout_others",
        DOES,
        N_("logged out on all their other devices"),
    )
    ACCOUNT_REMOVE = "account.remove", DOES, N_("removed their account")
    ACCOUNT_LOGIN_PASSWORD = (
        "account.login_password",
        DOES,
        N_("gave the right password and was asked for a second step"),
    )
    ACCOUNT_LOGIN_SECOND_STEP = (
        "account.login_second_step",
        DOES,
        N_("tried the second step of logging in"),
    )
    ACCOUNT_FACTOR_ADD = "account.factor_add", DOES, N_("added a second step for logging in")
    ACCOUNT_FACTOR_REMOVE = (
        "account.factor_remove",
        DOES,
        N_("removed a second step for logging in"),
    )
    ACCOUNT_FACTOR_RECOVER = (
        "account.factor_recover",
        DOES,
        N_("logged in with their recovery code and removed their second steps"),
    )
    ADMIN_FACTOR_RESETS = (
        "admin.factor_resets",
        DOES,
        N_("looked at the staff whose second step waits to be reset"),
    )
    ADMIN_FACTOR_RESET_START = (
        "admin.factor_reset_start",
        DOES,
        N_("asked to reset the second step of a staff member"),
    )
    ADMIN_FACTOR_RESET_CONFIRM = (
        "admin.factor_reset_confirm",
        DOES,
        N_("confirmed the reset of the second step of a staff member"),
    )
    ADMIN_PROFESSIONALS = (
        "admin.professionals",
        DOES,
        N_("wanted to see the professionals who wait for a check"),
    )
    ADMIN_VERIFY_PROFESSIONAL = (
        "admin.verify_professional",
        DOES,
        N_("checked the registration number of a professional"),
    )

    # The log itself.
    AUDIT_TIMELINE = "audit.timeline", DOES, N_("looked at who looked in the dossier")
    AUDIT_SEARCH = "audit.search", DOES, N_("searched the access log")
    AUDIT_EXPORT = "audit.export", DOES, N_("exported the access log")
    AUDIT_VERIFY = "audit.verify", DOES, N_("checked that the access log is intact")
    AUDIT_CHECKPOINTS = "audit.checkpoints", DOES, N_("looked at the signed checkpoints")

    # No longer written; older logs still hold them.
    ENTRY_AUTHORS = "entry.authors", DOES, N_("looked at who wrote in the dossier")
    OWNERSHIP_LIST = "ownership.list", DOES, N_("looked at the changes of owners")


READS = tuple(action for action in Action if action.counts_as_read)
ACTION_CODES = tuple(action.value for action in Action)
