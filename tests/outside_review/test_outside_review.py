"""Outside reviewers without accounts: review links for one version of a
guide (hashed token, expiry, revocation, void on a newer version), the
reviewer's page and its headers, advisory responses in the admin and the
evidence pack, and who may make links.

Issue 15, item 3; docs/decisions/0018-outside-reviewers.md."""

from __future__ import annotations

import re
from datetime import timedelta

import jsonschema
import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from articles import evidence
from articles.models import Article, Review
from articles.roles import ROLES
from outside_review import services
from outside_review.models import OutsideReview, ReviewLink
from tests.articles.test_evidence_pack import SCHEMA
from tests.factories import edit, make_article, make_clinician, make_editor, make_staff

pytestmark = pytest.mark.django_db

RESPONSE = {
    "name": "Sam Patel",
    "role": "Community pharmacist",
    "comment": "The dose table is clear; add a line on liquid forms.",
    "recommendation": "suggest_changes",
}


@pytest.fixture
def clinician():
    return make_clinician("clin")


@pytest.fixture
def guide(clinician):
    """A live guide (v1) with a newer draft (v2) awaiting review."""
    article = make_article(title="Paracetamol for adults", slug="paracetamol")
    edit(article, make_editor(), body="## Dose\n\nTake **two** 500 mg tablets.")
    return Article.objects.get(pk=article.pk)


@pytest.fixture
def link_and_token(guide, clinician):
    return services.create_link(revision=services.latest_revision(guide), created_by=clinician)


def url(token: str) -> str:
    return reverse("outside_review:review", args=[token])


def respond(client: Client, token: str, **data):
    return client.post(url(token), {**RESPONSE, **data})


# --- Making links -----------------------------------------------------------


def test_only_a_hash_of_the_token_is_stored(link_and_token):
    link, token = link_and_token
    assert services.TOKEN_PATTERN.fullmatch(token)
    assert link.token_hash == services.hash_token(token) != token
    assert token not in str(ReviewLink.objects.filter(pk=link.pk).values().get())


def test_a_link_lasts_14_days_by_default_and_never_longer(guide, clinician):
    now = timezone.now()
    revision = services.latest_revision(guide)
    link, _ = services.create_link(revision=revision, created_by=clinician, now=now)
    assert link.expires_at == now + timedelta(days=14)
    short, _ = services.create_link(revision=revision, created_by=clinician, days=3, now=now)
    assert short.expires_at == now + timedelta(days=3)
    for days in (0, 15):
        with pytest.raises(ValueError, match="1 to 14 days"):
            services.create_link(revision=revision, created_by=clinician, days=days)


@pytest.mark.parametrize("who", ["editor", "superuser"])
def test_only_clinicians_can_create_links(guide, who):
    user = make_editor() if who == "editor" else make_staff("root", superuser=True)
    with pytest.raises(PermissionDenied):
        services.create_link(revision=services.latest_revision(guide), created_by=user)
    client = Client()
    client.force_login(user)
    add_url = reverse("admin:outside_review_reviewlink_add")
    assert client.get(add_url).status_code == 403
    response = client.post(add_url, {"article": guide.pk, "version": "", "days": "14"})
    assert response.status_code == 403
    assert not ReviewLink.objects.exists()


