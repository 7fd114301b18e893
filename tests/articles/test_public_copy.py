"""Issue 11: everything a reader sees about a guide comes from its approved
version, approved by a clinician who did not write it, exactly as read."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError

from articles import workflow
from articles.models import (
    VERSION_FIELDS,
    Article,
    Review,
    ReviewerProfile,
    Revision,
    SlugRedirect,
    Topic,
    content_hash,
)
from tests.conftest import visible_text
from tests.factories import (
    approve,
    approve_topic,
    edit,
    make_article,
    make_clinician,
    make_editor,
    make_staff,
    make_topic,
    make_user,
    publish,
)

pytestmark = pytest.mark.django_db
Status = Article.Status


@pytest.fixture
def editor():
    return make_editor("eddie")


@pytest.fixture
def clinician():
    return make_clinician("cleo")


def public(client, url: str):
    """A reader's GET of ``url`` with every page cache emptied first, so what
    it shows comes from the database, not from a page cached earlier."""
    cache.clear()  # every page-cache tier lives in the default cache in tests
    return client.get(url)


def public_text(client, url: str) -> str:
    response = public(client, url)
    assert response.status_code == 200, url
    return visible_text(response.content.decode())


# Every public field of a version, with a change an editor could make and
# the text a reader would see once it is approved.
def _changes(topic, source_title):
    return {
        "title": ({"title": "A brand new title"}, "A brand new title"),
        "slug": ({"slug": "a-brand-new-address"}, None),
        "summary": ({"summary": "A brand new summary."}, "A brand new summary."),
        "body": ({"body": "## Dose\n\nA brand new dose."}, "A brand new dose."),
        "topics": ({"topics": [topic]}, "Topics: Brand new topic"),
        "sources": ({"sources": [{"order": 1, "title": source_title}]}, source_title),
        "correction_note": ({"correction_note": "We corrected the dose."},
                            "We corrected the dose."),
    }  # fmt: skip


def test_the_list_of_changes_covers_every_public_field_of_a_version():
    """The kind test below is only complete if it covers VERSION_FIELDS."""
    assert set(_changes(None, "")) == set(VERSION_FIELDS)


@pytest.mark.parametrize("field", VERSION_FIELDS)
def test_changing_any_public_field_makes_a_new_version_and_readers_see_it_only_after_approval(
    client, editor, clinician, field, django_capture_on_commit_callbacks
):
    """Issue 11, fault 3 and deliver 1: title, slug, summary, body, topics,
    sources and correction note are all part of the version; a change of
    any makes a new working version, the public page stays exactly as
    approved (old slug included) until a clinician approves it."""
    topic = make_topic(name="Brand new topic", slug="brand-new-topic")
    article = make_article(slug="the-guide", author=editor, reviewer=clinician)
    url = "/articles/the-guide/"
    before = public_text(client, url)
    versions = article.revisions.count()
    change, shown = _changes(topic, "A brand new source")[field]

    article = Article.objects.get(pk=article.pk)
    topics, sources = change.pop("topics", None), change.pop("sources", None)
    for name, value in change.items():
        setattr(article, name, value)
    workflow.save_working_copy(article=article, user=editor, expected_version=article.lock_version,
                               topics=topics, sources=sources)  # fmt: skip

    assert article.revisions.count() == versions + 1
    assert Article.objects.get(pk=article.pk).status == Status.DRAFT
    assert public_text(client, url) == before
    for listing in ["/", "/feed/", "/sitemap-articles.xml", "/search/?q=guide"]:
        body = public(client, listing).content.decode()
        assert "a-brand-new-address" not in body, listing
        assert "A brand new title" not in body, listing

    workflow.submit(article=article, user=editor)
    with django_capture_on_commit_callbacks(execute=True):
        approve(article, clinician)
    if field == "slug":
        assert public(client, url).status_code == 301
        assert public(client, url)["Location"] == "/articles/a-brand-new-address/"
        url = "/articles/a-brand-new-address/"
        for listing in ["/", "/feed/", "/sitemap-articles.xml"]:
            assert url in public(client, listing).content.decode(), listing
    else:
        assert shown in public_text(client, url)
        assert public_text(client, url) != before


def test_sources_added_from_the_change_forms_inline_are_a_new_version_not_public_at_once(
    client, editor, clinician
):
    """Issue 11, fault 3: "Sources added from the change form's inline are
    public at once, with no new version"."""
    article = make_article(author=editor, reviewer=clinician)
    client.force_login(editor)
    data = {
        "title": article.title, "slug": article.slug, "summary": article.summary,
        "body": article.body, "correction_note": "", "review_interval_months": "",
        "expected_version": article.lock_version,
        "references-TOTAL_FORMS": "1", "references-INITIAL_FORMS": "0",
        "references-MIN_NUM_FORMS": "0", "references-MAX_NUM_FORMS": "1000",
        "references-0-order": "1", "references-0-title": "An unreviewed source",
        "references-0-publisher": "", "references-0-url": "", "references-0-date_accessed": "",
    }  # fmt: skip
    response = client.post(f"/admin/articles/article/{article.pk}/change/", data)
    assert response.status_code == 302
    latest = workflow.latest_revision(article)
    assert latest.number == 2
    assert latest.sources[0]["title"] == "An unreviewed source"
    assert "An unreviewed source" not in public_text(client, article.get_absolute_url())
    client.logout()
    workflow.submit(article=article, user=editor)
    approve(article, clinician)
    assert "An unreviewed source" in public_text(client, article.get_absolute_url())


