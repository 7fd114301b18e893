"""gunicorn configuration: ``gunicorn -c healthsite/gunicorn.conf.py``.

Reads DJANGO_BIND (default 127.0.0.1:8000), DJANGO_WORKERS (default
2 x CPU cores + 1), DJANGO_WORKER_TIMEOUT (default 30 seconds) and
DJANGO_FORWARDED_ALLOW_IPS (default 127.0.0.1), and gives
DJANGO_DB_STATEMENT_TIMEOUT a default 5 seconds under the worker timeout.
All logs, one JSON object per line and one line per request, go to stderr.
"""

import multiprocessing
import os

from gunicorn.workers.base import Worker

wsgi_app = "healthsite.wsgi:application"
bind = os.environ.get("DJANGO_BIND", "127.0.0.1:8000").split(",")
workers = int(os.environ.get("DJANGO_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"
timeout = int(os.environ.get("DJANGO_WORKER_TIMEOUT") or 30)
graceful_timeout = timeout
# PostgreSQL cancels a query a little before gunicorn would kill its worker
# (settings.py reads this; commands run without it).
os.environ.setdefault("DJANGO_DB_STATEMENT_TIMEOUT", str(max(1, timeout - 5)))
# Import Django once in the master and fork the workers from it: faster
# start-up, less memory, and a broken configuration fails before any worker runs.
preload_app = True
# Recycle workers now and then so a slow leak cannot grow without bound.
# Recycling workers guards against leaks but costs a fork and a cold cache
# each time; under a traffic spike 2,000 requests last well under a second.
max_requests = int(os.environ.get("DJANGO_MAX_REQUESTS") or 0)
max_requests_jitter = max_requests // 10
# gunicorn's own messages and one line per request go to stderr as JSON,
# like Django's (healthsite/logs.py): one stream for every log line.
accesslog = "-"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "healthsite.logs.JsonFormatter"}},
    "handlers": {"stderr": {"class": "healthsite.logs.StderrHandler", "formatter": "json"}},
    "root": {"handlers": ["stderr"], "level": "INFO"},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}
# The TLS proxy in front sets X-Forwarded-Proto; gunicorn trusts it only from
# the addresses listed here (gunicorn's own default is 127.0.0.1).
forwarded_allow_ips = os.environ.get("DJANGO_FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn's runtime control socket defaults to one path per user, which
# several instances on one host would fight over; nothing here uses it.
control_socket_disable = True


def worker_abort(worker: Worker) -> None:
    """Before gunicorn kills a worker past its timeout, log where it was
    stuck: the stack of the request it was serving, as one JSON line."""
    import traceback

    worker.log.critical("Worker timed out; it was at:\n%s", "".join(traceback.format_stack()))
