"""Sources that stay alive (issue 15, item 5): a register of sources shared
across guides, checked by ``manage.py check_sources`` against a local HTTP
server only (127.0.0.1, port 0), and live guides citing a dead or moved
source flagged as due for review on the dashboard."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import import_module

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import override_settings

from articles import content_io, source_check, workflow
from articles.models import (
    Article,
    Reference,
    Revision,
    Source,
    link_references,
    normalise_url,
)
from tests.factories import make_article, make_clinician, make_editor, make_staff, publish
from tests.processes import free_port, fresh_database, manage, site_env

BACKFILL = import_module("articles.migrations.0017_backfill_source_register")
AGENT = "healthsite-test-check/1.0"


# A local web server -----------------------------------------------------------


class Site(ThreadingHTTPServer):
    """Requests seen (method, path, User-Agent) and the most handled at once."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.seen: list[tuple[str, str, str]] = []
        self.lock = threading.Lock()
        self.busy = self.most_busy = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: Site

    def log_message(self, *args: object) -> None:  # keep the test output clean
        pass

    def answer(self, body: bool) -> None:
        site = self.server
        with site.lock:
            site.seen.append((self.command, self.path, self.headers.get("User-Agent", "")))
            site.busy += 1
            site.most_busy = max(site.most_busy, site.busy)
        self.counted = True
        try:
            self.route(body)
        finally:
            self.done()

    def done(self) -> None:
        """This request stops counting as busy: before its answer is
        written, since the client may start its next request as soon as it
        has read it (counting after the write saw one worker twice)."""
        if self.counted:
            self.counted = False
            with self.server.lock:
                self.server.busy -= 1

    def route(self, body: bool) -> None:
        path = self.path
        if path == "/robots.txt":
            return self.send(200, body, b"User-agent: *\nDisallow: /private\n")
        if path.startswith("/ok") or path == "/new-home":
            time.sleep(0.05)  # long enough for the pool's threads to overlap
            return self.send(200, body, b"fine")
        if path == "/moved":
            return self.send(301, body, headers={"Location": "/new-home"})
        if path == "/temporary":
            return self.send(302, body, headers={"Location": "/ok-temporary"})
        if path == "/loop":
            return self.send(301, body, headers={"Location": "/loop"})
        if path == "/no-head" and self.command == "HEAD":
            return self.send(405, body)
        if path == "/no-head":
            return self.send(200, body, b"only GET")
        if path == "/broken":
            return self.send(500, body)
        if path == "/slow":
            time.sleep(3)
            return self.send(200, body, b"late")
        return self.send(404, body)

    def send(self, status: int, body: bool, content: bytes = b"",
             headers: dict[str, str] | None = None) -> None:  # fmt: skip
        self.done()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if body:
            self.wfile.write(content)

    def do_GET(self) -> None:
        self.answer(body=True)

    def do_HEAD(self) -> None:
        self.answer(body=False)


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site()
    # A short poll: shutdown() waits up to one interval (0.5 s by default).
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens: connections are refused."""
    return free_port()


# The local server is on 127.0.0.1, which production never requests.
CONFIG = source_check.Config(user_agent=AGENT, timeout=0.5, max_redirects=3,
                             private_addresses=True)  # fmt: skip


def check(*urls: str, workers: int = 2) -> dict[str, source_check.Result]:
    return {r.url: r for r in source_check.check_all(urls, config=CONFIG, workers=workers)}


# Normalised addresses -----------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "key"),
    [
        ("HTTPS://www.NICE.org.uk/guidance#dose", "https://www.nice.org.uk/guidance"),
        ("https://nice.org.uk", "https://nice.org.uk/"),
        ("http://example.org:80/a?b=1", "http://example.org/a?b=1"),
        ("https://user:secret@example.org:8443/x", "https://example.org:8443/x"),
        ("https://[::1]:8000/", "https://[::1]:8000/"),
        ("javascript:alert(1)", ""),
        ("https://example.org:port/", ""),
        ("", ""),
    ],
)
def test_an_address_is_keyed_in_one_form_without_credentials_or_fragment(given, key):
    assert normalise_url(given) == key


# The register -------------------------------------------------------------------

NICE = {"order": 1, "title": "Benzodiazepines", "publisher": "NICE",
        "url": "https://www.nice.org.uk/guidance/x", "date_accessed": "2024-05-01"}  # fmt: skip


@pytest.mark.django_db
def test_two_guides_citing_one_page_share_one_source_in_the_register():
    first = make_article()
    second = make_article()
    publish(first, sources=[NICE])
    publish(second, sources=[{**NICE, "title": "NICE on benzodiazepines",
                              "url": "HTTPS://WWW.nice.org.uk/guidance/x#section"}])  # fmt: skip
    (source,) = Source.objects.all()
    assert source.url == "https://www.nice.org.uk/guidance/x"
    assert source.title == "Benzodiazepines", "titled as the first guide citing it"
    assert source.state == Source.State.UNCHECKED
    assert set(source.references.values_list("article", flat=True)) == {first.pk, second.pk}


@pytest.mark.django_db
def test_the_register_changes_no_version_or_its_hash():
    article = publish(make_article(), sources=[NICE])
    latest = workflow.latest_revision(article)
    assert latest.sources == [NICE], "a version's sources are what the editor gave, no more"
    assert latest.hash_is_intact()
    Source.objects.update(state=Source.State.DEAD, title="Changed")
    latest = Revision.objects.get(pk=latest.pk)
    assert latest.hash_is_intact()
    assert Article.objects.get(pk=article.pk).live_sources == [NICE]


@pytest.mark.django_db
def test_a_reference_saved_on_its_own_is_linked_and_one_without_an_address_is_not():
    article = make_article()
    linked = Reference.objects.create(article=article, title="A", url="https://a.example/x")
    unlinked = Reference.objects.create(article=article, title="B", order=2)
    assert linked.source.url == "https://a.example/x"
    assert unlinked.source is None


@pytest.mark.django_db
def test_references_loaded_from_a_fixture_join_the_register(tmp_path):
    fixture = tmp_path / "guide.json"
    fixture.write_text(json.dumps([
        {"model": "articles.article", "fields": {
            "title": "Loaded", "slug": "loaded", "summary": "A summary.", "body": "Text."}},
        {"model": "articles.reference", "fields": {
            "article": ["loaded"], "title": "Loaded source", "url": "https://b.example/y",
            "order": 1}},
    ]), encoding="utf-8")  # fmt: skip
    content_io.load_fixture(fixture)
    reference = Reference.objects.get(article__slug="loaded")
    assert reference.source.url == "https://b.example/y"


@pytest.mark.django_db
def test_more_references_than_one_query_holds_are_all_linked():
    article = make_article()
    Reference.objects.bulk_create(
        Reference(article=article, title=f"R{n}", order=n, url=f"https://d.example/{n % 700}")
        for n in range(1200)
    )  # fmt: skip
    assert link_references() == 1200
    assert Source.objects.count() == 700
    assert not Reference.objects.filter(source__isnull=True).exists()


@pytest.mark.django_db
def test_the_data_migration_backfills_existing_references_once_per_address():
    article = make_article()
    for order, url in enumerate(["https://c.example/z", "https://C.example/z#a", ""], start=1):
        Reference.objects.create(article=article, title=f"R{order}", order=order, url=url)
    Reference.objects.update(source=None)
    Source.objects.all().delete()
    BACKFILL.backfill(apps, None)
    (source,) = Source.objects.all()
    assert source.title == "R1"
    assert Reference.objects.filter(source=source).count() == 2
    assert Reference.objects.get(url="").source is None
    BACKFILL.backfill(apps, None)
    assert Source.objects.count() == 1, "running it again adds nothing"


# Checking -----------------------------------------------------------------------


def test_each_kind_of_answer_gets_its_state(site, closed_port):
    base = site.base
    found = check(f"{base}/ok", f"{base}/moved", f"{base}/gone", f"{base}/temporary",
                  f"{base}/no-head", f"{base}/broken", f"{base}/loop",
                  f"http://127.0.0.1:{closed_port}/")  # fmt: skip
    assert (found[f"{base}/ok"].state, found[f"{base}/ok"].status) == ("ok", "200")
    moved = found[f"{base}/moved"]
    assert (moved.state, moved.moved_to) == ("moved", f"{base}/new-home")
    assert (found[f"{base}/gone"].state, found[f"{base}/gone"].failed) == ("dead", False)
    assert found[f"{base}/temporary"].state == "ok", "a temporary redirect is not a move"
    assert found[f"{base}/no-head"].state == "ok", "GET after a refused HEAD"
    assert found[f"{base}/broken"].failed
    assert found[f"{base}/loop"].status == "more than 3 redirects"
    refused = found[f"http://127.0.0.1:{closed_port}/"]
    assert (refused.status, refused.failed) == ("connection refused", True)


def test_a_server_slower_than_the_timeout_is_a_failure_not_a_wait(site):
    started = time.monotonic()
    result = check(f"{site.base}/slow")[f"{site.base}/slow"]
    assert (result.status, result.failed) == ("timed out", True)
    # One request (no GET after a timed-out HEAD), bounded by the timeout.
    assert [path for method, path, _ in site.seen if path == "/slow"] == ["/slow"]
    assert time.monotonic() - started < 3


def test_robots_txt_is_respected_read_once_per_host_and_requests_name_the_site(site):
    found = check(f"{site.base}/private/page", f"{site.base}/ok1", f"{site.base}/ok2",
                  f"{site.base}/ok3")  # fmt: skip
    private = found[f"{site.base}/private/page"]
    assert (private.state, private.status) == (None, "robots.txt disallows checking")
    assert not any(path.startswith("/private") for _, path, _ in site.seen)
    assert [path for _, path, _ in site.seen].count("/robots.txt") == 1
    assert {agent for _, _, agent in site.seen} == {AGENT}


def test_a_robots_txt_refused_with_403_forbids_every_check(site):
    """urllib.robotparser's reading: 401 or 403 on robots.txt allows nothing."""
    robots = source_check.Robots(CONFIG, lambda url, config: 403)
    assert not robots.allows(f"{site.base}/ok")
    assert source_check.Robots(CONFIG, lambda url, config: 404).allows(f"{site.base}/ok")
    assert source_check.Robots(CONFIG, lambda url, config: None).allows(f"{site.base}/ok")