def test_about_two_hundred_sources_can_be_saved_from_the_change_form(client, editor):
    """Issue 18, 8: about 140 sources made a guide unsaveable (a bare 400
    from DATA_UPLOAD_MAX_NUMBER_FIELDS)."""
    article = make_article(author=editor, live=False)
    client.force_login(editor)
    count = 200
    data = {
        "title": article.title, "slug": article.slug, "summary": article.summary,
        "body": article.body, "correction_note": "", "review_interval_months": "",
        "expected_version": article.lock_version,
        "references-TOTAL_FORMS": str(count), "references-INITIAL_FORMS": "0",
        "references-MIN_NUM_FORMS": "0", "references-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    for n in range(count):
        data.update({
            f"references-{n}-order": str(n), f"references-{n}-title": f"Source {n}",
            f"references-{n}-publisher": "NICE", f"references-{n}-url": "",
            f"references-{n}-date_accessed": "2026-10-01",
        })  # fmt: skip
    response = client.post(f"/admin/articles/article/{article.pk}/change/", data)
    assert response.status_code == 302
    assert article.references.count() == count
    assert len(workflow.latest_revision(article).sources) == count


def test_more_sources_than_the_limit_are_refused_with_a_message_and_nothing_saved(client, editor):
    from articles.admin.content import MAX_SOURCES

    article = make_article(author=editor, live=False)
    client.force_login(editor)
    count = MAX_SOURCES + 1
    data = {
        "title": article.title, "slug": article.slug, "summary": article.summary,
        "body": article.body, "correction_note": "", "review_interval_months": "",
        "expected_version": article.lock_version,
        "references-TOTAL_FORMS": str(count), "references-INITIAL_FORMS": "0",
        "references-MIN_NUM_FORMS": "0", "references-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    for n in range(count):
        data.update({f"references-{n}-order": str(n), f"references-{n}-title": f"S {n}"})
    response = client.post(f"/admin/articles/article/{article.pk}/change/", data)
    assert response.status_code == 200
    assert f"Please submit at most {MAX_SOURCES} forms." in response.content.decode()
    assert article.references.count() == 0
    assert article.revisions.count() == 1


# The correction note is reviewed text ----------------------------------------------------


def test_the_correction_note_cannot_change_while_a_clinician_reviews(editor, clinician):
    """Issue 11, fault 3: the note was outside the hash, so an editor could
    change it after the clinician opened the review."""
    article = make_article(author=editor, reviewer=clinician)
    edit(article, editor, body="Corrected.", correction_note="We corrected the dose.")
    workflow.submit(article=article, user=editor)
    read = workflow.latest_revision(article)
    with pytest.raises(workflow.WorkflowError, match="in clinical review"):
        edit(article, editor, correction_note="Nothing important changed.")
    review = workflow.approve(article=article, reviewer=clinician, version=read.number,
                              content_hash=read.content_hash)  # fmt: skip
    assert review.public_note == "We corrected the dose."


def test_a_dual_role_user_who_sets_the_correction_note_cannot_approve_it(editor, clinician):
    """Issue 11, fault 3: "a dual-role author can set it and approve"."""
    dual = make_clinician("dual")
    dual.groups.add(*make_editor("x").groups.all())
    article = make_article(author=editor, reviewer=clinician)
    edit(article, editor, body="Corrected.")
    edit(article, dual, correction_note="A note by the dual-role user.")
    workflow.submit(article=article, user=dual)
    before = workflow.latest_revision(article)
    with pytest.raises(workflow.WorkflowError, match="another clinician"):
        approve(article, dual)
    assert Article.objects.get(pk=article.pk).live_version == 1
    assert workflow.latest_revision(article) == before


# Approve what you read ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "posted",
    [
        {},
        {"version": "abc", "content_hash": "x"},
        {"version": "2"},
        {"version": "2", "content_hash": "0" * 64},
        {"version": "1", "content_hash": "CURRENT_V1"},
    ],
    ids=["nothing", "not a number", "no hash", "wrong hash", "an older version"],
)
def test_the_admin_approve_post_refuses_anything_but_the_version_and_hash_read(
    client, editor, clinician, posted
):
    """Issue 11, fault 5: the admin POST treated ``revision`` as optional and
    approved whatever was latest."""
    article = make_article(author=editor, reviewer=make_clinician("first"))
    edit(article, editor, body="Second text.")
    workflow.submit(article=article, user=editor)
    if posted.get("content_hash") == "CURRENT_V1":
        posted = {**posted, "content_hash": article.revisions.get(number=1).content_hash}
    client.force_login(clinician)
    response = client.post(f"/admin/articles/article/{article.pk}/workflow/approve/", posted,
                           follow=True)  # fmt: skip
    html = response.content.decode()
    assert (
        "which version you read" in html
        or "is not a version number" in html
        or "not a version of this guide" in html
        or ("changed after you opened it" in html)
    )
    after = Article.objects.get(pk=article.pk)
    assert (after.status, after.live_version) == (Status.IN_REVIEW, 1)
    assert not Review.objects.filter(reviewer=clinician).exists()


def test_the_approve_command_needs_the_version_and_hash_shown_to_the_reviewer(editor, clinician):
    """Issue 11, fault 5: ``manage.py workflow approve`` had no version
    argument. ``show`` prints what to read; ``approve`` needs it back."""
    article = make_article(author=editor, live=False)
    workflow.submit(article=article, user=editor)
    out = StringIO()
    call_command("workflow", "show", article.slug, stdout=out)
    shown = json.loads(out.getvalue())
    assert shown["version"] == 1
    assert shown["body"] == article.body
    with pytest.raises(CommandError, match="needs --revision N --hash H"):
        call_command("workflow", "approve", article.slug, "--user", clinician.username)
    with pytest.raises(CommandError, match="not a version of this guide"):
        call_command("workflow", "approve", article.slug, "--user", clinician.username,
                     "--revision", "1", "--hash", "0" * 64)  # fmt: skip
    assert Article.objects.get(pk=article.pk).status == Status.IN_REVIEW
    call_command("workflow", "approve", article.slug, "--user", clinician.username,
                 "--revision", str(shown["version"]), "--hash", shown["content_hash"],
                 stdout=StringIO())  # fmt: skip
    assert Article.objects.get(pk=article.pk).live_version == 1


def test_an_approval_of_a_version_that_changed_after_rendering_is_refused(
    editor, clinician, monkeypatch
):
    """The Markdown is rendered before the lock; the version is checked again
    under the lock, so a change in between cannot go live unread."""
    article = make_article(author=editor, live=False, body="Read by the clinician.")
    workflow.submit(article=article, user=editor)
    read = workflow.latest_revision(article)
    real = workflow.render_version

    def render_then_change(revision):
        rendered = real(revision)
        # Another request slips a new version in between (as a request
        # changes, edit, submit cycle would).
        Revision.objects.create(article=article, number=2, title="T", slug=article.slug,
                                summary="S", body="Never read.", created_by=editor)  # fmt: skip
        return rendered

    monkeypatch.setattr(workflow, "render_version", render_then_change)
    with pytest.raises(workflow.WorkflowError, match="changed after you opened it"):
        workflow.approve(article=article, reviewer=clinician, version=read.number,
                         content_hash=read.content_hash)  # fmt: skip
    assert Article.objects.get(pk=article.pk).live_version is None


@pytest.mark.django_db(transaction=True)
def test_approval_renders_markdown_before_opening_the_write_transaction(monkeypatch):
    """Issue 18, fault 1: "An approval renders Markdown while holding the
    write lock" (SQLite in IMMEDIATE mode takes it at BEGIN)."""
    from django.db import connection

    from articles.roles import ensure_roles

    ensure_roles()
    editor, clinician = make_editor("ed"), make_clinician("cl")
    article = make_article(author=editor, live=False)
    workflow.submit(article=article, user=editor)
    seen = []
    real = workflow.render_version

    def spy(revision):
        seen.append(connection.in_atomic_block)
        return real(revision)

    monkeypatch.setattr(workflow, "render_version", spy)
    approve(article, clinician)
    assert seen == [False]
    assert Article.objects.get(pk=article.pk).live_version == 1


# Clinician means clinician --------------------------------------------------------------


def test_a_clinician_without_a_public_name_cannot_approve(editor):
    """Issue 11, fault 6 and deliver 6: approval needs a reviewer profile
    with a public name, because readers are told who reviewed the page."""
    nameless = make_clinician("nameless", profile=False)
    article = make_article(author=editor, live=False)
    workflow.submit(article=article, user=editor)
    with pytest.raises(workflow.WorkflowError, match="no public name"):
        approve(article, nameless)
    from articles.models import ReviewerProfile

    ReviewerProfile.objects.create(user=nameless, display_name="   ")
    with pytest.raises(workflow.WorkflowError, match="no public name"):
        approve(article, nameless)
    assert Article.objects.get(pk=article.pk).live_version is None


def test_no_public_page_names_a_reviewer_a_clinician(client, editor, clinician):
    """Issue 11, fault 6: the page said "Reviewed by a clinician". An
    approval recorded without a name (before profiles were required) shows
    the review date and no invented name."""
    article = make_article(author=editor, reviewer=clinician)
    assert "Reviewed by Dr Cleo, MBChB, MRCGP" in public_text(client, article.get_absolute_url())
    Review.objects.filter(article=article).update(reviewer_name="")
    Article.objects.filter(pk=article.pk).update(live_reviewer={})
    text = public_text(client, article.get_absolute_url())
    assert "a clinician" not in text.replace("reviewed by a clinician.", "")
    assert "Reviewed by" not in text
    assert "Page last reviewed" in text


# The reviewer as recorded ---------------------------------------------------------------


def test_each_review_records_the_reviewers_public_name_and_registration(editor):
    reviewer = make_clinician("reg")
    reviewer.reviewer_profile.registration_body = "GMC"
    reviewer.reviewer_profile.registration_number = "7654321"
    reviewer.reviewer_profile.save()
    article = make_article(author=editor, reviewer=reviewer)
    review = article.reviews.get()
    assert (review.reviewer_name, review.reviewer_credentials) == ("Dr Reg", "MBChB, MRCGP")
    assert (review.reviewer_registration_body, review.reviewer_registration_number) == (
        "GMC",
        "7654321",
    )
    assert article.live_reviewer["registration_number"] == "7654321"


def test_a_clinician_cannot_edit_another_clinicians_profile(client):
    """Issue 11, fault 3: "A clinician can edit another clinician's public
    profile"."""
    mallory, victim = make_clinician("mallory"), make_clinician("victim")
    profile = victim.reviewer_profile
    history = profile.history.count()
    profile.credentials = "Any credentials"
    with pytest.raises(workflow.WorkflowError, match="themself or an administrator"):
        workflow.save_reviewer_profile(profile=profile, user=mallory)
    client.force_login(mallory)
    url = f"/admin/articles/reviewerprofile/{profile.pk}/change/"
    response = client.post(url, {"display_name": "Dr X", "credentials": "Any credentials",
                                 "job_title": "", "registration_body": "",
                                 "registration_number": "", "bio": ""})  # fmt: skip
    assert response.status_code in (302, 403)
    profile.refresh_from_db()
    assert (profile.display_name, profile.credentials) == ("Dr Victim", "MBChB, MRCGP")
    assert profile.history.count() == history


def test_a_clinician_edits_their_own_profile_and_every_edit_is_audited(client):
    clinician = make_clinician("own")
    admin_user = make_user("root", superuser=True)
    profile = clinician.reviewer_profile
    made = profile.history.get().history_date
    client.force_login(clinician)
    url = f"/admin/articles/reviewerprofile/{profile.pk}/change/"
    data = {"display_name": "Dr Own", "credentials": "MBBS", "job_title": "GP",
            "registration_body": "GMC", "registration_number": "1234567", "bio": ""}  # fmt: skip
    assert client.post(url, data).status_code == 302
    client.force_login(admin_user)
    assert client.post(url, {**data, "user": clinician.pk, "credentials": "MBBS, FRCP"}
                       ).status_code == 302  # fmt: skip
    profile.refresh_from_db()
    assert profile.credentials == "MBBS, FRCP"
    edits = profile.history.filter(history_date__gt=made).order_by("history_date")
    assert [(h.credentials, h.history_user) for h in edits] == [
        ("MBBS", clinician),
        ("MBBS, FRCP", admin_user),
    ]


# Authors follow their text -------------------------------------------------------------


def test_a_revert_cannot_launder_the_authorship_of_the_restored_text(editor):
    """Issue 11, fault 2: clinician A writes v4, then v5; B approves v5; an
    editor reverts to v4 and submits; A's approval must be refused."""
    a, b, c = make_clinician("a"), make_clinician("b"), make_clinician("c")
    article = make_article(author=editor, reviewer=c, body="v1")
    publish(article, editor, c, body="v2")
    edit(article, editor, body="v3")
    edit(article, a, body="v4 by A")
    edit(article, a, body="v5 by A")
    workflow.submit(article=article, user=editor)
    approve(article, b)
    v4 = article.revisions.get(number=4)
    new = workflow.revert(article=article, user=editor, revision=v4)
    assert (new.number, new.restored_from, new.created_by) == (6, 4, editor)
    workflow.submit(article=article, user=editor)
    with pytest.raises(workflow.WorkflowError, match="another clinician"):
        approve(article, a)
    assert Article.objects.get(pk=article.pk).live_version == 5
    approve(article, c)
    assert Article.objects.get(pk=article.pk).live_body_html.strip() == "<p>v4 by A</p>"


def test_a_revert_of_a_revert_still_carries_the_first_authors(editor):
    a, b = make_clinician("a"), make_clinician("b")
    article = make_article(author=editor, reviewer=b, body="v1")
    edit(article, a, body="v2 by A")
    workflow.submit(article=article, user=editor)
    approve(article, b)
    edit(article, editor, body="v3")
    v2 = article.revisions.get(number=2)
    workflow.revert(article=article, user=editor, revision=v2)  # v4 restores v2
    edit(article, editor, body="v5")
    workflow.revert(article=article, user=editor, revision=article.revisions.get(number=4))
    workflow.submit(article=article, user=editor)
    assert a.pk in workflow.authors_of_pending_changes(article)
    with pytest.raises(workflow.WorkflowError, match="another clinician"):
        approve(article, a)


# The write path writes only the working copy ----------------------------------------------


def test_a_stale_instance_cannot_roll_back_the_live_copy(editor, clinician):
    """Issue 11, fault 1: a historical instance saved through
    save_working_copy wrote its old live columns, reviewer and dates."""
    article = make_article(author=editor, reviewer=make_clinician("first"), title="Old title")
    stale = Article.objects.get(pk=article.pk)
    publish(article, editor, clinician, title="New title")
    live = Article.objects.get(pk=article.pk)
    stale.body = stale.body + "\n\nAn edit."
    workflow.save_working_copy(article=stale, user=editor, expected_version=live.lock_version)
    after = Article.objects.get(pk=article.pk)
    for name in ["live_version", "live_title", "live_slug", "live_body_html", "reviewed_by_id",
                 "last_reviewed", "next_review_due", "approved_revision_number",
                 "live_updated_at", "published_at", "live_reviewer"]:  # fmt: skip
        assert getattr(after, name) == getattr(live, name), name
    assert after.live_title == "New title"


def test_one_edit_writes_one_history_row(editor):
    article = make_article(author=editor, live=False)
    rows = article.history.count()
    edit(article, editor, body="Changed.")
    assert article.history.count() == rows + 1


# Never reviewed is due now ---------------------------------------------------------------


def test_never_reviewed_live_guides_are_overdue_everywhere(client, guides, clinician):
    """Issue 11, fault 7: on a fresh install both seeds are live and never
    reviewed, yet review_status said 0 overdue and exited 0."""
    # seed_demo now approves the seeds: a live guide never reviewed comes
    # from an old backup, as here.
    Article.objects.update(last_reviewed=None, reviewed_by=None, next_review_due=None)
    out = StringIO()
    with pytest.raises(CommandError, match="2 guide"):
        call_command("review_status", stdout=out)
    assert "Overdue (2):" in out.getvalue()
    assert "never reviewed" in out.getvalue()
    client.force_login(clinician)
    overdue = client.get("/admin/articles/article/?review=overdue").content.decode()
    queue = client.get("/admin/articles/reviewqueue/").content.decode()
    for article in Article.objects.all():
        assert article.title in overdue
        assert article.title in queue
    # The clinician reviews one of them: it is no longer overdue.
    seed = Article.objects.get(slug="valium-diazepam")
    approve(seed, clinician)
    assert list(Article.objects.review_overdue()) == [
        Article.objects.get(slug="diazepam-for-sleep")
    ]


# Auditors can verify ---------------------------------------------------------------------


def test_an_auditor_can_recompute_every_versions_hash(editor, clinician):
    article = make_article(author=editor, reviewer=clinician)
    publish(article, editor, clinician, topics=[make_topic()], sources=[{"title": "NICE CKS"}],
            correction_note="Updated.")  # fmt: skip
    for revision in article.revisions.all():
        assert revision.hash_is_intact()
        for review in revision.reviews.all():
            assert review.content_hash == revision.compute_hash()
    Revision.objects.filter(article=article, number=2).update(body="Tampered.")
    assert not article.revisions.get(number=2).hash_is_intact()
    with pytest.raises(TypeError, match="missing"):
        content_hash("a", "b", "c", slug="d")


def test_a_working_slug_cannot_take_another_guides_public_address(editor):
    make_article(slug="taken")
    other = make_article(slug="other", live=False)
    with pytest.raises(workflow.WorkflowError, match="another published guide"):
        edit(other, editor, slug="taken")
    assert not SlugRedirect.objects.exists()


def test_a_live_slug_change_keeps_the_date_accessed_of_sources(client, editor, clinician):
    """Sources are shown from the version's snapshot, dates included."""
    article = make_article(author=editor, reviewer=clinician)
    article = publish(article, editor, clinician, sources=[
        {"order": 1, "title": "BNF", "url": "https://example.org/bnf",
         "date_accessed": date(2026, 10, 3)}])  # fmt: skip
    html = public(client, article.get_absolute_url()).content.decode()
    assert '<time datetime="2026-10-03">3 October 2026</time>' in html


# Topic text follows the same four-eyes approval --------------------------------------------


def _topic_form(topic, **changes):
    data = {"name": topic.name, "description": topic.description,
            "nonproprietary_name": topic.nonproprietary_name,
            "alternate_names": topic.alternate_names, "drug_class": topic.drug_class,
            "expected_version": topic.lock_version}  # fmt: skip
    data.update(changes)
    return data


def test_topic_text_reaches_readers_only_through_a_clinicians_approval(
    client, editor, clinician, django_capture_on_commit_callbacks
):
    """Issue 11, fault 3: "Topic names, descriptions and drug class are
    public at once"."""
    topic = make_topic(name="Diazepam", slug="diazepam", description="A medicine.",
                       nonproprietary_name="diazepam", drug_class="Benzodiazepine")  # fmt: skip
    article = publish(make_article(author=editor), editor, clinician, topics=[topic])
    client.force_login(editor)
    response = client.post(f"/admin/articles/topic/{topic.pk}/change/", _topic_form(
        topic, name="Valium", description="Changed by an editor.", drug_class="Changed class",
    ))  # fmt: skip
    assert response.status_code == 302
    client.logout()
    for url in ["/topics/", "/topics/diazepam/", article.get_absolute_url()]:
        html = public(client, url).content.decode()
        assert "Changed" not in html, url
        assert "Valium" not in html, url
    assert "Benzodiazepine" in public(client, article.get_absolute_url()).content.decode()
    topic.refresh_from_db()
    latest = workflow.latest_topic_revision(topic)
    assert latest.number == 2
    assert latest.created_by == editor
    with pytest.raises(workflow.WorkflowError, match="Clinical reviewers"):
        workflow.approve_topic(topic=topic, reviewer=editor, version=2,
                               content_hash=latest.content_hash)  # fmt: skip
    with pytest.raises(workflow.WorkflowError, match="changed after you opened it"):
        workflow.approve_topic(topic=topic, reviewer=clinician, version=2,
                               content_hash="0" * 64)  # fmt: skip
    client.force_login(clinician)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/articles/topic/{topic.pk}/review/",
                               {"version": 2, "content_hash": latest.content_hash})  # fmt: skip
    assert response.status_code == 302
    client.logout()
    assert "Valium" in public(client, "/topics/diazepam/").content.decode()
    assert "Changed class" in public(client, article.get_absolute_url()).content.decode()


