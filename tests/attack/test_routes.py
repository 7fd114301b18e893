"""Attacks on the features added with issues 13 to 16 (workflow steps and
"Confirm still accurate", the clinical owner, outside review links, reader
feedback, evidence packs, search synonyms, the review cycle). Each test is a
promise the site makes; it fails if the promise can be broken."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.urls import reverse

from articles import workflow
from articles.models import Article, Review, SearchSynonym
from feedback.models import Feedback
from outside_review import services
from outside_review.models import OutsideReview
from tests.factories import (
    approve,
    edit,
    make_article,
    make_clinician,
    make_editor,
    make_user,
)

pytestmark = pytest.mark.django_db
ORIGIN = "http://testserver"


def read(article: Article) -> dict:
    latest = workflow.latest_revision(article)
    return {"version": latest.number, "content_hash": latest.content_hash}


def step_url(article: Article, step: str) -> str:
    return f"/admin/articles/article/{article.pk}/workflow/{step}/"


# --- 1. Steps: confirm still accurate, archive confirmation, bulk actions ----


def test_nobody_but_a_clinician_who_wrote_none_of_it_confirms_by_post(client):
    editor = make_editor("ed2")
    writer = make_clinician("writer")
    article = make_article(live=False, author=writer)
    workflow.submit(article=article, user=editor)
    approve(article, make_clinician("checker"))
    article = Article.objects.get(pk=article.pk)
    superuser = make_user("root", superuser=True)
    for user in (editor, writer, superuser):
        client.force_login(user)
        before = Review.objects.count()
        response = client.post(step_url(article, "confirm_accurate"), read(article))
        assert response.status_code == 302
        assert Review.objects.count() == before, user.username
    # The command applies the same rules.
    for user in (editor, writer, superuser):
        latest = read(article)
        with pytest.raises(CommandError):
            call_command("workflow", "confirm-accurate", article.slug, "--user", user.username,
                         "--revision", str(latest["version"]), "--hash", latest["content_hash"],
                         stdout=StringIO())  # fmt: skip


@pytest.mark.parametrize("version", ["１", "1.0", "-1", "9" * 40, "0x1", " 1", "\x00"])
def test_an_odd_version_number_is_a_400_not_a_500(client, version):
    article = make_article()
    client.force_login(make_clinician("other"))
    response = client.post(step_url(article, "confirm_accurate"),
                           {"version": version, "content_hash": "x"})  # fmt: skip
    assert response.status_code in (302, 400)


@pytest.mark.parametrize("confirmed", [None, "YES", "1", "true", ["yes", "no"]])
def test_archive_is_not_taken_without_the_confirmation_pages_yes(client, confirmed):
    article = make_article()
    client.force_login(make_editor("ed"))
    data = {} if confirmed is None else {"confirmed": confirmed}
    client.post(step_url(article, "archive"), data)
    client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "archive_selected", "_selected_action": [article.pk], **data},
    )
    assert Article.objects.get(pk=article.pk).is_live


@pytest.mark.parametrize(
    "action",
    [
        "approve_selected",
        "confirm_accurate_selected",
        "request_changes_selected",
        "restore_selected",
        "confirm_rendering_selected",
        "delete_selected",
    ],
)
def test_no_bulk_action_reaches_a_step_without_a_bulk_entry(client, action):
    article = make_article()
    edit(article, make_editor("ed"), body="Pending.")
    workflow.submit(article=article, user=make_editor("ed"))
    client.force_login(make_user("root", superuser=True))
    client.post(
        reverse("admin:articles_article_changelist"),
        {"action": action, "_selected_action": [article.pk], "confirmed": "yes"},
    )
    after = Article.objects.get(pk=article.pk)
    assert after.status == Article.Status.IN_REVIEW
    assert after.live_version == article.live_version


@pytest.mark.parametrize("step", ["..", "nope", "APPROVE", "approve%00", "x" * 300])
def test_an_unknown_step_is_refused_without_a_500(client, step):
    article = make_article()
    client.force_login(make_clinician("other"))
    assert client.post(step_url(article, step), {}).status_code in (302, 404)


# --- 3. Outside review links -----------------------------------------------


@pytest.fixture
def link_setup():
    clinician = make_clinician("clin")
    article = make_article()
    edit(article, make_editor("ed"), body="## Dose\n\nTwo tablets.")
    link, token = services.create_link(revision=services.latest_revision(article),
                                       created_by=clinician)  # fmt: skip
    return Article.objects.get(pk=article.pk), link, token


RESPONSE = {"name": "Sam", "role": "Pharmacist", "comment": "Fine.", "recommendation": "agree"}


def test_a_response_changes_nothing_of_the_guide(client, link_setup):
    article, _link, token = link_setup
    before = Article.objects.filter(pk=article.pk).values().get()
    response = client.post(f"/outside-review/{token}/", RESPONSE)
    assert response.status_code == 200
    assert OutsideReview.objects.count() == 1
    after = Article.objects.filter(pk=article.pk).values().get()
    assert after == before
    assert not Review.objects.filter(article=article, revision__number=read(article)["version"])


def test_a_link_is_void_once_a_newer_version_exists(client, link_setup):
    article, _link, token = link_setup
    edit(article, make_editor("ed"), body="## Dose\n\nThree tablets.")
    assert client.post(f"/outside-review/{token}/", RESPONSE).status_code == 410
    assert client.get(f"/outside-review/{token}/").status_code == 410
    assert not OutsideReview.objects.exists()


@pytest.mark.parametrize(
    "token",
    ["A" * 43, "A" * 42 + "=", "A" * 44, "%00" * 43, "é" * 43, "..", "A" * 5000, "%ED%A0%80"],
)
def test_a_tampered_token_is_a_404(client, link_setup, token):
    response = client.get(f"/outside-review/{token}/")
    assert response.status_code == 404
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(
    "fields",
    [
        {**RESPONSE, "name": "Sam\x00"},
        {**RESPONSE, "comment": "a\x00b"},
        {**RESPONSE, "comment": "x" * 200_000},
        {**RESPONSE, "name": "\u202e\u200b"},
        {**RESPONSE, "recommendation": ["agree", "approve"]},
        {**RESPONSE, "recommendation": "approve"},
        {"name": ["a", "b"], "role": ["c"]},
    ],
)
def test_odd_responses_are_not_a_500(client, link_setup, fields):
    _article, _link, token = link_setup
    response = client.post(f"/outside-review/{token}/", fields)
    assert response.status_code in (200, 400)


def test_a_lone_surrogate_in_a_raw_response_is_not_a_500(client, link_setup):
    _article, _link, token = link_setup
    body = b"name=%ED%A0%80&role=r&comment=%ED%B0%80c&recommendation=agree"
    response = client.generic("POST", f"/outside-review/{token}/", body,
                              content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert response.status_code in (200, 400)


@override_settings(OUTSIDE_REVIEW_RATE_LIMIT=2, TRUSTED_PROXY_COUNT=1,
                   TRUSTED_PROXY_ADDRESSES=["127.0.0.1"])  # fmt: skip
def test_a_spoofed_forwarded_for_does_not_escape_the_outside_review_limit(client, link_setup):
    _article, _link, token = link_setup
    codes = [
        client.get(f"/outside-review/{token}/", REMOTE_ADDR="127.0.0.1",
                   HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 203.0.113.9").status_code
        for n in range(4)
    ]  # fmt: skip
    assert codes == [200, 200, 429, 429]


# --- 4. Reader feedback -------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "null"},
        {"HTTP_ORIGIN": ""},
        {"HTTP_ORIGIN": "http://testserver.evil.example"},
        {"HTTP_ORIGIN": "http://evil.example", "HTTP_REFERER": f"{ORIGIN}/"},
        {"HTTP_REFERER": "http://testserver@evil.example/"},
        {"HTTP_REFERER": "http://testserver.evil.example/"},
        {"HTTP_REFERER": "//testserver/"},
        {"HTTP_REFERER": "testserver"},
    ],
)
def test_a_forged_origin_is_refused(client, headers):
    article = make_article()
    response = client.post(f"/feedback/{article.live_slug}/", {"answer": "no"}, **headers)
    assert response.status_code == 403
    assert not Feedback.objects.exists()


def test_feedback_never_makes_the_guide_page_personal(client):
    article = make_article()
    url = article.get_absolute_url()
    first = client.get(url)
    client.post(f"/feedback/{article.live_slug}/", {"answer": "no", "comment": "typed"},
                HTTP_ORIGIN=ORIGIN)  # fmt: skip
    again = client.get(url)
    assert again.content == first.content
    assert not again.cookies
    assert "typed" not in again.content.decode()


# --- 5. Evidence packs --------------------------------------------------------


def test_evidence_packs_need_the_view_permission(client):
    article = make_article()
    nobody = make_user("nobody")  # staff without permissions
    client.force_login(nobody)
    response = client.post(reverse("admin:articles_article_changelist"),
                           {"action": "download_evidence_packs",
                            "_selected_action": [article.pk]})  # fmt: skip
    assert response.status_code == 403
    assert response.get("Content-Type") != "application/zip"


@pytest.mark.parametrize("slug", ["../x", "", "a/b", "x" * 500])
def test_the_evidence_command_refuses_odd_slugs_with_a_message(tmp_path, slug):
    make_article()
    with pytest.raises(CommandError):
        call_command("evidence_pack", slug, "--out", str(tmp_path), stdout=StringIO())


# --- 6. Search synonyms ---------------------------------------------------------


def test_an_editor_cannot_add_or_change_a_synonym(client):
    synonym = SearchSynonym.objects.create(term="zzbenzo", expansions="benzodiazepine")
    client.force_login(make_editor("ed"))
    assert client.post("/admin/articles/searchsynonym/add/",
                       {"term": "x", "expansions": "y"}).status_code == 403  # fmt: skip
    client.post(f"/admin/articles/searchsynonym/{synonym.pk}/change/",
                {"term": "zzbenzo", "expansions": "hacked"})  # fmt: skip
    assert SearchSynonym.objects.get(term="zzbenzo").expansions == "benzodiazepine"


@pytest.mark.parametrize(
    "query",
    [
        "_",
        "__ ___",
        '"',
        "*",
        "NEAR(a b)",
        "a AND OR NOT",
        "title:x",
        "^x",
        "x*",
        "\x00",
        "a" * 100_000,
        " ".join(["word"] * 10_000),
        "ß" * 300,
        "İ" * 300,
        "﷽" * 100,
        "٣٣٣٣",
        "-" * 1000,
        "(" * 1000,
    ],
)
def test_odd_queries_are_not_a_500(client, query):
    make_article(body="Diazepam helps anxiety.")
    SearchSynonym.objects.update_or_create(term="x", defaults={"expansions": "_, __, ___"})
    assert client.get("/search/", {"q": query}).status_code == 200


@pytest.mark.parametrize("expansions", ["_", "__, ___", "ß" * 290, "a b c d e f g h i j " * 15])
def test_an_odd_synonym_is_not_a_500(client, expansions):
    make_article(body="Diazepam helps anxiety.")
    SearchSynonym.objects.create(term="zzbenzo", expansions=expansions)
    assert client.get("/search/", {"q": "zzbenzo anxiety"}).status_code == 200


# --- 7. Review cycle and the clinical owner ---------------------------------------


def test_the_lapse_notice_reaches_the_page_and_leaves_with_confirmation(
    client, django_capture_on_commit_callbacks
):
    article = make_article(author=make_editor("ed"))
    due = article.next_review_due
    lapse_day = datetime.datetime.combine(due + datetime.timedelta(days=31),
                                          datetime.time(9, tzinfo=datetime.UTC))  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True), time_machine.travel(lapse_day):
        call_command("review_cycle", stdout=StringIO())
    page = client.get(article.get_absolute_url()).content.decode()
    assert "review-lapsed" in page
    assert 'content="noindex"' in page
    client.force_login(make_clinician("other"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(step_url(article, "confirm_accurate"), read(article))
    assert Article.objects.get(pk=article.pk).review_lapsed_on is None
    page = Client().get(article.get_absolute_url()).content.decode()
    assert "review-lapsed" not in page
    assert 'content="noindex"' not in page


def test_nothing_but_the_cycle_lapses_a_review(client):
    article = make_article(author=make_editor("ed"))
    today = article.next_review_due + datetime.timedelta(days=10)
    assert not workflow.lapse_review(article=article, today=today)  # not late enough
    edit(article, make_editor("ed"), body="A draft change.")
    assert Article.objects.get(pk=article.pk).review_lapsed_on is None


# --- Text the database cannot hold (PostgreSQL refuses NUL) -------------------


@pytest.mark.parametrize(
    "path",
    [
        "/admin/articles/article/",
        "/admin/outside_review/reviewlink/",
        "/admin/outside_review/outsidereview/",
        "/admin/feedback/feedback/",
    ],
)
def test_a_nul_in_an_admin_search_is_not_a_500(client, path):
    make_article()
    client.force_login(make_user("root", superuser=True))
    assert client.get(path, {"q": "a\x00b"}).status_code == 200
