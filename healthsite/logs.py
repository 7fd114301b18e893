"""Structured logging: one JSON object per line on stderr.

Every process logs to stderr, servers and management commands alike, because
a command's stdout is its data: ``manage.py dumpdata > backup.json`` must
write nothing but JSON there. Process managers, containers and log shippers
read stderr as well as stdout, and one line per event keeps a traceback from
being split into many unrelated records.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any


class StderrHandler(logging.StreamHandler):
    """A stream handler that looks up ``sys.stderr`` on every record, so it
    follows a replaced stderr (gunicorn workers, pytest's capture)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

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
        fields = getattr(record, "fields", None)
        if isinstance(fields, Mapping):
            # A domain event's own fields (logger.info(..., extra={"fields": {...}})),
            # one key each, never over the record's own.
            event.update({key: value for key, value in fields.items() if key not in event})
        if record.exc_info:
            event["exception"] = self.formatException(record.exc_info)
        return json.dumps(event, default=str)


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
