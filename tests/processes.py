"""Helpers for tests that run the site as real processes: ``manage.py``
commands and gunicorn servers sharing one database.

On the PostgreSQL leg (``DATABASE_URL=postgres://...``) each test gets a
throwaway database named after the configured one plus a suffix; on the
SQLite leg, a file in the test's temporary folder.
"""

from __future__ import annotations

import http.cookiejar
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent


def on_postgresql() -> bool:
    """Whether this run of the suite is the PostgreSQL leg."""
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


@contextmanager
def fresh_database(tmp_path: Path, suffix: str) -> Iterator[str]:
    """A database URL for an empty database of the suite's kind, dropped afterwards."""
    if not on_postgresql():
        yield f"sqlite:///{tmp_path / (suffix + '.sqlite3')}"
        return

    import psycopg

    base, _, name = os.environ["DATABASE_URL"].rpartition("/")
    name = f"{name.split('?')[0]}_{suffix}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def site_env(database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    """A production-like environment (DEBUG off, plain HTTP on loopback) for
    processes of the site, with none of the caller's DJANGO_ variables."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DJANGO_") and k not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_HTTPS="0",
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="healthsite.settings",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
        DJANGO_CACHE_DIR=str(tmp_path / "cache"),
    )
    env.update(extra)
    return env


def manage(
    env: dict[str, str], *args: str, stdout: IO[bytes] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run ``manage.py ARGS`` and fail the test unless it exits 0."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=stdout if stdout is not None else subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=stdout is None,
        check=False,
        timeout=timeout,
    )
    stderr = result.stderr if isinstance(result.stderr, str) else result.stderr.decode()
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{stderr}"
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, timeout: float = 10) -> tuple[int, str]:
    """GET a URL; the status and body, for error statuses too."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path


@contextmanager
def gunicorn_servers(
    env: dict[str, str], log_dir: Path, count: int = 2, workers: int = 2
) -> Iterator[list[Server]]:
    """``count`` gunicorn instances with healthsite/gunicorn.conf.py, each on
    its own port; stopped afterwards. Their logs go to ``log_dir``."""
    servers: list[Server] = []
    try:
        for n in range(count):
            port = free_port()
            log = log_dir / f"gunicorn-{n}.log"
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "healthsite/gunicorn.conf.py"],
                cwd=ROOT,
                env={**env, "DJANGO_BIND": f"127.0.0.1:{port}", "DJANGO_WORKERS": str(workers)},
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
            )
            servers.append(Server(f"http://127.0.0.1:{port}", process, log))
        for server in servers:
            _wait_until_healthy(server)
        yield servers
    finally:
        for server in servers:
            server.process.terminate()
        for server in servers:
            try:
                # gunicorn's graceful timeout is 30 s; a loaded machine may need longer.
                server.process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait(timeout=30)


def _wait_until_healthy(server: Server) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"gunicorn exited during start-up:\n{server.log.read_text()}")
        try:
            if get(server.url + "/healthz", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{server.url} did not become healthy:\n{server.log.read_text()}")


# --- A signed-in admin user over real HTTP ------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


class _FormParser(HTMLParser):
    """The successful controls of one form, as a browser would submit them
    (without any submit button): inputs, checked boxes, textareas, selects."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or "disabled" in a:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            self.fields.append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea:
            text = "".join(self._text)
            # HTML drops one newline straight after <textarea>.
            self.fields.append((self._textarea, text.removeprefix("\n")))
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)


def form_fields(html: str, form_id: str) -> list[tuple[str, str]]:
    """What a browser would post from the form ``form_id`` of ``html``."""
    parser = _FormParser(form_id)
    parser.feed(html)
    return parser.fields


class AdminSession:
    """One person signed in to the admin of one server, with cookies and CSRF
    tokens handled as a browser does; redirects are returned, not followed."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def request(
        self, path: str, fields: list[tuple[str, str]] | None = None, timeout: float = 60
    ) -> tuple[int, str]:
        """GET ``path``, or POST ``fields`` to it; the status and body."""
        data = urllib.parse.urlencode(fields).encode() if fields is not None else None
        req = urllib.request.Request(self.base_url + path, data=data)
        try:
            with self.opener.open(req, timeout=timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def log_in(self, username: str, password: str) -> None:
        status, html = self.request("/admin/login/")
        assert status == 200, status
        fields = dict(form_fields(html, "login-form"))
        fields.update(username=username, password=password, next="/admin/")
        status, html = self.request("/admin/login/", list(fields.items()))
        assert status == 302, f"login as {username} failed: {status}"

    def change_form(self, path: str) -> list[tuple[str, str]]:
        status, html = self.request(path)
        assert status == 200, f"GET {path}: {status}"
        return form_fields(html, "article_form")
