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

ROOT = Path(__file__).resolve().parent.parent.parent
SLUG = "valium-diazepam"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


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
    """Status and body, without following redirects."""
    try:
        with urllib.request.build_opener(_NoRedirect).open(url, timeout=10) as response:
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
        ["seed_demo"],
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


_PEOPLE = (
    "from django.contrib.auth.models import Group, User\n"
    "from articles import workflow\n"
    "from articles.models import Article, ReviewerProfile\n"
    "editor, _ = User.objects.get_or_create(username='multi-editor')\n"
    "editor.groups.add(Group.objects.get(name='Editors'))\n"
    "clinician, _ = User.objects.get_or_create(username='multi-clinician')\n"
    "clinician.groups.add(Group.objects.get(name='Clinical reviewers'))\n"
    "ReviewerProfile.objects.get_or_create(user=clinician, defaults={'display_name': 'Dr Multi'})\n"
)
# approve() as the review screen calls it: the version the clinician read.
# The one line to adapt if approve() asks for more of what was read.
_APPROVE = (
    "article = Article.objects.get(pk=article.pk)\n"
    "latest = workflow.latest_revision(article)\n"
    "workflow.approve(article=article, reviewer=clinician, version=latest.number,"
    " content_hash=latest.content_hash, smog_reason='Seed guide above the SMOG target.')\n"
)


def _workflow(env: dict[str, str], steps: str) -> float:
    """Run workflow steps in a separate process (as the admin of another
    instance would); returns the wall-clock time just after they committed."""
    code = _PEOPLE + steps + "import time; print(time.time())\n"
    return float(_manage(env, "shell", "-c", code).split()[-1])


def _edit(current_slug: str, /, **changes: str) -> str:
    assignments = "".join(f"article.{name} = {value!r}\n" for name, value in changes.items())
    return (
        f"article = Article.objects.get(slug={current_slug!r})\n" + assignments +
        "workflow.save_working_copy(article=article, user=editor,"
        " expected_version=article.lock_version)\n"
    )  # fmt: skip


def _publish(current_slug: str, /, **changes: str) -> str:
    return (
        _edit(current_slug, **changes)
        + "workflow.submit(article=article, user=editor)\n"
        + _APPROVE
    )


def publish_new_version(env: dict[str, str], text: str) -> None:
    """Publish a new version of the guide through one instance's environment,
    the way the admin does: an editor's change, submitted, then approved by
    a clinician through articles.workflow."""
    _workflow(env, (
        f"article = Article.objects.get(slug={SLUG!r})\n"
        f"article.body += '\\n\\n' + {text!r}\n"
        "workflow.save_working_copy(article=article, user=editor,"
        " expected_version=article.lock_version)\n"
        "workflow.submit(article=article, user=editor)\n" + _APPROVE
    ))  # fmt: skip


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


def _public_urls(slug: str) -> list[str]:
    return [
        "/", f"/articles/{slug}/", "/topics/", "/topics/anxiety/", "/topics/diazepam/",
        "/feed/", "/sitemap.xml", "/sitemap-articles.xml", "/search/?q=diazepam",
    ]  # fmt: skip


def _wait_for_every_url(
    instances: tuple[Instance, ...], committed_at: float, checks: dict[str, object]
) -> float:
    """Poll each URL on each instance until its check passes; returns the
    slowest time after the commit. Fails if any took over 1 s."""
    slowest = 0.0
    for instance in instances:
        for url, check in checks.items():
            while True:
                status, body = _get(instance.url + url)
                seen_at = time.time()
                if check(status, body):
                    slowest = max(slowest, seen_at - committed_at)
                    break
                assert seen_at - committed_at < 1.0, (
                    f"{instance.url}{url} still stale after 1 s: {status} {body[:300]}"
                )
                time.sleep(0.02)
    return slowest


def test_every_kind_of_public_change_reaches_every_public_url_of_both_instances_within_1_s(
    two_instances, server_env
):
    """Issue 11, Deliver 8: after a publish, a correction, a slug change and
    an archive, made through another process, every public URL on both
    instances reflects it within 1 s, and an old slug answers 301. Each
    step starts with every URL cached on both instances."""
    a, b = two_instances
    instances = (a, b)

    def warm(slug: str) -> None:
        for instance in instances:
            for url in _public_urls(slug):
                for _ in range(2):
                    assert _get(instance.url + url)[0] == 200, url

    title = "Valium (diazepam): a newly approved title"
    warm(SLUG)
    committed = _workflow(server_env, _publish(SLUG, title=title))
    shows_title = lambda status, body: status == 200 and title in body  # noqa: E731
    _wait_for_every_url(instances, committed, {
        "/": shows_title, f"/articles/{SLUG}/": shows_title, "/topics/anxiety/": shows_title,
        "/topics/diazepam/": shows_title, "/feed/": shows_title,
        "/search/?q=diazepam": shows_title,
    })  # fmt: skip

    note = "We corrected the usual adult dose."
    warm(SLUG)
    committed = _workflow(server_env, _publish(SLUG, body="## Dose\n\nCorrected text.",
                                               correction_note=note))  # fmt: skip
    _wait_for_every_url(
        instances,
        committed,
        {
            f"/articles/{SLUG}/": lambda status, body: (
                status == 200 and note in body and "Corrected text." in body
            ),
        },
    )

    new_slug = "valium-diazepam-guide"
    warm(SLUG)
    committed = _workflow(server_env, _publish(SLUG, slug=new_slug))
    links_new = lambda status, body: (  # noqa: E731
        status == 200 and f"/articles/{new_slug}/" in body and f"/articles/{SLUG}/" not in body
    )
    _wait_for_every_url(instances, committed, {
        f"/articles/{SLUG}/": lambda status, body: status == 301,
        f"/articles/{new_slug}/": lambda status, body: status == 200 and title in body,
        "/": links_new, "/topics/anxiety/": links_new, "/topics/diazepam/": links_new,
        "/feed/": links_new, "/sitemap-articles.xml": links_new, "/search/?q=diazepam": links_new,
    })  # fmt: skip
    for instance in instances:
        with pytest.raises(urllib.error.HTTPError) as redirect:
            urllib.request.build_opener(_NoRedirect).open(instance.url + f"/articles/{SLUG}/")
        assert redirect.value.headers["Location"] == f"/articles/{new_slug}/"

    warm(new_slug)
    committed = _workflow(server_env, (
        f"article = Article.objects.get(slug={new_slug!r})\n"
        "admin = User.objects.create_superuser('multi-admin', 'a@example.org', 'x' * 20)\n"
        "workflow.archive(article=article, user=admin)\n"
    ))  # fmt: skip
    gone = lambda status, body: status == 200 and f"/articles/{new_slug}/" not in body  # noqa: E731
    _wait_for_every_url(instances, committed, {
        f"/articles/{new_slug}/": lambda status, body: status == 404,
        f"/articles/{SLUG}/": lambda status, body: status == 404,
        "/": gone, "/topics/anxiety/": gone, "/topics/diazepam/": gone, "/feed/": gone,
        "/sitemap-articles.xml": gone, "/search/?q=diazepam": gone,
    })  # fmt: skip
