"""E-mail for notices: sent through DOSSIER_SMTP_URL when set, written to the log otherwise.

Messages name people and dossiers' owners, never content, and point to the app for the rest.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)
SENDER = "Eigen Dossier <noreply@eigendossier.nl>"


@dataclass(frozen=True)
class Mail:
    to: str = field(repr=False)
    subject: str
    body: str = field(repr=False)


def send(smtp_url: str | None, mail: Mail) -> None:
    if not smtp_url:
        # The log names what was sent, never to whom: an address is personal data.
        log.info("mail not sent (no DOSSIER_SMTP_URL): %s", mail.subject)
        return
    parts = urlsplit(smtp_url)
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message.set_content(mail.body)
    port = parts.port or (465 if parts.scheme == "smtps" else 25)
    connect = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    with connect(parts.hostname or "localhost", port, timeout=10) as server:
        if parts.scheme == "smtp+starttls":
            server.starttls()
        if parts.username:
            server.login(unquote(parts.username), unquote(parts.password or ""))
        server.send_message(message)
