"""Mail without a mail server is logged for the operator: what was sent, never to whom."""

from __future__ import annotations

import logging

import pytest

from dossier.services.mail import Mail, send


def test_a_mail_logged_instead_of_sent_names_no_address_and_no_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="dossier.services.mail"):
        send(
            None, Mail("sanne.de.vries@example.nl", "Er is een dossier met je gedeeld", "ABCD-1234")
        )
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Er is een dossier met je gedeeld" in logged
    assert "sanne.de.vries" not in logged and "ABCD-1234" not in logged