def test_a_clinician_cannot_approve_topic_text_they_wrote(clinician):
    dual = _clinician_editor(clinician)
    topic = make_topic(author=make_editor(), reviewer=make_clinician("other"))
    topic.description = "Written by the clinician."
    workflow.save_topic(topic=topic, user=dual, expected_version=topic.lock_version)
    latest = workflow.latest_topic_revision(topic)
    with pytest.raises(workflow.WorkflowError, match="another clinician"):
        workflow.approve_topic(topic=topic, reviewer=clinician, version=latest.number,
                               content_hash=latest.content_hash)  # fmt: skip


def _clinician_editor(user):
    user.groups.add(*make_editor("editors-group").groups.all())
    return user


def test_a_new_topic_is_not_public_until_approved(client, editor, clinician):
    topic = make_topic(name="Unapproved", slug="unapproved", live=False, author=editor)
    publish(make_article(author=editor), editor, clinician, topics=[topic])
    assert public(client, "/topics/unapproved/").status_code == 404
    assert "Unapproved" not in public(client, "/topics/").content.decode()
    assert "Unapproved" not in public(client, "/sitemap-topics.xml").content.decode()


def test_a_topics_slug_cannot_change_once_it_exists(editor):
    topic = make_topic(slug="fixed")
    topic.slug = "moved"
    with pytest.raises(workflow.WorkflowError, match="slug cannot change"):
        workflow.save_topic(topic=topic, user=editor, expected_version=topic.lock_version)