def test_a_clinician_creates_a_link_in_the_admin_and_sees_its_address_once(
    client, guide, clinician
):
    client.force_login(clinician)
    add_url = reverse("admin:outside_review_reviewlink_add")
    form = client.get(add_url)
    assert form.status_code == 200
    assert 'name="days"' in form.content.decode()
    response = client.post(
        add_url, {"article": guide.pk, "version": "", "days": "5", "invitee": "Pharmacist"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    match = re.search(r"http://testserver/outside-review/([A-Za-z0-9_-]{43})/", html)
    assert match, html
    link = ReviewLink.objects.get()
    assert link.revision.number == 2  # the latest by default
    assert link.token_hash == services.hash_token(match.group(1))
    assert link.created_by == clinician
    assert timedelta(days=4, hours=23) < link.expires_at - link.created_at <= timedelta(days=5)
    assert "no-store" in response["Cache-Control"]
    # Never again: the change page has no token.
    change = client.get(reverse("admin:outside_review_reviewlink_change", args=[link.pk]))
    assert match.group(1) not in change.content.decode()


def test_the_admin_form_names_a_missing_version_and_a_too_long_expiry(client, guide, clinician):
    client.force_login(clinician)
    add_url = reverse("admin:outside_review_reviewlink_add")
    response = client.post(add_url, {"article": guide.pk, "version": "9", "days": "30"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "This guide has no version 9." in html
    assert "less than or equal to 14" in html
    assert not ReviewLink.objects.exists()


def test_a_clinician_can_choose_an_older_version(client, guide, clinician):
    client.force_login(clinician)
    client.post(
        reverse("admin:outside_review_reviewlink_add"),
        {"article": guide.pk, "version": "1", "days": "14"},
    )
    assert ReviewLink.objects.get().revision.number == 1


# --- The reviewer's page ------------------------------------------------------


def test_the_page_shows_the_version_and_its_differences_from_the_live_version(
    client, link_and_token
):
    _, token = link_and_token
    response = client.get(url(token))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>two</strong> 500 mg" in html  # the version, rendered
    assert 'class="diff-field"' in html  # the differences from the live version
    assert "version 1" in html.lower()
    assert "advisory" in html.lower()
    assert "csrfmiddlewaretoken" in html


def test_the_page_is_noindex_uncached_no_referrer_and_sets_no_session(client, link_and_token):
    _, token = link_and_token
    response = client.get(url(token))
    html = response.content.decode()
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert "sessionid" not in response.cookies
    posted = respond(client, token)
    assert posted["Referrer-Policy"] == "same-origin"
    assert "no-store" in posted["Cache-Control"]
    assert "sessionid" not in posted.cookies


def test_the_page_links_to_no_admin_and_no_other_guide(client, link_and_token):
    _, token = link_and_token
    other = make_article(title="Ibuprofen for adults", slug="ibuprofen")
    html = client.get(url(token)).content.decode()
    hrefs = re.findall(r'(?:href|action)="([^"]*)"', html)
    assert not [h for h in hrefs if h.startswith("/admin") or "/admin/" in h]
    assert "admin" not in html.lower()
    assert other.live_title not in html
    assert f"/{other.live_slug}/" not in html
    assert not [h for h in hrefs if re.search(r"/\d+/", h)]  # no object ids


@pytest.mark.parametrize(
    "token",
    [
        "x" * 43,  # right shape, no such link
        "short",
        "y" * 200,
    ],
)
def test_a_wrong_token_is_a_404(client, link_and_token, token):
    response = client.get(url(token))
    assert response.status_code == 404
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


def test_an_altered_token_is_a_404_and_records_nothing(client, link_and_token):
    _, token = link_and_token
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get(url(altered)).status_code == 404
    assert respond(client, altered).status_code == 404
    assert not OutsideReview.objects.exists()


def test_a_link_works_until_it_expires(client, guide, clinician):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _, token = services.create_link(
            revision=services.latest_revision(guide), created_by=clinician, days=3
        )
    with time_machine.travel(start + timedelta(days=3) - timedelta(seconds=1), tick=False):
        assert client.get(url(token)).status_code == 200
    with time_machine.travel(start + timedelta(days=3), tick=False):
        response = respond(client, token)
        assert response.status_code == 410
        assert "has expired" in response.content.decode()
        assert RESPONSE["comment"] in response.content.decode()  # typed text kept
    assert not OutsideReview.objects.exists()


def test_a_revoked_link_stops_working(client, link_and_token, clinician):
    link, token = link_and_token
    assert services.revoke(link, user=clinician)
    assert not services.revoke(link, user=clinician)  # the first revocation stands
    response = client.get(url(token))
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()
    assert respond(client, token).status_code == 410
    assert not OutsideReview.objects.exists()


def test_the_admin_action_revokes_links(client, link_and_token, clinician):
    link, token = link_and_token
    client.force_login(clinician)
    response = client.post(
        reverse("admin:outside_review_reviewlink_changelist"),
        {"action": "revoke_links", "_selected_action": [link.pk]},
        follow=True,
    )
    assert "1 link revoked." in response.content.decode()
    link.refresh_from_db()
    assert link.revoked_by == clinician
    assert Client().get(url(token)).status_code == 410


def test_an_editor_cannot_revoke(client, link_and_token):
    link, _ = link_and_token
    client.force_login(make_editor())
    client.post(
        reverse("admin:outside_review_reviewlink_changelist"),
        {"action": "revoke_links", "_selected_action": [link.pk]},
    )
    link.refresh_from_db()
    assert link.revoked_at is None


def test_a_newer_version_voids_the_link(client, link_and_token, guide):
    _, token = link_and_token
    assert client.get(url(token)).status_code == 200
    edit(guide, make_editor(), summary="A newer summary.")
    response = client.get(url(token))
    assert response.status_code == 410
    assert "changed since the link was sent" in response.content.decode()
    assert respond(client, token).status_code == 410
    assert not OutsideReview.objects.exists()


def test_a_link_to_an_older_version_is_void_from_the_start(client, guide, clinician):
    old = guide.revisions.get(number=1)
    _, token = services.create_link(revision=old, created_by=clinician)
    assert client.get(url(token)).status_code == 410


@override_settings(OUTSIDE_REVIEW_RATE_LIMIT=3, OUTSIDE_REVIEW_RATE_WINDOW_SECONDS=60)
def test_requests_are_rate_limited_per_client_address(link_and_token):
    _, token = link_and_token
    client = Client(REMOTE_ADDR="203.0.113.7")
    assert [client.get(url("z" * 43)).status_code for _ in range(3)] == [404, 404, 404]
    limited = respond(client, token)
    assert limited.status_code == 429
    assert limited["Retry-After"] == "60"
    assert RESPONSE["comment"] in limited.content.decode()  # typed text kept
    assert not OutsideReview.objects.exists()
    # Another address has its own count.
    assert Client(REMOTE_ADDR="203.0.113.8").get(url(token)).status_code == 200


# --- Responses ------------------------------------------------------------------


def test_a_response_is_recorded_with_the_versions_compared(client, link_and_token):
    link, token = link_and_token
    response = respond(client, token)
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    saved = OutsideReview.objects.get()
    assert (saved.link, saved.article_id, saved.version, saved.compared_with_version) == (
        link, link.article_id, 2, 1,
    )  # fmt: skip
    assert (saved.name, saved.role, saved.comment, saved.recommendation) == tuple(RESPONSE.values())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "   "}, "Enter your name."),
        ({"role": ""}, "Enter your role"),
        ({"comment": "\u200b"}, "Enter your comment."),
        ({"recommendation": "approve"}, "Choose “Agree” or “Suggest changes”."),
        ({"comment": "x" * 5001}, "Comment is 5001 characters long; the limit is 5000."),
        ({"name": "n" * 101}, "Name is 101 characters long; the limit is 100."),
    ],
)
def test_bad_input_names_the_problem_and_keeps_the_text(client, link_and_token, change, message):
    _, token = link_and_token
    response = respond(client, token, **change)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    kept = {**RESPONSE, **change}
    if kept["comment"].strip():
        assert kept["comment"][:40] in html
    assert not OutsideReview.objects.exists()


