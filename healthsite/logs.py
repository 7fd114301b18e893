"""Structured logging: one JSON object per line on stdout.

Process managers, containers and log shippers all read stdout, and one line
per event keeps a traceback from being split into many unrelated records.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping
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
        if record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            # gunicorn passes the request's fields ("atoms") as the arguments.
            atoms = record.args
            event.update(
                method=atoms.get("m"),
                path=atoms.get("U"),
                status=_int_or_none(atoms.get("s")),
                duration_ms=atoms.get("M"),
                remote=atoms.get("h"),
            )
        if record.exc_info:
            event["exception"] = self.formatException(record.exc_info)
        return json.dumps(event, default=str)


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