def test_topics_have_optimistic_locking(client, editor):
    """Issue 18, 8: "Topics have no lock version: one editor's change is
    silently lost to another's"."""
    topic = make_topic(name="Anxiety", description="First text.")
    second = make_editor("second")
    opened = _topic_form(topic)  # both editors open the form at this lock version
    client.force_login(editor)
    assert client.post(f"/admin/articles/topic/{topic.pk}/change/",
                       {**opened, "description": "Editor one's text."}).status_code == 302  # fmt: skip
    client.force_login(second)
    response = client.post(f"/admin/articles/topic/{topic.pk}/change/",
                           {**opened, "description": "Editor two's text."})  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200
    assert "eddie changed this topic" in html
    assert "Editor two&#x27;s text." in html
    topic.refresh_from_db()
    assert topic.description == "Editor one's text."
    stale = Topic.objects.get(pk=topic.pk)
    stale.description = "Lost?"
    with pytest.raises(workflow.EditConflictError):
        workflow.save_topic(topic=stale, user=second, expected_version=opened["expected_version"])
    assert Topic.objects.get(pk=topic.pk).description == "Editor one's text."


def test_the_history_form_cannot_write_a_past_row_back(client, editor, clinician):
    """Issue 11, fault 1: POSTing django-simple-history's form for an entry
    older than the last approval rolled the live copy back."""
    article = make_article(author=editor, reviewer=clinician, title="Old title")
    old_entry = article.history.earliest()
    topic = make_topic()
    publish(article, editor, clinician, title="New title", topics=[topic])
    live = Article.objects.get(pk=article.pk)
    client.force_login(editor)
    url = f"/admin/articles/article/{article.pk}/history/{old_entry.history_id}/"
    response = client.post(url, {"title": "Old title", "slug": old_entry.slug,
                                 "summary": old_entry.summary, "body": old_entry.body,
                                 "correction_note": "", "review_interval_months": "",
                                 "expected_version": live.lock_version, "topics": []})  # fmt: skip
    assert response.status_code == 302
    after = Article.objects.get(pk=article.pk)
    assert (after.title, after.live_title, after.live_version) == ("New title", "New title", 2)
    assert list(after.topics.all()) == [topic]
    assert (after.reviewed_by, after.last_reviewed) == (live.reviewed_by, live.last_reviewed)


