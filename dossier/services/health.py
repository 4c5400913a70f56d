"""Whether this process can serve: cheap checks an orchestrator may call every few seconds.

The answers name a check and say ok or not, and nothing else: no versions, hosts or errors."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text

from dossier import migrations
from dossier.config import Settings


@dataclass(frozen=True)
class Readiness:
    checks: dict[str, bool]

    @property
    def ready(self) -> bool:
        return all(self.checks.values())


def readiness(engine: Engine, settings: Settings, keys_loaded: bool) -> Readiness:
    checks = {"database": _database(engine), "keys": keys_loaded and _writable(settings)}
    checks["migrations"] = checks["database"] and _current(engine)
    if settings.redis_url:
        checks["redis"] = _redis(settings.redis_url)
    return Readiness(checks)


def _database(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


def _current(engine: Engine) -> bool:
    try:
        return migrations.is_current(engine)
    except Exception:
        return False


def _writable(settings: Settings) -> bool:
    """New dossiers need their secret written beside the server keys."""
    folder: Path = settings.secrets_dir
    target = folder if folder.exists() else folder.parent
    return target.is_dir() and os.access(target, os.W_OK | os.X_OK)


def _redis(url: str) -> bool:
    from redis import Redis

    try:
        return bool(Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping())
    except Exception:
        return False