def test_https_to_a_server_that_speaks_plain_http_is_a_failure_not_a_crash(site):
    url = f"https://127.0.0.1:{site.server_address[1]}/ok"
    result = check(url)[url]
    assert result.failed
    assert result.state == "dead"


def test_no_more_requests_are_made_at_once_than_the_workers_allowed(site):
    check(*(f"{site.base}/ok{n}" for n in range(12)), workers=3)
    assert site.most_busy <= 3


# Recording and flagging -----------------------------------------------------------


@pytest.fixture
def cited(site, closed_port, db) -> dict[str, Article]:
    """Live guides citing each kind of page on the local server, and a draft."""
    editor, clinician = make_editor("ed"), make_clinician("dr")
    guides = {}
    for name, url in [("ok", f"{site.base}/ok"), ("moved", f"{site.base}/moved"),
                      ("gone", f"{site.base}/gone"),
                      ("refused", f"http://127.0.0.1:{closed_port}/x")]:  # fmt: skip
        article = make_article(
            author=editor, reviewer=clinician, slug=f"g-{name}", title=f"Guide citing {name}"
        )
        guides[name] = publish(article,
                               editor, clinician,
                               sources=[{**NICE, "title": f"Source {name}", "url": url}])  # fmt: skip
    guides["draft"] = make_article(live=False, author=editor, slug="g-draft", title="Draft guide")
    workflow.save_working_copy(
        article=guides["draft"], user=editor, expected_version=guides["draft"].lock_version,
        sources=[{**NICE, "title": "Source gone", "url": f"{site.base}/gone"}],
    )  # fmt: skip
    return guides


