"""Structured logging: one JSON object per line on stdout.

Process managers, containers and log shippers all read stdout, and one line
per event keeps a traceback from being split into many unrelated records.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any


class StdoutHandler(logging.StreamHandler):
    """A stream handler that looks up ``sys.stdout`` on every record, so it
    follows a replaced stdout (gunicorn workers, pytest's capture)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    @property
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)
        if isinstance(path, str):
            event["path"] = path
            event["method"] = getattr(request, "method", None)
        status_code = getattr(record, "status_code", None)
        if isinstance(status_code, int):
            event["status"] = status_code
        if record.exc_info:
            event["exception"] = self.formatException(record.exc_info)
        return json.dumps(event, default=str)
