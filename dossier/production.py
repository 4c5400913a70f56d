"""The production server: gunicorn, configured from settings, logging JSON lines like the app."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from dossier.config import Settings
from dossier.edge.logs import JsonLines


class JsonLogger(Logger):
    """gunicorn's own messages (workers booting, timeouts) in the app's JSON format. Its access
    log stays off: the app logs each request without query strings."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(JsonLines())


class Production(BaseApplication):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        settings = self.settings
        options: dict[str, Any] = {
            "bind": [settings.bind],
            "workers": settings.workers,
            "worker_class": "gthread",
            "threads": settings.threads,
            "timeout": settings.timeout_seconds,
            "graceful_timeout": 30,
            "keepalive": 5,
            "max_requests": 5000,  # a worker is replaced now and then, bounding slow leaks
            "max_requests_jitter": 500,
            "limit_request_line": 8190,
            "accesslog": None,
            "errorlog": "-",
            "logger_class": JsonLogger,
            "proc_name": "eigen-dossier",
            "control_socket_disable": True,  # nothing to write in a read-only home
        }
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self) -> Callable[..., Iterable[bytes]]:
        # A WSGI application. gunicorn's stubs spell `start_response` more narrowly than
        # typeshed's protocol, which Flask is typed against, so the parameters stay open here.
        from dossier import create_app

        return create_app(self.settings)