def run_check() -> str:
    from io import StringIO

    out = StringIO()
    with override_settings(SOURCE_CHECK_USER_AGENT=AGENT, SOURCE_CHECK_TIMEOUT=1):
        call_command("check_sources", stdout=out)
    return out.getvalue()


def state(url_end: str) -> Source:
    return Source.objects.get(url__endswith=url_end)


@pytest.mark.django_db
def test_check_sources_records_states_and_flags_live_guides_citing_dead_or_moved_ones(cited):
    summary = run_check()
    assert state("/ok").state == "ok"
    assert state("/ok").last_checked is not None
    assert (state("/moved").state, state("/moved").moved_to.endswith("/new-home")) == (
        "moved",
        True,
    )
    assert (state("/gone").state, state("/gone").last_status) == ("dead", "404")
    refused = state("/x")
    assert (refused.state, refused.failures) == ("unchecked", 1), "one failure is not death"
    flagged = set(Article.objects.citing_broken_sources().values_list("slug", flat=True))
    assert flagged == {"g-moved", "g-gone"}, "live guides only; the draft is not flagged"
    assert "4 source(s)" in summary
    assert "1 ok, 1 moved, 1 dead, 1 unchecked" in summary
    assert "2 live guide(s) cite a dead or moved source" in summary


@pytest.mark.django_db
def test_a_second_run_finds_the_same_and_a_second_failure_in_a_row_is_dead(cited):
    run_check()
    run_check()
    assert state("/x").state == "dead", "the second failure in a row"
    assert state("/x").failures == 2
    assert state("/ok").state == "ok"
    assert Source.objects.count() == 4, "the draft cites a live guide's source; none added"


