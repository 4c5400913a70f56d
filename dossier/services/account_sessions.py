"""The sessions a person is logged in with, as they see them on their account: which browser,
since when, last used; and ending one of them, or all but this one.

A person only ever sees and ends their own sessions: another's session id is as unknown as one
that never existed.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import Session

from dossier.actions import Action
from dossier.audit import Event, Outcome, append
from dossier.errors import NotFound
from dossier.models import SessionKind, User, UserSession
from dossier.services.context import Actor, Context, Refused
from dossier.services.sessions import SessionTicket

DEVICE_NAME_MAX = 40

# The first match names the browser: Edge, Opera and Samsung's browser also say "Chrome", and
# Chrome also says "Safari", so the more particular names come first.
_BROWSERS = (
    (re.compile(r"\bEdg(e|A|iOS)?/"), "Edge"),
    (re.compile(r"\b(OPR|Opera)/"), "Opera"),
    (re.compile(r"\bSamsungBrowser/"), "Samsung Internet"),
    (re.compile(r"\b(Firefox|FxiOS)/"), "Firefox"),
    (re.compile(r"\b(HeadlessChrome|Chrome|CriOS|Chromium)/"), "Chrome"),
    (re.compile(r"\bVersion/[\d.]+.*\bSafari/"), "Safari"),
    (re.compile(r"^curl/"), "curl"),
    (re.compile(r"^python-(requests|httpx|urllib)", re.IGNORECASE), "Python"),
)
_PLATFORMS = (
    (re.compile(r"\bAndroid\b"), "Android"),
    (re.compile(r"\b(iPhone|iPod)\b"), "iPhone"),
    (re.compile(r"\biPad\b"), "iPad"),
    (re.compile(r"\bCrOS\b"), "ChromeOS"),
    (re.compile(r"\bWindows\b"), "Windows"),
    (re.compile(r"\bMac OS X\b|\bMacintosh\b"), "Mac"),
    (re.compile(r"\bLinux\b"), "Linux"),
)


@dataclass(frozen=True)
class Device:
    """A browser and the system it runs on, by names people know; None where unknown."""

    browser: str | None
    platform: str | None


def describe_device(user_agent: str | None) -> Device:
    """Plain names from a User-Agent header. Only these two names are kept, never the header."""
    agent = (user_agent or "")[:512]
    browser = next((name for pattern, name in _BROWSERS if pattern.search(agent)), None)
    platform = next((name for pattern, name in _PLATFORMS if pattern.search(agent)), None)
    return Device(browser, platform)


class Network(StrEnum):
    """The kind of network a login came from, seen from the server: the class of the address,
    never the address, which would say where a person lives or works."""

    THIS_COMPUTER = "this_computer"  # loopback: the server's own machine
    LOCAL = "local"  # the server's own local network (private ranges)
    INTERNET = "internet"


def network_of(address: str | None) -> Network | None:
    """The class of a client address; None when there is none or it is not an address."""
    try:
        parsed = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return None
    if parsed.is_loopback:
        return Network.THIS_COMPUTER
    if parsed.is_private or parsed in _SHARED_ADDRESS_SPACE:
        return Network.LOCAL
    return Network.INTERNET


_SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT


@dataclass(frozen=True)
class SessionInfo:
    """One place a person is logged in, as their account page shows it."""

    id: uuid.UUID
    kind: str
    browser: str | None
    platform: str | None
    created_at: datetime
    last_seen_at: datetime
    current: bool
    network: str | None = None


def note_login(ctx: Context, ticket: SessionTicket, user_agent: str | None) -> str | None:
    """Names the new session's browser for its owner, and answers the language the account
    speaks, so a login anywhere brings the pages in that language. A ticket that opens no
    session (see `sessions.decoy_ticket`) names nothing and answers None."""
    device = describe_device(user_agent)
    with ctx.unit_of_work() as db:
        row = db.get(UserSession, ticket.session_id)
        if row is None:
            return None
        row.browser = device.browser
        row.platform = device.platform
        row.network = network_of(ctx.origin.client_address)
        return db.scalar(select(User.language).where(User.id == row.user_id))


def _live(row: UserSession, ctx: Context, now: datetime) -> bool:
    """Whether the session would still let its holder in, by the rule `authenticate` applies."""
    if now >= row.expires_at:
        return False
    idle = timedelta(minutes=ctx.settings.session_idle_minutes)
    return row.kind != SessionKind.WEB or now - row.last_seen_at <= idle


def my_sessions(ctx: Context, actor: Actor) -> list[SessionInfo]:
    """The actor's live sessions: this one first, then the most recently used."""
    now = ctx.now()
    with ctx.unit_of_work() as db:
        rows = db.scalars(select(UserSession).where(UserSession.user_id == actor.user_id)).all()
        found = [
            SessionInfo(
                id=row.id,
                kind=row.kind,
                browser=row.browser,
                platform=row.platform,
                created_at=row.created_at,
                last_seen_at=row.last_seen_at,
                current=row.id == actor.session_id,
                network=row.network,
            )
            for row in rows
            if _live(row, ctx, now)
        ]
    return sorted(found, key=lambda info: (not info.current, -info.last_seen_at.timestamp()))


def end_session(ctx: Context, actor: Actor, session_id: uuid.UUID) -> bool:
    """Logs out one of the actor's own sessions; True when it was the one asking."""
    with ctx.unit_of_work() as db:
        row = db.get(UserSession, session_id)
        if row is None or row.user_id != actor.user_id:
            raise Refused(
                NotFound(),
                _event(Action.ACCOUNT_SESSION_END, actor, session_id, Outcome.DENIED, "not hers"),
            )
        db.delete(row)
        append(db, _event(Action.ACCOUNT_SESSION_END, actor, session_id), ctx.origin, ctx.now())
        return session_id == actor.session_id


def end_other_sessions(ctx: Context, actor: Actor) -> int:
    """Logs out every session of the actor but the one asking; returns how many ended."""
    with ctx.unit_of_work() as db:
        ended = _delete_others(db, actor)
        append(
            db,
            _event(
                Action.ACCOUNT_LOGOUT_OTHERS, actor, actor.session_id, reason=f"{ended} sessions"
            ),
            ctx.origin,
            ctx.now(),
        )
        return ended


def _delete_others(db: Session, actor: Actor) -> int:
    # A DELETE through the session returns a CursorResult; Session.execute is typed for any
    # statement, so SQLAlchemy's documented answer is this cast.
    deleted = cast(
        CursorResult[Any],
        db.execute(
            delete(UserSession).where(
                UserSession.user_id == actor.user_id, UserSession.id != actor.session_id
            )
        ),
    )
    return deleted.rowcount


def _event(
    action: Action,
    actor: Actor,
    session_id: uuid.UUID,
    outcome: Outcome = Outcome.SUCCESS,
    reason: str | None = None,
) -> Event:
    return Event(
        action=action,
        outcome=outcome,
        actor_id=actor.user_id,
        actor_role=actor.role,
        object_type="session",
        object_id=str(session_id),
        reason=reason,
        basis="self",
    )
