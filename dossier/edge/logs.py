"""Structured logs: one JSON object per line, each tagged with the request it belongs to.

What is written: time, level, logger, a fixed message, the request id, and for requests the
method, the route's path without its query string, status and duration. Never a request body,
query string, header, cookie or exception message: those can hold content, tokens or passwords.
An exception is logged by its type and the lines of code it passed through."""

from __future__ import annotations

import json
import logging
import time
import traceback
from datetime import UTC, datetime

from flask import Flask, Response, g, has_request_context, request

from dossier.edge.context import request_id

REQUEST_LOGGER = "dossier.request"


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            line["request_id"] = request_id()
        line.update(getattr(record, "fields", {}))
        if record.exc_info and record.exc_info[0] is not None:
            kind, _value, trace = record.exc_info
            line["exception"] = kind.__name__
            line["stack"] = [
                f"{frame.filename}:{frame.lineno} in {frame.name}"
                for frame in traceback.extract_tb(trace)
            ]
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(level: str = "INFO") -> None:
    """JSON lines on standard error for this process: the app's loggers and gunicorn's."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("gunicorn.error", "gunicorn.access", "rq.worker"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)


def init_app(app: Flask) -> None:
    log = logging.getLogger(REQUEST_LOGGER)

    @app.before_request
    def _start_clock() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _log_request(response: Response) -> Response:
        started = g.get("started")
        log.info(
            "request",
            extra={
                "fields": {
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1)
                    if started
                    else None,
                }
            },
        )
        return response
