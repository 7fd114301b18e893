"""Concurrency with real processes: two gunicorn instances (two workers
each) share one database, the default SQLite file or, on the PostgreSQL leg,
a throwaway PostgreSQL database; people use them over HTTP.

- Two editors save different guides through the admin at the same instant:
  on SQLite one of them used to get a 500 ("database is locked") in every
  round, because a DEFERRED transaction that reads and then writes cannot
  wait for another writer.
- Readers read every public page type, and an editor keeps saving, while
  ``import_articles`` loads thousands of files: the import used to be one
  long transaction, and a reader got a 500.
"""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.processes import (
    ROOT,
    AdminSession,
    Server,
    fresh_database,
    get,
    gunicorn_servers,
    manage,
    site_env,
)

ROUNDS = 20
IMPORT_FILES = 2000
PASSWORD = "a-long-enough-passphrase"
PUBLIC_PAGES = [
    "/",
    "/articles/valium-diazepam/",
    "/topics/",
    "/search/?q=diazepam",
    "/feed/",
    "/sitemap-articles.xml",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    """Two servers on one fresh database with both guides and two editors;
    every public request reaches the database (page cache off)."""
    tmp_path = tmp_path_factory.mktemp("contention")
    with fresh_database(tmp_path, "contention") as url:
        env = site_env(
            url,
            tmp_path,
            DJANGO_ACCOUNT_PASSWORD=PASSWORD,
            DJANGO_PAGE_CACHE_SECONDS="0",
            DJANGO_PAGE_CACHE_LOCAL_ENTRIES="0",
            # Each worker's first admin change page loads the pronouncing
            # dictionary (articles/readability.py, 0.25 s idle) and CI may
            # share the machine: a worker killed for slowness is not what
            # this module measures.
            DJANGO_WORKER_TIMEOUT="120",
        )
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        manage(env, "seed_demo")
        for editor in ("eddie", "edna"):
            manage(env, "create_account", editor, "--role", "editor")
        pks = manage(
            env, "shell", "--verbosity", "0", "-c",
            "from articles.models import Article\n"
            "print(*Article.objects.order_by('pk').values_list('pk', flat=True))",
        ).stdout.split()  # fmt: skip
        assert len(pks) == 2
        with gunicorn_servers(env, tmp_path, count=2, workers=2) as servers:
            yield {"env": env, "servers": servers, "pks": pks, "tmp": tmp_path}


def _change_path(pk: str) -> str:
    return f"/admin/articles/article/{pk}/change/"


def _save(session: AdminSession, pk: str, line: str, barrier: threading.Barrier | None) -> int:
    """Open the guide's change form, add ``line`` to the body and save it
    (waiting at ``barrier`` first, so two saves start together)."""
    fields = session.change_form(_change_path(pk))
    fields = [(name, f"{value}\n\n{line}" if name == "body" else value) for name, value in fields]
    fields.append(("_continue", "Save and continue editing"))
    if barrier is not None:
        barrier.wait(timeout=60)
    status, _ = session.request(_change_path(pk), fields)
    return status


def _body(session: AdminSession, pk: str) -> str:
    return dict(session.change_form(_change_path(pk)))["body"]


@pytest.mark.slow
def test_two_editors_saving_different_guides_at_the_same_instant_never_get_a_500(site):
    """20 rounds; in each, both editors post their change form at once, each
    to a different server. Every save succeeds (302) and every line is kept."""
    servers: list[Server] = site["servers"]
    eddie, edna = AdminSession(servers[0].url), AdminSession(servers[1].url)
    eddie.log_in("eddie", PASSWORD)
    edna.log_in("edna", PASSWORD)
    first, second = site["pks"]
    statuses: Counter[int] = Counter()
    with ThreadPoolExecutor(2) as pool:
        for n in range(ROUNDS):
            barrier = threading.Barrier(2)
            saves = [
                pool.submit(_save, eddie, first, f"Eddie's line {n}.", barrier),
                pool.submit(_save, edna, second, f"Edna's line {n}.", barrier),
            ]
            statuses.update(save.result() for save in saves)
    assert statuses == {302: 2 * ROUNDS}
    assert all(f"Eddie's line {n}." in _body(eddie, first) for n in range(ROUNDS))
    assert all(f"Edna's line {n}." in _body(edna, second) for n in range(ROUNDS))


def _write_guides(folder: Path, count: int, *, edition: int = 0) -> None:
    """``count`` Markdown files of about 1,000 words with front matter. A
    later ``edition`` changes every tenth file, so re-importing it updates
    those guides and finds the others unchanged."""
    rng = random.Random(18)
    words = [
        "medicine", "dose", "tablet", "doctor", "pharmacist", "advice", "symptoms", "treatment",
        "sleep", "anxiety", "pain", "blood", "pressure", "heart", "allergy", "children",
        "pregnancy", "alcohol", "driving", "dizziness",
    ]  # fmt: skip
    folder.mkdir(exist_ok=True)
    for n in range(count):
        paragraphs = [
            " ".join(rng.choice(words) for _ in range(100)).capitalize() + "." for _ in range(10)
        ]
        if edition and n % 10 == 0:
            paragraphs.append(f"Edition {edition}.")
        (folder / f"guide-{n}.md").write_text(
            f"---\ntitle: Imported guide {n}\nslug: imported-guide-{n}\n"
            f"summary: An imported guide for the contention test.\n---\n\n"
            + "\n\n## Section\n\n".join(paragraphs),
            encoding="utf-8",
        )


@pytest.mark.slow
def test_readers_and_an_editor_get_no_500_during_a_long_import(site):  # noqa: C901 (readers, an editor and an import in one timeline)
    """While import_articles runs (2,000 new files of about 1,000 words, then
    re-imports in which 200 of them changed, until the readers have had 20
    rounds), readers fetch every public page type from both servers round
    after round and an editor saves a guide every half second: every request
    succeeds and every import completes."""
    servers: list[Server] = site["servers"]
    folder = site["tmp"] / "import"
    editor = AdminSession(servers[0].url)
    editor.log_in("eddie", PASSWORD)
    importing, done = threading.Event(), threading.Event()
    reads: Counter[int] = Counter()
    saves: Counter[int] = Counter()
    rounds = [0, 0]  # rounds of reads that began and ended during an import
    failures: list[str] = []

    def read(index: int) -> None:
        while not done.is_set():
            during = importing.is_set()
            for page in PUBLIC_PAGES:
                status, _ = get(servers[index].url + page, timeout=60)
                reads[status] += 1
                if status != 200:
                    failures.append(f"{page} on server {index}: {status}")
            if during and importing.is_set():
                rounds[index] += 1

    def edit() -> None:
        n = 0
        while not done.is_set():
            if importing.is_set():
                saves[_save(editor, site["pks"][0], f"Saved during an import, {n}.", None)] += 1
                n += 1
            time.sleep(0.5)

    imports = []
    with ThreadPoolExecutor(3) as pool:
        jobs = [pool.submit(read, 0), pool.submit(read, 1), pool.submit(edit)]
        try:
            for edition in range(4):
                _write_guides(folder, IMPORT_FILES, edition=edition)
                importing.set()
                imports.append(subprocess.run(
                    [sys.executable, "manage.py", "import_articles", str(folder), "--user", "edna"],
                    cwd=ROOT, env=site["env"], capture_output=True, text=True, timeout=600,
                ))  # fmt: skip
                importing.clear()
                if min(rounds) >= ROUNDS:
                    break
        finally:
            importing.clear()
            done.set()
        for job in jobs:
            job.result()

    for result in imports:
        assert result.returncode == 0, result.stderr
    assert f"{IMPORT_FILES} created" in imports[0].stdout
    for result in imports[1:]:
        assert f"{IMPORT_FILES // 10} updated, {IMPORT_FILES - IMPORT_FILES // 10} unchanged" in (
            result.stdout
        )
    assert failures == []
    assert set(reads) == {200}
    assert min(rounds) >= ROUNDS, (rounds, len(imports))
    assert set(saves) == {302}, saves
    assert saves[302] >= 3, saves


@pytest.mark.slow
def test_sqlite_connections_use_wal_immediate_transactions_and_the_busy_timeout(tmp_path):
    """What every SQLite connection of the site is set to (on either leg: the
    default database is SQLite): WAL, synchronous=NORMAL (1), a busy timeout
    of DJANGO_DB_BUSY_TIMEOUT seconds, and BEGIN IMMEDIATE in atomic blocks."""
    code = (
        "import django; django.setup()\n"
        "from django.db import connection, transaction\n"
        "with connection.cursor() as cursor:\n"
        "    print(*(cursor.execute(f'PRAGMA {p}').fetchone()[0]\n"
        "            for p in ('journal_mode', 'synchronous', 'busy_timeout')))\n"
        "statements = []\n"
        "def record(execute, sql, params, many, context):\n"
        "    statements.append(sql)\n"
        "    return execute(sql, params, many, context)\n"
        "with connection.execute_wrapper(record), transaction.atomic():\n"
        "    connection.cursor().execute('SELECT 1')\n"
        "print(statements[0])\n"
    )
    for timeout, expected in (("", "wal 1 10000"), ("3", "wal 1 3000")):
        env = site_env(f"sqlite:///{tmp_path / 'settings.sqlite3'}", tmp_path)
        if timeout:
            env["DJANGO_DB_BUSY_TIMEOUT"] = timeout
        result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                                capture_output=True, text=True, check=False)  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert result.stdout.split("\n")[:2] == [expected, "BEGIN IMMEDIATE"]
