"""The ceiling: saved HTML pages served as static files by whitenoise,
under the same gunicorn settings as the site (bench/run.py starts it)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from whitenoise import WhiteNoise


def _not_found(environ: dict, start_response: Callable) -> Iterable[bytes]:
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found"]


application = WhiteNoise(_not_found, root=os.environ["BENCH_CEILING_ROOT"], index_file=True)