def test_a_periodic_review_publishes_no_second_correction_note(editor, clinician):
    article = make_article(author=editor, reviewer=clinician)
    publish(article, editor, clinician, body="Corrected.", correction_note="We fixed the dose.")
    review = approve(article, make_clinician("second"))
    assert review.public_note == ""
    assert len(Article.objects.get(pk=article.pk).live_corrections) == 1


# Found by the attacker (a fresh helper trying every route) ------------------------------


def test_text_pasted_back_carries_the_authors_of_the_version_it_repeats(editor):
    """Only the revert button recorded where restored text came from: an
    editor pasting back clinician A's text let A approve it."""
    a, b, c = make_clinician("a"), make_clinician("b"), make_clinician("c")
    article = make_article(author=editor, reviewer=c, body="Safe.")
    edit(article, a, body="LAUNDER-X by A.")
    edit(article, a, body="Another draft by A.")
    edit(article, editor, body="Safe again.")
    workflow.submit(article=article, user=editor)
    approve(article, b)
    edit(article, editor, body="LAUNDER-X by A.")
    workflow.submit(article=article, user=editor)
    with pytest.raises(workflow.WorkflowError, match="another clinician"):
        approve(article, a)
    approve(article, c)
    assert "LAUNDER-X" in Article.objects.get(pk=article.pk).live_body_html