def test_a_response_is_append_only(link_and_token):
    link, _ = link_and_token
    saved = services.record_response(link=link, **RESPONSE)
    saved.comment = "changed"
    with pytest.raises(Exception, match="cannot be changed"):
        saved.save()


def test_a_response_never_changes_the_guide_or_its_reviews(client, link_and_token, guide):
    _, token = link_and_token
    fields = ("status", "live_version", "live_title", "lock_version", "last_reviewed")
    before = Article.objects.values(*fields).get(pk=guide.pk)
    reviews = list(Review.objects.filter(article=guide).values())
    respond(client, token, recommendation="agree")
    assert Article.objects.values(*fields).get(pk=guide.pk) == before
    assert list(Review.objects.filter(article=guide).values()) == reviews
    assert OutsideReview.objects.count() == 1


def test_responses_are_in_the_admin_filtered_by_guide_marked_advisory(client, link_and_token):
    link, token = link_and_token
    respond(client, token)
    admin = Client()
    admin.force_login(make_editor())
    changelist = reverse("admin:outside_review_outsidereview_changelist")
    html = admin.get(f"{changelist}?article__id__exact={link.article_id}").content.decode()
    assert RESPONSE["name"] in html
    assert "ADVISORY" in html
    other = make_article()
    html = admin.get(f"{changelist}?article__id__exact={other.pk}").content.decode()
    assert RESPONSE["name"] not in html
    saved = OutsideReview.objects.get()
    change = admin.get(reverse("admin:outside_review_outsidereview_change", args=[saved.pk]))
    assert change.status_code == 200
    assert 'name="comment"' not in change.content.decode()  # read-only


def test_responses_are_in_the_evidence_pack_as_advisory(client, link_and_token, guide):
    _, token = link_and_token
    respond(client, token)
    pack = evidence.build(Article.objects.get(pk=guide.pk))
    jsonschema.validate(pack, SCHEMA, format_checker=jsonschema.FormatChecker())
    [entry] = pack["outside_reviews"]
    assert entry["advisory"] is True
    assert (entry["version"], entry["compared_with_live_version"]) == (2, 1)
    assert entry["name"] == RESPONSE["name"]
    assert entry["recommendation"] == "suggest_changes"
    html = evidence.to_html(pack)
    assert "Outside reviews (advisory)" in html
    assert "ADVISORY ONLY" in html
    assert RESPONSE["comment"] in html


def test_the_roles_name_the_outside_review_permissions():
    assert "add_reviewlink" in ROLES["Clinical reviewers"]
    assert "add_reviewlink" not in ROLES["Editors"]
    assert "view_outsidereview" in ROLES["Editors"]


def test_a_response_emails_the_clinician_who_made_the_link_and_the_owner(
    client, guide, link_and_token, clinician, django_capture_on_commit_callbacks
):
    """The page tells the expert their response goes to the clinical team:
    one email to the link's maker and the guide's clinical owner."""
    from django.core import mail

    from articles import workflow

    owner = make_clinician("owner")
    workflow.set_clinical_owner(article=guide, owner=owner, user=clinician)
    _link, token = link_and_token
    with django_capture_on_commit_callbacks(execute=True):
        assert respond(client, token).status_code == 200
    (message,) = mail.outbox
    assert sorted(message.to) == sorted([clinician.email, owner.email])
    assert "Sam Patel" in message.body
    assert "Advisory only" in message.body
    assert "/admin/outside_review/outsidereview/" in message.body


def test_the_page_marks_changes_by_more_than_colour(client, link_and_token):
    """Underlined and struck-through words with a text legend (WCAG 1.4.1),
    as the clinicians' rendered diff does."""
    _link, token = link_and_token
    page = client.get(url(token)).content.decode()
    assert "Underlined: added; struck through: removed." in page
    assert '<ins class="diff-mark">' in page
    assert '<del class="diff-mark">' in page
