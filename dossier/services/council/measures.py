"""What the client council is shown, named once: every figure, its topic and its words.

The labels are English message ids, translated where they are shown. Each figure is counted
from the access log or from what a dossier keeps in the clear; none needs a key.
"""

from __future__ import annotations

from enum import StrEnum

from dossier.errors import N_


class Topic(StrEnum):
    heading: str
    question: str

    def __new__(cls, code: str, heading: str = "", question: str = "") -> Topic:
        member = str.__new__(cls, code)
        member._value_ = code
        member.heading = heading
        member.question = question
        return member

    PARTICIPATION = (
        "participation",
        N_("Own words"),
        N_("Do young people and parents write in their own dossier?"),
    )
    CORRECTIONS = (
        "corrections",
        N_("Corrections"),
        N_("Are requests to correct a dossier answered, and how fast?"),
    )
    ACCESS = (
        "access",
        N_("Who looks"),
        N_("Who is let in, and who looks without being asked?"),
    )
    CLOCKS = (
        "clocks",
        N_("Rights in the law"),
        N_("Are copies and the destruction of dossiers handled in time?"),
    )
    FEELING = (
        "feeling",
        N_("Feeling heard"),
        N_("Do young people and parents feel heard?"),
    )


class Measure(StrEnum):
    topic: Topic
    label: str
    by_organisation: bool  # counted per organisation of the professional who acted

    def __new__(
        cls, code: str, topic: Topic = Topic.PARTICIPATION, label: str = "", by_org: bool = False
    ) -> Measure:
        member = str.__new__(cls, code)
        member._value_ = code
        member.topic = topic
        member.label = label
        member.by_organisation = by_org
        return member

    OWN_WORDS_DOSSIERS = (
        "own_words_dossiers",
        Topic.PARTICIPATION,
        N_("Dossiers where the young person or a parent wrote a view or an entry"),
    )
    FAMILY_VIEWS = (
        "family_views",
        Topic.PARTICIPATION,
        N_("Views written by young people and parents"),
    )
    FAMILY_ENTRIES = (
        "family_entries",
        Topic.PARTICIPATION,
        N_("Entries written by young people and parents"),
    )
    PROFESSIONAL_ENTRIES = (
        "professional_entries",
        Topic.PARTICIPATION,
        N_("Entries written by care professionals"),
        True,
    )
    PLANS_PROPOSED = "plans_proposed", Topic.PARTICIPATION, N_("New versions of a plan")
    PLANS_YOUTH_AGREES = (
        "plans_youth_agrees",
        Topic.PARTICIPATION,
        N_("Plan versions the young person said yes to"),
    )
    CORRECTIONS_REQUESTED = (
        "corrections_requested",
        Topic.CORRECTIONS,
        N_("Requests to correct or remove an entry"),
    )
    CORRECTIONS_ANSWERED = (
        "corrections_answered",
        Topic.CORRECTIONS,
        N_("Requests answered"),
        True,
    )
    CORRECTIONS_IN_TIME = (
        "corrections_in_time",
        Topic.CORRECTIONS,
        N_("Answered within 4 weeks"),
        True,
    )
    CORRECTED = "corrected", Topic.CORRECTIONS, N_("Answer: corrected"), True
    REMOVED = "removed", Topic.CORRECTIONS, N_("Answer: removed"), True
    DECLINED = "declined", Topic.CORRECTIONS, N_("Answer: not changed"), True
    SHARES_MADE = "shares_made", Topic.ACCESS, N_("Sharings started by families")
    SHARES_STOPPED = "shares_stopped", Topic.ACCESS, N_("Sharings stopped by families")
    EMERGENCY = "emergency", Topic.ACCESS, N_("Access in an emergency, without asking")
    LEGAL = "legal", Topic.ACCESS, N_("Access on a legal basis, without asking")
    WITHHELD = (
        "withheld",
        Topic.ACCESS,
        N_("Parts of entries kept from someone, to protect someone else"),
        True,
    )
    OBJECTIONS = "objections", Topic.ACCESS, N_("Objections to a part kept from someone")
    DESTRUCTION_REQUESTS = (
        "destruction_requests",
        Topic.CLOCKS,
        N_("Requests to destroy a dossier"),
    )
    DESTROYED = "destroyed", Topic.CLOCKS, N_("Dossiers destroyed")
    DESTROYED_IN_TIME = (
        "destroyed_in_time",
        Topic.CLOCKS,
        N_("Destroyed within 3 months of the request"),
    )
    DESTRUCTION_LATE = (
        "destruction_late",
        Topic.CLOCKS,
        N_("Requests to destroy a dossier still open after 3 months"),
    )
    COPIES = "copies", Topic.CLOCKS, N_("Copies of a whole dossier downloaded")
    CHECK_INS = "check_ins", Topic.FEELING, N_("Answers to “Do you feel heard?”")


# Figures worked out from two counts (the second is what the first is a part or rate of).
class Derived(StrEnum):
    topic: Topic
    label: str
    part: Measure
    whole: Measure

    def __new__(cls, code: str, topic: Topic, label: str, part: Measure, whole: Measure) -> Derived:
        member = str.__new__(cls, code)
        member._value_ = code
        member.topic, member.label, member.part, member.whole = topic, label, part, whole
        return member

    VIEWS_PER_100 = (
        "views_per_100",
        Topic.PARTICIPATION,
        N_("Views per 100 entries of care professionals"),
        Measure.FAMILY_VIEWS,
        Measure.PROFESSIONAL_ENTRIES,
    )
    IN_TIME_SHARE = (
        "in_time_share",
        Topic.CORRECTIONS,
        N_("Share answered within 4 weeks"),
        Measure.CORRECTIONS_IN_TIME,
        Measure.CORRECTIONS_ANSWERED,
    )
    DESTROYED_IN_TIME_SHARE = (
        "destroyed_in_time_share",
        Topic.CLOCKS,
        N_("Share destroyed within 3 months"),
        Measure.DESTROYED_IN_TIME,
        Measure.DESTROYED,
    )