@pytest.mark.django_db
def test_a_source_that_answers_again_lifts_the_flag(cited, site):
    run_check()
    Source.objects.filter(url__endswith="/gone").update(url=f"{site.base}/ok-again")
    run_check()
    assert "g-gone" not in set(
        Article.objects.citing_broken_sources().values_list("slug", flat=True)
    )


@pytest.mark.django_db
def test_the_dashboard_lists_live_guides_citing_dead_or_moved_sources(cited, client):
    run_check()
    client.force_login(make_editor("ed"))
    html = client.get("/admin/").content.decode()
    assert "Sources to check" in html
    assert "cites “Source gone” (dead)" in html
    assert "cites “Source moved” (moved permanently)" in html
    assert "Source ok" not in html


@pytest.mark.django_db
def test_the_register_lists_sources_by_state_and_the_guides_citing_each(cited, client):
    run_check()
    client.force_login(make_editor("ed"))
    listing = client.get("/admin/articles/source/?attention=yes").content.decode()
    assert "/gone" in listing
    assert "/ok<" not in listing
    gone = state("/gone")
    page = client.get(f"/admin/articles/source/{gone.pk}/change/").content.decode()
    assert cited["gone"].title in page
    assert cited["draft"].title in page


@pytest.mark.django_db
def test_nobody_edits_the_register_in_the_admin(cited, client):
    client.force_login(make_staff("root", superuser=True))
    source = state("/ok")
    response = client.post(f"/admin/articles/source/{source.pk}/change/",
                           {"title": "Tampered", "state": "ok"})  # fmt: skip
    assert response.status_code == 403
    assert Source.objects.get(pk=source.pk).title != "Tampered"
    assert (
        client.post("/admin/articles/source/add/", {"url": "https://x.example/"}).status_code == 403
    )


# As cron runs it ----------------------------------------------------------------------

MAKE_LIVE_GUIDE = """
from articles import workflow
from articles.models import Article
from django.contrib.auth import get_user_model
from articles.management.commands.seed_demo import DEMO_EDITOR, DEMO_REVIEWER
users = get_user_model().objects
editor, reviewer = users.get(username=DEMO_EDITOR), users.get(username=DEMO_REVIEWER)
article = Article.objects.get(slug="valium-diazepam")
sources = [{"order": n, "title": f"Source {n}", "publisher": "", "url": url,
            "date_accessed": None} for n, url in enumerate(URLS, start=1)]
workflow.save_working_copy(article=article, user=editor, expected_version=article.lock_version,
                           sources=sources)
workflow.submit(article=article, user=editor)
latest = workflow.latest_revision(article)
workflow.approve(article=article, reviewer=reviewer, version=latest.number,
                 content_hash=latest.content_hash, smog_reason="Demonstration guide, approved as it is.")
"""