def _dual(username: str):
    """A clinician who is also an editor (the attacker's dual-role user)."""
    from django.contrib.auth.models import Group

    from articles.models import EDITORS_GROUP

    user = make_clinician(username)
    user.groups.add(Group.objects.get(name=EDITORS_GROUP))
    return user


def test_topic_text_typed_again_carries_the_authors_of_the_version_it_repeats(editor):
    a, b = _dual("a"), make_clinician("b")
    topic = make_topic(name="Anxiety", slug="anxiety", author=editor, reviewer=b)

    def write(user, description):
        current = Topic.objects.get(pk=topic.pk)
        current.description = description
        workflow.save_topic(topic=current, user=user, expected_version=current.lock_version)

    write(a, "X by A.")
    write(editor, "Y by the editor.")
    approve_topic(topic, b)
    write(editor, "X by A.")
    with pytest.raises(workflow.WorkflowError):
        approve_topic(topic, a)
    assert Topic.objects.get(pk=topic.pk).live_description == "Y by the editor."


def test_the_author_of_the_live_text_cannot_do_its_periodic_review(editor):
    a, b = _dual("a"), make_clinician("b")
    article = make_article(author=editor, reviewer=b)
    publish(article, a, b, body="Written by A.")
    with pytest.raises(workflow.WorkflowError, match="another clinician"):
        approve(article, a)


