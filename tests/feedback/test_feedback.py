"""Reader feedback ("Is this page useful?"): the form on every guide, its
uncached endpoint, what is kept, who is told, and the admin's triage.

Issue 14, item 2; docs/decisions/0016-reader-feedback.md."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from articles.models import CLINICAL_REVIEWERS_GROUP, EDITORS_GROUP
from articles.roles import ROLES
from feedback.models import COMMENT_MAX_CHARS, Feedback, SafetyTerm
from feedback.review import guides_due_from_feedback
from feedback.text import (
    EMAIL_REMOVED,
    PHONE_REMOVED,
    find_links,
    find_safety_terms,
    normalise,
    strip_personal_details,
)
from tests.factories import make_article, make_clinician, make_editor, make_staff, publish

pytestmark = pytest.mark.django_db

ORIGIN = "http://testserver"


@pytest.fixture
def guide():
    return make_article(title="Paracetamol for adults", slug="paracetamol")


def feedback_url(article) -> str:
    return reverse("feedback:feedback", args=[article.live_slug])


def post(client: Client, article, *, headers: dict | None = None, **data):
    """A browser's post of the guide page's form, without JavaScript: the
    browser sends Origin with every POST."""
    fields = {"answer": "no", "comment": "", "version": str(article.live_version), **data}
    extra = {"HTTP_ORIGIN": ORIGIN} if headers is None else headers
    return client.post(feedback_url(article), fields, **extra)


# --- The form on the guide page -------------------------------------------------


def test_every_guide_page_ends_with_the_form_posting_to_the_feedback_endpoint(client, guide):
    html = client.get(guide.get_absolute_url()).content.decode()
    assert "Is this page useful?" in html
    assert f'action="{feedback_url(guide)}"' in html
    assert 'name="answer" value="yes"' in html
    assert 'name="answer" value="no"' in html
    assert 'name="comment"' in html
    assert f'maxlength="{COMMENT_MAX_CHARS}"' in html
    # At the end of the guide: after the trust block, before the article closes.
    assert html.index("Is this page useful?") > html.index('class="complement"')


def test_the_guide_page_stays_shareable_no_csrf_token_no_cookie(client, guide):
    response = client.get(guide.get_absolute_url())
    assert "csrfmiddlewaretoken" not in response.content.decode()
    assert not response.cookies
    assert response["Cache-Control"].startswith("public")


@pytest.mark.parametrize("page_cache_seconds", [600, 0], ids=["page-cache", "no-page-cache"])
def test_a_feedback_post_never_changes_the_cached_guide_page(client, guide, page_cache_seconds):
    """Same bytes and ETag before and after, whether the page comes from the
    page cache or is built again: nothing on it depends on feedback."""
    with override_settings(PAGE_CACHE_SECONDS=page_cache_seconds):
        before = client.get(guide.get_absolute_url())
        response = post(client, guide, comment="The dose table is confusing")
        assert response.status_code == 200
        assert Feedback.objects.filter(article=guide).count() == 1
        after = client.get(guide.get_absolute_url())
    assert before.status_code == after.status_code == 200
    assert after.content == before.content
    assert after["ETag"] == before["ETag"]
    assert not after.cookies


def test_feedback_responses_are_never_cached_and_set_no_cookie(client, guide):
    for response in (client.get(feedback_url(guide)), post(client, guide)):
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]
        assert not response.cookies
        assert "X-Accel-Expires" not in response


# --- Posting without JavaScript -------------------------------------------------


def test_a_post_is_stored_against_the_guide_and_its_live_version(client, guide):
    response = post(client, guide, answer="no", comment="It does not say how long to wait.")
    assert response.status_code == 200
    assert "Thank you: your feedback has been sent" in response.content.decode()
    feedback = Feedback.objects.get()
    assert feedback.article == guide
    assert feedback.version == guide.live_version
    assert feedback.answer == "no"
    assert feedback.comment == "It does not say how long to wait."
    assert feedback.status == Feedback.Status.NEW
    assert not feedback.urgent


def test_a_page_read_before_a_new_approval_is_filed_against_the_version_read(client, guide):
    read = guide.live_version
    publish(guide, body="## New section\n\nNew text.")
    guide.refresh_from_db()
    assert guide.live_version > read
    post(client, guide, version=str(read))
    post(client, guide, version="999")  # never live: the live version
    post(client, guide, version="2; DROP TABLE")  # not a number: the live version
    assert list(Feedback.objects.order_by("pk").values_list("version", flat=True)) == [
        read,
        guide.live_version,
        guide.live_version,
    ]


def test_the_thank_you_shows_the_form_again_with_the_readers_text(client, guide):
    html = post(client, guide, answer="yes", comment="Clear & short <b>thanks</b>").content
    html = html.decode()
    assert "Clear &amp; short &lt;b&gt;thanks&lt;/b&gt;</textarea>" in html
    assert 'value="yes" required checked' in html


def test_the_form_has_a_page_of_its_own(client, guide):
    response = client.get(feedback_url(guide))
    assert response.status_code == 200
    assert f'action="{feedback_url(guide)}"' in response.content.decode()
    assert '<meta name="robots" content="noindex">' in response.content.decode()


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"answer": ""}, "Choose “Yes” or “No”"),
        ({"answer": "maybe"}, "Choose “Yes” or “No”"),
        ({"comment": "x" * (COMMENT_MAX_CHARS + 1)}, "501 characters long; the limit is 500"),
        (
            {"comment": "See https://spam.example/pills"},
            "remove the link (https://spam.example/pills)",
        ),
        ({"comment": "better info at www.example.org"}, "remove the link (www.example.org)"),
        ({"comment": "go to cheap-pills.com now"}, "remove the link (cheap-pills.com)"),
        ({"comment": "null \x00 byte"}, "Null characters are not allowed"),
    ],
    ids=["no-answer", "bad-answer", "too-long", "url", "www", "domain", "nul"],
)
def test_bad_input_shows_the_form_again_naming_the_problem(client, guide, data, problem):
    fields = {"comment": "Typed by the reader", **data}
    response = post(client, guide, **fields)
    html = response.content.decode()
    assert response.status_code == 400
    assert problem in html
    assert Feedback.objects.count() == 0
    if "\x00" not in fields["comment"]:
        # The reader's text comes back as typed (escaped).
        assert fields["comment"].replace("&", "&amp;") in html


def test_line_breaks_count_once_towards_the_limit(client, guide):
    # Browsers send \r\n: 750 characters sent, 500 typed (the last line
    # break is stripped), within the limit the textarea showed.
    response = post(client, guide, comment="a\r\n" * 250)
    assert response.status_code == 200
    assert len(Feedback.objects.get().comment) == 499


@pytest.mark.parametrize(
    "fields",
    [
        {"answer": ["yes", "no"], "comment": ["one", "two"]},
        {"unexpected": "field", "answer": "yes"},
        {"comment": "\u202eevil\u202c text", "answer": "no"},
        {"version": "-1", "answer": "no"},
        {"version": "9" * 400, "answer": "yes"},
    ],
    ids=["repeated", "extra-field", "bidi", "negative-version", "huge-version"],
)
def test_odd_input_never_gives_a_server_error(client, guide, fields):
    response = client.post(feedback_url(guide), fields, HTTP_ORIGIN=ORIGIN)
    assert response.status_code in (200, 400)


def test_format_characters_are_removed_before_saving(client, guide):
    post(client, guide, comment="\u202eevil\u202c text\x07")
    assert Feedback.objects.get().comment == "evil text"


def test_unknown_or_unpublished_guides_are_not_found(client):
    draft = make_article(live=False, slug="draft-only")
    assert client.get("/feedback/no-such-guide/").status_code == 404
    assert (
        client.post(f"/feedback/{draft.slug}/", {"answer": "no"}, HTTP_ORIGIN=ORIGIN).status_code
        == 404
    )


def test_other_methods_are_refused(client, guide):
    assert client.put(feedback_url(guide), HTTP_ORIGIN=ORIGIN).status_code == 405


# --- Cross-site posts ------------------------------------------------------------


def test_a_post_from_another_site_is_refused_with_the_text_kept(client, guide):
    response = post(
        client, guide, comment="Typed text", headers={"HTTP_ORIGIN": "https://evil.example"}
    )
    assert response.status_code == 403
    assert "did not say it came from this site" in response.content.decode()
    assert "Typed text</textarea>" in response.content.decode()
    assert Feedback.objects.count() == 0


def test_a_post_with_neither_origin_nor_referer_is_refused(client, guide):
    assert post(client, guide, headers={}).status_code == 403
    assert Feedback.objects.count() == 0


def test_a_post_with_only_a_same_site_referer_is_accepted(client, guide):
    headers = {"HTTP_REFERER": f"{ORIGIN}{guide.get_absolute_url()}"}
    assert post(client, guide, headers=headers).status_code == 200
    other = {"HTTP_REFERER": "https://evil.example/page"}
    assert post(client, guide, headers=other).status_code == 403
    assert Feedback.objects.count() == 1


def test_a_trusted_origin_is_accepted(client, guide):
    with override_settings(CSRF_TRUSTED_ORIGINS=["https://health.example.org"]):
        response = post(client, guide, headers={"HTTP_ORIGIN": "https://health.example.org"})
    assert response.status_code == 200


# --- Rate limiting -----------------------------------------------------------------


@override_settings(FEEDBACK_RATE_LIMIT=3, FEEDBACK_RATE_WINDOW_SECONDS=600)
def test_a_client_over_the_limit_is_refused_with_its_text_kept(client, guide):
    for _ in range(3):
        assert post(client, guide).status_code == 200
    response = post(client, guide, comment="Fourth try")
    assert response.status_code == 429
    assert response["Retry-After"] == "600"
    assert "a lot of feedback in a short time" in response.content.decode()
    assert "Fourth try</textarea>" in response.content.decode()
    assert Feedback.objects.count() == 3
    # Another client is not affected.
    other = post(client, guide, headers={"HTTP_ORIGIN": ORIGIN, "REMOTE_ADDR": "192.0.2.44"})
    assert other.status_code == 200


@override_settings(
    FEEDBACK_RATE_LIMIT=1, TRUSTED_PROXY_COUNT=1, TRUSTED_PROXY_ADDRESSES=["127.0.0.1"]
)
def test_behind_the_proxy_each_reader_is_counted_by_the_client_ip_helper(client, guide):
    def through_proxy(address: str) -> dict:
        return {
            "HTTP_ORIGIN": ORIGIN,
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_X_FORWARDED_FOR": address,
        }

    assert post(client, guide, headers=through_proxy("203.0.113.9")).status_code == 200
    assert post(client, guide, headers=through_proxy("198.51.100.7")).status_code == 200
    # A client cannot escape by writing its own X-Forwarded-For entry.
    spoofed = through_proxy("10.9.9.9, 203.0.113.9")
    assert post(client, guide, headers=spoofed).status_code == 429


@override_settings(FEEDBACK_RATE_LIMIT=1)
def test_cross_site_posts_do_not_use_up_a_readers_allowance(client, guide):
    # A forged post from another site, sent by the reader's own browser.
    post(client, guide, headers={"HTTP_ORIGIN": "https://evil.example"})
    assert post(client, guide).status_code == 200


@override_settings(FEEDBACK_RATE_LIMIT=1)
def test_a_cache_outage_lets_feedback_through(client, guide, monkeypatch):
    from django.core.cache import cache

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "add", broken)
    assert post(client, guide).status_code == 200
    assert post(client, guide).status_code == 200


# --- Personal details ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("mail me at jo.bloggs+nhs@example.co.uk please", f"mail me at {EMAIL_REMOVED} please"),
        ("call 07700 900123", f"call {PHONE_REMOVED}"),
        ("ring +44 (0)20 7946 0018 today", f"ring {PHONE_REMOVED} today"),
        ("my number is 020-7946-0018.", f"my number is {PHONE_REMOVED}."),
        ("NHS number 943 476 5919", f"NHS number {PHONE_REMOVED}"),
        ("0044 7700 900 123", PHONE_REMOVED),
    ],
)
def test_email_addresses_and_phone_numbers_are_stripped(typed, kept):
    assert strip_personal_details(typed).text == kept


@pytest.mark.parametrize(
    "text",
    [
        "I take 2 x 500 mg tablets 4 times a day",
        "since 12/03/2024 at 10:30",
        "1000 mg in 24 hours, 2 tablets every 4 to 6 hours",
        "vitamin B12 5mg",
    ],
)
def test_doses_dates_and_times_are_not_mistaken_for_phone_numbers(text):
    assert strip_personal_details(text).text == text


def test_the_reader_is_told_what_was_removed_and_it_is_never_kept(client, guide):
    response = post(
        client, guide, comment="Email a@b.org or c@d.org, or call 07700 900123. Dose unclear."
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "We removed 2 email addresses and a phone number from your message" in html
    feedback = Feedback.objects.get()
    assert "@" not in feedback.comment
    assert "07700" not in feedback.comment
    assert feedback.personal_details_removed
    # What the reader sees in the form again is what was kept.
    assert "07700" not in html
    assert "a@b.org" not in html


def test_an_email_address_is_not_refused_as_a_link():
    cleaned = strip_personal_details("write to me@example.com")
    assert find_links(cleaned.text) == []


def test_ordinary_prose_is_not_a_link():
    assert find_links("e.g. take it with food, i.e. after meals. Side effects... etc.") == []


def test_normalise_keeps_line_breaks_and_drops_controls():
    assert normalise("  a\r\nb\rc\x00\x1b\u200bd  ") == "a\nb\ncd"


# --- Safety terms --------------------------------------------------------------------


def test_the_default_safety_terms_are_in_the_list():
    assert set(SafetyTerm.objects.values_list("term", flat=True)) >= {
        "dose",
        "overdose",
        "side effect",
        "interaction",
        "pregnant",
    }


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("I took two DOSES by mistake", ["dose"]),
        ("Possible overdose?", ["overdose"]),
        ("no mention of side-effects", ["side effect"]),
        ("side\n effects", ["side effect"]),
        ("interactions with warfarin", ["interaction"]),
        ("I'm Pregnant", ["pregnant"]),
        ("Nothing to worry about", []),
        ("the dosette box", ["dose"]),  # start of a word: deliberate
        ("sideeffect", []),
    ],
)
def test_safety_terms_are_found_at_the_start_of_words_in_any_case(text, found):
    terms = ["dose", "overdose", "side effect", "interaction", "pregnant"]
    assert find_safety_terms(text, terms) == found


def test_safety_feedback_is_urgent_and_emails_every_clinician_but_the_sender(
    client, guide, django_capture_on_commit_callbacks
):
    make_clinician("dr-a")
    sender = make_clinician("dr-b")
    inactive = make_clinician("dr-c")
    inactive.is_active = False
    inactive.save()
    make_editor("ed")
    client.force_login(sender)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, guide, comment="What is the maximum dose when pregnant?")
    assert response.status_code == 200
    feedback = Feedback.objects.get()
    assert feedback.urgent
    assert feedback.safety_terms == "dose, pregnant"
    recipients = sorted(address for message in mail.outbox for address in message.to)
    clinicians = Group.objects.get(name=CLINICAL_REVIEWERS_GROUP).user_set.filter(is_active=True)
    expected = sorted(u.email for u in clinicians if u != sender)
    assert recipients == expected
    assert "dr-a@example.org" in recipients
    assert "dr-b@example.org" not in recipients
    assert "dr-c@example.org" not in recipients
    assert "ed@example.org" not in recipients
    assert all(len(message.to) == 1 for message in mail.outbox)
    message = mail.outbox[0]
    assert "Paracetamol for adults" in message.subject
    assert "What is the maximum dose when pregnant?" in message.body
    assert f"/admin/feedback/feedback/{feedback.pk}/change/" in message.body


def test_feedback_without_safety_terms_emails_no_one(
    client, guide, django_capture_on_commit_callbacks
):
    make_clinician("dr-a")
    with django_capture_on_commit_callbacks(execute=True):
        post(client, guide, comment="The headings are hard to read")
    assert mail.outbox == []
    assert not Feedback.objects.get().urgent


def test_a_term_clinicians_add_in_the_admin_routes_feedback_at_once(
    client, guide, django_capture_on_commit_callbacks
):
    clinician = make_clinician("dr-a")
    client.force_login(clinician)
    response = client.post(reverse("admin:feedback_safetyterm_add"), {"term": "  Breast-Feeding "})
    assert response.status_code == 302
    term = SafetyTerm.objects.get(term="breast-feeding")
    assert term.added_by == clinician
    client.logout()
    make_clinician("dr-b")
    with django_capture_on_commit_callbacks(execute=True):
        post(client, guide, comment="Is it safe when breast feeding?")
    assert Feedback.objects.get().urgent
    assert "dr-a@example.org" in [m.to[0] for m in mail.outbox]


def test_a_safety_term_must_be_words(client):
    client.force_login(make_clinician("dr-a"))
    for bad in ("", "(.*)", "dose", "x+"):
        response = client.post(reverse("admin:feedback_safetyterm_add"), {"term": bad})
        assert response.status_code == 200, bad
    assert SafetyTerm.objects.count() == 5


def test_a_mail_failure_does_not_lose_the_feedback(
    client, guide, django_capture_on_commit_callbacks, monkeypatch
):
    make_clinician("dr-a")

    def fail(*args, **kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr("feedback.services.send_mass_mail", fail)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, guide, comment="overdose")
    assert response.status_code == 200
    assert Feedback.objects.get().urgent


# --- Due for review ------------------------------------------------------------------


@override_settings(FEEDBACK_REVIEW_AFTER_NO=3)
def test_a_guide_is_due_for_review_when_unresolved_no_answers_reach_the_threshold(client, guide):
    other = make_article(slug="other")
    for _ in range(2):
        post(client, guide, answer="no")
    post(client, guide, answer="yes")
    post(client, other, answer="no")
    assert list(guides_due_from_feedback()) == []
    post(client, guide, answer="no")
    due = list(guides_due_from_feedback())
    assert due == [guide]
    assert due[0].unresolved_no == 3
    # Triage resolves: one dismissed, the guide is no longer due.
    dismissed = Feedback.objects.filter(answer="no", article=guide).first()
    dismissed.status = Feedback.Status.DISMISSED
    dismissed.save()
    assert list(guides_due_from_feedback()) == []


@override_settings(FEEDBACK_REVIEW_AFTER_NO=0)
def test_a_threshold_of_zero_flags_nothing(client, guide):
    post(client, guide, answer="no")
    assert list(guides_due_from_feedback()) == []


@override_settings(FEEDBACK_REVIEW_AFTER_NO=2)
def test_the_admin_flags_feedback_on_guides_due_for_review(client, guide):
    other = make_article(slug="other")
    post(client, guide, answer="no", comment="flagged-one")
    post(client, guide, answer="no", comment="flagged-two")
    post(client, other, answer="no", comment="not-flagged")
    client.force_login(make_editor("ed"))
    url = reverse("admin:feedback_feedback_changelist")
    due = client.get(url, {"due": "yes"}).content.decode()
    assert "flagged-one" in due
    assert "flagged-two" in due
    assert "not-flagged" not in due
    not_due = client.get(url, {"due": "no"}).content.decode()
    assert "not-flagged" in not_due
    assert "flagged-one" not in not_due
    listing = client.get(url).content.decode()
    # The guide-due column (no row is urgent, the only other yes-no column).
    assert listing.count('alt="True"') == 2


# --- The admin: triage ---------------------------------------------------------------


def test_both_roles_can_read_and_triage_feedback_and_only_clinicians_keep_the_terms():
    for name in ROLES:
        granted = set(
            Group.objects.get(name=name)
            .permissions.filter(content_type__app_label="feedback")
            .values_list("codename", flat=True)
        )
        assert {"view_feedback", "change_feedback", "view_safetyterm"} <= granted
        assert "add_feedback" not in granted
        assert ("add_safetyterm" in granted) == (name == CLINICAL_REVIEWERS_GROUP)
    # The articles permissions are still there too.
    assert Group.objects.get(name=EDITORS_GROUP).permissions.filter(codename="add_article")


def test_urgent_untriaged_feedback_comes_first_in_the_admin(client, guide):
    post(client, guide, comment="plain-old")
    post(client, guide, comment="an overdose-risk")
    post(client, guide, comment="plain-new")
    client.force_login(make_clinician("dr-a"))
    html = client.get(reverse("admin:feedback_feedback_changelist")).content.decode()
    assert html.index("an overdose-risk") < html.index("plain-new") < html.index("plain-old")


@pytest.mark.parametrize(
    ("action", "status"),
    [("mark_acted_on", "acted_on"), ("mark_dismissed", "dismissed")],
)
def test_triage_records_who_and_when(client, guide, action, status):
    post(client, guide)
    feedback = Feedback.objects.get()
    editor = make_editor("ed")
    client.force_login(editor)
    before = timezone.now()
    response = client.post(
        reverse("admin:feedback_feedback_changelist"),
        {"action": action, "_selected_action": [feedback.pk]},
    )
    assert response.status_code == 302
    feedback.refresh_from_db()
    assert feedback.status == status
    assert feedback.triaged_by == editor
    assert feedback.triaged_at >= before


def test_changing_the_status_on_the_form_records_who_and_when(client, guide):
    post(client, guide, comment="Original words")
    feedback = Feedback.objects.get()
    clinician = make_clinician("dr-a")
    client.force_login(clinician)
    url = reverse("admin:feedback_feedback_change", args=[feedback.pk])
    response = client.post(url, {"status": "dismissed", "comment": "Edited words"})
    assert response.status_code == 302
    feedback.refresh_from_db()
    assert feedback.status == "dismissed"
    assert feedback.triaged_by == clinician
    assert feedback.comment == "Original words"  # the reader's words are read-only


def test_no_one_adds_feedback_in_the_admin(client):
    client.force_login(make_staff("root", superuser=True))
    assert client.get(reverse("admin:feedback_feedback_add")).status_code == 403


def test_editors_may_not_change_the_safety_terms(client):
    client.force_login(make_editor("ed"))
    response = client.post(reverse("admin:feedback_safetyterm_add"), {"term": "allergy"})
    assert response.status_code == 403
    assert client.get(reverse("admin:feedback_safetyterm_changelist")).status_code == 200