@pytest.mark.slow
def test_check_sources_run_as_cron_would_logs_to_stderr_and_summarises_on_stdout(
    site, closed_port, tmp_path
):
    """`manage.py check_sources` as a process with the production settings:
    stdout is one summary line, stderr one JSON log line per source, and a
    second run records the same states."""
    urls = [f"{site.base}/ok", f"{site.base}/moved", f"{site.base}/gone",
            f"http://127.0.0.1:{closed_port}/"]  # fmt: skip
    with fresh_database(tmp_path, "sources") as database:
        env = site_env(database, tmp_path, DJANGO_SOURCE_CHECK_USER_AGENT=AGENT,
                       DJANGO_SOURCE_CHECK_TIMEOUT="2",
                       DJANGO_SOURCE_CHECK_PRIVATE_ADDRESSES="1")  # fmt: skip
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo")
        manage(env, "shell", "-c", f"URLS = {urls!r}\n{MAKE_LIVE_GUIDE}")
        first = manage(env, "check_sources")
        assert first.stdout.strip().splitlines() == [
            "Checked 4 source(s) (0 reference(s) newly joined to the register): 1 ok, 1 moved, "
            "1 dead, 1 unchecked. 1 live guide(s) cite a dead or moved source and are due for "
            "review."
        ]
        logged = [json.loads(line) for line in first.stderr.splitlines()
                  if line.startswith("{") and '"articles.sources"' in line]  # fmt: skip
        assert sorted(event["url"] for event in logged) == sorted(
            normalise_url(url) for url in urls
        )
        second = manage(env, "check_sources")
        assert "1 ok, 1 moved, 2 dead, 0 unchecked" in second.stdout
        dumped = json.loads(manage(env, "dumpdata", "articles.source").stdout)
        states = {entry["fields"]["url"]: entry["fields"]["state"] for entry in dumped}
        assert states[normalise_url(urls[0])] == "ok"
        assert states[normalise_url(urls[2])] == "dead"
        assert {agent for _, _, agent in site.seen} == {AGENT}


@pytest.mark.parametrize("where", ["/ok", "/moved-away"])
def test_private_addresses_are_never_requested_unless_allowed(site, where):
    """An editor's source at 127.0.0.1 (or a public address redirecting
    there) is not requested from the server: it could reach a database or a
    cloud metadata service. The source keeps its state and says why."""
    production = source_check.Config(user_agent=AGENT, timeout=0.5, max_redirects=3)
    robots = source_check.Robots(production, source_check.fetch_robots)
    result = source_check.check(f"{site.base}{where}", production, robots)
    assert (result.state, result.failed) == (None, False)
    assert result.status == "not checked: 127.0.0.1 is not a public internet address"
    assert site.seen == [], "nothing was requested, robots.txt included"


@pytest.mark.parametrize(
    ("url", "public"),
    [("http://10.0.0.8/x", False), ("http://169.254.169.254/latest/meta-data/", False),
     ("http://[::1]:6379/", False), ("http://localhost/", False), ("http://192.168.1.1/", False),
     ("https://8.8.8.8/", True), ("http://[2001:4860:4860::8888]/", True)],
)  # fmt: skip
def test_not_public_names_every_private_kind_of_address(url, public):
    assert (source_check.not_public(url) == "") is public


def test_production_never_requests_private_addresses_by_default():
    from healthsite import settings as production

    assert production.SOURCE_CHECK_PRIVATE_ADDRESSES is False


def test_a_run_in_which_no_source_answers_records_nothing_and_fails(site, closed_port, cited):
    """No answer from any source means this server's network is down, not
    that every source died: nothing is recorded, and cron sees a failure."""
    from django.core.management import CommandError

    # Every source now points at the port nothing listens on.
    for n, source in enumerate(Source.objects.exclude(url__contains=str(closed_port))):
        Source.objects.filter(pk=source.pk).update(url=f"http://127.0.0.1:{closed_port}/{n}")
    before = list(Source.objects.order_by("pk").values_list("state", "failures", "last_checked"))
    with pytest.raises(CommandError, match="network"):
        run_check()
    after = list(Source.objects.order_by("pk").values_list("state", "failures", "last_checked"))
    assert after == before