def test_a_periodic_review_moves_the_page_validators(client, editor):
    """The page shows who reviewed it and when: a periodic review with no new
    text must not be answered 304 with the old reviewer."""
    b, c = make_clinician("b"), make_clinician("c")
    article = make_article(author=editor, reviewer=b)
    url = article.get_absolute_url()
    before = public(client, url)
    approve(article, c)
    cache.clear()
    after = client.get(url, headers={"if-none-match": before["ETag"]})
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]


def test_a_fixture_cannot_add_a_version_to_a_stored_guide(tmp_path, guides):
    article = Article.objects.get(slug="valium-diazepam")
    fixture = tmp_path / "more.json"
    fixture.write_text(json.dumps([{
        "model": "articles.revision",
        "fields": {"article": ["valium-diazepam"], "number": 9, "title": "T", "slug": article.slug,
                   "summary": "S", "body": "FIXTURE-EVIL", "topics": [], "sources": []},
    }]))  # fmt: skip
    with pytest.raises(CommandError, match="never adds versions"):
        call_command("load_guides", str(fixture), stdout=StringIO())
    assert not article.revisions.filter(body="FIXTURE-EVIL").exists()


def test_seed_demo_never_publishes_an_editors_change_to_a_seed(editor):
    call_command("seed_demo", stdout=StringIO())
    seed = Article.objects.get(slug="valium-diazepam")
    workflow.archive(article=seed, user=make_staff(superuser=True))
    workflow.restore(article=seed, user=make_staff(superuser=True))
    edit(seed, editor, correction_note="SEED-NOTE-EVIL")
    call_command("seed_demo", stdout=StringIO())
    seed = Article.objects.get(slug="valium-diazepam")
    assert seed.live_version is None
    assert "SEED-NOTE-EVIL" not in json.dumps(seed.live_corrections)


