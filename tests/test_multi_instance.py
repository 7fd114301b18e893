"""Several gunicorn instances sharing one database and one cache stay
consistent: publishing through one instance is seen by the others at once.
Each test runs twice: with Redis, and with the default cache on disk.

This starts real server processes with healthsite/gunicorn.conf.py. On the
PostgreSQL leg (DATABASE_URL=postgres://...) they share a throwaway database
named after the test database with ``_multi`` appended; on the SQLite leg
they share a SQLite file. Both legs share Redis (TEST_REDIS_URL, default
database 5) under a key prefix of their own, removed afterwards.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

# Slow: starts real gunicorn servers.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SLUG = "valium-diazepam"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


@dataclass
class Instance:
    url: str
    env: dict[str, str]
    process: subprocess.Popen


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def shared_database(tmp_path: Path) -> Iterator[str]:
    """A database URL both instances use, created empty for this test."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path / 'shared.sqlite3'}"
        return

    import psycopg

    base, _, name = url.rpartition("/")
    name = name.split("?")[0] + "_multi"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    yield f"{base}/{name}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def shared_redis() -> Iterator[str]:
    """A key prefix of this test's own in the shared Redis; its keys, and
    only its keys, are deleted afterwards."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis is not reachable at {REDIS_URL}: {error}")
    prefix = f"hs-multi-test-{secrets.token_hex(4)}"
    yield prefix
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(params=["redis", "disk"])
def server_env(
    request: pytest.FixtureRequest, shared_database: str, shared_redis: str, tmp_path: Path
) -> dict[str, str]:
    """The environment of the servers: sharing Redis (several machines) or,
    without REDIS_URL, the default cache on disk (one machine, many workers)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DJANGO_") and k not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_HTTPS="0",
        DJANGO_WORKERS="2",
        DATABASE_URL=shared_database,
        DJANGO_CACHE_KEY_PREFIX=shared_redis,
        DJANGO_SETTINGS_MODULE="healthsite.settings",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
    )
    if request.param == "redis":
        env["REDIS_URL"] = REDIS_URL
    else:
        env["DJANGO_CACHE_DIR"] = str(tmp_path / "cache")
    for command in (
        ["migrate", "--noinput"],
        ["collectstatic", "--noinput", "--verbosity", "0"],
        ["load_guides"],
    ):
        _manage(env, *command)
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def two_instances(
    server_env: dict[str, str], tmp_path: Path
) -> Iterator[tuple[Instance, Instance]]:
    instances = []
    try:
        for n in range(2):
            port = _free_port()
            env = {**server_env, "DJANGO_BIND": f"127.0.0.1:{port}"}
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "healthsite/gunicorn.conf.py"],
                cwd=ROOT,
                env=env,
                stdout=(tmp_path / f"instance-{n}.log").open("w"),
                stderr=subprocess.STDOUT,
            )
            instances.append(Instance(f"http://127.0.0.1:{port}", env, process))
        for instance in instances:
            _wait_until_healthy(instance)
        yield instances[0], instances[1]
    finally:
        for instance in instances:
            instance.process.terminate()
        for instance in instances:
            instance.process.wait(timeout=30)


def _wait_until_healthy(instance: Instance) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert instance.process.poll() is None, "gunicorn exited during start-up"
        try:
            if _get(instance.url + "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{instance.url} did not become healthy")


def _change_body_without_invalidating(env: dict[str, str], text: str) -> None:
    """A raw UPDATE: no save(), no signal, no cache invalidation."""
    _manage(
        env,
        "shell",
        "-c",
        "from articles.models import Article; "
        f"Article.objects.filter(slug={SLUG!r}).update(live_body_html={text!r})",
    )


def publish_new_version(env: dict[str, str], text: str) -> None:
    """Publish a new version of the guide through one instance's environment,
    the way the admin does: an editor's change, submitted, then approved by
    a clinician through articles.workflow."""
    code = (
        "from django.contrib.auth.models import Group, User\n"
        "from articles import workflow\n"
        "from articles.models import Article\n"
        "editor, _ = User.objects.get_or_create(username='multi-editor')\n"
        "editor.groups.add(Group.objects.get(name='Editors'))\n"
        "clinician, _ = User.objects.get_or_create(username='multi-clinician')\n"
        "clinician.groups.add(Group.objects.get(name='Clinical reviewers'))\n"
        f"article = Article.objects.get(slug={SLUG!r})\n"
        f"article.body = article.body + '\\n\\n' + {text!r}\n"
        "workflow.save_working_copy(article=article, user=editor,"
        " expected_version=article.lock_version)\n"
        "workflow.submit(article=article, user=editor)\n"
        "workflow.approve(article=article, reviewer=clinician)\n"
    )
    _manage(env, "shell", "-c", code)


def test_a_version_published_through_one_instance_is_served_by_the_other_at_once(
    two_instances, server_env
):
    """After a publish through instance A, instance B's next response carries
    the new text: the cached pages of every instance are invalidated."""
    a, b = two_instances
    page = f"/articles/{SLUG}/"
    for instance in (a, b):
        status, html = _get(instance.url + page)
        assert status == 200
        assert "Valium (diazepam)" in html

    # The pages are really cached: a change that skips invalidation is not seen.
    _change_body_without_invalidating(server_env, "<p>Unpublished sneaky change</p>")
    for instance in (a, b):
        assert "Unpublished sneaky change" not in _get(instance.url + page)[1]

    publish_new_version(a.env, "Newly approved advice text.")

    status, html = _get(b.url + page)
    assert status == 200
    assert "Newly approved advice text." in html
    assert "Newly approved advice text." in _get(a.url + page)[1]


def test_gunicorn_and_django_log_one_json_object_per_line(two_instances, tmp_path):
    """Everything an instance prints (gunicorn's messages, access lines,
    Django's logs) is one JSON object per line; access lines carry the path
    and status."""
    a, _ = two_instances
    _get(a.url + "/articles/no-such-guide/")
    _get(a.url + "/")

    def access_events() -> list[dict]:
        # gunicorn writes the access line just after the response is sent.
        lines = (tmp_path / "instance-0.log").read_text().splitlines()
        events = [json.loads(line) for line in lines if line]
        return [e for e in events if e["logger"] == "gunicorn.access"]

    deadline = time.monotonic() + 10
    while not any(e["path"] == "/" for e in access_events()):
        assert time.monotonic() < deadline, "no access line for /"
        time.sleep(0.1)
    access = access_events()
    assert any(e["path"] == "/" and e["status"] == 200 and e["method"] == "GET" for e in access)
    assert any(e["path"] == "/articles/no-such-guide/" and e["status"] == 404 for e in access)
