"""Every kind of notice says itself in an e-mail subject and on the start page."""

from __future__ import annotations

from dossier.services.notices import SUBJECTS, NoticeKind
from dossier.web.blueprint import NOTICE_TEXTS


def test_every_notice_kind_has_a_subject_and_a_line_on_the_start_page() -> None:
    assert set(SUBJECTS) == set(NoticeKind)
    assert set(NOTICE_TEXTS) == set(NoticeKind)
    assert all(SUBJECTS[kind] and NOTICE_TEXTS[kind] for kind in NoticeKind)