@pytest.mark.django_db(transaction=True)
def test_a_backup_pointing_live_at_an_unapproved_version_is_refused(tmp_path, editor, clinician):
    article = make_article(author=editor, reviewer=clinician)
    edit(article, editor, body="RESTORE-NOAPPROVAL")
    backup = tmp_path / "backup.json"
    call_command("dumpdata", "articles", "auth.user", "auth.group", "--natural-foreign",
                 "--natural-primary", output=str(backup))  # fmt: skip
    data = json.loads(backup.read_text())
    for entry in data:
        if entry["model"] == "articles.article":
            entry["fields"]["live_version"] = entry["fields"]["approved_revision_number"] = 2
    backup.write_text(json.dumps(data))
    call_command("flush", interactive=False)
    make_staff("restorer", superuser=True)
    with pytest.raises(CommandError, match="no clinician approved"):
        call_command("restore_backup", str(backup), "--user", "restorer", stdout=StringIO())
    assert not Article.objects.exists()


def test_a_clinician_cannot_take_another_reviewers_public_name():
    make_clinician("one")
    two = make_clinician("two")
    taken = ReviewerProfile.objects.exclude(user=two).get().display_name
    profile = two.reviewer_profile
    profile.display_name = taken.upper()
    with pytest.raises(workflow.WorkflowError, match="already uses the public name"):
        workflow.save_reviewer_profile(profile=profile, user=two)
