"""Whether this process can serve: cheap checks an orchestrator may call every few seconds.

The answers name a check and say ok or not, and nothing else: no versions, hosts or errors."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from dossier import migrations
from dossier.config import Settings
from dossier.secret_store import open_store

# Below this much free space where an SQLite database lives, writes are about to fail: the
# next attachment alone can be 20 MiB, and the write-ahead log grows before it is folded back.
SQLITE_HEADROOM_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Readiness:
    checks: dict[str, bool]

    @property
    def ready(self) -> bool:
        return all(self.checks.values())


def readiness(engine: Engine, settings: Settings, keys_loaded: bool) -> Readiness:
    checks = {"database": _database(engine), "keys": keys_loaded}
    checks["secrets"] = open_store(settings).ready()
    checks["migrations"] = checks["database"] and _current(engine)
    if settings.redis_url:
        checks["redis"] = _redis(settings.redis_url)
    return Readiness(checks)


def _database(engine: Engine) -> bool:
    """Reachable, and taking writes: a database that is read-only or full serves no one."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            if connection.dialect.name != "sqlite":
                return connection.exec_driver_sql("SHOW transaction_read_only").scalar() == "off"
            # A write that changes nothing, rolled back: a file opened read-only refuses it.
            version = connection.exec_driver_sql("PRAGMA user_version").scalar()
            connection.exec_driver_sql(f"PRAGMA user_version = {int(version or 0)}")
            connection.rollback()
            return not _sqlite_full(connection)
    except Exception:
        return False


def _sqlite_full(connection: Connection) -> bool:
    """The file at its page limit with no free page inside, or its disk nearly full."""

    def pragma(name: str) -> int:
        return int(connection.exec_driver_sql(f"PRAGMA {name}").scalar_one())

    if pragma("page_count") >= pragma("max_page_count") and pragma("freelist_count") == 0:
        return True
    files = {row[1]: row[2] for row in connection.exec_driver_sql("PRAGMA database_list")}
    if not files.get("main"):
        return False  # in memory
    return shutil.disk_usage(Path(files["main"]).parent).free < SQLITE_HEADROOM_BYTES


def _current(engine: Engine) -> bool:
    try:
        return migrations.is_current(engine)
    except Exception:
        return False


def _redis(url: str) -> bool:
    from redis import Redis

    try:
        return bool(Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping())
    except Exception:
        return False
