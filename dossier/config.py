"""Settings from `DOSSIER_*` environment variables, validated once at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dossier.crypto import PRODUCTION_KDF_COST, KdfCost

ENVIRONMENTS = ("development", "test", "production")


class ConfigError(RuntimeError):
    """A setting is missing or invalid; the message says which and how to fix it."""


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None


def _flag(environ: Mapping[str, str], name: str, default: bool = False) -> bool:
    raw = (environ.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw in ("0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


@dataclass(frozen=True)
class Settings:
    """Everything the app needs to know about its deployment, and nothing about a request."""

    env: str = "development"
    database_url: str = field(
        default_factory=lambda: f"sqlite:///{Path.cwd() / 'var' / 'dossier.sqlite3'}"
    )
    keys_dir: Path = field(default_factory=lambda: Path.cwd() / "keys")
    kdf_cost: KdfCost = PRODUCTION_KDF_COST
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    api_token_hours: int = 12
    redis_url: str | None = None
    smtp_url: str | None = None
    login_limits: str = "5 per minute;30 per hour"
    address_limits: str = "30 per minute;300 per hour"
    # Changing an account's address or removing it asks for the password: guessing stays slow.
    account_change_limits: str = "5 per hour"
    trusted_proxies: int = 0
    youth_alone_12_15: bool = False
    checkpoint_every_events: int = 1000
    checkpoint_every_minutes: int = 60
    max_concurrent_kdf: int = 4
    kdf_wait_seconds: float = 10.0
    database_timeout_seconds: float = 30.0
    dossier_secrets_dir: Path | None = None
    # The secrets' own database, which every replica reaches; unset: files in `secrets_dir`.
    secrets_url: str | None = None
    debug: bool = False
    bind: str = "127.0.0.1:8000"
    workers: int = field(default_factory=lambda: min(2 * (os.cpu_count() or 1) + 1, 9))
    threads: int = 4
    timeout_seconds: int = 60
    create_keys: bool = False
    worker_interval_seconds: int = 60
    # Where people reach the app: the link in an e-mail, which the worker writes without a request.
    public_url: str = "http://127.0.0.1:8000"
    # A second step at login (an authenticator app or a passkey), required before anything else.
    # Both are on by default in production only: the demo and the tests log in with a password.
    require_second_factor_for_staff: bool = False
    require_second_factor_for_professionals: bool = False
    # Guessing a six-digit code: few tries per half-finished login and per address.
    second_factor_limits: str = "5 per minute;20 per hour"

    @property
    def secrets_dir(self) -> Path:
        """Where each dossier's secret lives without `secrets_url`: never in the database,
        never in its backups."""
        return self.dossier_secrets_dir or self.keys_dir / "dossiers"

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def ratelimit_storage_uri(self) -> str:
        return self.redis_url or "memory://"

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        env = environ.get("DOSSIER_ENV", "development")
        if env not in ENVIRONMENTS:
            raise ConfigError(f"DOSSIER_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
        defaults = cls()
        try:
            kdf_cost = KdfCost(
                time_cost=_int(environ, "DOSSIER_KDF_TIME_COST", defaults.kdf_cost.time_cost),
                memory_kib=_int(environ, "DOSSIER_KDF_MEMORY_KIB", defaults.kdf_cost.memory_kib),
                lanes=_int(environ, "DOSSIER_KDF_LANES", defaults.kdf_cost.lanes),
            )
        except ValueError as exc:
            raise ConfigError(f"DOSSIER_KDF_*: {exc}") from None
        keys_dir = environ.get("DOSSIER_KEYS_DIR")
        secrets_dir = environ.get("DOSSIER_SECRETS_DIR")
        return cls(
            env=env,
            database_url=environ.get("DOSSIER_DATABASE_URL") or defaults.database_url,
            keys_dir=Path(keys_dir) if keys_dir else defaults.keys_dir,
            kdf_cost=kdf_cost,
            session_idle_minutes=_int(environ, "DOSSIER_SESSION_IDLE_MINUTES", 30),
            session_max_hours=_int(environ, "DOSSIER_SESSION_MAX_HOURS", 12),
            api_token_hours=_int(environ, "DOSSIER_API_TOKEN_HOURS", 12),
            redis_url=environ.get("DOSSIER_REDIS_URL") or None,
            smtp_url=environ.get("DOSSIER_SMTP_URL") or None,
            login_limits=environ.get("DOSSIER_LOGIN_LIMITS") or defaults.login_limits,
            account_change_limits=environ.get("DOSSIER_ACCOUNT_CHANGE_LIMITS")
            or defaults.account_change_limits,
            address_limits=environ.get("DOSSIER_ADDRESS_LIMITS") or defaults.address_limits,
            trusted_proxies=_int(environ, "DOSSIER_TRUSTED_PROXIES", 0),
            youth_alone_12_15=_flag(environ, "DOSSIER_YOUTH_ALONE_12_15"),
            checkpoint_every_events=_int(environ, "DOSSIER_CHECKPOINT_EVERY_EVENTS", 1000),
            checkpoint_every_minutes=_int(environ, "DOSSIER_CHECKPOINT_EVERY_MINUTES", 60),
            max_concurrent_kdf=_int(environ, "DOSSIER_MAX_CONCURRENT_KDF", 4),
            database_timeout_seconds=_int(environ, "DOSSIER_DATABASE_TIMEOUT_SECONDS", 30),
            dossier_secrets_dir=Path(secrets_dir) if secrets_dir else None,
            secrets_url=environ.get("DOSSIER_SECRETS_URL") or None,
            debug=_flag(environ, "DOSSIER_DEBUG"),
            bind=environ.get("DOSSIER_BIND") or defaults.bind,
            workers=_int(environ, "DOSSIER_WORKERS", defaults.workers),
            threads=_int(environ, "DOSSIER_THREADS", defaults.threads),
            timeout_seconds=_int(environ, "DOSSIER_TIMEOUT_SECONDS", defaults.timeout_seconds),
            create_keys=_flag(environ, "DOSSIER_CREATE_KEYS"),
            worker_interval_seconds=_int(environ, "DOSSIER_WORKER_INTERVAL_SECONDS", 60),
            public_url=(environ.get("DOSSIER_PUBLIC_URL") or defaults.public_url).rstrip("/"),
            require_second_factor_for_staff=_flag(
                environ, "DOSSIER_REQUIRE_SECOND_FACTOR_FOR_STAFF", default=env == "production"
            ),
            require_second_factor_for_professionals=_flag(
                environ,
                "DOSSIER_REQUIRE_SECOND_FACTOR_FOR_PROFESSIONALS",
                default=env == "production",
            ),
            second_factor_limits=environ.get("DOSSIER_SECOND_FACTOR_LIMITS")
            or defaults.second_factor_limits,
        )

    def check_production(self) -> None:
        """Production never runs on the embedded database, with a weak password cost, or with
        rate limits that each process counts on its own."""
        if not self.production:
            return
        if self.database_url.startswith("sqlite"):
            raise ConfigError("Production needs PostgreSQL: set DOSSIER_DATABASE_URL.")
        if self.debug:
            raise ConfigError("Production never runs with DOSSIER_DEBUG on: it shows internals.")
        if self.kdf_cost.weaker_than(PRODUCTION_KDF_COST):
            raise ConfigError("Production needs at least the default Argon2id cost.")
        if self.secrets_url and self.secrets_url.startswith("sqlite"):
            raise ConfigError("Production keeps dossier secrets in PostgreSQL, or in files.")
        if self.secrets_url and _same_database(self.secrets_url, self.database_url):
            # An old backup of the main database must not hold the secrets that open it.
            raise ConfigError(
                "DOSSIER_SECRETS_URL must name a database of its own, not DOSSIER_DATABASE_URL's."
            )
        if not self.redis_url:
            # Limits counted in each process's memory multiply by the number of processes: three
            # workers let 12 of 20 wrong passwords through where the rule is 5 a minute.
            raise ConfigError(
                "Production needs Redis, so that every process counts login attempts together: "
                "set DOSSIER_REDIS_URL."
            )


def _same_database(one: str, other: str) -> bool:
    from sqlalchemy.engine import make_url

    first, second = make_url(one), make_url(other)
    return (first.host, first.port or 5432, first.database) == (
        second.host,
        second.port or 5432,
        second.database,
    )
